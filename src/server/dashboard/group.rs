//! `/groups/{group}`: the group's containers (the fleet table, narrowed), its plan for
//! the mode and strategy in the query, the deploy form (or, for who may not deploy, a
//! request form), and its recent jobs.

use axum::extract::{Path, Query, RawQuery, State};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use super::session::Signed;
use super::view::{page as render_page, segment, PageResult};
use crate::access::Action;
use crate::app::{PlanAction, PlanReport, PlanRow};
use crate::inventory::gates::OnFailure;
use crate::release::short;
use crate::report::{batches_text, changes_text, plan_summary};
use crate::server::api::bodies::DeployBody;
use crate::server::api::jobs::recent;
use crate::server::api::runs::{known_group, plan_report};
use crate::server::error::ApiError;
use crate::server::state::Shared;

/// How many of the group's jobs the page lists.
const JOBS_SHOWN: usize = 10;

pub async fn page(
    State(server): State<Shared>,
    Signed(caller): Signed,
    Path(group): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    known_group(&server, &group).await?;
    caller.check(Action::Read, &group)?;
    let may_plan = caller.check(Action::Plan, &group).is_ok();
    let may_deploy = caller.check(Action::Deploy, &group).is_ok();
    let may_request = caller.check(Action::RequestDeploy, &group).is_ok();
    // Values the plan refuses show why beside it, and stay in the form.
    let (form, mut plan_error) = match deploy_body(query.as_deref()) {
        Ok(body) => (body, None),
        Err(err) => (DeployBody::default(), Some(err.message)),
    };
    let mut plan = None;
    if may_plan && plan_error.is_none() {
        match plan_report(&server, &caller, group.clone(), &form).await {
            Ok(report) => plan = Some(PlanView::new(&report)),
            Err(err) => plan_error = Some(err.message),
        }
    }
    let jobs = recent(&server, &caller, Some(&group), JOBS_SHOWN)?;
    let path = segment(&group);
    render_page(
        &caller,
        "fleet",
        "group",
        "group.html",
        context! {
            group,
            status_url => format!("/api/v1/status?group={path}"),
            deploy_url => format!("/api/v1/groups/{path}/deploy"),
            request_url => format!("/api/v1/groups/{path}/requests"),
            may_plan, may_deploy, may_request,
            form => Serde(&form),
            on_failure_names => OnFailure::NAMES,
            plan => Serde(&plan),
            plan_error,
            jobs => Serde(&jobs),
        },
    )
}

/// The deploy the page's query describes (the form's own fields, as a plan was asked
/// for): blank fields are the group's own settings, as when the API is not given them.
pub fn deploy_body(query: Option<&str>) -> Result<DeployBody, ApiError> {
    let given: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(key, value)| (key.into_owned(), value.trim().to_string()))
        .collect();
    let kept = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(given)
        .finish();
    let uri = format!("/?{kept}")
        .parse()
        .map_err(|_| ApiError::bad_request("the query is not a URL's"))?;
    let Query(body) = Query::<DeployBody>::try_from_uri(&uri)
        .map_err(|err| ApiError::bad_request(err.body_text()))?;
    Ok(body)
}

/// A plan as the page shows it: the summary line, each container's row with its
/// changes as the command line prints them, and the order of the rollout.
#[derive(Debug, Serialize)]
pub struct PlanView {
    pub summary: String,
    pub ok: bool,
    pub rows: Vec<PlanRowView>,
    pub rollout: String,
}

#[derive(Debug, Serialize)]
pub struct PlanRowView {
    pub container: String,
    pub host: String,
    pub core: bool,
    /// unchanged, change, first or error.
    pub action: PlanAction,
    pub from: Option<String>,
    pub to: Option<String>,
    pub error: Option<String>,
    pub changes: Vec<ChangeLine>,
}

/// One line of a row's changes, and how to show it: `added` and `removed` lines of a
/// diff, a `hunk` header, or `plain` text.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ChangeLine {
    pub kind: &'static str,
    pub text: String,
}

impl PlanView {
    pub fn new(report: &PlanReport) -> Self {
        Self {
            summary: plan_summary(&report.group, &report.rows),
            ok: report.ok(),
            rows: report.rows.iter().map(PlanRowView::new).collect(),
            rollout: batches_text(report),
        }
    }
}

impl PlanRowView {
    fn new(row: &PlanRow) -> Self {
        let changes = row
            .changes
            .as_ref()
            .map(|changes| change_lines(&changes_text(changes, false)))
            .unwrap_or_default();
        Self {
            container: row.unit.container.clone(),
            host: row.unit.host.clone(),
            core: row.unit.core,
            action: row.action,
            from: row
                .from
                .as_deref()
                .map(|release| short(release).to_string()),
            to: row
                .release
                .as_deref()
                .map(|release| short(release).to_string()),
            error: row.error.clone(),
            changes,
        }
    }
}

/// The command line's text of a row's changes, line by line, each with its kind.
pub fn change_lines(text: &str) -> Vec<ChangeLine> {
    text.lines()
        .map(|line| {
            let line = line.strip_prefix("  ").unwrap_or(line);
            let kind = match line.chars().next() {
                Some('+') => "added",
                Some('-') => "removed",
                Some('@') => "hunk",
                _ => "plain",
            };
            ChangeLine {
                kind,
                text: line.to_string(),
            }
        })
        .collect()
}
