//! Hooks that run inside a container through the Engine API's exec: `pre_stop` before
//! it is restarted or stopped, `post_start` once it passed its gate.

use std::sync::Mutex;
use std::time::Duration;

use super::fleet::Fleet;
use super::lines::LineBuffer;
use super::outcome::FleetUnit;
use super::reporter::Reporter;
use crate::engine::{Engine, EngineError, OutputStream};

/// Lines of a failed hook's output kept for its error.
const TAIL_LINES: usize = 5;

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
    let lines = Mutex::new((LineBuffer::default(), Vec::<String>::new()));
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
            let line = pass_on(&line);
            keep_tail(&mut held.1, line);
        }
    };
    let timeout = unit.hooks.timeout;
    let ran = tokio::time::timeout(timeout, engine.exec_run(name, &exec_id, &sink)).await;
    let mut held = lines.into_inner().expect("no sink panics");
    for (_, rest) in held.0.finish() {
        let line = pass_on(&rest);
        keep_tail(&mut held.1, line);
    }
    let tail = held.1.last().cloned().unwrap_or_default();
    match ran {
        Err(_) => Err(failed(format!(
            "did not finish within {}",
            humantime::format_duration(Duration::from_secs(timeout.as_secs().max(1)))
        ))),
        Ok(Err(err)) => Err(err),
        Ok(Ok(Some(0))) => Ok(()),
        Ok(Ok(code)) => {
            let code = code.map_or("?".to_string(), |code| code.to_string());
            let said = if tail.is_empty() {
                String::new()
            } else {
                format!(": {tail}")
            };
            Err(failed(format!("exited {code}{said}")))
        }
    }
}

fn keep_tail(tail: &mut Vec<String>, line: String) {
    if tail.len() == TAIL_LINES {
        tail.remove(0);
    }
    tail.push(line);
}
