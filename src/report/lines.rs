//! Plain lines for CI logs: one per step and per outcome, timestamped, no escape codes.
//!
//! `2026-11-22T10:04:05Z deploy product_2 jl_core_3_1@127.0.0.3 core restarting`

use std::io::Write;
use std::time::SystemTime;

use crate::rollout::{duration_text, Outcome, Reporter, UnitKey};

/// Where finished lines go.
pub type LineSink = Box<dyn Fn(String) + Send + Sync>;

pub struct LineReporter {
    action: String,
    /// Also how each container is doing within its step.
    verbose: bool,
    sink: LineSink,
}

impl LineReporter {
    /// Lines on stderr.
    pub fn new(action: &str, verbose: bool) -> Self {
        Self::to_sink(
            action,
            verbose,
            Box::new(|line| {
                // A closed stderr must not stop a rollout halfway.
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }),
        )
    }

    /// Lines handed to `sink`, as a server streams a job's steps.
    pub fn to_sink(action: &str, verbose: bool, sink: LineSink) -> Self {
        Self {
            action: action.to_string(),
            verbose,
            sink,
        }
    }

    /// One CI line; what came from a container cannot start another.
    fn line(&self, text: &str) {
        let text = super::visible(text);
        let now = humantime::format_rfc3339_seconds(SystemTime::now());
        (self.sink)(format!("{now} {} {text}", self.action));
    }

    fn unit(unit: &UnitKey) -> String {
        let role = if unit.core { "core" } else { "unit" };
        format!("{} {unit} {role}", unit.group)
    }
}

impl Reporter for LineReporter {
    fn begin(&self, units: &[UnitKey]) {
        self.line(&format!("starting: {} container(s)", units.len()));
    }

    fn step(&self, unit: &UnitKey, step: &str) {
        self.line(&format!("{} {}", Self::unit(unit), step.replace(' ', "-")));
    }

    fn finish(&self, outcome: &Outcome) {
        let detail = if outcome.detail.is_empty() {
            String::new()
        } else {
            format!(": {}", outcome.detail)
        };
        let mut facts = Vec::new();
        if let Some(batch) = &outcome.batch {
            facts.push(batch.clone());
        }
        if let Some(gate) = &outcome.gate {
            let verdict = if gate.passed { "passed" } else { "failed" };
            facts.push(format!(
                "gate {verdict} after {}",
                duration_text(gate.after)
            ));
        }
        let facts = if facts.is_empty() {
            String::new()
        } else {
            format!(" [{}]", facts.join(", "))
        };
        self.line(&format!(
            "{} {}{facts}{detail}",
            Self::unit(&outcome.unit),
            outcome.status.as_str()
        ));
        for line in outcome.gate.iter().flat_map(|gate| &gate.log_tail) {
            self.line(&format!("{} log: {line}", Self::unit(&outcome.unit)));
        }
    }

    fn output(&self, unit: &UnitKey, source: &str, line: &str) {
        self.line(&format!("{} {source}: {line}", Self::unit(unit)));
    }

    fn progress(&self, unit: &UnitKey, text: &str) {
        if self.verbose {
            self.step(unit, text);
        }
    }

    fn note(&self, message: &str) {
        self.line(&format!("note: {message}"));
    }
}
