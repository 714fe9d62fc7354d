//! The dashboard's templates, embedded in the binary and rendered with auto-escaping:
//! whatever containers, engines or users wrote reaches a page as text, never as markup.

use std::sync::LazyLock;
use std::time::Duration;

use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{context, Environment, UndefinedBehavior, Value};

use super::assets;
use super::session;
use crate::server::api::me::Me;
use crate::server::auth::Caller;
use crate::server::error::ApiError;

/// Every template, by the name pages render it with.
const TEMPLATES: [(&str, &str); 13] = [
    ("layout.html", include_str!("templates/layout.html")),
    (
        "fleet_table.html",
        include_str!("templates/fleet_table.html"),
    ),
    (
        "deploy_fields.html",
        include_str!("templates/deploy_fields.html"),
    ),
    ("run_result.html", include_str!("templates/run_result.html")),
    ("login.html", include_str!("templates/login.html")),
    ("error.html", include_str!("templates/error.html")),
    ("fleet.html", include_str!("templates/fleet.html")),
    ("group.html", include_str!("templates/group.html")),
    ("job.html", include_str!("templates/job.html")),
    ("history.html", include_str!("templates/history.html")),
    ("run.html", include_str!("templates/run.html")),
    ("requests.html", include_str!("templates/requests.html")),
    ("watch.html", include_str!("templates/watch.html")),
];

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Printing a name no page passes is a mistake; `if` on one is not.
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|err| panic!("template {name}: {err}"));
    }
    env.add_filter("segment", |text: &str| segment(text));
    env.add_filter("short", |text: &str| {
        crate::release::short(text).to_string()
    });
    env.add_filter("when", |text: &str| when(text));
    env.add_filter("seconds", |secs: f64| {
        crate::rollout::duration_text(Duration::from_secs_f64(secs.max(0.0)))
    });
    env
});

/// `name` rendered with `context`.
pub fn render(name: &str, context: Value) -> Result<String, minijinja::Error> {
    ENVIRONMENT.get_template(name)?.render(context)
}

pub type PageResult = Result<Html<String>, PageError>;

/// A signed-in page: the header names `caller` and their role; `nav` marks where they
/// are in the navigation, `page` tells the script which page it runs on.
pub fn page(caller: &Caller, nav: &str, page: &str, template: &str, data: Value) -> PageResult {
    let context = context! {
        me => Serde(Me::of(caller)),
        nav,
        page,
        assets => Serde(assets::paths()),
        ..data
    };
    render(template, context)
        .map(Html)
        .map_err(|err| PageError(ApiError::internal(format!("the page {template}: {err:#}"))))
}

/// An API error, as a page: no valid cookie goes to the login form, anything else is
/// a page saying what went wrong with the error's status.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> Self {
        PageError(err)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if self.0.status == StatusCode::UNAUTHORIZED {
            // A revoked or unknown token is dropped on the way.
            return (
                StatusCode::SEE_OTHER,
                [
                    (LOCATION, "/login".to_string()),
                    (SET_COOKIE, session::clear_cookie()),
                ],
            )
                .into_response();
        }
        let context = context! {
            page => "error",
            assets => Serde(assets::paths()),
            status => self.0.status.as_u16(),
            message => self.0.message,
        };
        match render("error.html", context) {
            Ok(html) => (self.0.status, Html(html)).into_response(),
            Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
        }
    }
}

/// `text` as one URL path segment: every byte but letters, digits and `-_.~`
/// percent-encoded.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `2026-11-22T10:00:00Z` as `2026-11-22 10:00:00 UTC`; anything else as it is.
pub fn when(text: &str) -> String {
    match text.strip_suffix('Z') {
        Some(utc) if utc.is_ascii() && utc.len() == 19 && utc.as_bytes()[10] == b'T' => {
            format!("{} {} UTC", &utc[..10], &utc[11..])
        }
        _ => text.to_string(),
    }
}
