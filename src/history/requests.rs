//! Deploy requests: someone asks for a deploy of a group, and someone allowed to approve
//! it approves (and a job runs it) or rejects it. Each is decided once.

use std::fmt;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::tokens::unreadable;
use super::{now, History, HistoryError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestState {
    Pending,
    Approved,
    Rejected,
}

impl RequestState {
    pub const NAMES: [&'static str; 3] = ["pending", "approved", "rejected"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(RequestState::Pending),
            "approved" => Some(RequestState::Approved),
            "rejected" => Some(RequestState::Rejected),
            _ => None,
        }
    }
}

impl fmt::Display for RequestState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request to file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDeployRequest {
    pub group: String,
    /// How to deploy, as the caller describes it (`mode`, `monitor`, `strategy`...),
    /// kept as given.
    pub flags: serde_json::Value,
    /// Why the deploy is wanted.
    pub reason: String,
    pub requested_by: String,
}

/// A filed request, and its decision once there is one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeployRequest {
    pub id: i64,
    pub group: String,
    pub flags: serde_json::Value,
    pub reason: String,
    pub requested_by: String,
    /// RFC 3339, UTC, as every time here.
    pub requested_at: String,
    pub state: RequestState,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// Why it was rejected (or anything said on approving it).
    pub decision_reason: Option<String>,
    /// The job that carries out an approved request.
    pub job_id: Option<String>,
}

/// Why a request could not be decided.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("no deploy request {0}")]
    NotFound(i64),
    #[error("deploy request {id} was already {state} by {by} at {at}; only a pending request can be approved or rejected", by = decided_by.as_deref().unwrap_or("someone"), at = decided_at.as_deref().unwrap_or("an unknown time"))]
    NotPending {
        id: i64,
        state: RequestState,
        decided_by: Option<String>,
        decided_at: Option<String>,
    },
    #[error(transparent)]
    History(#[from] HistoryError),
}

const COLUMNS: &str = "id, grp, flags, reason, requested_by, requested_at, state, decided_by, decided_at, decision_reason, job_id";

impl History {
    /// Files `request` as pending.
    pub fn file_request(&self, request: &NewDeployRequest) -> Result<DeployRequest, HistoryError> {
        let requested_at = now();
        self.connection
            .execute(
                "INSERT INTO deploy_requests (grp, flags, reason, requested_by, requested_at, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending')",
                params![
                    request.group,
                    request.flags.to_string(),
                    request.reason,
                    request.requested_by,
                    requested_at,
                ],
            )
            .map_err(|err| self.fail(err))?;
        Ok(DeployRequest {
            id: self.connection.last_insert_rowid(),
            group: request.group.clone(),
            flags: request.flags.clone(),
            reason: request.reason.clone(),
            requested_by: request.requested_by.clone(),
            requested_at,
            state: RequestState::Pending,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            job_id: None,
        })
    }

    /// Newest first; only those in `state` when given.
    pub fn list_requests(
        &self,
        state: Option<RequestState>,
    ) -> Result<Vec<DeployRequest>, HistoryError> {
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT {COLUMNS} FROM deploy_requests WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC"
            ))
            .map_err(|err| self.fail(err))?;
        let rows = statement
            .query_map(params![state.map(RequestState::as_str)], request_from_row)
            .map_err(|err| self.fail(err))?;
        rows.collect::<Result<_, _>>().map_err(|err| self.fail(err))
    }

    pub fn get_request(&self, id: i64) -> Result<Option<DeployRequest>, HistoryError> {
        self.connection
            .query_row(
                &format!("SELECT {COLUMNS} FROM deploy_requests WHERE id = ?1"),
                params![id],
                request_from_row,
            )
            .optional()
            .map_err(|err| self.fail(err))
    }

    /// Approves a pending request, with the job that carries it out when there is one
    /// yet ([`History::attach_request_job`] adds it later).
    pub fn approve_request(
        &self,
        id: i64,
        by: &str,
        job_id: Option<&str>,
    ) -> Result<DeployRequest, RequestError> {
        self.decide(id, RequestState::Approved, by, None, job_id)
    }

    /// Rejects a pending request, saying why.
    pub fn reject_request(
        &self,
        id: i64,
        by: &str,
        reason: &str,
    ) -> Result<DeployRequest, RequestError> {
        self.decide(id, RequestState::Rejected, by, Some(reason), None)
    }

    /// Notes the job that carries out an approved request.
    pub fn attach_request_job(&self, id: i64, job_id: &str) -> Result<(), RequestError> {
        let changed = self
            .connection
            .execute(
                "UPDATE deploy_requests SET job_id = ?1 WHERE id = ?2",
                params![job_id, id],
            )
            .map_err(|err| self.fail(err))?;
        if changed == 0 {
            return Err(RequestError::NotFound(id));
        }
        Ok(())
    }

    /// One statement decides, only if still pending: two deciders at once cannot both win.
    fn decide(
        &self,
        id: i64,
        state: RequestState,
        by: &str,
        reason: Option<&str>,
        job_id: Option<&str>,
    ) -> Result<DeployRequest, RequestError> {
        let changed = self
            .connection
            .execute(
                "UPDATE deploy_requests
                 SET state = ?1, decided_by = ?2, decided_at = ?3, decision_reason = ?4, job_id = ?5
                 WHERE id = ?6 AND state = 'pending'",
                params![state.as_str(), by, now(), reason, job_id, id],
            )
            .map_err(|err| self.fail(err))?;
        let request = self.get_request(id)?.ok_or(RequestError::NotFound(id))?;
        if changed == 0 {
            return Err(RequestError::NotPending {
                id,
                state: request.state,
                decided_by: request.decided_by,
                decided_at: request.decided_at,
            });
        }
        Ok(request)
    }
}

fn request_from_row(row: &rusqlite::Row) -> rusqlite::Result<DeployRequest> {
    let flags: String = row.get(2)?;
    let state: String = row.get(6)?;
    Ok(DeployRequest {
        id: row.get(0)?,
        group: row.get(1)?,
        flags: serde_json::from_str(&flags).unwrap_or(serde_json::Value::Null),
        reason: row.get(3)?,
        requested_by: row.get(4)?,
        requested_at: row.get(5)?,
        state: RequestState::parse(&state)
            .ok_or_else(|| unreadable(6, format!("state `{state}`")))?,
        decided_by: row.get(7)?,
        decided_at: row.get(8)?,
        decision_reason: row.get(9)?,
        job_id: row.get(10)?,
    })
}
