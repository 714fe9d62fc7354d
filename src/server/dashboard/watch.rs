//! `/watch`: what the fleet watch saw change behind jdeploy's back, and the heals it
//! started.

use axum::extract::State;
use minijinja::context;
use minijinja::value::Serde;

use super::session::Signed;
use super::view::{page as render_page, PageResult};
use crate::server::api::watch::recent;
use crate::server::state::Shared;

/// How many events the page shows.
const SHOWN: usize = 200;

pub async fn page(State(server): State<Shared>, Signed(caller): Signed) -> PageResult {
    let events = recent(&server, &caller, None, SHOWN)?;
    render_page(
        &caller,
        "watch",
        "watch",
        "watch.html",
        context! { events => Serde(&events) },
    )
}
