//! Deploy requests: who may not deploy a group asks; a deployer or admin of it approves
//! (the deploy runs as a job, recorded as approved by them) or rejects, saying why.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::super::auth::Caller;
use super::super::error::{ApiError, ApiResult, ErrorBody};
use super::super::jobs::NewJob;
use super::super::state::Shared;
use super::bodies::DeployBody;
use super::runs::known_group;
use crate::access::Action;
use crate::history::{AuditResult, NewAudit, NewDeployRequest, RequestError, RequestState};

/// A deploy asked for, and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RequestBody {
    /// Why the deploy is wanted.
    pub reason: String,
    /// The deploy, as `POST /groups/{group}/deploy` takes it.
    #[serde(default)]
    pub deploy: DeployBody,
}

/// Files a deploy request for the group.
#[utoipa::path(post, path = "/groups/{group}/requests", tag = "requests", params(("group" = String, Path)),
    request_body = RequestBody,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn file(
    State(server): State<Shared>,
    caller: Caller,
    Path(group): Path<String>,
    Json(body): Json<RequestBody>,
) -> ApiResult<(StatusCode, Json<crate::history::DeployRequest>)> {
    known_group(&server, &group).await?;
    server.authorize(&caller, Action::RequestDeploy, &group)?;
    if body.reason.trim().is_empty() {
        return Err(ApiError::bad_request(
            "reason: say why the deploy is wanted",
        ));
    }
    // Bad flags are refused now, not when someone approves.
    body.deploy.rollout.settings()?;
    let filed = server
        .records
        .lock()
        .expect("records")
        .file_request(&NewDeployRequest {
            group: group.clone(),
            flags: serde_json::to_value(&body.deploy).expect("a deploy serializes"),
            reason: body.reason.trim().to_string(),
            requested_by: caller.user.clone(),
        })
        .map_err(|err| ApiError::internal(err.to_string()))?;
    server.audit(NewAudit {
        user: caller.user.clone(),
        action: "request deploy".into(),
        group: Some(group),
        detail: serde_json::json!({ "request": filed.id, "reason": filed.reason }),
        result: AuditResult::Ok,
        job_id: None,
    });
    Ok((StatusCode::CREATED, Json(filed)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RequestsQuery {
    /// pending, approved or rejected; all without.
    state: Option<String>,
}

/// Deploy requests of the groups the caller sees, newest first.
#[utoipa::path(get, path = "/requests", tag = "requests", params(RequestsQuery),
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(server): State<Shared>,
    caller: Caller,
    Query(query): Query<RequestsQuery>,
) -> ApiResult<Json<Vec<crate::history::DeployRequest>>> {
    Ok(Json(listed(&server, &caller, query.state.as_deref())?))
}

/// The deploy requests the caller may see, in `state` (`pending`, ...) or all.
pub fn listed(
    server: &Shared,
    caller: &Caller,
    state: Option<&str>,
) -> ApiResult<Vec<crate::history::DeployRequest>> {
    let state = match state {
        None => None,
        Some(text) => Some(RequestState::parse(text).ok_or_else(|| {
            ApiError::bad_request(format!(
                "state: use one of: {}",
                RequestState::NAMES.join(", ")
            ))
        })?),
    };
    let requests = server
        .records
        .lock()
        .expect("records")
        .list_requests(state)
        .map_err(|err| ApiError::internal(err.to_string()))?;
    Ok(requests
        .into_iter()
        .filter(|request| caller.may_read(&request.group))
        .collect())
}

/// Approves a pending request: its deploy starts as a job at once.
#[utoipa::path(post, path = "/requests/{id}/approve", tag = "requests", params(("id" = i64, Path)),
    responses((status = 202, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(server): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<crate::history::DeployRequest>)> {
    let request = pending(&server, &caller, id)?;
    let group = request.group.clone();
    server.authorize(&caller, Action::Approve, &group)?;
    server.inside_window(&caller, &group)?;
    let body: DeployBody = serde_json::from_value(request.flags.clone()).map_err(|err| {
        ApiError::internal(format!("request {id} holds flags it cannot read: {err}"))
    })?;
    let deploy = body.deploy_request(&group)?;
    // Decided first, once: two approvers at once cannot both start a deploy.
    let approved = server
        .records
        .lock()
        .expect("records")
        .approve_request(id, &caller.user, None)
        .map_err(decision_error)?;
    let job = NewJob {
        kind: "deploy".into(),
        command: body.command_line(&group),
        group,
        user: request.requested_by.clone(),
        approved_by: Some(caller.user.clone()),
    };
    let view = server.spawn_job(job, |server, frontend| async move {
        server.app.deploy(&deploy, &frontend).await
    })?;
    let job_id = view.id.to_string();
    let records = server.records.lock().expect("records");
    records
        .attach_request_job(id, &job_id)
        .map_err(decision_error)?;
    let approved = records
        .get_request(id)
        .map_err(|err| ApiError::internal(err.to_string()))?
        .unwrap_or(approved);
    Ok((StatusCode::ACCEPTED, Json(approved)))
}

/// Why a request is rejected.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RejectBody {
    pub reason: String,
}

/// Rejects a pending request, saying why.
#[utoipa::path(post, path = "/requests/{id}/reject", tag = "requests", params(("id" = i64, Path)),
    request_body = RejectBody,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn reject(
    State(server): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<RejectBody>,
) -> ApiResult<Json<crate::history::DeployRequest>> {
    let request = pending(&server, &caller, id)?;
    server.authorize(&caller, Action::Approve, &request.group)?;
    if body.reason.trim().is_empty() {
        return Err(ApiError::bad_request(
            "reason: say why the request is rejected",
        ));
    }
    let rejected = server
        .records
        .lock()
        .expect("records")
        .reject_request(id, &caller.user, body.reason.trim())
        .map_err(decision_error)?;
    server.audit(NewAudit {
        user: caller.user.clone(),
        action: "reject request".into(),
        group: Some(rejected.group.clone()),
        detail: serde_json::json!({ "request": id, "reason": rejected.decision_reason }),
        result: AuditResult::Ok,
        job_id: None,
    });
    Ok(Json(rejected))
}

/// The request `id`, if the caller may see it.
fn pending(server: &Shared, caller: &Caller, id: i64) -> ApiResult<crate::history::DeployRequest> {
    let found = server
        .records
        .lock()
        .expect("records")
        .get_request(id)
        .map_err(|err| ApiError::internal(err.to_string()))?;
    match found {
        Some(request) if caller.may_read(&request.group) => Ok(request),
        _ => Err(ApiError::not_found(format!("no deploy request {id}"))),
    }
}

fn decision_error(err: RequestError) -> ApiError {
    match err {
        RequestError::NotFound(id) => ApiError::not_found(format!("no deploy request {id}")),
        RequestError::NotPending { .. } => ApiError::new(StatusCode::CONFLICT, err.to_string()),
        other => ApiError::internal(other.to_string()),
    }
}
