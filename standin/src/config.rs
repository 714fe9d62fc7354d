//! How each stand-in engine behaves: its latency, its images, what its execs answer,
//! and the faults it injects.

use std::time::Duration;

/// The engines to start, one listener each.
#[derive(Debug, Clone, Default)]
pub struct StandInConfig {
    pub engines: Vec<EngineConfig>,
}

impl StandInConfig {
    /// `count` engines configured alike.
    pub fn uniform(count: usize, engine: EngineConfig) -> Self {
        Self {
            engines: vec![engine; count],
        }
    }
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Waited before each request is answered, as a network round trip would.
    pub latency: Duration,
    pub faults: Vec<Fault>,
    /// Images the engine has from the start (`name:tag`; `name` means `name:latest`).
    pub images: Vec<String>,
    /// What execs answer; the first rule whose text the command contains wins, and a
    /// command no rule matches exits 0 with no output.
    pub exec: Vec<ExecRule>,
    /// How long a stats call without `one-shot` waits for its second sample (Docker's is
    /// about a second).
    pub stats_interval: Duration,
    /// The API version `/version` and `/_ping` announce.
    pub api_version: String,
    /// Seeds the draws of faults given a probability, so runs repeat.
    pub seed: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            faults: Vec::new(),
            images: Vec::new(),
            exec: Vec::new(),
            stats_interval: Duration::from_millis(100),
            api_version: "1.47".into(),
            seed: 0,
        }
    }
}

impl EngineConfig {
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    pub fn image(mut self, name: &str) -> Self {
        self.images.push(name.to_string());
        self
    }

    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    pub fn exec(mut self, rule: ExecRule) -> Self {
        self.exec.push(rule);
        self
    }
}

/// The answer of execs whose command line contains `contains` (arguments joined by
/// spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRule {
    pub contains: String,
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
}

impl ExecRule {
    pub fn new(contains: &str, exit_code: i64) -> Self {
        Self {
            contains: contains.to_string(),
            exit_code,
            stdout: String::new(),
            stderr: String::new(),
        }
    }

    pub fn stdout(mut self, text: &str) -> Self {
        self.stdout = text.to_string();
        self
    }

    pub fn stderr(mut self, text: &str) -> Self {
        self.stderr = text.to_string();
        self
    }
}

/// A fault injected into the requests that match `pattern` when `when` says so.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `METHOD /path/with/*/segments`, the path without its `/v1.xx` prefix; `*` matches
    /// one segment (or any method), a last `**` the rest of the path.
    pub pattern: String,
    pub when: When,
    pub kind: FaultKind,
}

impl Fault {
    /// `Fault::on("POST /containers/*/restart", FaultKind::status(500, "boom"))`: every
    /// matching request, unless [`Fault::when`] narrows it.
    pub fn on(pattern: &str, kind: FaultKind) -> Self {
        Self {
            pattern: pattern.to_string(),
            when: When::Always,
            kind,
        }
    }

    pub fn when(mut self, when: When) -> Self {
        self.when = when;
        self
    }

    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        let (want_method, want_path) = self
            .pattern
            .split_once(' ')
            .unwrap_or(("*", self.pattern.as_str()));
        if want_method != "*" && !want_method.eq_ignore_ascii_case(method) {
            return false;
        }
        let mut want = segments(want_path);
        let mut got = segments(path);
        loop {
            match (want.next(), got.next()) {
                (Some("**"), _) => return true,
                (None, None) => return true,
                (Some(w), Some(g)) if w == "*" || w == g => {}
                _ => return false,
            }
        }
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|segment| !segment.is_empty())
}

/// Which of the matching requests a fault hits, counted per engine from 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    Always,
    /// Only the n-th.
    Nth(u64),
    /// The first n.
    First(u64),
    /// Each with this probability, from 0 to 1.
    Probability(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer with this status and Docker's `{"message": ...}` body.
    Status { code: u16, message: String },
    /// Drop the connection without answering (an RST).
    Reset,
    /// Never answer.
    Hang,
    /// Answer normally, but send the body `chunk` bytes at a time, `every` apart.
    SlowBody { chunk: usize, every: Duration },
}

impl FaultKind {
    pub fn status(code: u16, message: &str) -> Self {
        Self::Status {
            code,
            message: message.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_methods_and_segments() {
        let fault = Fault::on("POST /containers/*/restart", FaultKind::Hang);
        assert!(fault.matches("POST", "/containers/web_1/restart"));
        assert!(!fault.matches("GET", "/containers/web_1/restart"));
        assert!(!fault.matches("POST", "/containers/web_1/start"));
        assert!(!fault.matches("POST", "/containers/restart"));
        let any = Fault::on("* /containers/**", FaultKind::Reset);
        assert!(any.matches("DELETE", "/containers/web_1"));
        assert!(any.matches("GET", "/containers/web_1/json"));
        assert!(!any.matches("GET", "/version"));
        let named = Fault::on("GET /containers/web_2/json", FaultKind::Reset);
        assert!(!named.matches("GET", "/containers/web_1/json"));
    }
}
