//! `plan`: what a deploy would change in each container, changing nothing.

use serde::{Deserialize, Serialize};

use super::deploy::deploy_units;
use super::strategy::strategy;
use super::{App, AppError, Backend, Frontend};
use crate::engine::{Engine, ErrorKind};
use crate::inventory::gates::{RolloutPolicy, RolloutSettings};
use crate::plan::{ReleaseChanges, ReleaseStep};
use crate::render::Flags;
use crate::rollout::{self, waves, DeployPlan, Order, PlannedUnit, UnitKey};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanRequest {
    pub group: String,
    pub flags: Flags,
    /// Over the group's `rollout` settings, as deploy would take them.
    #[serde(default)]
    pub rollout: RolloutSettings,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanReport {
    pub group: String,
    pub rows: Vec<PlanRow>,
    /// The order deploy would restart the containers that change in.
    pub batches: Vec<PlannedBatch>,
    /// The rollout settings deploy would follow.
    #[schema(value_type = Object)]
    pub strategy: RolloutPolicy,
}

/// Containers deploy would restart together.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlannedBatch {
    /// `core`, `canary`, `batch 2/4`; `all` when one batch holds every container.
    pub label: String,
    pub units: Vec<UnitKey>,
}

impl PlanReport {
    /// Every container could be asked.
    pub fn ok(&self) -> bool {
        !self.rows.iter().any(|row| row.action == PlanAction::Error)
    }
}

/// What deploy would do to one container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanRow {
    #[serde(flatten)]
    pub unit: UnitKey,
    pub action: PlanAction,
    /// The release in place.
    pub from: Option<String>,
    /// The release deploy would put in place.
    pub release: Option<String>,
    /// What changes, file by file and key by key.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
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
        let policy = group.rollout.overridden(&request.rollout);
        super::deploy::check_policy(&policy)?;
        let units = deploy_units(&inventory, group, &request.flags, &policy, false)?;
        let fleet = self.fleet(&inventory, group.container.stop_timeout);
        let plan = rollout::plan_deploy(&fleet, units).await;
        let keys: Vec<&UnitKey> = plan.units.iter().map(|planned| &planned.unit.key).collect();
        let acts: Vec<bool> = plan.units.iter().map(PlannedUnit::is_change).collect();
        let strategy = strategy(&policy, Order::CoreFirst, true);
        let batches = waves(&keys, &acts, &strategy)
            .into_iter()
            .filter(|wave| wave.units.iter().all(|&at| acts[at]))
            .map(|wave| PlannedBatch {
                label: wave.label.unwrap_or_else(|| "all".into()),
                units: wave.units.iter().map(|&at| keys[at].clone()).collect(),
            })
            .collect();
        Ok(PlanReport {
            group: group.name.clone(),
            rows: plan_rows(&plan).await,
            batches,
            strategy: policy,
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
