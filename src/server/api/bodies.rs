//! What changing requests send, and how each becomes the application's request and the
//! command line it stands for (history shows it).

use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

use super::super::error::ApiError;
use crate::app::DeployRequest;
use crate::inventory::gates::{self, OnFailure, RolloutSettings};
use crate::render::Flags;

/// A deploy, as `jdeploy deploy` takes it.
// Unknown keys are not refused here: serde cannot refuse them beside a flattened struct.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DeployBody {
    /// `--mode`: RUNTIME_MODE.
    pub mode: Option<String>,
    /// `--monitor`: MONITOR_ENABLED=1.
    pub monitor: bool,
    /// Restart also the containers whose release is unchanged.
    pub force: bool,
    /// Run none of the group's hooks.
    pub no_hooks: bool,
    #[serde(flatten)]
    pub rollout: RolloutBody,
}

/// Over the group's `rollout` settings, key by key, as the command line's flags.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RolloutBody {
    /// A number or a share (`25%`).
    pub canary: Option<String>,
    pub batch: Option<String>,
    /// A duration (`5s`); `0` turns the gate off.
    pub min_healthy: Option<String>,
    pub deadline: Option<String>,
    /// rollback, halt or continue.
    pub on_failure: Option<String>,
    pub max_failures: Option<String>,
}

impl DeployBody {
    /// The deploy of `group` this body asks for; the server never prompts.
    pub fn deploy_request(&self, group: &str) -> Result<DeployRequest, ApiError> {
        Ok(DeployRequest {
            group: group.to_string(),
            flags: self.flags(),
            force: self.force,
            yes: true,
            rollout: self.rollout.settings()?,
            no_hooks: self.no_hooks,
        })
    }

    pub fn flags(&self) -> Flags {
        Flags {
            monitor: self.monitor,
            mode: self.mode.clone(),
        }
    }

    /// The command line this deploy stands for.
    pub fn command_line(&self, group: &str) -> String {
        let mut words = vec!["jdeploy", "deploy", "--group", group];
        if self.monitor {
            words.push("--monitor");
        }
        if let Some(mode) = &self.mode {
            words.extend(["--mode", mode]);
        }
        if self.force {
            words.push("--force");
        }
        if self.no_hooks {
            words.push("--no-hooks");
        }
        let rollout = self.rollout.words();
        words.extend(rollout.iter().map(String::as_str));
        join(&words)
    }
}

impl RolloutBody {
    pub fn settings(&self) -> Result<RolloutSettings, ApiError> {
        let amount = |key: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|text| {
                    gates::parse_amount(text)
                        .map_err(|err| ApiError::bad_request(format!("{key}: {err}")))
                })
                .transpose()
        };
        let duration = |key: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|text| {
                    gates::parse_duration(text)
                        .map_err(|err| ApiError::bad_request(format!("{key}: {err}")))
                })
                .transpose()
        };
        let on_failure = self
            .on_failure
            .as_deref()
            .map(|text| {
                OnFailure::parse(text).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "on_failure: use one of: {}",
                        OnFailure::NAMES.join(", ")
                    ))
                })
            })
            .transpose()?;
        Ok(RolloutSettings {
            canary: amount("canary", &self.canary)?,
            batch: amount("batch", &self.batch)?,
            min_healthy: duration("min_healthy", &self.min_healthy)?,
            deadline: duration("deadline", &self.deadline)?,
            on_failure,
            max_failures: amount("max_failures", &self.max_failures)?,
        })
    }

    fn words(&self) -> Vec<String> {
        let given = [
            ("--canary", &self.canary),
            ("--batch", &self.batch),
            ("--min-healthy", &self.min_healthy),
            ("--deadline", &self.deadline),
            ("--on-failure", &self.on_failure),
            ("--max-failures", &self.max_failures),
        ];
        given
            .into_iter()
            .filter_map(|(flag, value)| Some([flag.to_string(), value.clone()?]))
            .flatten()
            .collect()
    }
}

/// A rollback, as `jdeploy rollback` takes it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RollbackBody {
    /// Back to the deploy, or a container's release, whose id starts so.
    pub to: Option<String>,
    /// Back this many of the group's deploys (1 when neither is given).
    pub steps: Option<usize>,
    /// Host globs narrowing the group.
    pub hosts: Vec<String>,
    /// Container globs narrowing the group.
    pub containers: Vec<String>,
    pub no_hooks: bool,
}

impl RollbackBody {
    pub fn command_line(&self, group: &str) -> String {
        let steps = self.steps.map(|steps| steps.to_string());
        let mut words = vec!["jdeploy", "rollback", "--group", group];
        if let Some(to) = &self.to {
            words.extend(["--to", to]);
        }
        if let Some(steps) = &steps {
            words.extend(["--steps", steps]);
        }
        narrow_words(&mut words, &self.hosts, &self.containers);
        if self.no_hooks {
            words.push("--no-hooks");
        }
        join(&words)
    }
}

/// A restart, as `jdeploy restart` takes it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RestartBody {
    pub hosts: Vec<String>,
    pub containers: Vec<String>,
    /// Seconds a container may take to stop, instead of the group's `stop_timeout`.
    pub stop_timeout: Option<u32>,
    pub no_hooks: bool,
}

impl RestartBody {
    pub fn command_line(&self, group: &str) -> String {
        let timeout = self.stop_timeout.map(|secs| secs.to_string());
        let mut words = vec!["jdeploy", "restart", "--group", group];
        narrow_words(&mut words, &self.hosts, &self.containers);
        if let Some(timeout) = &timeout {
            words.extend(["--timeout", timeout]);
        }
        if self.no_hooks {
            words.push("--no-hooks");
        }
        join(&words)
    }
}

fn narrow_words<'a>(words: &mut Vec<&'a str>, hosts: &'a [String], containers: &'a [String]) {
    for host in hosts {
        words.extend(["--host", host]);
    }
    for container in containers {
        words.extend(["--container", container]);
    }
}

fn join(words: &[&str]) -> String {
    shlex::try_join(words.iter().copied()).unwrap_or_else(|_| words.join(" "))
}

/// Comma-separated globs, as a query string gives them.
pub fn patterns(text: Option<&str>) -> Vec<String> {
    text.map(|text| {
        text.split(',')
            .map(str::trim)
            .filter(|pattern| !pattern.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

/// A list's query: one group or all, and how many of the newest.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only this group's.
    pub group: Option<String>,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

impl ListQuery {
    /// `limit`, `default` without, at most 1,000.
    pub fn limit_or(&self, default: usize) -> usize {
        self.limit.unwrap_or(default).min(1000)
    }
}
