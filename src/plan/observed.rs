//! What an engine reports about a container, reduced to what plans need.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerState {
    Created,
    Running,
    Paused,
    Restarting,
    Exited,
    Dead,
    Removing,
    Unknown,
}

impl ContainerState {
    /// As Docker names it.
    pub fn name(self) -> &'static str {
        match self {
            ContainerState::Created => "created",
            ContainerState::Running => "running",
            ContainerState::Paused => "paused",
            ContainerState::Restarting => "restarting",
            ContainerState::Exited => "exited",
            ContainerState::Dead => "dead",
            ContainerState::Removing => "removing",
            ContainerState::Unknown => "unknown",
        }
    }

    pub fn parse(state: &str) -> Self {
        match state {
            "created" => Self::Created,
            "running" => Self::Running,
            "paused" => Self::Paused,
            "restarting" => Self::Restarting,
            "exited" => Self::Exited,
            "dead" => Self::Dead,
            "removing" => Self::Removing,
            _ => Self::Unknown,
        }
    }

    /// Running, about to be, or paused by someone on purpose: nothing to start.
    pub fn is_up(self) -> bool {
        matches!(self, Self::Running | Self::Restarting | Self::Paused)
    }
}

#[derive(Debug, Clone)]
pub struct ObservedContainer {
    pub name: String,
    pub state: ContainerState,
    pub labels: BTreeMap<String, String>,
}
