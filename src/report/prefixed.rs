//! Output of many containers on one terminal: every line prefixed by its container, the
//! prefixes aligned and, on a terminal, each container in a colour of its own.

use std::collections::HashMap;
use std::io::{self, Write};

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

/// The prefix of each unit, e.g. `jl_5_1@127.0.0.2  | `.
pub struct Prefixes {
    prefixes: HashMap<UnitKey, String>,
}

impl Prefixes {
    pub fn new(units: &[UnitKey], color: bool) -> Self {
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
                let style = PALETTE[index % PALETTE.len()](Style::new()).force_styling(color);
                (unit.clone(), format!("{} ", style.apply_to(label)))
            })
            .collect();
        Self { prefixes }
    }

    pub fn of(&self, unit: &UnitKey) -> &str {
        self.prefixes.get(unit).map_or("", String::as_str)
    }

    /// One prefixed line, on stdout or stderr as it came.
    pub fn write_line(&self, unit: &UnitKey, stream: OutputStream, line: &[u8]) {
        let mut text = Vec::with_capacity(line.len() + 40);
        text.extend_from_slice(self.of(unit).as_bytes());
        text.extend_from_slice(line);
        text.push(b'\n');
        write_to(stream, &text);
    }
}

/// Writes to the stream; a reader that went away (`| head`) ends the program quietly, as
/// it would any Unix tool.
pub fn write_to(stream: OutputStream, bytes: &[u8]) {
    let result = match stream {
        OutputStream::Stdout => {
            let mut out = io::stdout().lock();
            out.write_all(bytes).and_then(|()| out.flush())
        }
        OutputStream::Stderr => io::stderr().lock().write_all(bytes),
    };
    if let Err(err) = result {
        if err.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}
