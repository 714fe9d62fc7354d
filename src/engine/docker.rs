//! The Engine trait over bollard.

use bollard::errors::Error as BollardError;
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, RemoveContainerOptions, RenameContainerOptions,
    RestartContainerOptions, StopContainerOptions, UploadToContainerOptions,
};
use bollard::{body_full, Docker};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use super::connect::cause;
use super::error::EngineError;
use super::facts::{ContainerDetails, LogQuery, OutputSink, ProcessUsage, StatsSample};
use super::request::create_body;
use super::Engine;
use crate::plan::{ContainerState, DesiredContainer, ObservedContainer};

#[derive(Debug, Clone)]
pub struct DockerEngine {
    pub(super) client: Docker,
    kept: Option<KeptConnections>,
}

/// A client's connections: how many are open, and closing those kept for its next
/// request.
#[derive(Clone)]
pub struct KeptConnections {
    close: Arc<dyn Fn() + Send + Sync>,
    open: Arc<AtomicUsize>,
}

impl KeptConnections {
    pub fn new(close: impl Fn() + Send + Sync + 'static, open: Arc<AtomicUsize>) -> Self {
        Self {
            close: Arc::new(close),
            open,
        }
    }
}

impl std::fmt::Debug for KeptConnections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeptConnections")
    }
}

impl DockerEngine {
    pub fn new(client: Docker) -> Self {
        Self { client, kept: None }
    }

    pub(super) fn keeping(self, kept: Option<KeptConnections>) -> Self {
        Self { kept, ..self }
    }

    pub(super) fn fail(&self, err: BollardError, container: &str) -> EngineError {
        classify(err, container, self.client.timeout().as_secs())
    }
}

impl Engine for DockerEngine {
    async fn list(&self) -> Result<Vec<ObservedContainer>, EngineError> {
        let options = ListContainersOptions {
            all: true,
            ..Default::default()
        };
        let summaries = self
            .client
            .list_containers(Some(options))
            .await
            .map_err(|err| self.fail(err, ""))?;
        Ok(summaries
            .into_iter()
            .filter_map(|summary| {
                // Docker lists a container's name as `/name`, and adds `/other/alias` for
                // each legacy link to it.
                let names = summary.names?;
                let name = names
                    .iter()
                    .find(|name| name.matches('/').count() == 1)?
                    .trim_start_matches('/')
                    .to_string();
                Some(ObservedContainer {
                    name,
                    state: summary
                        .state
                        .map(|state| ContainerState::parse(state.as_ref()))
                        .unwrap_or(ContainerState::Unknown),
                    labels: summary.labels.unwrap_or_default().into_iter().collect(),
                })
            })
            .collect())
    }

    async fn create(&self, name: &str, desired: &DesiredContainer) -> Result<(), EngineError> {
        let options = CreateContainerOptions {
            name: Some(name.to_string()),
            ..Default::default()
        };
        self.client
            .create_container(Some(options), create_body(desired))
            .await
            .map(drop)
            .map_err(|err| self.fail(err, name))
    }

    async fn rename(&self, from: &str, to: &str) -> Result<(), EngineError> {
        let options = RenameContainerOptions {
            name: to.to_string(),
        };
        self.client
            .rename_container(from, options)
            .await
            .map_err(|err| self.fail(err, from))
    }

    async fn start(&self, name: &str) -> Result<(), EngineError> {
        self.client
            .start_container(name, None)
            .await
            .map_err(|err| self.fail(err, name))
    }

    async fn remove(&self, name: &str, stop_timeout: u32) -> Result<(), EngineError> {
        // With no time to stop, the forced remove below kills it just the same.
        if stop_timeout > 0 {
            self.stop(name, stop_timeout).await?;
        }
        let remove = RemoveContainerOptions {
            force: true,
            ..Default::default()
        };
        self.client
            .remove_container(name, Some(remove))
            .await
            .map_err(|err| self.fail(err, name))
    }

    async fn restart(&self, name: &str, stop_timeout: u32) -> Result<(), EngineError> {
        let options = RestartContainerOptions {
            t: Some(stop_timeout as i32),
            ..Default::default()
        };
        self.client
            .restart_container(name, Some(options))
            .await
            .map_err(|err| self.fail(err, name))
    }

