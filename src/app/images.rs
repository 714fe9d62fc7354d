//! `image push` and `image ls`: images carried to the hosts without a registry, and
//! which host holds which.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use serde::{Deserialize, Serialize};

use super::record::RunInfo;
use super::select::{fleet_units, label};
use super::{App, AppError, Backend, Frontend, RunReport};
use crate::engine::{Engine, ErrorKind};
use crate::images::{archived_images, file_stream};
use crate::inventory::{Host, Inventory, Selection};
use crate::rollout::{self, distinct_hosts, Fleet, Outcome, PushTarget, UnitKey};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImagePushRequest {
    /// Image names as tagged; from an archive, all of its images when empty.
    pub images: Vec<String>,
    /// The hosts: a group's or all, narrowed by host patterns.
    pub selection: Selection,
    /// A `docker save` archive to send instead of this machine's engine's images.
    pub from_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageLsRequest {
    pub selection: Selection,
}

/// One image on one host.
#[derive(Debug, Clone, Serialize)]
pub struct ImageRow {
    pub image: String,
    pub host: String,
    /// None when the host has no such image.
    pub id: Option<String>,
    /// Another id than most hosts holding this image have: the same tag built twice.
    pub drift: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
}

/// Where the images come from.
enum Source {
    Engine(Export),
    File(PathBuf),
}

type Export = Box<dyn Fn(&str) -> crate::engine::ByteStream + Send + Sync>;

impl<B: Backend> App<B> {
    pub async fn image_push(
        &self,
        request: &ImagePushRequest,
        frontend: &dyn Frontend,
    ) -> Result<RunReport, AppError> {
        let inventory = self.fleet_inventory(frontend)?;
        let started_at = SystemTime::now();
        let started = Instant::now();
        let outcomes = self.send_images(&inventory, request, frontend).await?;
        let report = RunReport::new(
            "image push",
            &label(&request.selection),
            outcomes,
            started.elapsed(),
        );
        let info = RunInfo {
            flags: serde_json::json!({ "images": request.images, "from_file": request.from_file }),
            deploy: None,
            started: started_at,
        };
        self.record(frontend, info, &report);
        Ok(report)
    }

    /// The images to send with their ids, and where to read them from; an image that is
    /// not there is a mistake in the request.
    async fn image_source(
        &self,
        request: &ImagePushRequest,
    ) -> Result<(Vec<(String, String)>, Source), AppError> {
        if let Some(path) = &request.from_file {
            let archived =
                archived_images(path).map_err(|err| AppError::Refused(err.to_string()))?;
            let all_tags: Vec<&String> = archived.iter().flat_map(|image| &image.tags).collect();
            let wanted: Vec<String> = if request.images.is_empty() {
                all_tags.iter().map(|tag| tag.to_string()).collect()
            } else {
                request.images.clone()
            };
            let mut images = Vec::new();
            for name in wanted {
                let found = archived.iter().find(|image| image.tags.contains(&name));
                let Some(found) = found else {
                    return Err(AppError::Refused(format!(
                        "{} holds no image tagged {name}; it holds {}",
                        path.display(),
                        tags_text(&all_tags)
                    )));
                };
                images.push((name, found.id.clone()));
            }
            if images.is_empty() {
                return Err(AppError::Refused(format!(
                    "{} holds no tagged image to push",
                    path.display()
                )));
            }
            return Ok((images, Source::File(path.clone())));
        }
        if request.images.is_empty() {
            return Err(AppError::Refused(
                "name the images to push, or give --from-file".into(),
            ));
        }
        let local = self.backend.local_engine().await.map_err(|err| {
            AppError::Refused(format!("cannot read this machine's images: {err}"))
        })?;
        let mut images = Vec::new();
        for name in &request.images {
            match local.image_id(name).await {
                Ok(Some(id)) => images.push((name.clone(), id)),
                Ok(None) => {
                    return Err(AppError::Refused(format!(
                        "image {name} is not in this machine's engine; build or pull it there, or push from a `docker save` archive with --from-file"
                    )))
                }
                Err(err) => return Err(AppError::Refused(format!("cannot read image {name}: {err}"))),
            }
        }
        let local = std::sync::Arc::new(local);
        let export: Export = Box::new(move |name: &str| local.export_image(name));
        Ok((images, Source::Engine(export)))
    }

    pub async fn image_ls(
        &self,
        request: &ImageLsRequest,
        frontend: &dyn Frontend,
    ) -> Result<Vec<ImageRow>, AppError> {
        let inventory = self.fleet_inventory(frontend)?;
        let targets = hosts(&inventory, &request.selection)?;
        let images: BTreeSet<String> = inventory
            .groups
            .iter()
            .filter(|group| {
                request
                    .selection
                    .group
                    .as_ref()
                    .is_none_or(|name| *name == group.name)
            })
            .filter_map(|group| group.image.clone())
            .collect();
        let fleet = self.fleet(&inventory, 0);
        let mut rows = Vec::new();
        for image in &images {
            rows.extend(image_rows(&fleet, &targets, image).await);
        }
        Ok(rows)
    }

    /// Sends the group's image to the hosts of `selection` that lack it, as `create
    /// --push-images` does first.
    pub(super) async fn push_group_image(
        &self,
        inventory: &Inventory,
        selection: &Selection,
        image: &str,
        frontend: &dyn Frontend,
    ) -> Result<Vec<Outcome>, AppError> {
        let request = ImagePushRequest {
            images: vec![image.to_string()],
            selection: selection.clone(),
            from_file: None,
        };
        self.send_images(inventory, &request, frontend).await
    }

    /// Every requested image to every selected host that lacks it, one image after
    /// another, all hosts at once.
    async fn send_images(
        &self,
        inventory: &Inventory,
        request: &ImagePushRequest,
        frontend: &dyn Frontend,
    ) -> Result<Vec<Outcome>, AppError> {
        let targets = hosts(inventory, &request.selection)?;
        let (images, source) = self.image_source(request).await?;
        let fleet = self.fleet(inventory, 0);
        let reporter = frontend.reporter("image push");
        let mut outcomes = Vec::new();
        for (image, id) in &images {
            let targets: Vec<PushTarget> = targets
                .iter()
                .map(|host| PushTarget {
                    key: image_key(&request.selection, image, host),
                    host: host.clone(),
                })
                .collect();
            let open = || match &source {
                Source::Engine(export) => export(image),
                Source::File(path) => file_stream(path),
            };
            outcomes
                .extend(rollout::push(&fleet, &targets, image, id, open, reporter.as_ref()).await);
        }
        Ok(outcomes)
    }
}

/// One key per host and image: the image stands where a container would.
fn image_key(selection: &Selection, image: &str, host: &Host) -> UnitKey {
    UnitKey {
        group: label(selection),
        container: image.to_string(),
        host: host.name.clone(),
        core: false,
    }
}

/// The distinct hosts of the selected containers, in file order.
fn hosts(inventory: &Inventory, selection: &Selection) -> Result<Vec<Host>, AppError> {
    let units = fleet_units(inventory, selection, None)?;
    let hosts: Vec<&Host> = units.iter().map(|unit| &unit.host).collect();
    Ok(distinct_hosts(&hosts).into_iter().cloned().collect())
}

/// Every host's id for `image`, drift marked against the id most hosts hold.
async fn image_rows<E: Engine>(fleet: &Fleet<E>, hosts: &[Host], image: &str) -> Vec<ImageRow> {
    let found = futures::future::join_all(hosts.iter().map(|host| async move {
        fleet
            .call(host, |engine| async move { engine.image_id(image).await })
            .await
    }))
    .await;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in found.iter().flatten().flatten() {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    let usual = counts
        .iter()
        .max_by_key(|(_, count)| **count)
        .map(|(id, _)| id.to_string());
    hosts
        .iter()
        .zip(&found)
        .map(|(host, found)| {
            let (id, error, error_kind) = match found {
                Ok(id) => (id.clone(), None, None),
                Err(err) => (None, Some(err.to_string()), Some(err.kind())),
            };
            ImageRow {
                image: image.to_string(),
                host: host.name.clone(),
                drift: id.is_some() && counts.len() > 1 && id != usual,
                id,
                error,
                error_kind,
            }
        })
        .collect()
}

fn tags_text(tags: &[&String]) -> String {
    if tags.is_empty() {
        "no tagged image".into()
    } else {
        tags.iter()
            .map(|tag| tag.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
