//! `GET /jobs`, `GET /jobs/{id}` and `GET /jobs/{id}/events`, the steps of a job as
//! server-sent events, as the command line's CI lines show them.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures::stream::{self, Stream, StreamExt};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::auth::Caller;
use super::super::error::{ApiError, ApiResult, ErrorBody};
use super::super::jobs::{JobEvent, JobView, LiveJob};
use super::super::state::Shared;
use super::bodies::ListQuery;

/// The newest jobs this server ran or runs.
#[utoipa::path(get, path = "/jobs", tag = "jobs", params(ListQuery),
    responses((status = 200, body = Vec<JobView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(server): State<Shared>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Vec<JobView>>> {
    let limit = query.limit_or(50);
    Ok(Json(recent(
        &server,
        &caller,
        query.group.as_deref(),
        limit,
    )?))
}

/// The newest `limit` jobs the caller may see, of `group` or of every group.
pub fn recent(
    server: &Shared,
    caller: &Caller,
    group: Option<&str>,
    limit: usize,
) -> ApiResult<Vec<JobView>> {
    let jobs = server.jobs.list(group, limit).map_err(ApiError::internal)?;
    Ok(jobs
        .into_iter()
        .filter(|job| caller.may_read(&job.group))
        .collect())
}

/// A job with its steps so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobDetail {
    #[serde(flatten)]
    pub job: JobView,
    pub events: Vec<JobEvent>,
}

/// A job's state, outcomes and steps.
#[utoipa::path(get, path = "/jobs/{id}", tag = "jobs", params(("id" = i64, Path)),
    responses((status = 200, body = JobDetail), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(server): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<JobDetail>> {
    let (job, events) = find(&server, &caller, id)?;
    Ok(Json(JobDetail { job, events }))
}

/// Job `id` and its steps; 404 when there is none the caller may see.
pub fn find(server: &Shared, caller: &Caller, id: i64) -> ApiResult<(JobView, Vec<JobEvent>)> {
    match server.jobs.get(id).map_err(ApiError::internal)? {
        Some(found) if caller.may_read(&found.0.group) => Ok(found),
        _ => Err(ApiError::not_found(format!("no job {id}"))),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EventsQuery {
    /// The first step to send (0 by default; a reconnecting client's `Last-Event-ID`
    /// header wins).
    from: Option<usize>,
}

/// The job's steps as server-sent events (`step`, its `id` the step's number), then one
/// `end` event holding the job as it ended.
#[utoipa::path(get, path = "/jobs/{id}/events", tag = "jobs", params(("id" = i64, Path), EventsQuery),
    responses((status = 200, content_type = "text/event-stream", description = "step and end events"),
        (status = 404, body = ErrorBody)))]
pub async fn events(
    State(server): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let (view, events) = find(&server, &caller, id)?;
    let from = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok())
        .map(|last| last + 1)
        .or(query.from)
        .unwrap_or(0);
    let source = match server.jobs.live(id) {
        Some(live) => Source::Live(live),
        None => Source::Kept(Box::new(view), events),
    };
    Ok(Sse::new(follow(source, from))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

enum Source {
    Live(Arc<LiveJob>),
    Kept(Box<JobView>, Vec<JobEvent>),
}

/// Steps from `from` as they come, then the end.
fn follow(source: Source, from: usize) -> impl Stream<Item = Result<Event, Infallible>> {
    let state = Some((source, from));
    stream::unfold(state, |state| async move {
        let (source, cursor) = state?;
        match source {
            Source::Kept(view, events) => {
                let mut batch: Vec<_> =
                    events.iter().skip(cursor).map(step_event).map(Ok).collect();
                batch.push(Ok(end_event(&view)));
                Some((stream::iter(batch), None))
            }
            Source::Live(job) => {
                let mut changes = job.subscribe();
                loop {
                    let fresh = job.events_from(cursor);
                    if !fresh.is_empty() {
                        let next = cursor + fresh.len();
                        let batch: Vec<_> = fresh.iter().map(step_event).map(Ok).collect();
                        return Some((stream::iter(batch), Some((Source::Live(job), next))));
                    }
                    if job.view().state.is_done() {
                        let end = vec![Ok(end_event(&job.view()))];
                        return Some((stream::iter(end), None));
                    }
                    if changes.changed().await.is_err() {
                        return None;
                    }
                }
            }
        }
    })
    .flatten()
}

fn step_event(event: &JobEvent) -> Event {
    Event::default()
        .event("step")
        .id(event.seq.to_string())
        .data(&event.line)
}

fn end_event(view: &JobView) -> Event {
    Event::default()
        .event("end")
        .data(serde_json::to_string(view).expect("a job serializes"))
}
