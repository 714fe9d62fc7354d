//! Who is asking: the bearer token of every API request (or the dashboard's cookie),
//! checked against the tokens `jdeploy token create` made, and what their role allows.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::state::Shared;
use crate::access::{Action, Grant};

/// The dashboard keeps the token in this cookie (HttpOnly, SameSite=Strict).
pub const COOKIE: &str = "jdeploy_token";
/// What the dashboard's own scripts send with changes: a page of another site cannot,
/// so a cookie alone never changes anything.
pub const CSRF_HEADER: &str = "x-jdeploy-csrf";

/// The user a request comes from, and their grant.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: String,
    pub grant: Grant,
}

impl Caller {
    /// May see `group` in lists.
    pub fn may_read(&self, group: &str) -> bool {
        self.grant.sees(group)
    }

    /// 403 naming what is missing unless the grant allows `action` on `group`.
    pub fn check(&self, action: Action, group: &str) -> Result<(), ApiError> {
        self.grant
            .check(action, Some(group))
            .map_err(|denied| ApiError::new(StatusCode::FORBIDDEN, denied.to_string()))
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        server: &Shared,
    ) -> Result<Self, Self::Rejection> {
        let (secret, by_cookie) = match bearer(parts) {
            Some(secret) => (secret, false),
            None => (cookie(parts).ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "a token is needed: `Authorization: Bearer <token>` (`jdeploy token create` makes one)",
                )
            })?, true),
        };
        if by_cookie && !is_safe(&parts.method) && !parts.headers.contains_key(CSRF_HEADER) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "a change asked with the dashboard's cookie needs the `{CSRF_HEADER}` header"
                ),
            ));
        }
        authenticate(server, &secret)
    }
}

/// The caller `secret` speaks for: 401 when it is no token, or a revoked one.
pub fn authenticate(server: &Shared, secret: &str) -> Result<Caller, ApiError> {
    let grant = server.tokens.verify(server, secret)?.ok_or_else(|| {
        ApiError::new(StatusCode::UNAUTHORIZED, "the token is unknown or revoked")
    })?;
    Ok(Caller {
        user: grant.user.clone(),
        grant,
    })
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

pub fn cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// How long a token's check is trusted before the database is asked again: a revoked
/// token stops working within this.
const TRUSTED_FOR: Duration = Duration::from_secs(5);
/// Checks remembered at most; beyond, the memory starts over (random tokens tried by
/// the thousand must not grow it).
const MOST_REMEMBERED: usize = 10_000;

/// Recent token checks, so a burst of requests asks the database once.
#[derive(Default)]
pub struct TokenCache {
    /// By the token's SHA-256: its grant (none: unknown or revoked), and when checked.
    checked: Mutex<HashMap<[u8; 32], Checked>>,
}

type Checked = (Option<Grant>, Instant);

impl TokenCache {
    fn verify(&self, server: &Shared, secret: &str) -> Result<Option<Grant>, ApiError> {
        let key: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        if let Some((grant, at)) = self.checked.lock().expect("tokens").get(&key) {
            if at.elapsed() < TRUSTED_FOR {
                return Ok(grant.clone());
            }
        }
        let grant = server
            .records
            .lock()
            .expect("records")
            .verify_token(secret)
            .map_err(|err| ApiError::internal(err.to_string()))?;
        let mut checked = self.checked.lock().expect("tokens");
        if checked.len() >= MOST_REMEMBERED {
            checked.clear();
        }
        checked.insert(key, (grant.clone(), Instant::now()));
        Ok(grant)
    }
}
