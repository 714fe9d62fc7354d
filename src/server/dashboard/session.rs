//! Signing in and out: the token, checked as every API request's is, kept in the
//! `jdeploy_token` cookie (HttpOnly, SameSite=Strict, Secure over TLS) that pages and
//! the page's script then send.

use axum::extract::{FromRequestParts, State};
use axum::http::header::{HOST, LOCATION, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use minijinja::context;
use serde::Deserialize;

use super::assets;
use super::view::{render, PageError};
use crate::server::auth::{authenticate, Caller, COOKIE};
use crate::server::error::ApiError;
use crate::server::state::Shared;

/// The caller of a page; without a valid cookie, the answer is the login form.
pub struct Signed(pub Caller);

impl FromRequestParts<Shared> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, server: &Shared) -> Result<Self, Response> {
        Caller::from_request_parts(parts, server)
            .await
            .map(Signed)
            .map_err(|err| PageError(err).into_response())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    token: String,
}

/// `GET /login`.
pub async fn form() -> Response {
    login_page(StatusCode::OK, None)
}

/// `POST /login`: a good token is kept in the cookie and leads to the fleet; a wrong one
/// shows the form again, saying so.
pub async fn login(
    State(server): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return PageError(ApiError::new(
            StatusCode::FORBIDDEN,
            "the login form was sent from another site",
        ))
        .into_response();
    }
    let token = form.token.trim();
    match authenticate(&server, token) {
        Ok(_) => (
            StatusCode::SEE_OTHER,
            [
                (LOCATION, "/".to_string()),
                (SET_COOKIE, set_cookie(token, server.secure_cookie)),
            ],
        )
            .into_response(),
        Err(err) if err.status == StatusCode::UNAUTHORIZED => {
            login_page(StatusCode::UNAUTHORIZED, Some(err.message))
        }
        Err(err) => PageError(err).into_response(),
    }
}

/// `GET` or `POST /logout`: the cookie is dropped.
pub async fn logout() -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (LOCATION, "/login".to_string()),
            (SET_COOKIE, clear_cookie()),
        ],
    )
        .into_response()
}

fn login_page(status: StatusCode, error: Option<String>) -> Response {
    let context =
        context! { page => "login", assets => minijinja::value::Serde(assets::paths()), error };
    match render("login.html", context) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => PageError(ApiError::internal(err.to_string())).into_response(),
    }
}

/// The cookie holding `token`. Only a token that checked out is ever set, so it holds
/// nothing a cookie cannot.
pub fn set_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{secure}")
}

/// The cookie, expired.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// A browser's form comes from this server's own page: its `Origin` (when it sends one)
/// names the host it was sent to. Another site's page cannot sign a visitor in.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN) else {
        return true;
    };
    let origin = origin.to_str().unwrap_or_default();
    let host = headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or_default();
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    !host.is_empty() && authority == Some(host)
}
