//! `exec` output: prefixed lines as they come or one block per container, then a table
//! of exit statuses; or, with `--json`, everything captured into one document.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use comfy_table::{Cell, Color};
use serde::Serialize;

use super::prefixed::Prefixes;
use super::{plain_table, table_text};
use crate::app::ExecReport;
use crate::engine::OutputStream;
use crate::rollout::{ExecOutcome, ExecOutput, LineBuffer, UnitKey};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecMode {
    /// Lines as they come, each prefixed by its container.
    Interleaved,
    /// Each container's lines together, once its command ends.
    Grouped,
    /// Nothing printed; output kept for the JSON document.
    Captured,
}

#[derive(Default)]
struct Unit {
    lines: LineBuffer,
    /// Grouped mode: the container's lines until its command ends.
    held: Vec<(OutputStream, Vec<u8>)>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

pub struct ExecPrinter {
    mode: ExecMode,
    prefixes: Prefixes,
    units: Mutex<HashMap<UnitKey, Unit>>,
}

impl ExecPrinter {
    pub fn new(mode: ExecMode, color: bool) -> Self {
        Self {
            mode,
            prefixes: Prefixes::new(color),
            units: Mutex::new(HashMap::new()),
        }
    }

    /// What a container wrote, for the JSON document.
    pub fn captured(&self, unit: &UnitKey) -> (String, String) {
        let units = self.units.lock().expect("no printer call panics");
        units.get(unit).map_or_else(Default::default, |unit| {
            (
                String::from_utf8_lossy(&unit.stdout).into_owned(),
                String::from_utf8_lossy(&unit.stderr).into_owned(),
            )
        })
    }
}

impl ExecOutput for ExecPrinter {
    fn begin(&self, units: &[UnitKey]) {
        self.prefixes.begin(units);
    }

    fn output(&self, unit: &UnitKey, stream: OutputStream, data: Bytes) {
        let mut units = self.units.lock().expect("no printer call panics");
        let state = units.entry(unit.clone()).or_default();
        match self.mode {
            ExecMode::Captured => match stream {
                OutputStream::Stdout => state.stdout.extend_from_slice(&data),
                OutputStream::Stderr => state.stderr.extend_from_slice(&data),
            },
            ExecMode::Grouped => {
                let lines = state.lines.push(stream, &data);
                state
                    .held
                    .extend(lines.into_iter().map(|line| (stream, line)));
            }
            ExecMode::Interleaved => {
                for line in state.lines.push(stream, &data) {
                    self.prefixes.write_line(unit, stream, &line);
                }
            }
        }
    }

    fn finish(&self, outcome: &ExecOutcome) {
        let mut units = self.units.lock().expect("no printer call panics");
        let Some(state) = units.get_mut(&outcome.unit) else {
            return;
        };
        let rest = state.lines.finish();
        match self.mode {
            ExecMode::Captured => {}
            ExecMode::Grouped => {
                let held = std::mem::take(&mut state.held);
                for (stream, line) in held.into_iter().chain(rest) {
                    self.prefixes.write_line(&outcome.unit, stream, &line);
                }
            }
            ExecMode::Interleaved => {
                for (stream, line) in rest {
                    self.prefixes.write_line(&outcome.unit, stream, &line);
                }
            }
        }
    }
}

/// Every container's exit status, for stderr once all have ended.
pub fn exec_table(outcomes: &[ExecOutcome], color: bool) -> String {
    let mut table = plain_table(["CONTAINER", "HOST", "EXIT", "TIME", "ERROR"]);
    for outcome in outcomes {
        let exit = match (outcome.exit_code, &outcome.error) {
            (_, Some(_)) => "-".to_string(),
            (Some(code), None) => code.to_string(),
            (None, None) => "?".to_string(),
        };
        let mut exit = Cell::new(exit);
        if color {
            exit = exit.fg(if outcome.succeeded() {
                Color::Green
            } else {
                Color::Red
            });
        }
        table.add_row([
            Cell::new(&outcome.unit.container),
            Cell::new(&outcome.unit.host),
            exit,
            Cell::new(format!("{:.1}s", outcome.elapsed.as_secs_f64())),
            Cell::new(super::visible(outcome.error.as_deref().unwrap_or(""))),
        ]);
    }
    if color {
        table.enforce_styling();
    }
    table_text(&mut table)
}

/// `exec product: 3 succeeded, 1 failed in 0.4s`
pub fn exec_summary(target: &str, outcomes: &[ExecOutcome], elapsed: Duration) -> String {
    let failed = outcomes
        .iter()
        .filter(|outcome| !outcome.succeeded())
        .count();
    format!(
        "exec {target}: {} succeeded, {failed} failed in {:.1}s",
        outcomes.len() - failed,
        elapsed.as_secs_f64()
    )
}

#[derive(Debug, Serialize)]
pub struct ExecJson {
    pub ok: bool,
    pub command: &'static str,
    pub argv: Vec<String>,
    pub units: Vec<ExecUnitJson>,
}

#[derive(Debug, Serialize)]
pub struct ExecUnitJson {
    #[serde(flatten)]
    pub outcome: ExecOutcome,
    pub stdout: String,
    pub stderr: String,
}

impl ExecJson {
    pub fn new(argv: &[String], report: &ExecReport, printer: &ExecPrinter) -> Self {
        Self {
            ok: report.ok(),
            command: "exec",
            argv: argv.to_vec(),
            units: report
                .outcomes
                .iter()
                .cloned()
                .map(|outcome| {
                    let (stdout, stderr) = printer.captured(&outcome.unit);
                    ExecUnitJson {
                        outcome,
                        stdout,
                        stderr,
                    }
                })
                .collect(),
        }
    }
}
