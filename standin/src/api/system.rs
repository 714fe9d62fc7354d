//! The engine itself (ping, version, info, events) and its images.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::StreamExt;
use serde_json::{json, Value};

use super::Call;
use crate::body::{self, Answer};
use crate::images::{digest, normalize};
use crate::server::{stopped, Engine};
use crate::state::{ApiError, Event, RunState};

/// How long an event stream with no `until` stays open for new events: a client waiting
/// for more leaves first.
const EVENTS_HELD: Duration = Duration::from_secs(10);
const EVENTS_POLL: Duration = Duration::from_millis(100);

fn versioned(engine: &Engine, mut answer: Answer) -> Answer {
    let version = engine
        .config
        .api_version
        .parse()
        .expect("a version is a header");
    answer.headers_mut().insert("Api-Version", version);
    answer
}

pub(super) fn ping(engine: &Engine) -> Answer {
    let mut answer = versioned(engine, body::full(200, "text/plain; charset=utf-8", "OK"));
    let headers = answer.headers_mut();
    headers.insert("Docker-Experimental", "false".parse().expect("a header"));
    headers.insert("Ostype", "linux".parse().expect("a header"));
    headers.insert(
        "Cache-Control",
        "no-cache, no-store, must-revalidate"
            .parse()
            .expect("a header"),
    );
    answer
}

pub(super) fn version(engine: &Engine) -> Answer {
    let api = &engine.config.api_version;
    let version = json!({
        "Platform": {"Name": "jdeploy stand-in"},
        "Version": "27.5.1",
        "ApiVersion": api,
        "MinAPIVersion": "1.24",
        "GitCommit": "standin",
        "GoVersion": "go1.22",
        "Os": "linux",
        "Arch": "amd64",
        "KernelVersion": std::env::consts::OS,
        "BuildTime": "2025-01-01T00:00:00.000000000+00:00",
    });
    versioned(engine, body::json(200, &version))
}

pub(super) fn info(engine: &Engine) -> Answer {
    let state = engine.state();
    let count = |wanted: RunState| {
        state
            .containers
            .values()
            .filter(|container| container.state == wanted)
            .count()
    };
    let info = json!({
        "ID": digest(format!("{:p}", engine).as_bytes())[..36],
        "Name": "standin",
        "ServerVersion": "27.5.1",
        "Containers": state.containers.len(),
        "ContainersRunning": count(RunState::Running),
        "ContainersPaused": 0,
        "ContainersStopped": count(RunState::Exited) + count(RunState::Created),
        "Images": state.images.all().len(),
        "Driver": "overlay2",
        "SystemTime": humantime::format_rfc3339_nanos(SystemTime::now()).to_string(),
        "OperatingSystem": "jdeploy stand-in",
        "OSType": "linux",
        "Architecture": "x86_64",
        "NCPU": 2,
        "MemTotal": 2u64 << 30,
    });
    body::json(200, &info)
}

/// `secs`, `secs.nanos` or RFC 3339, as Docker takes `since` and `until`.
fn instant(text: &str) -> Option<SystemTime> {
    if let Ok(at) = humantime::parse_rfc3339_weak(text) {
        return Some(at);
    }
    let (secs, nanos) = text.split_once('.').unwrap_or((text, "0"));
    let secs: u64 = secs.parse().ok()?;
    let nanos: u32 = format!("{nanos:0<9}")[..9].parse().ok()?;
    Some(UNIX_EPOCH + Duration::new(secs, nanos))
}

struct EventFilter {
    since: Option<SystemTime>,
    until: Option<SystemTime>,
    filters: std::collections::HashMap<String, Vec<String>>,
}

impl EventFilter {
    fn keeps(&self, event: &Event) -> bool {
        if self.since.is_some_and(|since| event.at < since)
            || self.until.is_some_and(|until| event.at > until)
        {
            return false;
        }
        self.filters.iter().all(|(key, values)| {
            values.is_empty()
                || values.iter().any(|value| match key.as_str() {
                    "type" => value == "container",
                    "container" => *value == event.name || event.id.starts_with(value.as_str()),
                    "event" => value == event.action,
                    "image" => *value == event.image,
                    _ => true,
                })
        })
    }

    fn lines<'a>(&self, events: impl Iterator<Item = &'a Event>) -> Bytes {
        let mut text = Vec::new();
        for event in events.filter(|event| self.keeps(event)) {
            text.extend(serde_json::to_vec(&event.json()).expect("plain JSON"));
            text.push(b'\n');
        }
        text.into()
    }
}

