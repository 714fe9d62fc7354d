//! What happened to each container.

use std::time::Duration;

use serde::Serialize;

/// One container of a group on its host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct UnitKey {
    pub group: String,
    pub container: String,
    /// The `host` value as groups.yaml spells it.
    pub host: String,
    pub core: bool,
}

impl UnitKey {
    /// The group to name in a hint: selected across groups, a unit names them all,
    /// comma-separated, and any of them would do.
    pub fn first_group(&self) -> &str {
        self.group.split(',').next().unwrap_or(&self.group)
    }
}

impl std::fmt::Display for UnitKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.container, self.host)
    }
}

/// A selected container with where it runs, for commands that act on containers as
/// they are rather than on a plan.
#[derive(Debug, Clone)]
pub struct FleetUnit {
    pub key: UnitKey,
    pub host: crate::inventory::Host,
    pub stop_timeout: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Created,
    Recreated,
    Started,
    Unchanged,
    /// Exists with another configuration, left alone.
    Differs,
    Deployed,
    Stopped,
    Restarted,
    Removed,
    RolledBack,
    Failed,
    /// Not attempted, because something it depends on failed.
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Recreated => "recreated",
            Status::Started => "started",
            Status::Unchanged => "unchanged",
            Status::Differs => "differs",
            Status::Deployed => "deployed",
            Status::Stopped => "stopped",
            Status::Restarted => "restarted",
            Status::Removed => "removed",
            Status::RolledBack => "rolled_back",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }

    /// Failed, or skipped because of a failure: the command did not do its job here.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Failed | Status::Skipped)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    #[serde(flatten)]
    pub unit: UnitKey,
    pub status: Status,
    /// Why it failed or was skipped, what differs, or what was done.
    pub detail: String,
    /// The release deploy put in place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
}

pub(super) fn seconds<S: serde::Serializer>(
    elapsed: &Duration,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((elapsed.as_secs_f64() * 1000.0).round() / 1000.0)
}

impl Outcome {
    pub fn new(unit: UnitKey, status: Status, detail: impl Into<String>) -> Self {
        Self {
            unit,
            status,
            detail: detail.into(),
            release: None,
            elapsed: Duration::ZERO,
        }
    }
}
