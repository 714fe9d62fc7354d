//! `start`, `stop`, `restart` and `rm` on existing containers, all hosts at once.

use std::time::Instant;

use super::executor::{execute, Execution, Order, Strategy};
use super::fleet::Fleet;
use super::gate::pass;
use super::hooks::{run_hook, ContainerHook};
use super::outcome::{FleetUnit, Outcome, Status, UnitError};
use super::reporter::Reporter;
use crate::engine::{Engine, EngineError, ErrorKind};
use crate::labels;
use crate::plan::ContainerState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Start,
    Stop,
    Restart,
    /// Stop and remove; containers jdeploy did not create only when `foreign`.
    Remove {
        foreign: bool,
    },
}

impl Lifecycle {
    pub fn name(self) -> &'static str {
        match self {
            Lifecycle::Start => "start",
            Lifecycle::Stop => "stop",
            Lifecycle::Restart => "restart",
            Lifecycle::Remove { .. } => "rm",
        }
    }

    fn past(self) -> &'static str {
        match self {
            Lifecycle::Start => "started",
            Lifecycle::Stop => "stopped",
            Lifecycle::Restart => "restarted",
            Lifecycle::Remove { .. } => "removed",
        }
    }

    /// Coming up, core units go first; going down, they go last.
    pub fn order(self) -> Order {
        match self {
            Lifecycle::Start | Lifecycle::Restart => Order::CoreFirst,
            Lifecycle::Stop | Lifecycle::Remove { .. } => Order::CoreLast,
        }
    }
}

/// Acts on every unit. `strategy` orders restarts (batches, failures tolerated); the
/// others go core first or last, all at once. `interrupted` is asked before each wave.
pub async fn lifecycle<E: Engine>(
    fleet: &Fleet<E>,
    units: &[FleetUnit],
    action: Lifecycle,
    strategy: &Strategy,
    reporter: &dyn Reporter,
    interrupted: &(dyn Fn() -> bool + Sync),
) -> Execution {
    let strategy = match action {
        Lifecycle::Restart => *strategy,
        other => Strategy::plain(other.order()),
    };
    execute(
        units,
        |unit| &unit.key,
        |_| true,
        &strategy,
        action.past(),
        reporter,
        interrupted,
        |unit| act(fleet, unit, action, reporter),
    )
    .await
}

async fn act<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    action: Lifecycle,
    reporter: &dyn Reporter,
) -> Outcome {
    let name = unit.key.container.as_str();
    let done = |status: Status, detail: &str| Outcome::new(unit.key.clone(), status, detail);
    reporter.step(&unit.key, "inspecting");
    let details = match fleet
        .call(
            &unit.host,
            |engine| async move { engine.inspect(name).await },
        )
        .await
    {
        Ok(details) => details,
        Err(err) => return Outcome::engine_failed(unit.key.clone(), &err),
    };
    let Some(details) = details else {
        return match action {
            Lifecycle::Stop | Lifecycle::Remove { .. } => {
                done(Status::Unchanged, "no such container")
            }
            Lifecycle::Start | Lifecycle::Restart => {
                Outcome::error(unit.key.clone(), &UnitError::missing(&unit.key))
            }
        };
    };
    let up = details.state.is_up();
    let timeout = unit.stop_timeout;
    let (step, status) = match action {
        Lifecycle::Start if details.state == ContainerState::Paused => {
            return done(Status::Unchanged, "paused; `docker unpause` resumes it")
        }
        Lifecycle::Start if up => return done(Status::Unchanged, "already running"),
        Lifecycle::Stop if !up => return done(Status::Unchanged, "already stopped"),
        Lifecycle::Remove { foreign: false } if !details.labels.contains_key(labels::GROUP) => {
            return Outcome::failed(
                unit.key.clone(),
                ErrorKind::Refused,
                "not created by jdeploy (no io.jdeploy.group label); --force removes it anyway",
            )
        }
        Lifecycle::Start => ("starting", Status::Started),
        Lifecycle::Stop => ("stopping", Status::Stopped),
        Lifecycle::Restart => ("restarting", Status::Restarted),
        Lifecycle::Remove { .. } => ("removing", Status::Removed),
    };
    let stops = matches!(
        action,
        Lifecycle::Stop | Lifecycle::Restart | Lifecycle::Remove { .. }
    );
    if stops && up {
        if let Err(err) = run_hook(fleet, unit, ContainerHook::PreStop, reporter).await {
            return Outcome::engine_failed(unit.key.clone(), &err);
        }
    }
    reporter.step(&unit.key, step);
    let result = fleet
        .call(&unit.host, |engine| async move {
            match action {
                Lifecycle::Start => engine.start(name).await,
                Lifecycle::Stop => engine.stop(name, timeout).await,
                Lifecycle::Restart => engine.restart(name, timeout).await,
                Lifecycle::Remove { .. } => engine.remove(name, timeout).await,
            }
        })
        .await;
    let starts = matches!(action, Lifecycle::Start | Lifecycle::Restart);
    match result {
        Ok(()) if action == Lifecycle::Restart && !unit.gate.is_open() => {
            let gate = pass(fleet, unit, unit.gate, Instant::now(), reporter).await;
            let mut outcome = match &gate.reason {
                None => started(fleet, unit, reporter, done(status, "")).await,
                Some(reason) => Outcome::failed(unit.key.clone(), ErrorKind::Unhealthy, reason),
            };
            outcome.gate = Some(gate);
            outcome
        }
        Ok(()) if starts => started(fleet, unit, reporter, done(status, "")).await,
        Ok(()) => done(status, ""),
        Err(EngineError::NoSuchContainer { .. }) => {
            Outcome::error(unit.key.clone(), &UnitError::missing(&unit.key))
        }
        Err(err) => Outcome::engine_failed(unit.key.clone(), &err),
    }
}

/// `ok`, once the container's `post_start` hook, if any, passed.
async fn started<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    reporter: &dyn Reporter,
    ok: Outcome,
) -> Outcome {
    match run_hook(fleet, unit, ContainerHook::PostStart, reporter).await {
        Ok(()) => ok,
        Err(err) => Outcome::engine_failed(unit.key.clone(), &err),
    }
}
