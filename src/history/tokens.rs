//! API tokens: who holds one, with which role on which groups. Only a token's SHA-256 is
//! kept; the token itself is shown once, when it is made, and never again.

use std::fmt::Write as _;

use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::store::sqlite_error;
use super::{now, History, HistoryError};
use crate::access::{Grant, GroupScope, Role};

/// What every token starts with, so one pasted in the wrong place is recognised.
pub const TOKEN_PREFIX: &str = "jdp_";
/// Random bytes in a token, after its prefix (as hex, twice as many characters).
const TOKEN_BYTES: usize = 32;

/// A token as listed: never the token, nor its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRow {
    pub id: i64,
    pub user: String,
    pub role: Role,
    pub groups: GroupScope,
    /// RFC 3339, UTC, as every time here.
    pub created_at: String,
    pub created_by: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl TokenRow {
    pub fn grant(&self) -> Grant {
        Grant {
            user: self.user.clone(),
            role: self.role,
            groups: self.groups.clone(),
        }
    }
}

/// Which tokens to revoke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSelector {
    Id(i64),
    /// Every token of this user.
    User(String),
}

#[derive(Debug, thiserror::Error)]
#[error("cannot draw random bytes for a token")]
pub struct NoRandom;

/// A new token: the prefix and 32 random bytes as hex.
pub fn new_token() -> Result<String, NoRandom> {
    let mut bytes = [0u8; TOKEN_BYTES];
    SystemRandom::new().fill(&mut bytes).map_err(|_| NoRandom)?;
    Ok(format!("{TOKEN_PREFIX}{}", hex(&bytes)))
}

/// What the database keeps of a token.
fn token_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

const COLUMNS: &str = "id, user, role, groups, created_at, created_by, revoked_at, last_used_at";

impl History {
    /// Makes a token for `user` and records its hash; returns the row and the token,
    /// which cannot be read back later.
    pub fn create_token(
        &self,
        user: &str,
        role: Role,
        groups: &GroupScope,
        created_by: &str,
    ) -> Result<(TokenRow, String), HistoryError> {
        let secret = new_token()?;
        let created_at = now();
        self.connection
            .execute(
                "INSERT INTO tokens (user, role, groups, token_sha256, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    user,
                    role.as_str(),
                    groups.to_text(),
                    token_hash(&secret),
                    created_at,
                    created_by
                ],
            )
            .map_err(|err| self.fail(err))?;
        let row = TokenRow {
            id: self.connection.last_insert_rowid(),
            user: user.to_string(),
            role,
            groups: groups.clone(),
            created_at,
            created_by: created_by.to_string(),
            revoked_at: None,
            last_used_at: None,
        };
        Ok((row, secret))
    }

    /// Every token, revoked ones too, oldest first.
    pub fn list_tokens(&self) -> Result<Vec<TokenRow>, HistoryError> {
        let mut statement = self
            .connection
            .prepare(&format!("SELECT {COLUMNS} FROM tokens ORDER BY id"))
            .map_err(|err| self.fail(err))?;
        let rows = statement
            .query_map([], token_from_row)
            .map_err(|err| self.fail(err))?;
        rows.collect::<Result<_, _>>().map_err(|err| self.fail(err))
    }

    /// Revokes the tokens `which` names that are not revoked yet; returns how many.
    pub fn revoke_tokens(&self, which: &TokenSelector) -> Result<usize, HistoryError> {
        let at = now();
        let changed = match which {
            TokenSelector::Id(id) => self.connection.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![at, id],
            ),
            TokenSelector::User(user) => self.connection.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE user = ?2 AND revoked_at IS NULL",
                params![at, user],
            ),
        };
        changed.map_err(|err| self.fail(err))
    }

    /// The grant of `secret` when it is a token not revoked; notes that it was used.
    pub fn verify_token(&self, secret: &str) -> Result<Option<Grant>, HistoryError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let found = self
            .connection
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM tokens WHERE token_sha256 = ?1 AND revoked_at IS NULL"
                ),
                params![token_hash(secret)],
                token_from_row,
            )
            .optional()
            .map_err(|err| self.fail(err))?;
        let Some(row) = found else {
            return Ok(None);
        };
        self.connection
            .execute(
                "UPDATE tokens SET last_used_at = ?1 WHERE id = ?2",
                params![now(), row.id],
            )
            .map_err(|err| sqlite_error(&self.path, err))?;
        Ok(Some(row.grant()))
    }
}

fn token_from_row(row: &rusqlite::Row) -> rusqlite::Result<TokenRow> {
    let role: String = row.get(2)?;
    let groups: String = row.get(3)?;
    Ok(TokenRow {
        id: row.get(0)?,
        user: row.get(1)?,
        role: Role::parse(&role).ok_or_else(|| unreadable(2, format!("role `{role}`")))?,
        groups: GroupScope::from_text(&groups)
            .ok_or_else(|| unreadable(3, format!("groups `{groups}`")))?,
        created_at: row.get(4)?,
        created_by: row.get(5)?,
        revoked_at: row.get(6)?,
        last_used_at: row.get(7)?,
    })
}

/// A value this version cannot make sense of.
pub(super) fn unreadable(column: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("unknown {what}").into(),
    )
}
