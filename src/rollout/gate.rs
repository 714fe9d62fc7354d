//! The gate a container passes after its restart before it counts as deployed: running,
//! not exited or restarted, for `min_healthy`, and healthy if it has a health check,
//! both within `deadline` of the restart.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Serialize;

use super::fleet::Fleet;
use super::lines::LineBuffer;
use super::logs::split_timestamp;
use super::outcome::FleetUnit;
use super::reporter::Reporter;
use crate::engine::{ContainerDetails, Engine, LogQuery, OutputStream};
use crate::plan::ContainerState;

/// How often a container is asked how it is doing while it waits at its gate.
const POLL: Duration = Duration::from_millis(250);
/// Log lines kept for a container that failed its gate.
const LOG_TAIL: u64 = 5;

/// What a container must do after its restart. A container with a Docker health check
/// must also be reported healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Gate {
    pub min_healthy: Duration,
    pub deadline: Duration,
    /// groups.yaml gives the container a health check. Whether it has one is read from
    /// the container itself; this only says whether to look.
    pub health_check: bool,
}

impl Gate {
    /// No gate at all: the restart is enough.
    pub fn is_open(&self) -> bool {
        self.min_healthy.is_zero() && !self.health_check
    }
}

/// How a container did at its gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateResult {
    pub passed: bool,
    /// Seconds from the restart to the verdict.
    #[serde(serialize_with = "super::outcome::seconds")]
    pub after: Duration,
    /// Why it failed, in one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The container's last log lines, when it failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log_tail: Vec<String>,
}

/// Waits for `unit`'s container to pass `gate`; `restarted` is when its restart returned.
pub async fn pass<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    gate: Gate,
    restarted: Instant,
    reporter: &dyn Reporter,
) -> GateResult {
    let verdict = watch(fleet, unit, gate, restarted, reporter).await;
    let after = restarted.elapsed();
    match verdict {
        Ok(()) => GateResult {
            passed: true,
            after,
            reason: None,
            log_tail: Vec::new(),
        },
        Err(reason) => GateResult {
            passed: false,
            after,
            reason: Some(reason),
            log_tail: log_tail(fleet, unit).await,
        },
    }
}

async fn watch<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    gate: Gate,
    restarted: Instant,
    reporter: &dyn Reporter,
) -> Result<(), String> {
    if gate.is_open() {
        return Ok(());
    }
    let name = unit.key.container.as_str();
    reporter.step(
        &unit.key,
        &format!(
            "gating: up {} within {}",
            duration_text(gate.min_healthy),
            duration_text(gate.deadline)
        ),
    );
    let mut first: Option<ContainerDetails> = None;
    loop {
        let details = fleet
            .call(
                &unit.host,
                |engine| async move { engine.inspect(name).await },
            )
            .await
            .map_err(|err| format!("cannot follow it after its restart: {err}"))?
            .ok_or_else(|| "removed after its restart".to_string())?;
        let since = restarted.elapsed();
        let first = first.get_or_insert_with(|| details.clone());
        // Docker resets the restart count on a restart it is asked for: any count, or
        // another start time, means its restart policy brought the container back.
        let restarted_again = details.restart_count > 0 || details.started_at != first.started_at;
        if details.state != ContainerState::Running || restarted_again {
            let code = exit_code(fleet, unit, first, &details).await;
            return Err(exited(&details, code, since));
        }
        let checked = details.health.is_some();
        let healthy = match details.health.as_deref() {
            Some("unhealthy") => {
                let output = details.health_output.as_deref().unwrap_or("no output");
                return Err(format!("unhealthy: {}", one_line(output)));
            }
            Some("healthy") | None => true,
            Some(_) => false,
        };
        if since >= gate.min_healthy && healthy {
            return Ok(());
        }
        if since >= gate.deadline {
            return Err(if checked && !healthy {
                format!("not healthy within {}", duration_text(gate.deadline))
            } else {
                format!(
                    "not up for {} within {}",
                    duration_text(gate.min_healthy),
                    duration_text(gate.deadline)
                )
            });
        }
        let (waiting, target) = if healthy {
            ("up", gate.min_healthy)
        } else {
            ("waiting for healthy", gate.deadline)
        };
        reporter.progress(
            &unit.key,
            &format!(
                "{waiting} {}/{}",
                duration_text(since),
                duration_text(target)
            ),
        );
        // Look again when the container may have passed, or at the next poll.
        let left = target.saturating_sub(since);
        let left = if left.is_zero() {
            gate.deadline.saturating_sub(since)
        } else {
            left
        };
        tokio::time::sleep(POLL.min(left).max(Duration::from_millis(10))).await;
    }
}

