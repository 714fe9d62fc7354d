//! The only layer that talks to Docker: one client per engine, through the Engine API.

mod connect;
mod counted;
mod docker;
mod error;
mod events;
mod facts;
#[cfg(test)]
pub mod fake;
mod images;
mod marker;
mod observe;
mod request;
mod streams;

pub use connect::{connect, connect_local, ConnectOptions, DockerConnector};
pub use docker::DockerEngine;
pub use error::{EngineError, ErrorKind};
pub use facts::{ContainerDetails, LogQuery, OutputSink, OutputStream, ProcessUsage, StatsSample};
pub use images::ByteStream;
pub use marker::MARKER_IMAGE;
pub use request::create_body;

use std::collections::BTreeMap;
use std::future::Future;
use std::time::SystemTime;

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
    /// Stops within `stop_timeout` seconds; a stopped container stays stopped.
    fn stop(
        &self,
        name: &str,
        stop_timeout: u32,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;
    /// The container's state, or none if there is no such container.
    fn inspect(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<ContainerDetails>, EngineError>> + Send;
    /// What a running container's processes use, from the host's `ps`: fast.
    fn processes(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<ProcessUsage, EngineError>> + Send;
    /// Two readings of a running container's counters, the engine's sampling interval
    /// (about a second) apart.
    fn stats(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<(StatsSample, StatsSample), EngineError>> + Send;
    /// A regular file's content, or none if there is no file at `path`.
    fn read_file(
        &self,
        name: &str,
        path: &str,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, EngineError>> + Send;
    /// Where the symlink at `path` points, or none if there is no such symlink.
    fn link_target(
        &self,
        name: &str,
        path: &str,
    ) -> impl Future<Output = Result<Option<String>, EngineError>> + Send;
    /// Prepares `command` to run in a running container; returns the exec id.
    fn exec_create(
        &self,
        name: &str,
        command: &[String],
    ) -> impl Future<Output = Result<String, EngineError>> + Send;
    /// Runs a prepared command to its end, passing its output on; returns its exit code.
    fn exec_run(
        &self,
        name: &str,
        exec_id: &str,
        sink: OutputSink<'_>,
    ) -> impl Future<Output = Result<Option<i64>, EngineError>> + Send;
    /// Passes the container's log on, each line prefixed by its RFC 3339 timestamp; with
    /// `follow`, returns once the container stops.
    fn logs(
        &self,
        name: &str,
        query: LogQuery,
        sink: OutputSink<'_>,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;
    /// The id (`sha256:...`) of the image `name` names, or none if the engine has no such
    /// image.
    fn image_id(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, EngineError>> + Send;
    /// The image `name` as `docker save` writes it, streamed.
    fn export_image(&self, name: &str) -> ByteStream;
    /// Loads a `docker save` archive as it streams in; returns once the engine took it.
    fn load_image(
        &self,
        archive: ByteStream,
    ) -> impl Future<Output = Result<(), EngineError>> + Send;
    /// The exit codes the container died with since `since` (RFC 3339, the engine's
    /// clock), oldest first: Docker's restart policy may have started it again already.
    fn exit_codes_since(
        &self,
        name: &str,
        since: &str,
    ) -> impl Future<Output = Result<Vec<i64>, EngineError>> + Send;
    /// The engine's clock now: times the engine writes compare against it, whatever the
    /// clock of the machine running jdeploy says.
    fn clock(&self) -> impl Future<Output = Result<SystemTime, EngineError>> + Send;
    /// Creates a container that is never started and only stands for something (a lock,
    /// a key), labelled `labels`, with `env` (`NAME=value`); returns its id. Fails with
    /// `NameConflict` if `name` is taken.
    fn create_marker(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
        env: &[String],
    ) -> impl Future<Output = Result<String, EngineError>> + Send;
    /// Closes the connections kept open for the next call; calls in flight finish on
    /// theirs. The fleet calls it when another host needs the open files.
    fn close_idle(&self) {}
    /// Connections open to the engine, in use or kept; 0 where they are not counted.
    fn open_connections(&self) -> usize {
        0
    }
}

/// Opens engines; connecting is separate so unreachable hosts fail once, not per container.
pub trait Connector: Send + Sync + 'static {
    type Engine: Engine;
    fn connect(
        &self,
        host: &Host,
    ) -> impl Future<Output = Result<Self::Engine, EngineError>> + Send;
}
