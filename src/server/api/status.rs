//! `GET /status`.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use futures::FutureExt;
use serde::Deserialize;
use utoipa::IntoParams;

use super::super::auth::Caller;
use super::super::error::{ApiError, ApiResult};
use super::super::frontend::RequestFrontend;
use super::super::state::Shared;
use super::bodies::patterns;
use crate::access::Action;
use crate::app::{StatusReport, StatusRequest};
use crate::inventory::Selection;
use crate::rollout::Usage;

#[derive(Debug, Deserialize, IntoParams)]
pub struct StatusQuery {
    /// One group; every group the caller may see when none.
    group: Option<String>,
    /// Host globs, comma-separated.
    host: Option<String>,
    /// Container globs, comma-separated.
    container: Option<String>,
    /// `live` for the engines' own sampling, as `docker stats` (about a second more).
    usage: Option<String>,
}

/// Every selected container's state, health, uptime, resources and release, read from
/// all hosts at once.
#[utoipa::path(get, path = "/status", tag = "fleet", params(StatusQuery),
    responses((status = 200, body = StatusReport), (status = 401, body = super::super::error::ErrorBody),
        (status = 403, body = super::super::error::ErrorBody)))]
pub async fn status(
    State(server): State<Shared>,
    caller: Caller,
    Query(query): Query<StatusQuery>,
) -> ApiResult<Json<StatusReport>> {
    if let Some(group) = &query.group {
        caller.check(Action::Read, group)?;
    }
    let usage = match query.usage.as_deref() {
        None | Some("processes") => Usage::Processes,
        Some("live") => Usage::Live,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "usage: `{other}` is neither `processes` nor `live`"
            )))
        }
    };
    let request = StatusRequest {
        selection: Selection {
            group: query.group.clone(),
            hosts: patterns(query.host.as_deref()),
            containers: patterns(query.container.as_deref()),
        },
        usage,
    };
    let key = serde_json::to_string(&request).expect("a request serializes");
    let asking = Arc::clone(&server);
    let shared = server
        .statuses
        .answer(key, move || {
            async move {
                asking
                    .answer(|server| async move {
                        server
                            .app
                            .status(&request, &RequestFrontend::default())
                            .await
                    })
                    .await
            }
            .boxed()
        })
        .await?;
    let mut report = StatusReport::clone(&shared);
    report.rows.retain(|row| caller.may_read(&row.unit.group));
    Ok(Json(report))
}
