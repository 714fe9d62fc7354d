//! `/history` (optionally `?group=`): the newest runs; `/history/{id}`: one run with
//! every container's outcome.

use axum::extract::{Path, Query, State};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::session::Signed;
use super::view::{page as render_page, PageResult};
use crate::server::api::history::{run, runs};
use crate::server::state::Shared;

/// How many runs the list shows.
const SHOWN: usize = 50;

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    group: Option<String>,
}

pub async fn list(
    State(server): State<Shared>,
    Signed(caller): Signed,
    Query(query): Query<HistoryQuery>,
) -> PageResult {
    let group = query.group.filter(|group| !group.is_empty());
    let runs = runs(&server, &caller, group.clone(), SHOWN).await?;
    render_page(
        &caller,
        "history",
        "history",
        "history.html",
        context! { runs => Serde(&runs), group },
    )
}

pub async fn show(
    State(server): State<Shared>,
    Signed(caller): Signed,
    Path(id): Path<i64>,
) -> PageResult {
    let run = run(&server, &caller, id).await?;
    render_page(
        &caller,
        "history",
        "run",
        "run.html",
        context! { run => Serde(&run) },
    )
}
