//! Several groups in one command (`--group common --group api`, `--all`): in dependency
//! order, each group done (and gated) before the next starts; a group that failed stops
//! the groups that depend on it, and the others go on.

use std::future::Future;

use serde::Serialize;

use super::{App, AppError, Backend, CreateRequest, DeployRequest, Frontend, Question, RunReport};
use crate::inventory::{Diagnostic, Inventory};
use crate::rollout::{Outcome, Reporter, Status, UnitKey};

/// What a command over several groups did, group by group.
#[derive(Debug, Clone, Serialize)]
pub struct SequenceReport {
    pub runs: Vec<RunReport>,
    /// It was asked to stop, and started no more groups.
    pub interrupted: bool,
}

impl SequenceReport {
    pub fn ok(&self) -> bool {
        !self.interrupted && self.runs.iter().all(RunReport::ok)
    }
}

impl<B: Backend> App<B> {
    /// Deploys `groups` (every group when empty) in dependency order, each as `request`
    /// says. Every group is rendered and its copy sources read before any is touched.
    pub async fn deploy_groups(
        &self,
        groups: &[String],
        request: &DeployRequest,
        frontend: &dyn Frontend,
    ) -> Result<SequenceReport, AppError> {
        let inventory = self.inventory(frontend)?;
        let order = ordered(&inventory, groups)?;
        for group in &order {
            let group = inventory.select_group(group)?;
            let policy = group.rollout.overridden(&request.rollout);
            super::deploy::check_policy(&policy)?;
            super::deploy::deploy_units(
                &inventory,
                group,
                &request.flags,
                &policy,
                request.no_hooks,
            )?;
        }
        self.in_order(&inventory, order, "deploy", frontend, |group| {
            let request = DeployRequest {
                group,
                ..request.clone()
            };
            async move { self.deploy(&request, &Quiet(frontend)).await }
        })
        .await
    }

    /// Creates `groups` (every group when empty) in dependency order.
    pub async fn create_groups(
        &self,
        groups: &[String],
        request: &CreateRequest,
        frontend: &dyn Frontend,
    ) -> Result<SequenceReport, AppError> {
        let inventory = self.inventory(frontend)?;
        let order = ordered(&inventory, groups)?;
        let store = self.secret_store(&inventory);
        for group in &order {
            let group = inventory.select_group(group)?;
            inventory.require_image(group)?;
            crate::secrets::resolve_group(&inventory, group, &store)?;
        }
        self.in_order(&inventory, order, "create", frontend, |group| {
            let request = CreateRequest {
                group,
                ..request.clone()
            };
            async move { self.create(&request, &Quiet(frontend)).await }
        })
        .await
    }

    async fn in_order<F, Fut>(
        &self,
        inventory: &Inventory,
        order: Vec<String>,
        command: &str,
        frontend: &dyn Frontend,
        run: F,
    ) -> Result<SequenceReport, AppError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<RunReport, AppError>>,
    {
        let mut runs: Vec<RunReport> = Vec::new();
        let mut failed: Vec<String> = Vec::new();
        for group in order {
            if let Some(why) = blocked(inventory, &group, &failed, command) {
                runs.push(every_unit(
                    inventory,
                    command,
                    &group,
                    Status::Skipped,
                    &why,
                ));
                failed.push(group);
                continue;
            }
            if frontend.interrupted() {
                return Ok(SequenceReport {
                    runs,
                    interrupted: true,
                });
            }
            match run(group.clone()).await {
                Ok(report) => {
                    let interrupted = report.interrupted;
                    if !report.ok() {
                        failed.push(group);
                    }
                    runs.push(report);
                    if interrupted {
                        return Ok(SequenceReport {
                            runs,
                            interrupted: true,
                        });
                    }
                }
                // Nothing was done yet: the command as a whole failed as this group did.
                Err(err) if runs.is_empty() => return Err(err),
                // Locked, or its pre_deploy said no: this group failed, the others go on.
                Err(err) => {
                    let why = err.to_string();
                    runs.push(every_unit(inventory, command, &group, Status::Failed, &why));
                    failed.push(group);
                }
            }
        }
        Ok(SequenceReport {
            runs,
            interrupted: false,
        })
    }
}

/// The groups named (every group when none), known, in dependency order.
fn ordered(inventory: &Inventory, groups: &[String]) -> Result<Vec<String>, AppError> {
    let names: Vec<&str> = if groups.is_empty() {
        inventory.group_names().collect()
    } else {
        let mut names = Vec::new();
        for name in groups {
            names.push(inventory.select_group(name)?.name.as_str());
        }
        names
    };
    Ok(inventory
        .dependency_order(&names)
        .into_iter()
        .map(|group| group.name.clone())
        .collect())
}

/// Why `group` must be left alone: a group it depends on, directly or not, failed.
pub(super) fn blocked(
    inventory: &Inventory,
    group: &str,
    failed: &[impl AsRef<str>],
    command: &str,
) -> Option<String> {
    let needed = failed
        .iter()
        .map(AsRef::as_ref)
        .find(|failed| inventory.depends_on(group, failed))?;
    Some(format!(
        "not {}: group {needed}, which it depends on, failed",
        past(command)
    ))
}

/// Every container of `group` with the same outcome: left alone, or failed as a whole.
fn every_unit(
    inventory: &Inventory,
    command: &str,
    group: &str,
    status: Status,
    why: &str,
) -> RunReport {
    let outcomes = inventory
        .members(group)
        .map(|member| {
            let unit = UnitKey {
                group: group.to_string(),
                container: member.container.to_string(),
                host: member.host().name.clone(),
                core: member.is_core(),
            };
            Outcome::new(unit, status, why)
        })
        .collect();
    RunReport::new(command, group, outcomes, std::time::Duration::ZERO)
}

fn past(command: &str) -> &str {
    match command {
        "create" => "created",
        "deploy" => "deployed",
        _ => "restarted",
    }
}

/// The caller's frontend without the inventory's warnings, which it showed once already.
struct Quiet<'a>(&'a dyn Frontend);

impl Frontend for Quiet<'_> {
    fn reporter(&self, action: &str) -> Box<dyn Reporter> {
        self.0.reporter(action)
    }
    fn diagnostic(&self, _: &Diagnostic) {}
    fn warning(&self, message: &str) {
        self.0.warning(message);
    }
    fn output(&self, source: &str, line: &str) {
        self.0.output(source, line);
    }
    fn can_answer(&self) -> bool {
        self.0.can_answer()
    }
    fn confirm(&self, question: &Question<'_>) -> Result<bool, String> {
        self.0.confirm(question)
    }
    fn interrupted(&self) -> bool {
        self.0.interrupted()
    }
}
