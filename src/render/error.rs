//! Template errors named by template file, line and, for undefined values, the expression.

use std::fmt;

use minijinja::ErrorKind;
use serde::Serialize;

use crate::inventory::Member;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderError {
    pub template: String,
    pub line: Option<usize>,
    pub message: String,
    /// `group/container on host`, when the error depends on the container rendered.
    pub container: Option<String>,
}

impl RenderError {
    pub fn from_template(template: &str, err: &minijinja::Error) -> Self {
        let expression = err
            .template_source()
            .zip(err.range())
            .and_then(|(source, range)| source.get(range))
            .map(str::trim);
        let message = match (err.kind(), expression) {
            (ErrorKind::UndefinedError, Some(expression)) => {
                format!("undefined variable `{expression}`")
            }
            (ErrorKind::TemplateNotFound, _) => {
                format!("template `{}` not found", err.name().unwrap_or(template))
            }
            (kind, _) => match err.detail() {
                Some(detail) => format!("{kind}: {detail}"),
                None => kind.to_string(),
            },
        };
        Self {
            template: err.name().unwrap_or(template).to_string(),
            line: err.line().filter(|line| *line > 0),
            message,
            container: None,
        }
    }

    pub fn for_member(mut self, member: Member<'_>) -> Self {
        self.container = Some(format!("{} on {}", member.container, member.host().name));
        self
    }
}

/// `run.sh.j2:7: undefined variable `vars.x` (rendering web_1 on 127.0.0.2)`
impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.template)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(container) = &self.container {
            write!(f, " (rendering {container})")?;
        }
        Ok(())
    }
}

impl std::error::Error for RenderError {}

impl RenderError {
    /// The error as a diagnostic on the template file, found under `base_dir`.
    pub fn to_diagnostic(&self, base_dir: &std::path::Path) -> crate::inventory::Diagnostic {
        use crate::inventory::{Diagnostic, Location};
        let file = if base_dir == std::path::Path::new(".") {
            std::path::PathBuf::from(&self.template)
        } else {
            base_dir.join(&self.template)
        };
        let location = self.line.map(|line| Location { line, column: None });
        let diagnostic = Diagnostic::error(&file, self.message.clone()).at(location);
        match &self.container {
            Some(container) => diagnostic.help(format!("while rendering {container}")),
            None => diagnostic,
        }
    }
}
