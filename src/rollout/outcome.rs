//! What happened to each container.

use std::time::Duration;

use serde::Serialize;

use crate::engine::{EngineError, ErrorKind};

/// One container of a group on its host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
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
    /// What it must pass after a restart.
    pub gate: super::gate::Gate,
    /// What runs in it before it stops and once it passed its gate.
    pub hooks: std::sync::Arc<crate::inventory::hooks::ContainerHooks>,
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
    /// An image sent to a host that lacked it.
    Pushed,
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
            Status::Pushed => "pushed",
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
    /// What kind of failure it was; failed units only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
    /// The release deploy put in place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// The wave it was in: `core`, `canary`, `batch 2/4`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// How it did at its gate after its restart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<super::gate::GateResult>,
    /// Bytes sent to it (an image push).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
}

pub fn seconds<S: serde::Serializer>(elapsed: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((elapsed.as_secs_f64() * 1000.0).round() / 1000.0)
}

impl Outcome {
    pub fn new(unit: UnitKey, status: Status, detail: impl Into<String>) -> Self {
        Self {
            unit,
            status,
            detail: detail.into(),
            error_kind: None,
            release: None,
            batch: None,
            gate: None,
            bytes: None,
            elapsed: Duration::ZERO,
        }
    }

    /// A unit that failed for a reason of `kind`.
    pub fn failed(unit: UnitKey, kind: ErrorKind, detail: impl Into<String>) -> Self {
        let mut outcome = Self::new(unit, Status::Failed, detail);
        outcome.error_kind = Some(kind);
        outcome
    }

    /// A unit whose engine call failed.
    pub fn engine_failed(unit: UnitKey, err: &EngineError) -> Self {
        Self::failed(unit, err.kind(), err.to_string())
    }

    pub fn error(unit: UnitKey, err: &UnitError) -> Self {
        Self::failed(unit, err.kind, err.message.clone())
    }
}

/// Why one unit cannot be acted on, with its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UnitError {
    pub kind: ErrorKind,
    pub message: String,
}

impl UnitError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The unit's container is not on its host.
    pub fn missing(unit: &UnitKey) -> Self {
        Self::new(
            ErrorKind::NotFound,
            format!(
                "container {} does not exist on this host; `jdeploy create --group {}` creates it",
                unit.container,
                unit.first_group()
            ),
        )
    }
}

impl From<EngineError> for UnitError {
    fn from(err: EngineError) -> Self {
        Self::new(err.kind(), err.to_string())
    }
}
