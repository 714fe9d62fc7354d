//! The audit log: who did what to which group, and how it ended. Nothing secret goes in:
//! anything shaped like a token is blanked before it is written.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::tokens::{unreadable, TOKEN_PREFIX};
use super::{now, History, HistoryError};

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditResult {
    Ok,
    /// It ran and failed.
    Failed,
    /// It was asked for what cannot be done, and changed nothing.
    Refused,
    /// The user may not do it.
    Denied,
}

impl AuditResult {
    pub const NAMES: [&'static str; 4] = ["ok", "failed", "refused", "denied"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ok" => Some(AuditResult::Ok),
            "failed" => Some(AuditResult::Failed),
            "refused" => Some(AuditResult::Refused),
            "denied" => Some(AuditResult::Denied),
            _ => None,
        }
    }
}

/// One entry to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAudit {
    /// Who acted: a token's user, or `user@machine` on the command line.
    pub user: String,
    /// What was asked, as the caller names it: `deploy`, `token create`, `approve`.
    pub action: String,
    pub group: Option<String>,
    /// Anything worth keeping about it (flags, ids, the reason it was refused).
    pub detail: serde_json::Value,
    pub result: AuditResult,
    pub job_id: Option<String>,
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub user: String,
    pub action: String,
    pub group: Option<String>,
    pub detail: serde_json::Value,
    pub result: AuditResult,
    pub job_id: Option<String>,
}

impl History {
    /// Records `entry` as of now; returns its id.
    pub fn record_audit(&self, entry: &NewAudit) -> Result<i64, HistoryError> {
        self.connection
            .execute(
                "INSERT INTO audit (at, user, action, grp, detail, result, job_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    now(),
                    entry.user,
                    entry.action,
                    entry.group,
                    without_tokens(&entry.detail.to_string()),
                    entry.result.as_str(),
                    entry.job_id,
                ],
            )
            .map_err(|err| self.fail(err))?;
        Ok(self.connection.last_insert_rowid())
    }

    /// The newest entries first.
    pub fn list_audit(&self, limit: usize) -> Result<Vec<AuditEntry>, HistoryError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT id, at, user, action, grp, detail, result, job_id
                 FROM audit ORDER BY id DESC LIMIT ?1",
            )
            .map_err(|err| self.fail(err))?;
        let rows = statement
            .query_map(params![limit as i64], |row| {
                let detail: String = row.get(5)?;
                let result: String = row.get(6)?;
                Ok(AuditEntry {
                    id: row.get(0)?,
                    at: row.get(1)?,
                    user: row.get(2)?,
                    action: row.get(3)?,
                    group: row.get(4)?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                    result: AuditResult::parse(&result)
                        .ok_or_else(|| unreadable(6, format!("result `{result}`")))?,
                    job_id: row.get(7)?,
                })
            })
            .map_err(|err| self.fail(err))?;
        rows.collect::<Result<_, _>>().map_err(|err| self.fail(err))
    }
}

/// `text` with every token in it (`jdp_` and 16 or more letters and digits) cut to its
/// prefix and `…`: a token passed along by mistake must not outlive the request in the log.
pub fn without_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(TOKEN_PREFIX) {
        let after = &rest[at + TOKEN_PREFIX.len()..];
        let secret_len = after
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
            .unwrap_or(after.len());
        out.push_str(&rest[..at + TOKEN_PREFIX.len()]);
        if secret_len >= 16 {
            out.push('…');
            rest = &after[secret_len..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}
