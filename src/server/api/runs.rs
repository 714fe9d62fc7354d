//! What changes a group: deploy, rollback and restart run as jobs and answer `202` at
//! once; plan shows what a deploy would do.

use std::future::Future;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;

use super::super::auth::Caller;
use super::super::error::{ApiError, ApiResult, ErrorBody};
use super::super::frontend::{JobFrontend, RequestFrontend};
use super::super::jobs::{JobView, NewJob};
use super::super::state::Shared;
use super::bodies::{DeployBody, RestartBody, RollbackBody};
use crate::access::Action;
use crate::app::{
    AppError, GroupsRequest, LifecycleRequest, PlanReport, PlanRequest, RollbackRequest,
    RollbackTo, RunReport,
};
use crate::inventory::Selection;
use crate::rollout::Lifecycle;

/// What a deploy of the group would change in each container, and in which order.
#[utoipa::path(get, path = "/groups/{group}/plan", tag = "groups",
    params(("group" = String, Path), ("mode" = Option<String>, Query), ("monitor" = Option<bool>, Query),
        ("canary" = Option<String>, Query), ("batch" = Option<String>, Query)),
    responses((status = 200, body = PlanReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn plan(
    State(server): State<Shared>,
    caller: Caller,
    Path(group): Path<String>,
    Query(body): Query<DeployBody>,
) -> ApiResult<Json<PlanReport>> {
    known_group(&server, &group).await?;
    Ok(Json(plan_report(&server, &caller, group, &body).await?))
}

/// What a deploy of `group` (known to groups.yaml) as `body` asks would change, if the
/// caller may plan it.
pub async fn plan_report(
    server: &Shared,
    caller: &Caller,
    group: String,
    body: &DeployBody,
) -> ApiResult<PlanReport> {
    server.authorize(caller, Action::Plan, &group)?;
    let request = PlanRequest {
        group,
        flags: body.flags(),
        rollout: body.rollout.settings()?,
    };
    server
        .answer(
            |server| async move { server.app.plan(&request, &RequestFrontend::default()).await },
        )
        .await
}

/// Deploys the group as a job: `/run.sh` and code into every container that changes,
/// core units first, each restarted and gated.
#[utoipa::path(post, path = "/groups/{group}/deploy", tag = "groups", params(("group" = String, Path)),
    request_body = DeployBody,
    responses((status = 202, body = JobView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn deploy(
    State(server): State<Shared>,
    caller: Caller,
    Path(group): Path<String>,
    Json(body): Json<DeployBody>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    known_group(&server, &group).await?;
    server.authorize(&caller, Action::Deploy, &group)?;
    server.inside_window(&caller, &group)?;
    let request = body.deploy_request(&group)?;
    let command = body.command_line(&group);
    start_job(
        &server,
        &caller,
        "deploy",
        group,
        command,
        |server, frontend| async move { server.app.deploy(&request, &frontend).await },
    )
}

/// Puts the group's containers back on an earlier deploy, as a job.
#[utoipa::path(post, path = "/groups/{group}/rollback", tag = "groups", params(("group" = String, Path)),
    request_body = RollbackBody,
    responses((status = 202, body = JobView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn rollback(
    State(server): State<Shared>,
    caller: Caller,
    Path(group): Path<String>,
    Json(body): Json<RollbackBody>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    known_group(&server, &group).await?;
    server.authorize(&caller, Action::Rollback, &group)?;
    let to = match (&body.to, body.steps) {
        (Some(_), Some(_)) => return Err(ApiError::bad_request("give `to` or `steps`, not both")),
        (Some(to), None) => RollbackTo::Release(to.clone()),
        (None, steps) => RollbackTo::Steps(steps.unwrap_or(1).max(1)),
    };
    let request = RollbackRequest {
        group: group.clone(),
        hosts: body.hosts.clone(),
        containers: body.containers.clone(),
        to,
        yes: true,
        no_hooks: body.no_hooks,
    };
    let command = body.command_line(&group);
    start_job(
        &server,
        &caller,
        "rollback",
        group,
        command,
        |server, frontend| async move { server.app.rollback(&request, &frontend).await },
    )
}

/// Restarts the group's containers, core units first, as a job.
#[utoipa::path(post, path = "/groups/{group}/restart", tag = "groups", params(("group" = String, Path)),
    request_body = RestartBody,
    responses((status = 202, body = JobView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn restart(
    State(server): State<Shared>,
    caller: Caller,
    Path(group): Path<String>,
    Json(body): Json<RestartBody>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    known_group(&server, &group).await?;
    server.authorize(&caller, Action::Restart, &group)?;
    let request = LifecycleRequest {
        selection: Selection {
            group: Some(group.clone()),
            hosts: body.hosts.clone(),
            containers: body.containers.clone(),
        },
        action: Lifecycle::Restart,
        stop_timeout: body.stop_timeout,
        yes: true,
        no_hooks: body.no_hooks,
        groups: Vec::new(),
    };
    let command = body.command_line(&group);
    start_job(
        &server,
        &caller,
        "restart",
        group,
        command,
        |server, frontend| async move { server.app.lifecycle(&request, &frontend).await },
    )
}

/// Starts `work` as the caller's job of `kind` on `group`, standing for `command`, and
/// answers `202` with the job.
fn start_job<F, Fut>(
    server: &Shared,
    caller: &Caller,
    kind: &str,
    group: String,
    command: String,
    work: F,
) -> ApiResult<(StatusCode, Json<JobView>)>
where
    F: FnOnce(Shared, JobFrontend) -> Fut + Send + 'static,
    Fut: Future<Output = Result<RunReport, AppError>> + 'static,
{
    let job = NewJob {
        kind: kind.into(),
        group,
        user: caller.user.clone(),
        approved_by: None,
        command,
    };
    let view = server.spawn_job(job, work)?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

/// 404 unless groups.yaml has `group`.
pub async fn known_group(server: &Shared, group: &str) -> ApiResult<()> {
    let groups = server
        .app
        .groups(&GroupsRequest::default(), &RequestFrontend::default())
        .await?;
    if groups.iter().any(|known| known.name == group) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "no group `{group}` in groups.yaml"
        )))
    }
}
