//! `/requests`: deploy requests, pending first, each with the command it would run; who
//! may approve a group's requests gets the buttons (the script posts to the API).

use axum::extract::State;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::session::Signed;
use super::view::{page as render_page, PageResult};
use crate::access::Action;
use crate::history::{DeployRequest, RequestState};
use crate::server::api::bodies::DeployBody;
use crate::server::api::requests::listed;
use crate::server::auth::Caller;
use crate::server::state::Shared;

#[derive(Debug, Serialize)]
pub struct RequestRow {
    #[serde(flatten)]
    pub request: DeployRequest,
    pub pending: bool,
    /// The deploy it asks for, as a command line.
    pub command: String,
    pub may_decide: bool,
}

impl RequestRow {
    pub fn new(request: DeployRequest, caller: &Caller) -> Self {
        let pending = request.state == RequestState::Pending;
        let command = serde_json::from_value::<DeployBody>(request.flags.clone())
            .map(|body| body.command_line(&request.group))
            .unwrap_or_else(|_| request.flags.to_string());
        let may_decide = pending && caller.check(Action::Approve, &request.group).is_ok();
        Self {
            request,
            pending,
            command,
            may_decide,
        }
    }
}

pub async fn page(State(server): State<Shared>, Signed(caller): Signed) -> PageResult {
    let mut rows: Vec<RequestRow> = listed(&server, &caller, None)?
        .into_iter()
        .map(|request| RequestRow::new(request, &caller))
        .collect();
    // Pending first, each part newest first as listed.
    rows.sort_by_key(|row| !row.pending);
    render_page(
        &caller,
        "requests",
        "requests",
        "requests.html",
        context! { rows => Serde(&rows) },
    )
}
