//! What a render may produce: bounded, so that a template cannot run or grow without end,
//! with values printed the way the README describes.

use std::io;

use minijinja::value::ValueKind;
use minijinja::{Error, Output, State, Template, Value};

use super::RenderError;

/// Steps (minijinja's fuel) one file may take to render; the shipped templates take a few
/// hundred.
pub const MAX_STEPS: u64 = 1_000_000;

/// The largest file a template may render.
pub const MAX_OUTPUT_BYTES: usize = 16 * 1024 * 1024;

/// Booleans print `true`/`false` and none prints nothing, as in the shell and config files
/// templates write; everything else prints as minijinja does.
pub fn formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Bool => out.write_str(if value.is_true() { "true" } else { "false" })?,
        ValueKind::None | ValueKind::Undefined => {}
        _ => minijinja::escape_formatter(out, state, value)?,
    }
    Ok(())
}

/// The `line` template filter: the value unchanged, or an error when it holds a control
/// character such as a newline, which would start a line of its own in a config file.
pub fn line_filter(value: &Value) -> Result<Value, Error> {
    let text = match value.kind() {
        ValueKind::Undefined | ValueKind::None => return Ok(value.clone()),
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        _ => value.to_string(),
    };
    if text.chars().any(char::is_control) {
        return Err(Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("{text:?} holds a control character, so it would not stay on one line"),
        ));
    }
    Ok(value.clone())
}

/// Renders `template`, stopping as soon as its output passes [`MAX_OUTPUT_BYTES`].
pub fn render(template: &Template<'_, '_>, context: &Value) -> Result<String, RenderError> {
    let mut out = Bounded::default();
    let result = template.render_captured_to(context, &mut out);
    if out.full {
        return Err(RenderError {
            template: template.name().to_string(),
            line: None,
            message: format!("renders more than {} MiB", MAX_OUTPUT_BYTES >> 20),
            container: None,
        });
    }
    result.map_err(|err| RenderError::from_template(template.name(), &err))?;
    // minijinja writes whole `str`s, so the bytes are UTF-8.
    Ok(String::from_utf8(out.bytes)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned()))
}

#[derive(Default)]
struct Bounded {
    bytes: Vec<u8>,
    full: bool,
}

impl io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT_BYTES {
            self.full = true;
            return Err(io::Error::other("output limit reached"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
