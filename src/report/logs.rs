//! `logs` output: prefixed lines; without `--follow`, every container's lines sorted by
//! the time they were logged; with `--json`, one JSON object per line.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

use console::Style;
use serde::Serialize;

use super::prefixed::{write_to, Prefixes};
use crate::engine::{EngineError, OutputStream};
use crate::rollout::{LogLine, LogOutput, UnitKey};

/// Bytes of log lines held for sorting before they are printed.
pub const MAX_HELD: usize = 32 * 1024 * 1024;

pub struct LogPrinter {
    prefixes: Prefixes,
    follow: bool,
    timestamps: bool,
    json: bool,
    color: bool,
    /// Without `--follow`: the lines, printed sorted once all are in, or once they pass
    /// [`MAX_HELD`] bytes.
    held: Mutex<(Vec<Held>, usize)>,
    failures: AtomicUsize,
}

struct Held {
    at: Option<SystemTime>,
    unit: UnitKey,
    stream: OutputStream,
    timestamp: String,
    text: Vec<u8>,
}

#[derive(Serialize)]
struct LineJson<'a> {
    #[serde(flatten)]
    unit: &'a UnitKey,
    stream: OutputStream,
    timestamp: &'a str,
    line: std::borrow::Cow<'a, str>,
}

impl LogPrinter {
    pub fn new(follow: bool, timestamps: bool, json: bool, color: bool) -> Self {
        Self {
            prefixes: Prefixes::new(color),
            follow,
            timestamps,
            json,
            color,
            held: Mutex::new((Vec::new(), 0)),
            failures: AtomicUsize::new(0),
        }
    }

    /// How many containers' logs could not be read.
    pub fn failures(&self) -> usize {
        self.failures.load(Ordering::SeqCst)
    }

    /// Prints what was held back, oldest first; lines logged at the same time keep their
    /// order.
    pub fn flush(&self) {
        let (mut held, _) = std::mem::take(&mut *self.held.lock().expect("no printer call panics"));
        held.sort_by_key(|line| line.at);
        for line in held {
            self.print(&line.unit, line.stream, &line.timestamp, &line.text);
        }
    }

    fn print(&self, unit: &UnitKey, stream: OutputStream, timestamp: &str, text: &[u8]) {
        if self.json {
            let line = LineJson {
                unit,
                stream,
                timestamp,
                line: String::from_utf8_lossy(text),
            };
            let mut json = serde_json::to_vec(&line).expect("a line serializes");
            json.push(b'\n');
            write_to(OutputStream::Stdout, &json);
        } else if self.timestamps {
            let mut line = format!("{timestamp} ").into_bytes();
            line.extend_from_slice(text);
            self.prefixes.write_line(unit, OutputStream::Stdout, &line);
        } else {
            self.prefixes.write_line(unit, OutputStream::Stdout, text);
        }
    }
}

impl LogOutput for LogPrinter {
    fn begin(&self, units: &[UnitKey]) {
        self.prefixes.begin(units);
    }

    fn line(&self, line: LogLine<'_>) {
        if self.follow {
            self.print(line.unit, line.stream, line.timestamp, line.text);
        } else {
            let full = {
                let mut held = self.held.lock().expect("no printer call panics");
                held.1 += line.text.len() + line.timestamp.len();
                held.0.push(Held {
                    at: line.at,
                    unit: line.unit.clone(),
                    stream: line.stream,
                    timestamp: line.timestamp.to_string(),
                    text: line.text.to_vec(),
                });
                held.1 > MAX_HELD
            };
            // Memory stays bounded whatever the containers logged: past the limit, what
            // is held goes out sorted, and sorting starts again.
            if full {
                self.flush();
            }
        }
    }

    fn note(&self, unit: &UnitKey, message: &str) {
        let note = Style::new()
            .dim()
            .force_styling(self.color)
            .apply_to(format!(
                "{}{}",
                self.prefixes.of(unit),
                super::visible(message)
            ));
        write_to(OutputStream::Stderr, format!("{note}\n").as_bytes());
    }

    fn failed(&self, unit: &UnitKey, err: &EngineError) {
        self.failures.fetch_add(1, Ordering::SeqCst);
        let label = Style::new()
            .red()
            .bold()
            .force_styling(self.color)
            .apply_to("error:");
        write_to(
            OutputStream::Stderr,
            format!("{label} {unit}: {}\n", super::visible(&err.to_string())).as_bytes(),
        );
    }
}