/// Past events at once, then new ones until `until` (or for a while without one).
pub(super) fn events(engine: &Arc<Engine>, call: &Call) -> Answer {
    let filters = match call.filters() {
        Ok(filters) => filters,
        Err(err) => return body::error(&err),
    };
    let filter = EventFilter {
        since: call.query("since").and_then(instant),
        until: call.query("until").and_then(instant),
        filters,
    };
    let (past, seen) = {
        let state = engine.state();
        (filter.lines(state.events.iter()), state.events_seen)
    };
    let held = match filter.until {
        Some(until) => until.duration_since(SystemTime::now()).unwrap_or_default(),
        None => EVENTS_HELD,
    };
    let engine = Arc::clone(engine);
    let deadline = tokio::time::Instant::now() + held;
    let new = futures::stream::unfold((seen, filter), move |(mut seen, filter)| {
        let engine = Arc::clone(&engine);
        async move {
            let mut shutdown = engine.shutdown.clone();
            while tokio::time::Instant::now() < deadline {
                let lines = {
                    let state = engine.state();
                    let fresh = state.events.iter().filter(|event| event.seq > seen);
                    let lines = filter.lines(fresh);
                    seen = state.events_seen;
                    lines
                };
                if !lines.is_empty() {
                    return Some((lines, (seen, filter)));
                }
                let next = (tokio::time::Instant::now() + EVENTS_POLL).min(deadline);
                tokio::select! {
                    _ = tokio::time::sleep_until(next) => {}
                    _ = stopped(&mut shutdown) => return None,
                }
            }
            None
        }
    });
    let past = futures::stream::iter([past]).filter(|chunk| std::future::ready(!chunk.is_empty()));
    body::streamed(200, "application/json", past.chain(new))
}

pub(super) fn list_images(engine: &Engine) -> Answer {
    let state = engine.state();
    let images: Vec<Value> = state
        .images
        .all()
        .iter()
        .map(|image| image.summary())
        .collect();
    body::json(200, &json!(images))
}

fn no_such_image(name: &str) -> ApiError {
    ApiError::new(404, format!("No such image: {name}"))
}

pub(super) fn inspect_image(engine: &Engine, name: &str) -> Answer {
    let state = engine.state();
    let found = state.images.find(name).map(|image| image.inspect());
    body::answer(found.ok_or_else(|| no_such_image(name)), 200)
}

pub(super) fn export_image(engine: &Engine, name: &str) -> Answer {
    match engine.state().images.save(name) {
        Some(archive) => body::full(200, "application/x-tar", archive),
        None => body::error(&no_such_image(name)),
    }
}

/// `fromSrc=-` imports the body as an image (the marker image); there is no registry to
/// pull from.
pub(super) fn create_image(engine: &Engine, call: &Call) -> Answer {
    if call.query("fromSrc") != Some("-") {
        let name = call.query("fromImage").unwrap_or_default();
        return body::error(&ApiError::new(
            404,
            format!("pull access denied for {name}, repository does not exist or may require 'docker login'"),
        ));
    }
    let repo = call.query("repo").unwrap_or_default();
    let tag = call
        .query("tag")
        .filter(|tag| !tag.is_empty())
        .unwrap_or("latest");
    let name = normalize(&format!("{repo}:{tag}"));
    let labels: serde_json::Map<String, Value> = call
        .query
        .get("changes")
        .into_iter()
        .filter_map(|change| change.strip_prefix("LABEL "))
        .filter_map(|label| label.split_once('='))
        .map(|(key, value)| (key.to_string(), json!(value)))
        .collect();
    let id = format!("sha256:{}", digest(&call.body));
    let id =
        engine
            .state()
            .images
            .add_with_id(&id, &name, SystemTime::now(), Value::Object(labels));
    let line = format!("{}\n", json!({"status": id}));
    body::full(200, "application/json", line)
}

pub(super) fn load_image(engine: &Engine, call: &Call) -> Answer {
    let loaded = engine.state().images.load(&call.body);
    match loaded {
        Ok(tags) => {
            let lines: String = tags
                .iter()
                .map(|tag| format!("{}\n", json!({"stream": format!("Loaded image: {tag}\n")})))
                .collect();
            body::full(200, "application/json", lines)
        }
        Err(message) => body::error(&ApiError::new(400, message)),
    }
}
