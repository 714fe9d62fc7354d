//! Output of many containers on one terminal: every line prefixed by its container, the
//! prefixes aligned and, on a terminal, each container in a colour of its own.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use console::Style;

use crate::engine::OutputStream;
use crate::rollout::UnitKey;

const PALETTE: [fn(Style) -> Style; 6] = [
    Style::cyan,
    Style::magenta,
    Style::blue,
    Style::yellow,
    Style::green,
    Style::red,
];

/// The prefix of each unit, e.g. `jl_5_1@127.0.0.2  | `, set once the units are known.
pub struct Prefixes {
    color: bool,
    prefixes: OnceLock<HashMap<UnitKey, String>>,
}

impl Prefixes {
    pub fn new(color: bool) -> Self {
        Self {
            color,
            prefixes: OnceLock::new(),
        }
    }

    /// Aligns the prefixes of `units`; the first call counts.
    pub fn begin(&self, units: &[UnitKey]) {
        let width = units
            .iter()
            .map(|unit| unit.to_string().len())
            .max()
            .unwrap_or(0);
        let prefixes = units
            .iter()
            .enumerate()
            .map(|(index, unit)| {
                let label = format!("{:width$} |", unit.to_string());
                let style = PALETTE[index % PALETTE.len()](Style::new()).force_styling(self.color);
                (unit.clone(), format!("{} ", style.apply_to(label)))
            })
            .collect();
        let _ = self.prefixes.set(prefixes);
    }

    pub fn of(&self, unit: &UnitKey) -> &str {
        self.prefixes
            .get()
            .and_then(|prefixes| prefixes.get(unit))
            .map_or("", String::as_str)
    }

    /// One prefixed line, on stdout or stderr as it came, its control characters
    /// made visible.
    pub fn write_line(&self, unit: &UnitKey, stream: OutputStream, line: &[u8]) {
        let shown = super::visible::visible_bytes(line);
        let mut text = Vec::with_capacity(shown.len() + 40);
        text.extend_from_slice(self.of(unit).as_bytes());
        text.extend_from_slice(shown.as_bytes());
        text.push(b'\n');
        write_to(stream, &text);
    }
}

/// Set once stdout's reader went away (`| head`): nothing more is written there, and
/// the run goes on to end with its own exit status.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether stdout's reader went away.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::SeqCst)
}

/// Writes to the stream; once stdout's reader is gone, what is meant for it is dropped.
pub fn write_to(stream: OutputStream, bytes: &[u8]) {
    let result = match stream {
        OutputStream::Stdout if stdout_closed() => return,
        OutputStream::Stdout => {
            let mut out = io::stdout().lock();
            out.write_all(bytes).and_then(|()| out.flush())
        }
        OutputStream::Stderr => io::stderr().lock().write_all(bytes),
    };
    if let Err(err) = result {
        if err.kind() == io::ErrorKind::BrokenPipe && stream == OutputStream::Stdout {
            STDOUT_CLOSED.store(true, Ordering::SeqCst);
        }
    }
}
