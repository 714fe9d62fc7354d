//! `/`: the fleet as one table, filled and refreshed by the page's script from
//! `GET /api/v1/status`; the groups the caller sees, each linking to its page.

use axum::extract::State;
use minijinja::context;

use super::session::Signed;
use super::view::{page as render_page, PageResult};
use crate::server::api::groups::visible;
use crate::server::state::Shared;

pub async fn page(State(server): State<Shared>, Signed(caller): Signed) -> PageResult {
    let groups: Vec<String> = visible(&server, &caller)
        .await?
        .into_iter()
        .map(|group| group.name)
        .collect();
    render_page(
        &caller,
        "fleet",
        "fleet",
        "fleet.html",
        context! { groups, status_url => "/api/v1/status" },
    )
}
