//! The application: one async function per command, a typed request in and a typed
//! report out. Nothing here prints, prompts or exits: questions, warnings and progress go
//! through [`Frontend`], which the command line implements (and a server would, its own
//! way), and engines come from a [`Backend`], Docker's or a test double.

mod announce;
mod create;
mod deploy;
mod error;
mod exec;
mod frontend;
mod groups;
mod history;
mod hooks;
mod images;
mod lifecycle;
mod load;
mod lock;
mod logs;
mod plan;
mod record;
mod render;
mod rollback;
mod select;
mod sequence;
mod status;
mod strategy;
mod tokens;
mod validate;
mod watch;
mod windows;

pub use create::CreateRequest;
pub use deploy::DeployRequest;
pub use error::AppError;
pub use exec::{ExecReport, ExecRequest};
pub use frontend::{Frontend, Move, Question, Unattended};
pub use groups::{GroupView, GroupsRequest, UnitView};
pub use history::{HistoryReport, HistoryRequest};
pub use images::{ImageLsRequest, ImagePushRequest, ImageRow};
pub use lifecycle::LifecycleRequest;
pub use lock::{LockReleaseRequest, LockRow, LockSettings, LockStatusReport, LockStatusRequest};
pub use logs::{LogsReport, LogsRequest};
pub use plan::{PlanAction, PlanReport, PlanRequest, PlanRow, PlannedBatch};
pub use render::RenderRequest;
pub use rollback::{RollbackRequest, RollbackTo};
pub use sequence::SequenceReport;
pub use status::{StatusReport, StatusRequest, StatusRow};
pub use tokens::{
    TokenCreateRequest, TokenCreated, TokenListReport, TokenRevokeReport, TokenRevokeRequest,
};
pub use validate::{ValidateReport, ValidateRequest};
pub use watch::FleetLook;
pub use windows::WindowCheck;

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use std::future::Future;

use crate::engine::{
    connect_local, ConnectOptions, Connector, DockerConnector, DockerEngine, EngineError,
};
use crate::inventory::gates::RolloutPolicy;
use crate::inventory::{Inventory, LoadOptions};
use crate::rollout::{Fleet, Outcome};
use crate::secrets::{SecretSources, SecretStore};

/// Where engines come from.
pub trait Backend: Send + Sync + 'static {
    type Connector: Connector;
    fn connector(&self, options: ConnectOptions) -> Self::Connector;
    /// This machine's own engine, where images to push come from.
    fn local_engine(&self) -> impl Future<Output = Result<EngineOf<Self>, EngineError>> + Send;
}

/// Each host's Docker Engine API.
#[derive(Debug, Clone, Copy, Default)]
pub struct Docker;

impl Backend for Docker {
    type Connector = DockerConnector;
    fn connector(&self, options: ConnectOptions) -> DockerConnector {
        DockerConnector(options)
    }

    async fn local_engine(&self) -> Result<DockerEngine, EngineError> {
        connect_local().await
    }
}

type EngineOf<B> = <<B as Backend>::Connector as Connector>::Engine;

/// What every command works from.
#[derive(Debug, Clone)]
pub struct Context {
    /// groups.yaml.
    pub file: PathBuf,
    pub load: LoadOptions,
    /// The history database.
    pub state: PathBuf,
    /// Waiting for group locks, and their lease.
    pub lock: LockSettings,
    /// Where `create` and `validate` look up secret values.
    pub secrets: SecretSources,
}

pub struct App<B = Docker> {
    pub backend: B,
    pub context: Context,
}

impl<B: Backend> App<B> {
    pub fn new(backend: B, context: Context) -> Self {
        Self { backend, context }
    }

    /// Secret values for this command, looked up as they are first asked for.
    fn secret_store(&self, inventory: &Inventory) -> SecretStore {
        SecretStore::new(&self.context.secrets, &inventory.base_dir)
    }

    /// The engines of `inventory`'s hosts, connected as they are first needed.
    /// `stop_timeout`: the longest any container may take to stop.
    fn fleet(&self, inventory: &Inventory, stop_timeout: u32) -> Fleet<EngineOf<B>> {
        let connection = &inventory.connection;
        let connector = self.backend.connector(ConnectOptions {
            connect_timeout: connection.timeout_secs,
            request_timeout: u64::from(connection.request_timeout_secs) + u64::from(stop_timeout),
            // The fleet bounds the kept connections across hosts; a host keeps at most
            // as many as it has calls in flight.
            idle_per_host: connection.parallel as usize,
        });
        Fleet::new(connector, connection.parallel, connection.max_open)
    }
}

/// What a command that changes containers did to each.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// create, deploy, rollback, start, stop, restart or rm.
    pub command: String,
    /// The group acted on, or `all`.
    pub group: String,
    pub outcomes: Vec<Outcome>,
    #[serde(serialize_with = "crate::rollout::seconds")]
    pub elapsed: Duration,
    /// The request asked for what cannot be done, and nothing was changed.
    pub refused: bool,
    /// It was asked to stop, and started nothing more.
    pub interrupted: bool,
    /// It failed past what it tolerates and put back what it had changed.
    pub rolled_back: bool,
    /// Its group's lock was broken or lapsed while it ran, so it started nothing more.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub lock_lost: bool,
    /// How it moved through the group: deploy, restart and rollback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<RolloutPolicy>,
}

impl RunReport {
    /// What a command that acted reports, before any strategy is known.
    pub fn new(command: &str, group: &str, outcomes: Vec<Outcome>, elapsed: Duration) -> Self {
        Self {
            command: command.to_string(),
            group: group.to_string(),
            outcomes,
            elapsed,
            refused: false,
            interrupted: false,
            rolled_back: false,
            lock_lost: false,
            strategy: None,
        }
    }

    /// Every container did what was asked.
    pub fn ok(&self) -> bool {
        !self.refused
            && !self.interrupted
            && !self.rolled_back
            && !self.lock_lost
            && !self
                .outcomes
                .iter()
                .any(|outcome| outcome.status.is_failure())
    }
}

#[cfg(test)]
mod tests;
