//! How a rollout tells what it is doing; the CLI shows it as bars, lines or nothing.

use super::outcome::{Outcome, UnitKey};

pub trait Reporter: Send + Sync {
    /// The containers the rollout will act on, before it starts.
    fn begin(&self, units: &[UnitKey]);
    /// `unit` moved on to `step` ("uploading", "restarting", ...).
    fn step(&self, unit: &UnitKey, step: &str);
    fn finish(&self, outcome: &Outcome);
    /// Something about the rollout as a whole, such as a phase starting.
    fn note(&self, message: &str);
    /// Every unit has finished.
    fn end(&self);
}

/// Reports nothing; for `--json` output and for tests.
pub struct SilentReporter;

impl Reporter for SilentReporter {
    fn begin(&self, _: &[UnitKey]) {}
    fn step(&self, _: &UnitKey, _: &str) {}
    fn finish(&self, _: &Outcome) {}
    fn note(&self, _: &str) {}
    fn end(&self) {}
}
