//! A lock per group that lives on the group's own engines, so two machines never act on
//! one group at once.
//!
//! The lock is a container that is never started, named after the group, on the host of
//! the group's first core unit: the engine keeps container names unique, so creating it
//! is taking the lock, and a second creator is refused. Its labels say who holds it and
//! since when. The holder renews it by writing a lease (when it lapses) into it; a lock
//! whose lease has lapsed may be taken over. Every time is the engine's clock, so
//! machines with clocks apart still agree.

mod cluster;
mod lease;

pub use cluster::{acquire, inspect, release_by_force, Acquired};
pub use lease::{Lease, LEASE_FILE};

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::engine::EngineError;

/// The longest a lock outlives its holder: a holder that dies stops renewing, and the
/// lock lapses at most this long after its last renewal.
pub const MAX_TTL: Duration = Duration::from_secs(60);
/// The shortest lease a holder may take: renewals must have time to arrive.
pub const MIN_TTL: Duration = Duration::from_secs(2);

/// The lock container's name for `group`. Group names are valid in container names.
pub fn lock_name(group: &str) -> String {
    format!("jdeploy-lock.{group}")
}

/// Who takes a lock, and for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// `user@machine`.
    pub by: String,
    /// The command, as typed (`deploy --group product --mode dev_new`).
    pub command: String,
}

/// A lock as found on its host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockInfo {
    pub group: String,
    /// The host it lives on.
    pub host: String,
    pub by: String,
    pub command: String,
    /// RFC 3339, the engine's clock.
    pub since: String,
    /// How long it has been held.
    #[serde(serialize_with = "crate::rollout::seconds")]
    pub held_for: Duration,
    /// How long until it lapses unless renewed; zero once lapsed.
    #[serde(serialize_with = "crate::rollout::seconds")]
    pub expires_in: Duration,
    /// Its holder stopped renewing it: the next command takes it over.
    pub expired: bool,
    /// Which taking of the lock it is; empty for a container under the lock's name that
    /// jdeploy did not make.
    pub id: String,
    /// The lock container's id on its engine.
    #[serde(skip)]
    pub container: String,
}

impl LockInfo {
    /// Made by jdeploy: it can lapse and be broken.
    pub fn is_lock(&self) -> bool {
        !self.id.is_empty()
    }
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let since = self
            .since
            .split_once('T')
            .map_or(self.since.as_str(), |(_, time)| time);
        let since = since
            .split_once('.')
            .map_or(since.to_string(), |(whole, _)| format!("{whole}Z"));
        write!(
            f,
            "group {} is locked by {} ({}) since {}, {} ago",
            self.group,
            self.by,
            self.command,
            since,
            humantime::format_duration(Duration::from_secs(self.held_for.as_secs()))
        )?;
        if self.expired {
            f.write_str(", lapsed")?;
        }
        Ok(())
    }
}

/// Why a lock was not taken.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LockError {
    #[error("{0}")]
    Held(Box<LockInfo>),
    #[error("cannot lock group {group} on {host}: {error}")]
    Engine {
        group: String,
        host: String,
        error: EngineError,
    },
}

/// `time` as the lock's labels and lease write it.
fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_nanos(time).to_string()
}

fn rfc3339_seconds(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

fn parse_time(text: &str) -> Option<SystemTime> {
    text.parse::<jiff::Timestamp>().ok().map(SystemTime::from)
}

#[cfg(test)]
mod tests;
