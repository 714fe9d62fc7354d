//! The web dashboard at `/`: server-rendered pages over the same calls the API's
//! handlers make, and one small script that reads the JSON API (the fleet table, a job's
//! steps) and sends changes to it with the page's cookie. Everything it serves is in the
//! binary: it works without internet.

mod assets;
mod fleet;
mod group;
mod history;
mod job;
mod requests;
mod session;
mod view;
mod watch;

#[cfg(test)]
mod tests;

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::state::Shared;

/// Scripts, styles and everything else from this server alone; nothing inline, no
/// frames, forms posted only here.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'; object-src 'none'";

/// Every page of the dashboard, and its assets.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/", get(fleet::page))
        .route("/login", get(session::form).post(session::login))
        .route("/logout", get(session::logout).post(session::logout))
        .route("/groups/{group}", get(group::page))
        .route("/jobs/{id}", get(job::page))
        .route("/history", get(history::list))
        .route("/history/{id}", get(history::show))
        .route("/requests", get(requests::page))
        .route("/watch", get(watch::page))
        .route("/assets/{name}", get(assets::serve))
        .layer(axum::middleware::map_response(secured))
}

/// The headers every dashboard answer carries.
async fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Nothing to other sites; this one's own `Origin` kept, which the login checks.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages show who may do what: never kept by a shared cache or the back button.
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
