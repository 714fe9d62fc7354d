//! Hooks that run on this machine around a deploy or rollback: `pre_deploy` before
//! anything is touched, `post_deploy` after, `on_failure` when it failed.

use std::process::Stdio;
use std::time::Duration;

use std::sync::Mutex;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

use super::{Frontend, RunReport};
use crate::inventory::{Group, Inventory};
use crate::render::Flags;

/// What a local hook is told, as `JDEPLOY_*` variables.
pub(super) struct HookContext<'a> {
    pub inventory: &'a Inventory,
    pub group: &'a Group,
    /// `deploy` or `rollback`.
    pub command: &'a str,
    pub deploy: Option<&'a str>,
    pub flags: Option<&'a Flags>,
    /// `container@host`, each.
    pub containers: Vec<String>,
    pub performer: String,
}

impl HookContext<'_> {
    /// Runs `hook`'s command, if the group has one, in the directory of groups.yaml; its
    /// lines go to the frontend. Err says why it failed.
    pub async fn run(
        &self,
        hook: &str,
        result: Option<&str>,
        frontend: &dyn Frontend,
    ) -> Result<(), String> {
        let hooks = &self.group.hooks;
        let command = match hook {
            "pre_deploy" => hooks.pre_deploy.as_deref(),
            "post_deploy" => hooks.post_deploy.as_deref(),
            _ => hooks.on_failure.as_deref(),
        };
        let Some(command) = command else {
            return Ok(());
        };
        let mut child = Command::new("sh");
        child
            .arg("-c")
            .arg(command)
            .current_dir(&self.inventory.base_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .env("JDEPLOY_GROUP", &self.group.name)
            .env("JDEPLOY_COMMAND", self.command)
            .env("JDEPLOY_DEPLOY_ID", self.deploy.unwrap_or_default())
            .env("JDEPLOY_CONTAINERS", self.containers.join(" "))
            .env("JDEPLOY_PERFORMER", &self.performer)
            .env("JDEPLOY_RESULT", result.unwrap_or_default());
        if let Some(flags) = self.flags {
            child
                .env("JDEPLOY_MODE", flags.mode.as_deref().unwrap_or_default())
                .env("JDEPLOY_MONITOR", if flags.monitor { "1" } else { "0" });
        }
        let mut child = child
            .spawn()
            .map_err(|err| format!("{hook} hook `{command}` could not start: {err}"))?;
        let source = format!("hook {hook}");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let last = Mutex::new(String::new());
        let timeout = hooks.timeout();
        let ran = tokio::time::timeout(timeout, async {
            let (_, _, status) = tokio::join!(
                pass_on(stdout, &source, &last, frontend),
                pass_on(stderr, &source, &last, frontend),
                child.wait()
            );
            status
        })
        .await;
        let last = last.into_inner().expect("no reader panics");
        let said = if last.is_empty() {
            String::new()
        } else {
            format!(": {last}")
        };
        match ran {
            Err(_) => Err(format!(
                "{hook} hook did not finish within {}",
                humantime::format_duration(Duration::from_secs(timeout.as_secs().max(1)))
            )),
            Ok(Err(err)) => Err(format!("{hook} hook failed: {err}")),
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => {
                let code = status
                    .code()
                    .map_or("on a signal".to_string(), |code| code.to_string());
                Err(format!("{hook} hook exited {code}{said}"))
            }
        }
    }

    /// After the command: `post_deploy` (deploys), then `on_failure` if it failed. Their
    /// failures are warnings: the run's result stands.
    pub async fn after(&self, report: &RunReport, frontend: &dyn Frontend) {
        let result = result_of(report);
        if self.command == "deploy" {
            if let Err(err) = self.run("post_deploy", Some(result), frontend).await {
                frontend.warning(&err);
            }
        }
        if !report.ok() {
            if let Err(err) = self.run("on_failure", Some(result), frontend).await {
                frontend.warning(&err);
            }
        }
    }
}

/// Each line of `stream` to the frontend; the last one kept for an error.
async fn pass_on<R: AsyncRead + Unpin>(
    stream: R,
    source: &str,
    last: &Mutex<String>,
    frontend: &dyn Frontend,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        frontend.output(source, &line);
        *last.lock().expect("no reader panics") = line;
    }
}

/// `ok`, `failed`, `rolled_back` or `interrupted`, as hooks see a run.
pub(super) fn result_of(report: &RunReport) -> &'static str {
    if report.ok() {
        "ok"
    } else if report.interrupted {
        "interrupted"
    } else if report.rolled_back {
        "rolled_back"
    } else {
        "failed"
    }
}
