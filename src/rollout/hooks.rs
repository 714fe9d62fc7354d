//! Hooks that run inside a container through the Engine API's exec: `pre_stop` before
//! it is restarted or stopped, `post_start` once it passed its gate.

use std::sync::Mutex;

use super::fleet::Fleet;
use super::lines::LineBuffer;
use super::outcome::FleetUnit;
use super::reporter::Reporter;
use crate::engine::{Engine, EngineError, OutputStream};
use crate::inventory::hooks;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerHook {
    PreStop,
    PostStart,
}

impl ContainerHook {
    pub fn name(self) -> &'static str {
        match self {
            ContainerHook::PreStop => "pre_stop",
            ContainerHook::PostStart => "post_start",
        }
    }

    fn command(self, unit: &FleetUnit) -> Option<&str> {
        match self {
            ContainerHook::PreStop => unit.hooks.pre_stop.as_deref(),
            ContainerHook::PostStart => unit.hooks.post_start.as_deref(),
        }
    }
}

/// Runs `hook` in `unit`'s container, if the group has one, passing each line it prints
/// on. Fails when it exits non-zero or outlives the hooks' timeout.
pub async fn run_hook<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    hook: ContainerHook,
    reporter: &dyn Reporter,
) -> Result<(), EngineError> {
    let Some(command) = hook.command(unit) else {
        return Ok(());
    };
    let name = unit.key.container.as_str();
    let failed = |detail: String| EngineError::Hook {
        hook: hook.name().to_string(),
        detail,
    };
    reporter.step(&unit.key, &format!("hook {}", hook.name()));
    let argv = ["sh".to_string(), "-c".to_string(), command.to_string()];
    let exec_id = fleet
        .call(&unit.host, |engine| async move {
            engine.exec_create(name, &argv).await
        })
        .await?;
    let engine = fleet.engine(&unit.host).await?;
    // Lines come in pieces; the last whole one says why a failing hook failed.
    let lines = Mutex::new((LineBuffer::default(), String::new()));
    let source = format!("hook {}", hook.name());
    let pass_on = |line: &[u8]| {
        let line = String::from_utf8_lossy(line).into_owned();
        reporter.output(&unit.key, &source, &line);
        line
    };
    let sink = |stream: OutputStream, data: bytes::Bytes| {
        let mut held = lines.lock().expect("no sink panics");
        let complete = held.0.push(stream, &data);
        for line in complete {
            held.1 = pass_on(&line);
        }
    };
    let timeout = unit.hooks.timeout;
    let ran = tokio::time::timeout(timeout, engine.exec_run(name, &exec_id, &sink)).await;
    let mut held = lines.into_inner().expect("no sink panics");
    for (_, rest) in held.0.finish() {
        held.1 = pass_on(&rest);
    }
    match ran {
        Err(_) => Err(failed(hooks::timed_out(timeout))),
        Ok(Err(err)) => Err(err),
        Ok(Ok(Some(0))) => Ok(()),
        Ok(Ok(code)) => Err(failed(hooks::exited(code, &held.1))),
    }
}