    async fn upload(&self, name: &str, archive: Bytes) -> Result<(), EngineError> {
        let options = UploadToContainerOptions {
            path: "/".into(),
            ..Default::default()
        };
        self.client
            .upload_to_container(name, Some(options), body_full(archive))
            .await
            .map_err(|err| self.fail(err, name))
    }

    async fn stop(&self, name: &str, stop_timeout: u32) -> Result<(), EngineError> {
        let options = StopContainerOptions {
            t: Some(stop_timeout as i32),
            ..Default::default()
        };
        // The engine answers 304 for a container that was not running, which is success.
        self.client
            .stop_container(name, Some(options))
            .await
            .map_err(|err| self.fail(err, name))
    }

    async fn inspect(&self, name: &str) -> Result<Option<ContainerDetails>, EngineError> {
        self.inspect_details(name).await
    }

    async fn processes(&self, name: &str) -> Result<ProcessUsage, EngineError> {
        self.process_usage(name).await
    }

    async fn stats(&self, name: &str) -> Result<(StatsSample, StatsSample), EngineError> {
        self.stats_samples(name).await
    }

    async fn read_file(&self, name: &str, path: &str) -> Result<Option<Vec<u8>>, EngineError> {
        self.read_one_file(name, path).await
    }

    async fn link_target(&self, name: &str, path: &str) -> Result<Option<String>, EngineError> {
        self.stat_link(name, path).await
    }

    async fn exec_create(&self, name: &str, command: &[String]) -> Result<String, EngineError> {
        self.create_exec(name, command).await
    }

    async fn exec_run(
        &self,
        name: &str,
        exec_id: &str,
        sink: OutputSink<'_>,
    ) -> Result<Option<i64>, EngineError> {
        self.run_exec(name, exec_id, sink).await
    }

    async fn logs(
        &self,
        name: &str,
        query: LogQuery,
        sink: OutputSink<'_>,
    ) -> Result<(), EngineError> {
        self.stream_logs(name, query, sink).await
    }

    async fn exit_codes_since(&self, name: &str, since: &str) -> Result<Vec<i64>, EngineError> {
        self.died_since(name, since).await
    }

    async fn image_id(&self, name: &str) -> Result<Option<String>, EngineError> {
        self.image_id_of(name).await
    }

    fn export_image(&self, name: &str) -> super::ByteStream {
        self.export(name)
    }

    async fn load_image(&self, archive: super::ByteStream) -> Result<(), EngineError> {
        self.load(archive).await
    }

    async fn clock(&self) -> Result<std::time::SystemTime, EngineError> {
        self.engine_clock().await
    }

    async fn create_marker(
        &self,
        name: &str,
        labels: &std::collections::BTreeMap<String, String>,
        env: &[String],
    ) -> Result<String, EngineError> {
        self.create_marker_container(name, labels, env).await
    }

    fn close_idle(&self) {
        if let Some(kept) = &self.kept {
            (kept.close)();
        }
    }

    fn open_connections(&self) -> usize {
        self.kept
            .as_ref()
            .map_or(0, |kept| kept.open.load(Ordering::SeqCst))
    }
}

/// Turns bollard's errors into the few cases an operator tells apart.
fn classify(err: BollardError, container: &str, timeout: u64) -> EngineError {
    match err {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => {
            let lower = message.to_lowercase();
            if status_code == 404 && lower.contains("no such image") {
                let image = message.rsplit(": ").next().unwrap_or(&message).to_string();
                EngineError::NoSuchImage { image }
            } else if status_code == 404 && lower.contains("no such container") {
                EngineError::NoSuchContainer {
                    name: container.to_string(),
                }
            } else if status_code == 409 && lower.contains("is not running") {
                EngineError::NotRunning {
                    name: container.to_string(),
                }
            } else if status_code == 409 && lower.contains("is already in use") {
                EngineError::NameConflict {
                    name: container.to_string(),
                }
            } else {
                EngineError::Api {
                    status: status_code,
                    message,
                }
            }
        }
        BollardError::RequestTimeoutError => EngineError::Timeout { seconds: timeout },
        other => EngineError::Other(cause(&other)),
    }
}
