//! `plan`, and what `deploy` shows before it asks: per container, what would change.

use console::Style;
use serde::Serialize;

use crate::app::{PlanAction, PlanReport, PlanRow, PlannedBatch};
use crate::inventory::gates::RolloutPolicy;
use crate::plan::ReleaseChanges;
use crate::release::short;
use crate::rollout::duration_text;

pub fn plan_text(rows: &[PlanRow], color: bool) -> String {
    let style = |style: Style| style.force_styling(color);
    let mut out = String::new();
    for row in rows {
        let core = if row.unit.core { " (core)" } else { "" };
        let release = row.release.as_deref().map(short).unwrap_or("-");
        let head = match row.action {
            PlanAction::Unchanged => style(Style::new().dim())
                .apply_to(format!("unchanged, release {release}"))
                .to_string(),
            PlanAction::First => style(Style::new().green())
                .apply_to(format!("first release {release}"))
                .to_string(),
            PlanAction::Change => style(Style::new().yellow())
                .apply_to(format!(
                    "change {} -> {release}",
                    row.from.as_deref().map(short).unwrap_or("-")
                ))
                .to_string(),
            PlanAction::Error => style(Style::new().red())
                .apply_to(format!(
                    "cannot deploy: {}",
                    row.error.as_deref().unwrap_or("")
                ))
                .to_string(),
        };
        out.push_str(&format!("{}{core}: {head}\n", row.unit));
        if let Some(changes) = &row.changes {
            out.push_str(&changes_text(changes, color));
        }
    }
    out
}

/// What changes in one container, a line each (diffs indented by two spaces).
pub fn changes_text(changes: &ReleaseChanges, color: bool) -> String {
    let mut out = String::new();
    for file in &changes.files {
        if let Some((from, to)) = file.mode {
            out.push_str(&format!("  {}: mode {from:o} -> {to:o}\n", file.dest));
        }
        for line in file.diff.lines() {
            let style = match line.chars().next() {
                Some('+') => Style::new().green(),
                Some('-') => Style::new().red(),
                Some('@') => Style::new().cyan(),
                _ => Style::new(),
            };
            out.push_str(&format!(
                "  {}\n",
                style.force_styling(color).apply_to(line)
            ));
        }
    }
    let copied = [
        ("added", &changes.copied_added),
        ("changed", &changes.copied_changed),
        ("removed", &changes.copied_removed),
    ];
    for (what, paths) in copied {
        if !paths.is_empty() {
            out.push_str(&format!("  copied files {what}: {}\n", list(paths)));
        }
    }
    if let Some((from, to)) = &changes.image {
        out.push_str(&format!(
            "  image: {} -> {}\n",
            short_image(from),
            short_image(to)
        ));
    }
    for (what, names) in [
        ("added", &changes.env_added),
        ("changed", &changes.env_changed),
        ("removed", &changes.env_removed),
    ] {
        if !names.is_empty() {
            out.push_str(&format!("  env {what}: {}\n", names.join(", ")));
        }
    }
    if let Some((from, to)) = &changes.flags {
        out.push_str(&format!("  flags: {from} -> {to}\n"));
    }
    out
}

/// The first few paths, and how many more.
fn list(paths: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = paths
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > SHOWN {
        text.push_str(&format!(" and {} more", paths.len() - SHOWN));
    }
    text
}

fn short_image(image: &str) -> String {
    let id = image.trim_start_matches("sha256:");
    format!("sha256:{}", short(id))
}

/// `plan product: 2 to change, 1 unchanged, 1 cannot deploy`
pub fn plan_summary(group: &str, rows: &[PlanRow]) -> String {
    let count = |action: PlanAction| rows.iter().filter(|row| row.action == action).count();
    let mut parts = Vec::new();
    for (action, label) in [
        (PlanAction::Change, "to change"),
        (PlanAction::First, "first release"),
        (PlanAction::Unchanged, "unchanged"),
        (PlanAction::Error, "cannot deploy"),
    ] {
        let n = count(action);
        if n > 0 {
            parts.push(format!("{n} {label}"));
        }
    }
    format!("plan {group}: {}", parts.join(", "))
}

#[derive(Debug, Serialize)]
pub struct PlanJson<'a> {
    /// False when some container cannot be deployed.
    pub ok: bool,
    pub command: &'static str,
    pub group: &'a str,
    pub units: &'a [PlanRow],
    pub batches: &'a [PlannedBatch],
    pub strategy: &'a RolloutPolicy,
}

/// The order deploy would go in, and what each container must pass:
/// `rollout: core web_core@h; canary web_a@h; batch 1/2 ...; each up 3s within 60s`.
pub fn batches_text(report: &PlanReport) -> String {
    let policy = &report.strategy;
    let mut text = String::from("rollout:");
    if report.batches.is_empty() {
        text.push_str(" nothing to restart");
    }
    for batch in &report.batches {
        let units: Vec<String> = batch.units.iter().map(ToString::to_string).collect();
        text.push_str(&format!("\n  {}: {}", batch.label, units.join(", ")));
    }
    let gate = if policy.min_healthy.is_zero() {
        "none but a health check, if the container has one".to_string()
    } else {
        format!(
            "each up {} (and healthy, with a health check) within {}",
            duration_text(policy.min_healthy),
            duration_text(policy.deadline)
        )
    };
    text.push_str(&format!(
        "\n  gate: {gate}\n  if more than {} fail: {}",
        policy.max_failures,
        policy.on_failure.as_str()
    ));
    text
}
