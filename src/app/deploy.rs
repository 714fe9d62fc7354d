//! `deploy`: render, plan, then put each changed container's release in place and
//! restart it, core units first.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::announce::announce_start;
use super::frontend::ask;
use super::hooks::{HookContext, LocalHook};
use super::load::{read_copies, render_members, renderer};
use super::plan::plan_rows;
use super::record::RunInfo;
use super::strategy::{gate, strategy};
use super::{App, AppError, Backend, Frontend, Question, RunReport};
use crate::copies::CopyTree;
use crate::inventory::gates::{RolloutPolicy, RolloutSettings};
use crate::inventory::hooks::ContainerHooks;
use crate::inventory::{Diagnostics, Group, Inventory};
use crate::release::{copy_manifests, ReleaseFlags};
use crate::render::Flags;
use crate::rollout::{self, DeployOptions, DeployUnit, Order, Stamp, Stopped, UnitKey};
use crate::secrets::EnvMask;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeployRequest {
    pub group: String,
    pub flags: Flags,
    /// Put the release in place and restart even where it is already in place.
    pub force: bool,
    /// Do not ask first.
    pub yes: bool,
    /// Over the group's `rollout` settings, key by key.
    #[serde(default)]
    pub rollout: RolloutSettings,
    /// Run none of the group's hooks.
    #[serde(default)]
    pub no_hooks: bool,
}

impl<B: Backend> App<B> {
    pub async fn deploy(
        &self,
        request: &DeployRequest,
        frontend: &dyn Frontend,
    ) -> Result<RunReport, AppError> {
        let inventory = self.inventory(frontend)?;
        let group = inventory.select_group(&request.group)?;
        // Everything is rendered and read before any engine is touched: bad input
        // changes nothing.
        let policy = group.rollout.overridden(&request.rollout);
        check_policy(&policy)?;
        let units = deploy_units(&inventory, group, &request.flags, &policy, request.no_hooks)?;
        let fleet = self.fleet(&inventory, group.container.stop_timeout);
        // Asked before the lock is taken: an unanswered question must not hold the group.
        let mut shown = None;
        if !request.yes && frontend.can_answer() {
            let plan = rollout::plan_deploy(&fleet, units.clone()).await;
            let changing = changing(&plan, request.force);
            if changing > 0 {
                let rows = plan_rows(&plan).await;
                let question = Question::Deploy {
                    group: &group.name,
                    changing,
                    plan: &rows,
                };
                ask(frontend, &question, "nothing was deployed")?;
            }
            shown = Some(changing);
        }
        let locks = self
            .lock(&inventory, &fleet, [group.name.as_str()], frontend)
            .await?;
        let interrupted = || frontend.interrupted() || locks.lost();
        let result = async {
            let started_at = SystemTime::now();
            let started = Instant::now();
            let plan = rollout::plan_deploy(&fleet, units).await;
            let now_changing = changing(&plan, request.force);
            if shown.is_some_and(|shown| shown != now_changing) {
                return Err(AppError::Aborted(format!(
                    "the group changed while the question was open ({now_changing} container(s) would change now, {} were shown); nothing was deployed; run it again",
                    shown.unwrap_or_default()
                )));
            }
            let stamp = Stamp {
                at: deploy_time(plan.latest_deploy()),
                by: frontend.operator(),
                mtime: started_at
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |since| since.as_secs()),
            };
            let deploy = plan.deploy_id(request.force, &stamp);
            let hooks = HookContext {
                inventory: &inventory,
                group,
                command: "deploy",
                deploy: deploy.as_deref(),
                flags: Some(&request.flags),
                containers: plan
                    .units
                    .iter()
                    .map(|planned| planned.unit.key.to_string())
                    .collect(),
                performer: stamp.by.clone(),
            };
            if !request.no_hooks {
                hooks
                    .run(LocalHook::PreDeploy, None, frontend)
                    .await
                    .map_err(|err| AppError::Aborted(format!("{err}; nothing was changed")))?;
            }
            announce_start(group, "deploy", frontend).await;
            let options = DeployOptions {
                force: request.force,
                keep: inventory.keep_releases,
                stamp,
                strategy: strategy(&policy, Order::CoreFirst, true),
            };
            let reporter = frontend.reporter("deploy");
            let result = plan.apply(&options, reporter.as_ref(), &interrupted).await;
            drop(reporter);
            let elapsed = started.elapsed();
            let mut report = RunReport::new("deploy", &group.name, result.outcomes, elapsed);
            // Stopped for a broken lock is a failure, not the operator's interruption.
            report.lock_lost = locks.lost();
            report.interrupted =
                result.stopped == Some(Stopped::Interrupted) && !report.lock_lost;
            report.rolled_back = result.rolled_back;
            report.strategy = Some(policy);
            let info = RunInfo {
                flags: serde_json::json!({
                    "monitor": request.flags.monitor,
                    "mode": request.flags.mode,
                    "force": request.force,
                }),
                deploy: deploy.clone(),
                started: started_at,
            };
            self.conclude(frontend, group, info, &report, (!request.no_hooks).then_some(&hooks))
                .await;
            Ok(report)
        }
        .await;
        locks.release(frontend).await;
        result
    }
}

