//! How a rollout tells what it is doing; the CLI shows it as bars, lines or nothing.
//! A reporter lives as long as the command: dropping it ends what it shows.

use super::outcome::{Outcome, UnitKey};

pub trait Reporter: Send + Sync {
    /// The containers the rollout will act on, before it starts.
    fn begin(&self, units: &[UnitKey]);
    /// `unit` moved on to `step` ("uploading", "restarting", ...).
    fn step(&self, unit: &UnitKey, step: &str);
    fn finish(&self, outcome: &Outcome);
    /// Something about the rollout as a whole, such as a batch starting.
    fn note(&self, message: &str);
    /// How `unit` is doing within its step ("up 2s/3s"): often, so only worth showing
    /// where it replaces what was there.
    fn progress(&self, unit: &UnitKey, text: &str) {
        let _ = (unit, text);
    }
    /// A line `source` ("hook pre_stop") printed while acting on `unit`.
    fn output(&self, unit: &UnitKey, source: &str, line: &str) {
        let _ = (unit, source, line);
    }
}

/// Reports nothing; for `--json` output and for tests.
pub struct SilentReporter;

impl Reporter for SilentReporter {
    fn begin(&self, _: &[UnitKey]) {}
    fn step(&self, _: &UnitKey, _: &str) {}
    fn finish(&self, _: &Outcome) {}
    fn note(&self, _: &str) {}
}
