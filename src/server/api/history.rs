//! `GET /history` and `GET /history/{id}`: the runs recorded by the command line and by
//! this server alike.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::super::auth::Caller;
use super::super::error::{ApiError, ApiResult, ErrorBody};
use super::super::state::Shared;
use crate::access::Action;
use crate::app::{HistoryReport, HistoryRequest};
use crate::history::Run;

#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// Only this group's runs.
    group: Option<String>,
    /// At most this many, newest first (20 by default).
    limit: Option<usize>,
}

/// The newest runs: who ran what, when, and how it ended.
#[utoipa::path(get, path = "/history", tag = "history", params(HistoryQuery),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(server): State<Shared>,
    caller: Caller,
    Query(query): Query<HistoryQuery>,
) -> ApiResult<Json<Vec<Run>>> {
    let limit = query.limit.unwrap_or(20).min(1000);
    Ok(Json(runs(&server, &caller, query.group, limit).await?))
}

/// The newest `limit` runs the caller may see, of `group` or of every group.
pub async fn runs(
    server: &Shared,
    caller: &Caller,
    group: Option<String>,
    limit: usize,
) -> ApiResult<Vec<Run>> {
    if let Some(group) = &group {
        caller.check(Action::Read, group)?;
    }
    match server
        .app
        .history(&HistoryRequest::List { group, limit })
        .await?
    {
        HistoryReport::Runs { runs, .. } => Ok(runs
            .into_iter()
            .filter(|run| caller.may_read(&run.group))
            .collect()),
        HistoryReport::Run(_) => Err(ApiError::internal("a list was asked for")),
    }
}

/// One run with every container's outcome.
#[utoipa::path(get, path = "/history/{id}", tag = "history", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(server): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Run>> {
    Ok(Json(run(&server, &caller, id).await?))
}

/// Run `id` with its containers; 404 when there is none the caller may see.
pub async fn run(server: &Shared, caller: &Caller, id: i64) -> ApiResult<Run> {
    let missing = || ApiError::not_found(format!("no run {id}"));
    let report = server
        .app
        .history(&HistoryRequest::Show { id })
        .await
        .map_err(|_| missing())?;
    match report {
        HistoryReport::Run(run) if caller.may_read(&run.group) => Ok(*run),
        _ => Err(missing()),
    }
}
