//! Live bars on a terminal: one line per container with its current step, and an overall bar.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use console::Style;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::status_style;
use crate::rollout::{Outcome, Reporter, UnitKey};

pub struct ProgressReporter {
    bars: MultiProgress,
    overall: ProgressBar,
    units: Mutex<HashMap<UnitKey, ProgressBar>>,
    color: bool,
    /// Also what hooks print, above the bars.
    verbose: bool,
}

impl ProgressReporter {
    pub fn new(action: &str, color: bool, verbose: bool) -> Self {
        let bars = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = bars.add(ProgressBar::new(0));
        overall.set_style(
            ProgressStyle::with_template(
                "{prefix:.bold} [{bar:30}] {pos}/{len} {elapsed} {wide_msg}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        overall.set_prefix(action.to_string());
        Self {
            bars,
            overall,
            units: Mutex::new(HashMap::new()),
            color,
            verbose,
        }
    }
}

impl Reporter for ProgressReporter {
    /// Called again for a second stretch of work (a rollback after a failed deploy):
    /// its units get bars of their own.
    fn begin(&self, units: &[UnitKey]) {
        self.overall.inc_length(units.len() as u64);
        let prefix = |unit: &UnitKey| {
            let core = if unit.core { " (core)" } else { "" };
            format!("{unit}{core}")
        };
        let width = units
            .iter()
            .map(|unit| prefix(unit).len())
            .max()
            .unwrap_or(0);
        let style =
            ProgressStyle::with_template(&format!("{{spinner}} {{prefix:{width}}} {{wide_msg}}"))
                .expect("the template is valid");
        let mut bars = self.units.lock().expect("no reporter call panics");
        for unit in units {
            let bar = self
                .bars
                .insert_before(&self.overall, ProgressBar::new_spinner());
            bar.set_style(style.clone());
            bar.set_prefix(prefix(unit));
            bar.enable_steady_tick(Duration::from_millis(120));
            bars.insert(unit.clone(), bar);
        }
        self.overall.enable_steady_tick(Duration::from_millis(250));
    }

    fn step(&self, unit: &UnitKey, step: &str) {
        if let Some(bar) = self
            .units
            .lock()
            .expect("no reporter call panics")
            .get(unit)
        {
            bar.set_message(format!("{step}..."));
        }
    }

    fn finish(&self, outcome: &Outcome) {
        // Counted first, so no frame shows a unit done that the total does not.
        self.overall.inc(1);
        if let Some(bar) = self
            .units
            .lock()
            .expect("no reporter call panics")
            .get(&outcome.unit)
        {
            let status = status_style(outcome.status)
                .force_styling(self.color)
                .apply_to(outcome.status.as_str());
            let detail = if outcome.detail.is_empty() {
                String::new()
            } else {
                format!(": {}", super::visible(&outcome.detail))
            };
            bar.finish_with_message(format!("{status}{detail}"));
        }
    }

    fn note(&self, message: &str) {
        let note = Style::new()
            .dim()
            .force_styling(self.color)
            .apply_to(message);
        self.overall.set_message(note.to_string());
    }

    fn progress(&self, unit: &UnitKey, text: &str) {
        self.step(unit, text);
    }

    fn output(&self, unit: &UnitKey, source: &str, line: &str) {
        if self.verbose {
            let _ = self
                .bars
                .println(format!("{unit} {source}: {}", super::visible(line)));
        }
    }
}

impl Drop for ProgressReporter {
    fn drop(&mut self) {
        self.overall.finish_with_message("done");
        let _ = self.bars.clear();
    }
}
