//! `hooks`: commands run here around a deploy, and in each container around its restart.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::checker::Checker;
use super::gates::parse_duration;
use super::raw::Scalar;

/// How long a hook may run before it counts as failed, unless `hooks.timeout` says.
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHooks {
    pub pre_deploy: Option<String>,
    pub post_deploy: Option<String>,
    pub on_failure: Option<String>,
    pub pre_stop: Option<String>,
    pub post_start: Option<String>,
    pub timeout: Option<Scalar>,
}

/// One section's hooks; `None` means "not set here". Commands are shell lines.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Hooks {
    /// Here, before anything is touched; failing aborts the deploy.
    pub pre_deploy: Option<String>,
    /// Here, after the deploy, whatever its result.
    pub post_deploy: Option<String>,
    /// Here, when a deploy or rollback failed.
    pub on_failure: Option<String>,
    /// In each running container before it is restarted or stopped.
    pub pre_stop: Option<String>,
    /// In each container once it passed its gate after a (re)start.
    pub post_start: Option<String>,
    pub timeout: Option<Duration>,
}

impl Hooks {
    /// `over` wins key by key.
    pub fn layer(&self, over: &Hooks) -> Hooks {
        let pick = |over: &Option<String>, base: &Option<String>| over.clone().or(base.clone());
        Hooks {
            pre_deploy: pick(&over.pre_deploy, &self.pre_deploy),
            post_deploy: pick(&over.post_deploy, &self.post_deploy),
            on_failure: pick(&over.on_failure, &self.on_failure),
            pre_stop: pick(&over.pre_stop, &self.pre_stop),
            post_start: pick(&over.post_start, &self.post_start),
            timeout: over.timeout.or(self.timeout),
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_HOOK_TIMEOUT)
    }

    /// What runs in each container, for rollouts.
    pub fn in_container(&self) -> ContainerHooks {
        ContainerHooks {
            pre_stop: self.pre_stop.clone(),
            post_start: self.post_start.clone(),
            timeout: self.timeout(),
        }
    }
}

/// The hooks that run inside a container, through the Engine API's exec.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ContainerHooks {
    pub pre_stop: Option<String>,
    pub post_start: Option<String>,
    pub timeout: Duration,
}

impl ContainerHooks {
    /// With `--no-hooks`: none.
    pub fn none() -> Self {
        Self::default()
    }
}

pub fn parse_hooks(raw: RawHooks, key: &str, checker: &mut Checker) -> Hooks {
    let mut command = |value: Option<String>, field: &str| {
        let value = value?;
        if value.trim().is_empty() {
            checker.error(
                &format!("{key}.{field}"),
                "the hook is empty",
                Some(format!("leave `{field}` out to run nothing")),
            );
            return None;
        }
        Some(value)
    };
    let mut hooks = Hooks {
        pre_deploy: command(raw.pre_deploy, "pre_deploy"),
        post_deploy: command(raw.post_deploy, "post_deploy"),
        on_failure: command(raw.on_failure, "on_failure"),
        pre_stop: command(raw.pre_stop, "pre_stop"),
        post_start: command(raw.post_start, "post_start"),
        timeout: None,
    };
    if let Some(Scalar(text)) = raw.timeout {
        match parse_duration(&text) {
            Ok(timeout) if timeout.is_zero() => checker.error(
                &format!("{key}.timeout"),
                "a timeout of zero leaves hooks no time to run",
                None,
            ),
            Ok(timeout) => hooks.timeout = Some(timeout),
            Err(message) => checker.error(&format!("{key}.timeout"), message, None),
        }
    }
    hooks
}

/// Why a hook failed, the same words wherever it ran: it outlived `timeout`.
pub fn timed_out(timeout: Duration) -> String {
    let whole = Duration::from_secs(timeout.as_secs().max(1));
    format!(
        "did not finish within {}",
        humantime::format_duration(whole)
    )
}

/// Why a hook failed: it exited with `code` (`on a signal` when none), after printing
/// `last`.
pub fn exited(code: Option<i64>, last: &str) -> String {
    let code = code.map_or("on a signal".to_string(), |code| code.to_string());
    if last.is_empty() {
        format!("exited {code}")
    } else {
        format!("exited {code}: {last}")
    }
}
