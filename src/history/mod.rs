//! The local record of what ran: every create, deploy and rollback, with each unit's
//! outcome and release, in an SQLite file. The hosts keep the releases themselves; this
//! is an index of who did what when, not the only copy of anything. The same file keeps
//! what the server needs to know who may do what: API tokens (as hashes), the audit log
//! and deploy requests.

mod audit;
mod requests;
mod store;
mod tokens;

pub use audit::{without_tokens, AuditEntry, AuditResult, NewAudit};
pub use requests::{DeployRequest, NewDeployRequest, RequestError, RequestState};
pub use store::{History, HistoryError};
pub use tokens::{new_token, NoRandom, TokenRow, TokenSelector, TOKEN_PREFIX};

use serde::Serialize;

/// One command run against the fleet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// Assigned when recorded.
    pub id: i64,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub elapsed: f64,
    /// user@machine.
    pub by: String,
    /// The command line as typed, arguments quoted for a shell.
    pub command_line: String,
    /// create, deploy or rollback.
    pub command: String,
    pub group: String,
    /// The flags that shaped it, such as `--mode`.
    pub flags: serde_json::Value,
    /// The deploy id, for deploys: shared by every release it put in place.
    pub deploy: Option<String>,
    pub ok: bool,
    /// How a deploy, restart or rollback moved through the group.
    pub strategy: Option<serde_json::Value>,
    /// Asked to stop, it started nothing more.
    pub interrupted: bool,
    /// It failed past what it tolerates and put back what it had changed.
    pub rolled_back: bool,
    pub units: Vec<UnitRecord>,
}

/// What the run did to one container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitRecord {
    pub container: String,
    pub host: String,
    pub core: bool,
    pub status: String,
    pub release: Option<String>,
    /// What was done, or why it failed.
    pub detail: String,
    pub elapsed: f64,
    /// The wave it was in: `core`, `canary`, `batch 2/4`.
    pub batch: Option<String>,
}

/// Now, as every time in the database is written: RFC 3339, UTC, to the second.
pub(crate) fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// `user@machine`, as the operating system names them.
pub fn operator() -> String {
    let user = whoami::username().unwrap_or_else(|_| "unknown".into());
    let machine = whoami::hostname().unwrap_or_else(|_| "unknown".into());
    format!("{user}@{machine}")
}

#[cfg(test)]
mod tests;
