//! Hooks that run on this machine around a deploy or rollback: `pre_deploy` before
//! anything is touched, `post_deploy` after, `on_failure` when it failed.

use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::Command;

use super::announce::announce;
use super::record::RunInfo;
use super::{App, Backend, Frontend, RunReport};
use crate::inventory::hooks;
use crate::inventory::{Group, Inventory};
use crate::render::Flags;

/// How long a hook's output may go on once the hook itself exited: what it left running
/// in the background may hold its output open.
const OUTPUT_GRACE: Duration = Duration::from_secs(1);
/// The longest line of a hook's output passed on whole.
const MAX_LINE: usize = 64 * 1024;

/// A hook run here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LocalHook {
    PreDeploy,
    PostDeploy,
    OnFailure,
}

impl LocalHook {
    fn name(self) -> &'static str {
        match self {
            LocalHook::PreDeploy => "pre_deploy",
            LocalHook::PostDeploy => "post_deploy",
            LocalHook::OnFailure => "on_failure",
        }
    }
}

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
        hook: LocalHook,
        result: Option<&str>,
        frontend: &dyn Frontend,
    ) -> Result<(), String> {
        let hooks = &self.group.hooks;
        let command = match hook {
            LocalHook::PreDeploy => hooks.pre_deploy.as_deref(),
            LocalHook::PostDeploy => hooks.post_deploy.as_deref(),
            LocalHook::OnFailure => hooks.on_failure.as_deref(),
        };
        let Some(command) = command else {
            return Ok(());
        };
        let name = hook.name();
        let mut child = Command::new("sh");
        child
            .arg("-c")
            .arg(command)
            .current_dir(&self.inventory.base_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so a timeout stops what it started too.
            .process_group(0)
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
            .map_err(|err| format!("{name} hook `{command}` could not start: {err}"))?;
        let group = child
            .id()
            .and_then(|pid| i32::try_from(pid).ok())
            .map(Pid::from_raw);
        let source = format!("hook {name}");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let last = Mutex::new(String::new());
        let output = async {
            tokio::join!(
                pass_on(stdout, &source, &last, frontend),
                pass_on(stderr, &source, &last, frontend)
            )
        };
        tokio::pin!(output);
        let mut output_done = false;
        let timeout = hooks.timeout();
        // The hook's exit decides; its output is read meanwhile.
        let ran = tokio::time::timeout(timeout, async {
            loop {
                tokio::select! {
                    status = child.wait() => break status,
                    _ = &mut output, if !output_done => output_done = true,
                }
            }
        })
        .await;
        if let Some(group) = group {
            if ran.is_err() {
                let _ = killpg(group, Signal::SIGKILL);
                let _ = child.wait().await;
            }
        }
        if !output_done {
            let _ = tokio::time::timeout(OUTPUT_GRACE, &mut output).await;
        }
        let last = last.lock().expect("no reader panics").clone();
        match ran {
            Err(_) => Err(format!("{name} hook {}", hooks::timed_out(timeout))),
            Ok(Err(err)) => Err(format!("{name} hook failed: {err}")),
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => {
                // No code: a signal ended it.
                let code = status.code().map(i64::from);
                Err(format!("{name} hook {}", hooks::exited(code, &last)))
            }
        }
    }

    /// After the command: `post_deploy` (deploys), then `on_failure` if it failed. Their
    /// failures are warnings: the run's result stands.
    pub async fn after(&self, report: &RunReport, frontend: &dyn Frontend) {
        let result = result_of(report);
        if self.command == "deploy" {
            if let Err(err) = self
                .run(LocalHook::PostDeploy, Some(result), frontend)
                .await
            {
                frontend.warning(&err);
            }
        }
        if !report.ok() {
            if let Err(err) = self.run(LocalHook::OnFailure, Some(result), frontend).await {
                frontend.warning(&err);
            }
        }
    }
}

/// Each line of `stream` to the frontend, whatever its bytes; the last one kept for an
/// error.
async fn pass_on<R: AsyncRead + Unpin>(
    stream: R,
    source: &str,
    last: &Mutex<String>,
    frontend: &dyn Frontend,
) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match (&mut reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
            .await
        {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(line.strip_suffix(b"\n").unwrap_or(&line));
        let text = text.trim_end_matches('\r').to_string();
        frontend.output(source, &text);
        *last.lock().expect("no reader panics") = text;
    }
}

impl<B: Backend> App<B> {
    /// After a deploy or rollback of `group`: the history record, the hooks that follow
    /// it (none with `--no-hooks`), then the group's webhooks.
    pub(super) async fn conclude(
        &self,
        frontend: &dyn Frontend,
        group: &Group,
        info: RunInfo,
        report: &RunReport,
        hooks: Option<&HookContext<'_>>,
    ) {
        let deploy = info.deploy.clone();
        self.record(frontend, info, report);
        if let Some(hooks) = hooks {
            hooks.after(report, frontend).await;
        }
        announce(group, report, deploy, frontend).await;
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
