//! Collects diagnostics while the inventory is checked, placing each at its key's line.

use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, Location};
use super::source_map::SourceMap;

pub struct Checker {
    file: PathBuf,
    map: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checker {
    pub fn new(file: &Path, map: SourceMap) -> Self {
        Self {
            file: file.to_path_buf(),
            map,
            diagnostics: Vec::new(),
        }
    }

    pub fn location(&self, key: &str) -> Option<Location> {
        self.map.get(key)
    }

    /// An error at `key`; `key` empty means the file as a whole.
    pub fn error(&mut self, key: &str, message: impl Into<String>, help: Option<String>) {
        let diagnostic = Diagnostic::error(&self.file, message);
        self.push(diagnostic, key, help);
    }

    pub fn warning(&mut self, key: &str, message: impl Into<String>, help: Option<String>) {
        let diagnostic = Diagnostic::warning(&self.file, message);
        self.push(diagnostic, key, help);
    }

    fn push(&mut self, diagnostic: Diagnostic, key: &str, help: Option<String>) {
        let diagnostic = self.map.locate(diagnostic.help_opt(help), key);
        self.diagnostics.push(diagnostic);
    }

    /// `line N` of `key`, for messages that point at a second place.
    pub fn line_of(&self, key: &str) -> String {
        match self.map.get(key) {
            Some(location) => format!("line {}", location.line),
            None => key.to_string(),
        }
    }

    pub fn into_parts(self) -> (Vec<Diagnostic>, SourceMap) {
        (self.diagnostics, self.map)
    }
}
