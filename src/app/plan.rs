//! `plan`: what a deploy would change in each container, changing nothing.

use serde::{Deserialize, Serialize};

use super::deploy::deploy_units;
use super::{App, AppError, Backend, Frontend};
use crate::engine::{Engine, ErrorKind};
use crate::plan::{ReleaseChanges, ReleaseStep};
use crate::render::Flags;
use crate::rollout::{self, DeployPlan, PlannedUnit, UnitKey};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanRequest {
    pub group: String,
    pub flags: Flags,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    pub group: String,
    pub rows: Vec<PlanRow>,
}

impl PlanReport {
    /// Every container could be asked.
    pub fn ok(&self) -> bool {
        !self.rows.iter().any(|row| row.action == PlanAction::Error)
    }
}

/// What deploy would do to one container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    Unchanged,
    Change,
    /// The container has no release yet.
    First,
    /// It cannot be deployed.
    Error,
}

/// What deploy would do to one container, in plain values.
#[derive(Debug, Clone, Serialize)]
pub struct PlanRow {
    #[serde(flatten)]
    pub unit: UnitKey,
    pub action: PlanAction,
    /// The release in place.
    pub from: Option<String>,
    /// The release deploy would put in place.
    pub release: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<ReleaseChanges>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
}

impl PlanRow {
    pub fn new(planned: &PlannedUnit, changes: Option<ReleaseChanges>) -> Self {
        let unit = planned.unit.key.clone();
        match &planned.plan {
            Err(error) => Self {
                unit,
                action: PlanAction::Error,
                from: None,
                release: None,
                changes: None,
                error: Some(error.message.clone()),
                error_kind: Some(error.kind),
            },
            Ok(plan) => {
                let (action, from) = match &plan.step {
                    ReleaseStep::Unchanged => {
                        (PlanAction::Unchanged, Some(plan.manifest.release.clone()))
                    }
                    ReleaseStep::Change { from: None } => (PlanAction::First, None),
                    ReleaseStep::Change { from } => (PlanAction::Change, from.clone()),
                };
                Self {
                    unit,
                    action,
                    from,
                    release: Some(plan.manifest.release.clone()),
                    changes,
                    error: None,
                    error_kind: None,
                }
            }
        }
    }
}

impl<B: Backend> App<B> {
    pub async fn plan(
        &self,
        request: &PlanRequest,
        frontend: &dyn Frontend,
    ) -> Result<PlanReport, AppError> {
        let inventory = self.inventory(frontend)?;
        let group = inventory.select_group(&request.group)?;
        let units = deploy_units(&inventory, group, &request.flags)?;
        let fleet = self.fleet(&inventory, group.container.stop_timeout);
        let plan = rollout::plan_deploy(&fleet, units).await;
        Ok(PlanReport {
            group: group.name.clone(),
            rows: plan_rows(&plan).await,
        })
    }
}

/// Every container's row, with diffs of what would change.
pub(super) async fn plan_rows<E: Engine>(plan: &DeployPlan<'_, E>) -> Vec<PlanRow> {
    let changes = plan.changes().await;
    plan.units
        .iter()
        .zip(changes)
        .map(|(planned, changes)| PlanRow::new(planned, changes))
        .collect()
}
