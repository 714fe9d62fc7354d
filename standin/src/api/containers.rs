//! Containers: list, create, inspect, the lifecycle, and what they say (top, stats,
//! logs).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::json;

use super::Call;
use crate::body::{self, Answer, MULTIPLEXED};
use crate::server::{stopped, Engine};
use crate::state::{ApiError, Container, LogLine, RunState};
use crate::views::time;

pub(super) fn list(engine: &Engine, call: &Call) -> Answer {
    let filters = match call.filters() {
        Ok(filters) => filters,
        Err(err) => return body::error(&err),
    };
    let all = call.flag("all", false);
    let state = engine.state();
    let listed: Vec<serde_json::Value> = state
        .containers
        .values()
        .filter(|container| all || container.state == RunState::Running)
        .filter(|container| {
            filters
                .iter()
                .all(|(key, values)| passes(container, key, values))
        })
        .map(Container::summary)
        .collect();
    body::json(200, &json!(listed))
}

/// Docker's list filters: every label given, and any one of the others' values.
fn passes(container: &Container, key: &str, values: &[String]) -> bool {
    match key {
        "label" => values.iter().all(|wanted| match wanted.split_once('=') {
            Some((key, value)) => container.label(key) == Some(value),
            None => container.label(wanted).is_some(),
        }),
        "name" => values
            .iter()
            .any(|name| container.name.contains(name.trim_start_matches('/'))),
        "id" => values
            .iter()
            .any(|id| container.id.starts_with(id.as_str())),
        "status" => values.iter().any(|status| status == container.state.name()),
        "ancestor" => values.contains(&container.image),
        _ => true,
    }
}

pub(super) fn create(engine: &Engine, call: &Call) -> Answer {
    let body = match call.json() {
        Ok(body) => body,
        Err(err) => return body::error(&err),
    };
    let created = engine.state().create(call.query("name"), body);
    body::answer(created.map(|id| json!({"Id": id, "Warnings": []})), 201)
}

pub(super) fn inspect(engine: &Engine, key: &str) -> Answer {
    body::answer(engine.state().get(key).map(Container::inspect), 200)
}

/// 204 when it changed, 304 when it was so already.
fn changed(result: Result<bool, ApiError>) -> Answer {
    match result {
        Ok(true) => body::empty(204),
        Ok(false) => body::empty(304),
        Err(err) => body::error(&err),
    }
}

pub(super) fn start(engine: &Engine, key: &str) -> Answer {
    changed(engine.state().start(key))
}

pub(super) fn stop(engine: &Engine, key: &str) -> Answer {
    changed(engine.state().stop(key))
}

pub(super) fn restart(engine: &Engine, key: &str) -> Answer {
    changed(engine.state().restart(key).map(|()| true))
}

pub(super) fn rename(engine: &Engine, key: &str, call: &Call) -> Answer {
    let Some(to) = call.query("name") else {
        return body::error(&ApiError::new(400, "name is required"));
    };
    changed(engine.state().rename(key, to).map(|()| true))
}

pub(super) fn remove(engine: &Engine, key: &str, call: &Call) -> Answer {
    let force = call.flag("force", false);
    changed(engine.state().remove(key, force).map(|()| true))
}

fn running(container: &Container) -> Result<&Container, ApiError> {
    if container.state == RunState::Running {
        Ok(container)
    } else {
        Err(ApiError::new(
            409,
            format!("Container {} is not running", container.id),
        ))
    }
}

pub(super) fn top(engine: &Engine, key: &str, call: &Call) -> Answer {
    let ps_args = call.query("ps_args").unwrap_or("-ef");
    let state = engine.state();
    let top = state
        .get(key)
        .and_then(running)
        .map(|found| found.top(ps_args));
    body::answer(top, 200)
}

