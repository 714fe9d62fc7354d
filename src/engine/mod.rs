//! The only layer that talks to Docker: one client per engine, through the Engine API.

mod connect;
mod docker;
mod error;
mod request;

pub use connect::{connect, ConnectOptions, DockerConnector};
pub use docker::DockerEngine;
pub use error::EngineError;
pub use request::create_body;

use std::future::Future;

use bytes::Bytes;

use crate::inventory::Host;
use crate::plan::{DesiredContainer, ObservedContainer};

/// What rollouts need from an engine; the Docker one and test doubles implement it.
pub trait Engine: Send + Sync + 'static {
    /// Every container on the engine, in one request.
    fn list(&self) -> impl Future<Output = Result<Vec<ObservedContainer>, EngineError>> + Send;
    /// Creates `desired` under `name`, which differs from its own while it replaces another.
    fn create(
        &self,
        name: &str,
        desired: &DesiredContainer,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;
    fn rename(&self, from: &str, to: &str) -> impl Future<Output = Result<(), EngineError>> + Send;
    fn start(&self, name: &str) -> impl Future<Output = Result<(), EngineError>> + Send;
    /// Stops within `stop_timeout` seconds, then removes.
    fn remove(
        &self,
        name: &str,
        stop_timeout: u32,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;
    /// Restarts a running container, starts a stopped one.
    fn restart(
        &self,
        name: &str,
        stop_timeout: u32,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;
    /// Unpacks a tar archive at `/` in the container.
    fn upload(
        &self,
        name: &str,
        archive: Bytes,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;
}

/// Opens engines; connecting is separate so unreachable hosts fail once, not per container.
pub trait Connector: Send + Sync + 'static {
    type Engine: Engine;
    fn connect(
        &self,
        host: &Host,
    ) -> impl Future<Output = Result<Self::Engine, EngineError>> + Send;
}
