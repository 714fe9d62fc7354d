//! The `status` table, its one-line total and its JSON.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use bytesize::ByteSize;
use comfy_table::{Cell, Color};
use serde::Serialize;

use super::{count, plain_table, table_text};
use crate::labels;
use crate::plan::ContainerState;
use crate::rollout::{Observed, UnitKey, UnitStatus};

/// One container as `status` reports it, in plain values.
#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    #[serde(flatten)]
    pub unit: UnitKey,
    /// running, exited, created, paused, restarting, ...; `missing` when the host has no
    /// such container, `unknown` when the host could not be asked.
    pub state: String,
    pub exit_code: Option<i64>,
    pub health: Option<String>,
    pub started_at: Option<String>,
    pub uptime_secs: Option<u64>,
    pub memory_bytes: Option<u64>,
    pub memory_limit_bytes: Option<u64>,
    pub cpu_percent: Option<f64>,
    pub restart_count: Option<i64>,
    /// The configuration hash jdeploy labelled the container with when it created it.
    pub config_hash: Option<String>,
    /// True when groups.yaml now asks for another configuration.
    pub config_differs: bool,
    /// The release the last deploy put in place.
    pub release: Option<String>,
    /// Why the host could not be asked, or what to do about the container.
    pub note: Option<String>,
}

impl StatusRow {
    /// `desired_hash` is the configuration groups.yaml asks for, when it names an image.
    pub fn new(status: &UnitStatus, desired_hash: Option<&str>, now: SystemTime) -> Self {
        let mut row = Self {
            unit: status.unit.clone(),
            state: "unknown".into(),
            exit_code: None,
            health: None,
            started_at: None,
            uptime_secs: None,
            memory_bytes: None,
            memory_limit_bytes: None,
            cpu_percent: None,
            restart_count: None,
            config_hash: None,
            config_differs: false,
            release: None,
            note: None,
        };
        match &status.observed {
            Err(err) => row.note = Some(err.to_string()),
            Ok(None) => {
                row.state = "missing".into();
                row.note = Some(format!(
                    "no such container; `jdeploy create --group {}` creates it",
                    status.unit.first_group()
                ));
            }
            Ok(Some(observed)) => row.fill(observed, desired_hash, now),
        }
        row
    }

    fn fill(&mut self, observed: &Observed, desired_hash: Option<&str>, now: SystemTime) {
        let details = &observed.details;
        self.state = state_name(details.state).into();
        let running = details.state == ContainerState::Running;
        self.exit_code = details
            .exit_code
            .filter(|_| !running && details.state != ContainerState::Created);
        self.health = details.health.clone();
        self.started_at = details.started_at.clone();
        self.uptime_secs = details
            .started_at
            .as_deref()
            .filter(|_| running)
            .and_then(|started| humantime::parse_rfc3339(started).ok())
            .map(|started| now.duration_since(started).unwrap_or_default().as_secs());
        self.memory_bytes = observed.memory;
        self.memory_limit_bytes = observed.memory_limit.filter(|limit| *limit > 0);
        self.cpu_percent = observed
            .cpu_percent
            .map(|percent| (percent * 100.0).round() / 100.0);
        self.restart_count = Some(details.restart_count);
        self.config_hash = details.labels.get(labels::CONFIG_HASH).cloned();
        self.release = observed.release.clone();
        if !details.labels.contains_key(labels::GROUP) {
            self.note = Some("not created by jdeploy".into());
        } else if let (Some(found), Some(desired)) = (&self.config_hash, desired_hash) {
            if found != desired {
                self.config_differs = true;
                self.note = Some(format!(
                    "configuration differs from groups.yaml; `jdeploy create --group {} --recreate` replaces it",
                    self.unit.first_group()
                ));
            }
        }
    }

    /// The host could not be asked about it.
    pub fn is_unknown(&self) -> bool {
        self.state == "unknown"
    }
}

fn state_name(state: ContainerState) -> &'static str {
    match state {
        ContainerState::Created => "created",
        ContainerState::Running => "running",
        ContainerState::Paused => "paused",
        ContainerState::Restarting => "restarting",
        ContainerState::Exited => "exited",
        ContainerState::Dead => "dead",
        ContainerState::Removing => "removing",
        ContainerState::Unknown => "unknown",
    }
}

