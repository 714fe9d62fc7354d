//! Writes results to stdout and messages to stderr, styled only where that helps a reader.

use std::io::{self, Write};

use console::Style;

use crate::inventory::{Diagnostic, Severity};

/// Results go to stdout so they can be piped; everything said about them goes to stderr.
#[derive(Debug, Clone)]
pub struct Printer {
    color: bool,
    quiet: bool,
}

impl Printer {
    pub fn new(color: bool, quiet: bool) -> Self {
        Self { color, quiet }
    }

    fn style(&self, style: Style) -> Style {
        style.force_styling(self.color)
    }

    /// Data: the command's result.
    pub fn out(&self, text: &str) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            stdout.write_all(b"\n")?;
        }
        stdout.flush()
    }

    pub fn json(&self, value: &impl serde::Serialize) -> io::Result<()> {
        let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
        self.out(&text)
    }

    /// Errors are always shown; warnings unless `-q`.
    pub fn diagnostic(&self, diagnostic: &Diagnostic) {
        let label = match diagnostic.severity {
            Severity::Error => self.style(Style::new().red().bold()).apply_to("error:"),
            Severity::Warning if self.quiet => return,
            Severity::Warning => self
                .style(Style::new().yellow().bold())
                .apply_to("warning:"),
        };
        eprintln!("{label} {diagnostic}");
        if let Some(help) = &diagnostic.help {
            eprintln!(
                "  {} {help}",
                self.style(Style::new().cyan()).apply_to("help:")
            );
        }
    }

    pub fn warning(&self, text: &str) {
        let text = super::visible(text);
        if !self.quiet {
            eprintln!(
                "{} {text}",
                self.style(Style::new().yellow().bold())
                    .apply_to("warning:")
            );
        }
    }

    /// What the command is doing, on stderr; nothing with `-q`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{}", super::visible(text));
        }
    }

    pub fn error(&self, text: &str) {
        let text = super::visible(text);
        eprintln!(
            "{} {text}",
            self.style(Style::new().red().bold()).apply_to("error:")
        );
    }
}
