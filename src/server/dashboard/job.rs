//! `/jobs/{id}`: a job's state and command; its steps stream in from
//! `GET /api/v1/jobs/{id}/events`, and its outcomes come with the stream's end.

use axum::extract::{Path, State};
use minijinja::context;
use minijinja::value::Serde;

use super::session::Signed;
use super::view::{page as render_page, PageResult};
use crate::server::api::jobs::find;
use crate::server::state::Shared;

pub async fn page(
    State(server): State<Shared>,
    Signed(caller): Signed,
    Path(id): Path<i64>,
) -> PageResult {
    let (job, _) = find(&server, &caller, id)?;
    render_page(
        &caller,
        "fleet",
        "job",
        "job.html",
        context! { job => Serde(&job), events_url => format!("/api/v1/jobs/{id}/events") },
    )
}