/// How many containers the deploy changes: those whose release moves, and with `force`
/// every one that can be deployed.
fn changing<E>(plan: &rollout::DeployPlan<'_, E>, force: bool) -> usize {
    plan.units
        .iter()
        .filter(|planned| planned.is_change() || (force && planned.plan.is_ok()))
        .count()
}

/// Now, or just after the group's latest deploy if this machine's clock is behind it:
/// deploys must line up in the order they ran.
fn deploy_time(latest: Option<&str>) -> String {
    let now = SystemTime::now();
    // A time further ahead than clocks drift is a container's claim, not a clock behind:
    // it is ignored, not followed.
    let plausible = now + crate::release::CLOCK_SKEW;
    let after_latest = latest
        .and_then(|latest| humantime::parse_rfc3339(latest).ok())
        .filter(|latest| *latest < plausible)
        .map(|latest| latest + Duration::from_micros(1));
    let at = match after_latest {
        Some(after) if after > now => after,
        _ => now,
    };
    humantime::format_rfc3339_nanos(at).to_string()
}

/// Every container of `group` with what deploy would put in it: rendered, and the copy
/// sources read, before any engine is contacted. `no_hooks`: none runs in them.
pub(super) fn deploy_units(
    inventory: &Inventory,
    group: &Group,
    flags: &Flags,
    policy: &RolloutPolicy,
    no_hooks: bool,
) -> Result<Vec<DeployUnit>, Diagnostics> {
    let members: Vec<_> = inventory.members(&group.name).collect();
    let rendered = render_members(inventory, &renderer(inventory), group, &members, flags)?;
    let copies: Arc<[CopyTree]> = read_copies(inventory, &group.copies)?.into();
    let manifests = copy_manifests(&copies).into();
    let hooks = Arc::new(if no_hooks {
        ContainerHooks::none()
    } else {
        group.hooks.in_container()
    });
    let release_flags = ReleaseFlags {
        monitor: flags.monitor,
        mode: flags.mode.clone(),
    };
    let secrets = Arc::new(EnvMask::new(group));
    Ok(members
        .iter()
        .zip(rendered)
        .map(|(member, rendered)| DeployUnit {
            key: UnitKey {
                group: group.name.clone(),
                container: member.container.to_string(),
                host: member.host().name.clone(),
                core: member.is_core(),
            },
            host: member.host().clone(),
            stop_timeout: group.container.stop_timeout,
            gate: gate(group, policy),
            hooks: Arc::clone(&hooks),
            rendered,
            copies: Arc::clone(&copies),
            copy_manifests: Arc::clone(&manifests),
            flags: release_flags.clone(),
            secrets: Arc::clone(&secrets),
        })
        .collect())
}

/// Flags can give a gate no container could pass; groups.yaml is checked on loading.
pub(super) fn check_policy(policy: &RolloutPolicy) -> Result<(), AppError> {
    if policy.min_healthy > policy.deadline {
        return Err(AppError::Refused(format!(
            "min_healthy ({}) is longer than deadline ({}): no container could pass; nothing was changed",
            humantime::format_duration(policy.min_healthy),
            humantime::format_duration(policy.deadline)
        )));
    }
    Ok(())
}
