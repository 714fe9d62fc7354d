//! `GET /groups/{group}/logs`: the last lines of every container of a group, oldest
//! first, or (with `follow`) new lines as server-sent events.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};

use super::super::auth::Caller;
use super::super::error::{ApiResult, ErrorBody};
use super::super::frontend::RequestFrontend;
use super::super::state::Shared;
use super::bodies::patterns;
use super::runs::known_group;
use crate::access::Action;
use crate::app::LogsRequest;
use crate::engine::{EngineError, LogQuery, OutputStream};
use crate::inventory::Selection;
use crate::rollout::{LogLine, LogOutput, UnitKey};

/// Lines held for one answer at most: the rest is for `follow` or the command line.
const MOST_LINES: usize = 10_000;

#[derive(Debug, Deserialize, IntoParams)]
pub struct LogsQuery {
    /// The last lines of each container (100 by default).
    tail: Option<u64>,
    /// Keep sending new lines, as server-sent events (`line`, `note`, `failed`).
    #[serde(default)]
    follow: bool,
    /// Host globs, comma-separated.
    host: Option<String>,
    /// Container globs, comma-separated.
    container: Option<String>,
}

/// One line of a container's log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogEntry {
    pub group: String,
    pub container: String,
    pub host: String,
    /// stdout or stderr.
    pub stream: String,
    /// When the engine logged it (RFC 3339).
    pub timestamp: String,
    pub line: String,
}

/// The group's logs, interleaved by time.
#[utoipa::path(get, path = "/groups/{group}/logs", tag = "groups",
    params(("group" = String, Path), LogsQuery),
    responses((status = 200, body = Vec<LogEntry>, description = "JSON lines, or with follow an event stream"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn logs(
    State(server): State<Shared>,
    caller: Caller,
    Path(group): Path<String>,
    Query(query): Query<LogsQuery>,
) -> ApiResult<Response> {
    known_group(&server, &group).await?;
    caller.check(Action::Read, &group)?;
    let request = LogsRequest {
        selection: Selection {
            group: Some(group),
            hosts: patterns(query.host.as_deref()),
            containers: patterns(query.container.as_deref()),
        },
        query: LogQuery {
            follow: query.follow,
            tail: Some(query.tail.unwrap_or(100)),
            since: None,
        },
    };
    if query.follow {
        return Ok(follow(server, request).into_response());
    }
    let collected = Collected::default();
    server
        .app
        .logs(&request, &collected, &RequestFrontend::default())
        .await?;
    let mut lines = collected.lines.into_inner().expect("lines");
    lines.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
    Ok(Json(lines).into_response())
}

/// Lines as they come, until the client goes away: then reading stops too.
fn follow(
    server: Shared,
    request: LogsRequest,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (sender, receiver) = mpsc::channel::<Event>(256);
    let closed = server.closed();
    let reader = tokio::spawn(async move {
        let output = Streamed { sender };
        let _ = server
            .app
            .logs(&request, &output, &RequestFrontend::default())
            .await;
    });
    let stop_reading = Arc::new(AbortOnDrop(reader));
    let events = futures::stream::unfold(
        (receiver, stop_reading),
        |(mut receiver, guard)| async move {
            let event = receiver.recv().await?;
            Some((Ok(event), (receiver, guard)))
        },
    );
    // A server that stops ends the stream rather than wait for the client to go.
    let events = events.take_until(closed);
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn entry(line: &LogLine<'_>) -> LogEntry {
    LogEntry {
        group: line.unit.group.clone(),
        container: line.unit.container.clone(),
        host: line.unit.host.clone(),
        stream: match line.stream {
            OutputStream::Stdout => "stdout",
            OutputStream::Stderr => "stderr",
        }
        .into(),
        timestamp: line.timestamp.to_string(),
        line: String::from_utf8_lossy(line.text).into_owned(),
    }
}

#[derive(Default)]
struct Collected {
    lines: Mutex<Vec<LogEntry>>,
}

impl LogOutput for Collected {
    fn begin(&self, _: &[UnitKey]) {}
    fn line(&self, line: LogLine<'_>) {
        let mut lines = self.lines.lock().expect("lines");
        if lines.len() < MOST_LINES {
            lines.push(entry(&line));
        }
    }
    fn note(&self, _: &UnitKey, _: &str) {}
    fn failed(&self, unit: &UnitKey, err: &EngineError) {
        let mut lines = self.lines.lock().expect("lines");
        lines.push(LogEntry {
            group: unit.group.clone(),
            container: unit.container.clone(),
            host: unit.host.clone(),
            stream: "error".into(),
            timestamp: String::new(),
            line: err.to_string(),
        });
    }
}

struct Streamed {
    sender: mpsc::Sender<Event>,
}

impl Streamed {
    fn send(&self, kind: &str, data: &impl Serialize) {
        let event = Event::default()
            .event(kind)
            .data(serde_json::to_string(data).expect("an entry serializes"));
        // A slow client loses lines rather than holding the engines' streams.
        let _ = self.sender.try_send(event);
    }
}

#[derive(Serialize)]
struct Notice<'a> {
    #[serde(flatten)]
    unit: &'a UnitKey,
    message: String,
}

impl LogOutput for Streamed {
    fn begin(&self, _: &[UnitKey]) {}
    fn line(&self, line: LogLine<'_>) {
        self.send("line", &entry(&line));
    }
    fn note(&self, unit: &UnitKey, message: &str) {
        let message = message.to_string();
        self.send("note", &Notice { unit, message });
    }
    fn failed(&self, unit: &UnitKey, err: &EngineError) {
        let message = err.to_string();
        self.send("failed", &Notice { unit, message });
    }
}
