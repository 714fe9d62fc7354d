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
    /// `container on host`, when the error depends on the container rendered.
    pub container: Option<String>,
}

impl RenderError {
    pub fn from_template(template: &str, err: &minijinja::Error) -> Self {
        let message = match err.kind() {
            ErrorKind::UndefinedError => match undefined_name(err) {
                Some(name) => format!("undefined variable `{name}`"),
                None => "undefined value".to_string(),
            },
            ErrorKind::OutOfFuel => {
                format!("rendering took more than {} steps", super::MAX_STEPS)
            }
            kind => match err.detail() {
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

/// The undefined expression: minijinja names it in the detail when it can tell (`` `x.y` is
/// undefined ``); otherwise the error's span, when that is a plain variable path.
fn undefined_name(err: &minijinja::Error) -> Option<String> {
    let from_detail = err
        .detail()
        .and_then(|detail| detail.split('`').nth(1))
        .map(str::to_string);
    let from_span = || {
        let source = err.template_source()?;
        let expression = source.get(err.range()?)?.trim();
        let is_path = expression
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '"' | '\''));
        is_path.then(|| expression.to_string())
    };
    from_detail.or_else(from_span)
}

impl RenderError {
    /// The error as a diagnostic on the template file, found under `base_dir`.
    pub fn to_diagnostic(&self, base_dir: &std::path::Path) -> crate::inventory::Diagnostic {
        use crate::inventory::{Diagnostic, Location};
        let file = crate::inventory::resolve(base_dir, &self.template);
        let location = self.line.map(|line| Location { line, column: None });
        let diagnostic = Diagnostic::error(&file, self.message.clone()).at(location);
        match &self.container {
            Some(container) => diagnostic.help(format!("while rendering {container}")),
            None => diagnostic,
        }
    }
}
