//! Values that end up in a shell script stay values: everything inserted is quoted.

use std::borrow::Cow;

use minijinja::value::{ArgType, ValueKind};
use minijinja::{Error, ErrorKind, State, Value};

use super::Flags;

/// Quotes `value` as one POSIX shell word. Fails only on a NUL byte, which no shell word
/// can hold.
pub fn quote(value: &str) -> Result<String, Error> {
    shlex::try_quote(value)
        .map(|quoted| quoted.into_owned())
        .map_err(|_| {
            Error::new(
                ErrorKind::InvalidOperation,
                "cannot quote a value holding a NUL byte for the shell",
            )
        })
}

/// The `quote` template filter. Strings, numbers and booleans (`true`/`false`, as a shell
/// expects) become one word; none becomes the empty word; lists and maps are refused.
pub fn quote_filter(state: &State, value: &Value) -> Result<String, Error> {
    match value.kind() {
        ValueKind::Undefined => {
            // minijinja's own argument check raises the error that names the expression.
            <Cow<'_, str> as ArgType>::from_state_and_value(Some(state), Some(value))?;
            Ok(quote("")?)
        }
        ValueKind::None => quote(""),
        ValueKind::String => quote(value.as_str().unwrap_or_default()),
        ValueKind::Bool => quote(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => quote(&value.to_string()),
        kind => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("quote takes a string, number or boolean, not a {kind}"),
        )),
    }
}

/// The export lines every `/run.sh` starts from: `MONITOR_ENABLED` always, `RUNTIME_MODE`
/// when a mode was given.
pub fn env_set(flags: &Flags) -> Result<String, Error> {
    let mut lines = vec![format!(
        "export MONITOR_ENABLED={}",
        u8::from(flags.monitor)
    )];
    if let Some(mode) = &flags.mode {
        lines.push(format!("export RUNTIME_MODE={}", quote(mode)?));
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_plain_words_readable() {
        assert_eq!(quote("dev_new").unwrap(), "dev_new");
    }

    #[test]
    fn quotes_anything_a_shell_would_interpret() {
        assert_eq!(quote("x; rm -rf /").unwrap(), "'x; rm -rf /'");
        assert_eq!(quote("").unwrap(), "''");
        assert!(quote("a\0b").is_err());
    }

    #[test]
    fn exports_monitor_always_and_mode_when_given() {
        let off = Flags {
            monitor: false,
            mode: None,
        };
        assert_eq!(env_set(&off).unwrap(), "export MONITOR_ENABLED=0");
        let on = Flags {
            monitor: true,
            mode: Some("it's".into()),
        };
        assert_eq!(
            env_set(&on).unwrap(),
            "export MONITOR_ENABLED=1\nexport RUNTIME_MODE=\"it's\""
        );
    }
}
