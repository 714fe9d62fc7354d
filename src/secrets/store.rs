//! Where secret values are looked up: this machine's environment first, then a dotenv
//! file. The environment wins, as it does for most tools that read dotenv files, so a
//! CI job or an operator can override one value without editing the file.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::SecretValue;

/// The file read when none is given, relative to groups.yaml's folder.
pub const DEFAULT_SECRETS_FILE: &str = ".jdeploy/secrets";

/// Where values come from, as the front end was told.
#[derive(Debug, Clone, Default)]
pub struct SecretSources {
    /// `--secrets` or `JDEPLOY_SECRETS`: it must exist. None: `.jdeploy/secrets` beside
    /// groups.yaml, if it exists.
    pub file: Option<PathBuf>,
    pub environment: Environment,
}

/// The environment variables a value may come from.
#[derive(Clone, Default)]
pub enum Environment {
    /// The environment jdeploy runs in.
    #[default]
    Process,
    /// Fixed variables, for tests: the process environment is shared by all of them.
    Fixed(BTreeMap<String, SecretValue>),
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Process => f.write_str("Process"),
            Environment::Fixed(vars) => f.debug_tuple("Fixed").field(&vars.keys()).finish(),
        }
    }
}

impl Environment {
    fn get(&self, name: &str) -> Result<Option<SecretValue>, Problem> {
        match self {
            Environment::Process => match std::env::var(name) {
                Ok(value) => Ok(Some(SecretValue::new(value))),
                Err(std::env::VarError::NotPresent) => Ok(None),
                Err(std::env::VarError::NotUnicode(_)) => Err(Problem::NotUnicode),
            },
            Environment::Fixed(vars) => Ok(vars.get(name).cloned()),
        }
    }
}

/// Why a value could not be had. Never holds a value, nor a line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// In neither place; `file_exists` says whether the file was there to look in.
    NotFound {
        file_exists: bool,
    },
    /// The environment holds it, but not as UTF-8.
    NotUnicode,
    /// A file given with `--secrets` is not there.
    NoFile,
    Unreadable(String),
    /// The file is not dotenv; `line` when it can be told.
    Unparsable {
        line: Option<usize>,
    },
}

/// Looks values up for one command; the file is read at most once, and only when a value
/// is not in the environment (or, for a file given explicitly, to check it is there).
pub struct SecretStore {
    environment: Environment,
    path: PathBuf,
    explicit: bool,
    file: OnceLock<Result<Option<BTreeMap<String, SecretValue>>, Problem>>,
}

impl SecretStore {
    /// `base_dir`: groups.yaml's folder, where the default file is looked for.
    pub fn new(sources: &SecretSources, base_dir: &Path) -> Self {
        let (path, explicit) = match &sources.file {
            Some(file) => (file.clone(), true),
            None => (
                crate::inventory::resolve(base_dir, DEFAULT_SECRETS_FILE),
                false,
            ),
        };
        Self {
            environment: sources.environment.clone(),
            path,
            explicit,
            file: OnceLock::new(),
        }
    }

    /// The file looked in, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_explicit(&self) -> bool {
        self.explicit
    }

    pub fn lookup(&self, name: &str) -> Result<SecretValue, Problem> {
        if self.explicit {
            // Given on purpose: a file that is not there or not readable is a mistake
            // even when the environment has every value.
            self.file()?;
        }
        if let Some(value) = self.environment.get(name)? {
            return Ok(value);
        }
        match self.file()? {
            Some(values) => values
                .get(name)
                .cloned()
                .ok_or(Problem::NotFound { file_exists: true }),
            None => Err(Problem::NotFound { file_exists: false }),
        }
    }

    /// The file's values; None when the default file does not exist.
    fn file(&self) -> Result<Option<&BTreeMap<String, SecretValue>>, Problem> {
        let read = self
            .file
            .get_or_init(|| read_dotenv(&self.path, self.explicit));
        match read {
            Ok(values) => Ok(values.as_ref()),
            Err(problem) => Err(problem.clone()),
        }
    }
}

fn read_dotenv(
    path: &Path,
    explicit: bool,
) -> Result<Option<BTreeMap<String, SecretValue>>, Problem> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound && explicit => {
            return Err(Problem::NoFile)
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(Problem::Unreadable(err.to_string())),
    };
    parse_dotenv(&text).map(Some)
}

/// Parses without touching the process environment. dotenvy's own parse errors quote
/// the line, which may hold a value: only the line number is kept.
fn parse_dotenv(text: &str) -> Result<BTreeMap<String, SecretValue>, Problem> {
    let mut values = BTreeMap::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            // A later line wins, as when a shell sources the file.
            Ok((name, value)) => {
                values.insert(name, SecretValue::new(value));
            }
            Err(dotenvy::Error::LineParse(line, _)) => {
                return Err(Problem::Unparsable {
                    line: line_number(text, &line),
                })
            }
            Err(dotenvy::Error::Io(err)) => return Err(Problem::Unreadable(err.to_string())),
            Err(_) => return Err(Problem::Unparsable { line: None }),
        }
    }
    Ok(values)
}

/// The 1-based line where `line` (dotenvy's logical line, perhaps several) starts.
fn line_number(text: &str, line: &str) -> Option<usize> {
    let first = line.lines().next().filter(|first| !first.is_empty())?;
    let at = text.find(first)?;
    Some(text[..at].matches('\n').count() + 1)
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NotFound { file_exists: true } => f.write_str("not found"),
            Problem::NotFound { file_exists: false } => f.write_str("no such file"),
            Problem::NotUnicode => f.write_str("its value in the environment is not UTF-8"),
            Problem::NoFile => f.write_str("no such file"),
            Problem::Unreadable(err) => write!(f, "cannot read it: {err}"),
            Problem::Unparsable { line: Some(line) } => {
                write!(f, "line {line} is not NAME=value (an unclosed quote?)")
            }
            Problem::Unparsable { line: None } => f.write_str("it is not NAME=value lines"),
        }
    }
}
