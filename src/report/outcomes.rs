//! The end of a rollout: a table of every container's outcome, a one-line total, or JSON.

use std::collections::BTreeMap;

use comfy_table::{Cell, Color};
use serde::Serialize;

use super::{count, plain_table, table_text};
use crate::app::RunReport;
use crate::inventory::gates::RolloutPolicy;
use crate::rollout::{Outcome, Status};

/// One row a container; a BATCH column when the run went in batches.
pub fn outcomes_table(outcomes: &[Outcome], color: bool) -> String {
    let batches = outcomes.iter().any(|outcome| outcome.batch.is_some());
    let mut header = vec!["GROUP", "CONTAINER", "HOST", "CORE"];
    if batches {
        header.push("BATCH");
    }
    header.extend(["RESULT", "TIME", "DETAIL"]);
    let mut table = plain_table(header);
    for outcome in outcomes {
        let mut status = Cell::new(outcome.status.as_str());
        if color {
            status = status.fg(status_color(outcome.status));
        }
        let mut row = vec![
            Cell::new(&outcome.unit.group),
            Cell::new(&outcome.unit.container),
            Cell::new(&outcome.unit.host),
            Cell::new(if outcome.unit.core { "yes" } else { "" }),
        ];
        if batches {
            row.push(Cell::new(outcome.batch.as_deref().unwrap_or("")));
        }
        row.extend([
            status,
            Cell::new(format!("{:.1}s", outcome.elapsed.as_secs_f64())),
            Cell::new(super::visible(&outcome.detail)),
        ]);
        table.add_row(row);
    }
    if color {
        table.enforce_styling();
    }
    table_text(&mut table)
}

/// `deploy product_2: 3 deployed, 1 failed in 2.4s`
pub fn summary_line(report: &RunReport) -> String {
    let counts = status_counts(&report.outcomes);
    let parts: Vec<String> = counts
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    let parts = if parts.is_empty() {
        count(0, "container")
    } else {
        parts.join(", ")
    };
    let mut how = String::new();
    if report.interrupted {
        how.push_str("; interrupted");
    }
    if report.rolled_back {
        how.push_str("; what it changed was rolled back");
    }
    format!(
        "{} {}: {parts} in {:.1}s{how}",
        report.command,
        report.group,
        report.elapsed.as_secs_f64()
    )
}

fn status_counts(outcomes: &[Outcome]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for outcome in outcomes {
        *counts.entry(outcome.status.as_str()).or_insert(0) += 1;
    }
    counts
}

#[derive(Serialize)]
pub struct OutcomesJson<'a> {
    pub ok: bool,
    pub command: &'a str,
    pub group: &'a str,
    pub counts: BTreeMap<&'static str, usize>,
    pub elapsed: f64,
    pub interrupted: bool,
    pub rolled_back: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<&'a RolloutPolicy>,
    pub units: &'a [Outcome],
}

impl<'a> OutcomesJson<'a> {
    pub fn new(report: &'a RunReport) -> Self {
        Self {
            ok: report.ok(),
            command: &report.command,
            group: &report.group,
            counts: status_counts(&report.outcomes),
            elapsed: (report.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            interrupted: report.interrupted,
            rolled_back: report.rolled_back,
            strategy: report.strategy.as_ref(),
            units: &report.outcomes,
        }
    }
}

pub(super) fn status_color(status: Status) -> Color {
    match status {
        Status::Failed => Color::Red,
        Status::Skipped | Status::Differs => Color::Yellow,
        Status::Unchanged => Color::Grey,
        _ => Color::Green,
    }
}

/// The last log lines of every container that failed its gate, for `-v`.
pub fn failure_logs(outcomes: &[Outcome]) -> String {
    let mut text = String::new();
    for outcome in outcomes {
        let Some(gate) = outcome
            .gate
            .as_ref()
            .filter(|gate| !gate.log_tail.is_empty())
        else {
            continue;
        };
        text.push_str(&format!("{}: its last log lines:\n", outcome.unit));
        for line in &gate.log_tail {
            text.push_str(&format!("  {}\n", super::visible(line)));
        }
    }
    text
}
