//! `GET /me`: who the token speaks for; `GET /audit`: what was changed, by whom (admins).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::auth::Caller;
use super::super::error::{ApiError, ApiResult, ErrorBody};
use super::super::state::Shared;
use crate::access::Role;
use crate::history::AuditEntry;

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user: String,
    /// viewer, deployer or admin.
    pub role: String,
    /// `"*"` or the group names.
    #[schema(value_type = Object)]
    pub groups: serde_json::Value,
}

/// The user and grant of the token.
#[utoipa::path(get, path = "/me", tag = "access",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me::of(&caller))
}

impl Me {
    pub fn of(caller: &Caller) -> Self {
        Me {
            user: caller.user.clone(),
            role: caller.grant.role.as_str().to_string(),
            groups: serde_json::to_value(&caller.grant.groups).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// At most this many, newest first (100 by default).
    limit: Option<usize>,
}

/// Every change asked of the server, who asked, when and how it ended (admins only).
#[utoipa::path(get, path = "/audit", tag = "access", params(AuditQuery),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(server): State<Shared>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    if caller.grant.role != Role::Admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "{} is a {}; the audit log needs admin",
                caller.user,
                caller.grant.role.as_str()
            ),
        ));
    }
    let entries = server
        .records
        .lock()
        .expect("records")
        .list_audit(query.limit.unwrap_or(100).min(1000))
        .map_err(|err| ApiError::internal(err.to_string()))?;
    Ok(Json(entries))
}
