//! The `status` table, its one-line total and its JSON.

use std::collections::BTreeMap;
use std::time::Duration;

use bytesize::ByteSize;
use comfy_table::{Cell, Color};
use serde::Serialize;

use super::{count, plain_table, table_text};
use crate::app::{StatusReport, StatusRow};

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
            Cell::new(super::visible(row.note.as_deref().unwrap_or(""))),
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
    pub fn new(report: &'a StatusReport) -> Self {
        Self {
            ok: report.complete(),
            command: "status",
            containers: &report.rows,
        }
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
