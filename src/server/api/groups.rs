//! `GET /groups`.

use axum::extract::State;
use axum::Json;

use super::super::auth::Caller;
use super::super::error::ApiResult;
use super::super::frontend::RequestFrontend;
use super::super::state::Shared;
use crate::app::{GroupView, GroupsRequest};

/// Every group, its hosts and containers, as groups.yaml lists them.
#[utoipa::path(get, path = "/groups", tag = "groups",
    responses((status = 200, body = Vec<GroupView>), (status = 401, body = super::super::error::ErrorBody)))]
pub async fn list(State(server): State<Shared>, caller: Caller) -> ApiResult<Json<Vec<GroupView>>> {
    Ok(Json(visible(&server, &caller).await?))
}

/// The groups of groups.yaml the caller may see.
pub async fn visible(server: &Shared, caller: &Caller) -> ApiResult<Vec<GroupView>> {
    let frontend = RequestFrontend::default();
    let groups = server
        .app
        .groups(&GroupsRequest::default(), &frontend)
        .await?;
    Ok(groups
        .into_iter()
        .filter(|group| caller.may_read(&group.name))
        .collect())
}