/// The code the container first exited with after its restart: from the engine's
/// events, since a container Docker started again reports its new run.
async fn exit_code<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    first: &ContainerDetails,
    now: &ContainerDetails,
) -> i64 {
    let name = unit.key.container.as_str();
    let stopped = matches!(now.state, ContainerState::Exited | ContainerState::Dead);
    if let (true, Some(code)) = (stopped, now.exit_code) {
        return code;
    }
    // From a little before the first start seen, in the engine's clock: that start may
    // already be Docker's. The newest death is the crash; an older one may be the stop
    // of the restart itself.
    let since = first
        .started_at
        .as_deref()
        .and_then(|started| humantime::parse_rfc3339_weak(started).ok())
        .map(|started| started - Duration::from_secs(2))
        .map(|since| humantime::format_rfc3339_nanos(since).to_string());
    let Some(since) = since else {
        return now.exit_code.unwrap_or(0);
    };
    let since = since.as_str();
    let codes = fleet
        .call(&unit.host, |engine| async move {
            engine.exit_codes_since(name, since).await
        })
        .await;
    match codes.as_deref() {
        Ok([.., last]) => *last,
        _ => now.exit_code.unwrap_or(0),
    }
}

/// `exited (3) 0.4s after restart`; `exited (3) ..., restarted by Docker` when its
/// restart policy brought it back.
fn exited(details: &ContainerDetails, code: i64, since: Duration) -> String {
    if matches!(
        details.state,
        ContainerState::Running | ContainerState::Restarting
    ) {
        // The times in view are of the run Docker started since; the verdict's is the
        // closest known.
        return format!(
            "exited ({code}) {} after restart, restarted by Docker",
            duration_text(since)
        );
    }
    let lasted = match (&details.started_at, &details.finished_at) {
        (Some(started), Some(finished)) => humantime::parse_rfc3339_weak(finished)
            .ok()
            .zip(humantime::parse_rfc3339_weak(started).ok())
            .and_then(|(finished, started)| finished.duration_since(started).ok())
            .filter(|lasted| *lasted <= since),
        _ => None,
    };
    let after = lasted.unwrap_or(since);
    format!(
        "{} ({code}) {} after restart",
        details.state.name(),
        duration_text(after)
    )
}

/// The container's last log lines, timestamps cut off; none if they cannot be read.
async fn log_tail<E: Engine>(fleet: &Fleet<E>, unit: &FleetUnit) -> Vec<String> {
    let name = unit.key.container.as_str();
    let lines = Mutex::new((LineBuffer::default(), Vec::new()));
    let sink = |stream: OutputStream, data: Bytes| {
        let mut lines = lines.lock().expect("no sink call panics");
        let (buffer, done) = &mut *lines;
        for line in buffer.push(stream, &data) {
            done.push(line);
        }
    };
    let query = LogQuery {
        follow: false,
        tail: Some(LOG_TAIL),
        since: None,
    };
    let read = fleet
        .call(&unit.host, |engine| async move {
            engine.logs(name, query, &sink).await
        })
        .await;
    if read.is_err() {
        return Vec::new();
    }
    let (mut buffer, mut done) = lines.into_inner().expect("no sink call panics");
    done.extend(buffer.finish().into_iter().map(|(_, line)| line));
    // Each line starts with the engine's timestamp, cut off as `logs` cuts it.
    done.iter()
        .map(|line| String::from_utf8_lossy(split_timestamp(line).2).into_owned())
        .collect()
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// `0.4s`, `3s`, `60s`.
pub fn duration_text(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 || secs >= 10.0 {
        format!("{:.0}s", secs)
    } else {
        format!("{secs:.1}s")
    }
}
