//! Values that end up in a shell script stay values: everything inserted is quoted.

use minijinja::{Error, ErrorKind};

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

/// The `quote` template filter: numbers and booleans are quoted as their text.
pub fn quote_filter(value: minijinja::Value) -> Result<String, Error> {
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "quote got an undefined value",
        ));
    }
    match value.as_str() {
        Some(text) => quote(text),
        None => quote(&value.to_string()),
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
