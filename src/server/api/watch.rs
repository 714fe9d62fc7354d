//! `GET /watch/events`: what the fleet watch saw and healed.

use axum::extract::{Query, State};
use axum::Json;

use super::super::auth::Caller;
use super::super::error::{ApiError, ApiResult, ErrorBody};
use super::super::state::Shared;
use super::super::watch::WatchEvent;
use super::bodies::ListQuery;

/// Changes of state seen behind jdeploy's back, and the heals started for them.
#[utoipa::path(get, path = "/watch/events", tag = "fleet", params(ListQuery),
    responses((status = 200, body = Vec<WatchEvent>), (status = 401, body = ErrorBody)))]
pub async fn events(
    State(server): State<Shared>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Vec<WatchEvent>>> {
    let limit = query.limit_or(100);
    Ok(Json(recent(
        &server,
        &caller,
        query.group.as_deref(),
        limit,
    )?))
}

/// The newest `limit` watch events the caller may see.
pub fn recent(
    server: &Shared,
    caller: &Caller,
    group: Option<&str>,
    limit: usize,
) -> ApiResult<Vec<WatchEvent>> {
    let events = server
        .jobs
        .store
        .watch_events(group, limit)
        .map_err(|err| ApiError::internal(err.to_string()))?;
    Ok(events
        .into_iter()
        .filter(|event| caller.may_read(&event.group))
        .collect())
}
