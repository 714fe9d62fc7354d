//! `GET /locks`: which groups are locked, by whom, for what.

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::super::auth::Caller;
use super::super::error::{ApiResult, ErrorBody};
use super::super::frontend::RequestFrontend;
use super::super::state::Shared;
use crate::access::Action;
use crate::app::{LockStatusReport, LockStatusRequest};

#[derive(Debug, Deserialize, IntoParams)]
pub struct LockQuery {
    /// One group; every group when none.
    group: Option<String>,
}

/// Each group's lock, as its lock host holds it.
#[utoipa::path(get, path = "/locks", tag = "fleet", params(LockQuery),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub async fn status(
    State(server): State<Shared>,
    caller: Caller,
    Query(query): Query<LockQuery>,
) -> ApiResult<Json<LockStatusReport>> {
    if let Some(group) = &query.group {
        caller.check(Action::Read, group)?;
    }
    let request = LockStatusRequest { group: query.group };
    let mut report = server
        .app
        .lock_status(&request, &RequestFrontend::default())
        .await?;
    report.groups.retain(|row| caller.may_read(&row.group));
    Ok(Json(report))
}