pub fn status_table(rows: &[StatusRow], color: bool) -> String {
    let mut table = plain_table([
        "GROUP",
        "CONTAINER",
        "HOST",
        "CORE",
        "STATE",
        "HEALTH",
        "UPTIME",
        "MEMORY",
        "CPU",
        "RESTARTS",
        "CONFIG",
        "RELEASE",
        "NOTE",
    ]);
    let dash = || "-".to_string();
    for row in rows {
        let state = match row.exit_code {
            Some(code) => format!("{} ({code})", row.state),
            None => row.state.clone(),
        };
        let mut state = Cell::new(state);
        if color {
            state = state.fg(state_color(row));
        }
        let mut config = short(row.config_hash.as_deref());
        if row.config_differs {
            config.push('*');
        }
        table.add_row([
            Cell::new(&row.unit.group),
            Cell::new(&row.unit.container),
            Cell::new(&row.unit.host),
            Cell::new(if row.unit.core { "yes" } else { "" }),
            state,
            Cell::new(row.health.clone().unwrap_or_else(dash)),
            Cell::new(row.uptime_secs.map_or_else(dash, uptime)),
            Cell::new(
                row.memory_bytes
                    .map_or_else(dash, |bytes| ByteSize(bytes).display().iec().to_string()),
            ),
            Cell::new(
                row.cpu_percent
                    .map_or_else(dash, |cpu| format!("{cpu:.1}%")),
            ),
            Cell::new(row.restart_count.map_or_else(dash, |n| n.to_string())),
            Cell::new(config),
            Cell::new(short(row.release.as_deref())),
            Cell::new(row.note.as_deref().unwrap_or("")),
        ]);
    }
    if color {
        table.enforce_styling();
    }
    table_text(&mut table)
}

fn state_color(row: &StatusRow) -> Color {
    match row.state.as_str() {
        "running" if row.health.as_deref() == Some("unhealthy") => Color::Yellow,
        "running" => Color::Green,
        "exited" if row.exit_code == Some(0) => Color::Yellow,
        "created" | "paused" | "restarting" => Color::Yellow,
        _ => Color::Red,
    }
}

fn short(id: Option<&str>) -> String {
    id.map_or("-", crate::release::short).to_string()
}

/// `3d4h`, `2h5m`, `4m10s`, `12s`: the two largest units, as `docker ps` rounds.
fn uptime(seconds: u64) -> String {
    let units = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)];
    let mut parts = Vec::new();
    let mut rest = seconds;
    for (name, size) in units {
        if rest >= size || (parts.is_empty() && size == 1) {
            parts.push(format!("{}{name}", rest / size));
            rest %= size;
        } else if !parts.is_empty() {
            parts.push(String::new());
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.concat()
}

/// `status: 12 containers: 10 running, 1 exited, 1 unknown (127.0.0.6 unreachable) in 0.4s`
pub fn status_summary(rows: &[StatusRow], elapsed: Duration) -> String {
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    for row in rows {
        *states.entry(row.state.as_str()).or_default() += 1;
    }
    let states: Vec<String> = states
        .iter()
        .map(|(state, n)| format!("{n} {state}"))
        .collect();
    format!(
        "status: {}: {} in {:.1}s",
        count(rows.len(), "container"),
        states.join(", "),
        elapsed.as_secs_f64()
    )
}

#[derive(Debug, Serialize)]
pub struct StatusJson<'a> {
    /// False when some host could not be asked.
    pub ok: bool,
    pub command: &'static str,
    pub containers: &'a [StatusRow],
}

impl<'a> StatusJson<'a> {
    pub fn new(rows: &'a [StatusRow]) -> Self {
        Self {
            ok: !rows.iter().any(StatusRow::is_unknown),
            command: "status",
            containers: rows,
        }
    }

    pub fn complete(rows: &[StatusRow]) -> bool {
        !rows.iter().any(StatusRow::is_unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_shows_the_two_largest_units() {
        assert_eq!(uptime(0), "0s");
        assert_eq!(uptime(42), "42s");
        assert_eq!(uptime(250), "4m10s");
        assert_eq!(uptime(3_600 * 2 + 300 + 7), "2h5m");
        assert_eq!(uptime(3_600 * 2 + 7), "2h");
        assert_eq!(uptime(86_400 * 3 + 3_600 * 4 + 59), "3d4h");
    }
}
