//! `create`: every container of a group, created and started on its host.

use std::time::{Instant, SystemTime};

use serde::{Deserialize, Serialize};

use super::record::RunInfo;
use super::{App, AppError, Backend, Frontend, RunReport};
use crate::inventory::Selection;
use crate::plan::{desired_containers, Recreate};
use crate::rollout;
use crate::secrets::resolve_group;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateRequest {
    pub group: String,
    /// Replace containers whose configuration differs.
    pub recreate: bool,
    /// Replace every container, jdeploy's or not.
    pub force: bool,
    /// First send the group's image from this machine's engine to hosts that lack it.
    #[serde(default)]
    pub push_images: bool,
}

impl<B: Backend> App<B> {
    pub async fn create(
        &self,
        request: &CreateRequest,
        frontend: &dyn Frontend,
    ) -> Result<RunReport, AppError> {
        let inventory = self.inventory(frontend)?;
        let group = inventory.select_group(&request.group)?;
        let image = inventory.require_image(group)?;
        // Before any engine is asked: a missing value changes nothing.
        let secrets = resolve_group(&inventory, group, &self.secret_store(&inventory))?;
        let desired = desired_containers(&inventory, group, image, &secrets);
        if request.push_images {
            let selection = Selection {
                group: Some(group.name.clone()),
                ..Default::default()
            };
            let pushed = self
                .push_group_image(&inventory, &selection, image, frontend)
                .await?;
            for outcome in pushed.iter().filter(|outcome| outcome.status.is_failure()) {
                frontend.warning(&format!(
                    "{image} could not be sent to {}: {}",
                    outcome.unit.host, outcome.detail
                ));
            }
        }
        let locks = self
            .lock(&inventory, [group.name.as_str()], frontend)
            .await?;
        let result = async {
            let started_at = SystemTime::now();
            let started = Instant::now();
            let fleet = self.fleet(&inventory, group.container.stop_timeout);
            let reporter = frontend.reporter("create");
            let recreate = match (request.force, request.recreate) {
                (true, _) => Recreate::All,
                (false, true) => Recreate::Changed,
                (false, false) => Recreate::Never,
            };
            let outcomes = rollout::create(&fleet, desired, recreate, reporter.as_ref()).await;
            let elapsed = started.elapsed();
            let info = RunInfo {
                flags: serde_json::json!({
                    "recreate": request.recreate,
                    "force": request.force,
                }),
                deploy: None,
                started: started_at,
            };
            let report = RunReport::new("create", &group.name, outcomes, elapsed);
            self.record(frontend, info, &report);
            Ok(report)
        }
        .await;
        locks.release(frontend).await;
        result
    }
}