/// Without `one-shot` the engine waits for its next sample and sends it with the one
/// before; streamed, one sample per interval until the client goes.
pub(super) async fn stats(engine: &Arc<Engine>, key: &str, call: &Call) -> Answer {
    let interval = engine.config.stats_interval;
    let one_shot = call.flag("one-shot", false);
    if let Err(err) = engine.state().get(key) {
        return body::error(&err);
    }
    if call.flag("stream", true) {
        let engine = Arc::clone(engine);
        let key = key.to_string();
        let samples = futures::stream::unfold(SystemTime::now(), move |before| {
            let engine = Arc::clone(&engine);
            let key = key.clone();
            async move {
                tokio::time::sleep(interval).await;
                let now = SystemTime::now();
                let sample = engine.state().get(&key).ok()?.stats(now, Some(before));
                let mut line = serde_json::to_vec(&sample).expect("plain JSON");
                line.push(b'\n');
                Some((Bytes::from(line), now))
            }
        });
        return body::streamed(200, "application/json", samples);
    }
    let before = if one_shot {
        None
    } else {
        tokio::time::sleep(interval).await;
        Some(SystemTime::now() - interval)
    };
    let now = SystemTime::now();
    body::answer(
        engine
            .state()
            .get(key)
            .map(|found| found.stats(now, before)),
        200,
    )
}

/// How often a followed log looks for new lines.
const FOLLOW_POLL: Duration = Duration::from_millis(100);

pub(super) fn logs(engine: &Arc<Engine>, key: &str, call: &Call) -> Answer {
    let (stdout, stderr) = (call.flag("stdout", false), call.flag("stderr", false));
    if !stdout && !stderr {
        return body::error(&ApiError::new(
            400,
            "Bad parameters: you must choose at least one stream",
        ));
    }
    let query = LogFilter {
        stdout,
        stderr,
        timestamps: call.flag("timestamps", false),
        since: call
            .query("since")
            .and_then(|since| since.split('.').next()?.parse::<u64>().ok())
            .filter(|since| *since > 0)
            .map(|since| UNIX_EPOCH + Duration::from_secs(since)),
    };
    let tail = call
        .query("tail")
        .and_then(|tail| tail.parse::<usize>().ok());
    let (past, seen) = {
        let state = engine.state();
        let container = match state.get(key) {
            Ok(container) => container,
            Err(err) => return body::error(&err),
        };
        let lines: Vec<&LogLine> = container
            .logs
            .iter()
            .filter(|line| query.keeps(line))
            .collect();
        let from = tail.map_or(0, |tail| lines.len().saturating_sub(tail));
        let past: Vec<Bytes> = lines[from..].iter().map(|line| query.frame(line)).collect();
        (past, container.logs.len())
    };
    let past = futures::stream::iter(past);
    if !call.flag("follow", false) {
        return body::streamed(200, MULTIPLEXED, past);
    }
    let engine = Arc::clone(engine);
    let key = key.to_string();
    // New lines as they come, until the container stops (or the stand-in does).
    let new = futures::stream::unfold(seen, move |seen| {
        let engine = Arc::clone(&engine);
        let key = key.clone();
        async move {
            let mut shutdown = engine.shutdown.clone();
            loop {
                {
                    let state = engine.state();
                    let container = state.get(&key).ok()?;
                    if container.logs.len() > seen {
                        let fresh: Vec<u8> = container.logs[seen..]
                            .iter()
                            .filter(|line| query.keeps(line))
                            .flat_map(|line| query.frame(line))
                            .collect();
                        return Some((Bytes::from(fresh), container.logs.len()));
                    }
                    if container.state != RunState::Running {
                        return None;
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(FOLLOW_POLL) => {}
                    _ = stopped(&mut shutdown) => return None,
                }
            }
        }
    });
    body::streamed(200, MULTIPLEXED, futures::StreamExt::chain(past, new))
}

#[derive(Clone, Copy)]
struct LogFilter {
    stdout: bool,
    stderr: bool,
    timestamps: bool,
    since: Option<SystemTime>,
}

impl LogFilter {
    fn keeps(&self, line: &LogLine) -> bool {
        let stream = match line.stream {
            2 => self.stderr,
            _ => self.stdout,
        };
        stream && self.since.is_none_or(|since| line.at >= since)
    }

    fn frame(&self, line: &LogLine) -> Bytes {
        let mut text = Vec::new();
        if self.timestamps {
            text.extend_from_slice(time(Some(line.at)).as_bytes());
            text.push(b' ');
        }
        text.extend_from_slice(&line.text);
        body::frame(line.stream, &text).into()
    }
}
