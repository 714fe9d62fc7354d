//! Containers that are never started and only stand for something, such as a group's
//! lock: the engine keeps their names unique, their labels say what they are.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use bollard::body_full;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{CreateContainerOptions, CreateImageOptionsBuilder};
use futures::StreamExt;

use super::docker::DockerEngine;
use super::error::EngineError;
use crate::labels;

/// An image with no files, imported on the engine the first time a marker needs one:
/// hosts without a registry need not have any image for a lock.
pub const MARKER_IMAGE: &str = "jdeploy-marker:1";

impl DockerEngine {
    pub(super) async fn engine_clock(&self) -> Result<SystemTime, EngineError> {
        let info = self.client.info().await.map_err(|err| self.fail(err, ""))?;
        // The engine writes its local time with its offset.
        let text = info.system_time.unwrap_or_default();
        text.parse::<jiff::Timestamp>()
            .map(SystemTime::from)
            .map_err(|_| EngineError::Other(format!("the engine's time `{text}` is not RFC 3339")))
    }

    pub(super) async fn create_marker_container(
        &self,
        name: &str,
        marker_labels: &BTreeMap<String, String>,
        env: &[String],
    ) -> Result<String, EngineError> {
        // Tried first: the image is there on every use but the first.
        match self.create_marker_once(name, marker_labels, env).await {
            Err(EngineError::NoSuchImage { .. }) => {
                self.import_marker_image().await?;
                self.create_marker_once(name, marker_labels, env).await
            }
            created => created,
        }
    }

    async fn create_marker_once(
        &self,
        name: &str,
        marker_labels: &BTreeMap<String, String>,
        env: &[String],
    ) -> Result<String, EngineError> {
        let body = ContainerCreateBody {
            image: Some(MARKER_IMAGE.into()),
            env: (!env.is_empty()).then(|| env.to_vec()),
            // Never run: the image has nothing to run.
            cmd: Some(vec!["marker".into()]),
            labels: Some(marker_labels.clone().into_iter().collect::<HashMap<_, _>>()),
            ..Default::default()
        };
        let options = CreateContainerOptions {
            name: Some(name.to_string()),
            ..Default::default()
        };
        self.client
            .create_container(Some(options), body)
            .await
            .map(|created| created.id)
            .map_err(|err| self.fail(err, name))
    }

    async fn import_marker_image(&self) -> Result<(), EngineError> {
        let (repo, tag) = MARKER_IMAGE
            .split_once(':')
            .expect("the marker image has a tag");
        let options = CreateImageOptionsBuilder::new()
            .from_src("-")
            .repo(repo)
            .tag(tag)
            .changes(vec![format!("LABEL {}marker=true", labels::LABEL_PREFIX)])
            .build();
        let empty = tar::Builder::new(Vec::new())
            .into_inner()
            .map_err(|err| EngineError::Other(err.to_string()))?;
        let mut answers =
            self.client
                .create_image(Some(options), Some(body_full(empty.into())), None);
        while let Some(answer) = answers.next().await {
            answer.map_err(|err| self.fail(err, "-"))?;
        }
        Ok(())
    }
}
