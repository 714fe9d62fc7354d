//! The dashboard's pure parts: templates rendered with sample data (escaped, with no
//! inline script or style the Content-Security-Policy would block), the plan as the page
//! shows it, the plan form's query, the cookie and the login's origin check.

use axum::http::header::{HOST, ORIGIN};
use axum::http::HeaderMap;
use minijinja::context;
use minijinja::value::Serde;
use serde_json::json;

use super::group::{change_lines, deploy_body, ChangeLine, PlanView};
use super::session::{clear_cookie, same_origin, set_cookie};
use super::view::{page, render, segment, when};
use crate::access::{Grant, GroupScope, Role};
use crate::app::{PlanAction, PlanReport, PlanRow};
use crate::inventory::gates::RolloutPolicy;
use crate::plan::{FileChange, ReleaseChanges};
use crate::rollout::UnitKey;
use crate::server::api::bodies::DeployBody;
use crate::server::auth::Caller;

const HOSTILE: &str = "<script>alert(1)</script>";

fn caller(role: Role) -> Caller {
    Caller {
        user: "dan".into(),
        grant: Grant {
            user: "dan".into(),
            role,
            groups: GroupScope::All,
        },
    }
}

fn unit(container: &str) -> UnitKey {
    UnitKey {
        group: "web".into(),
        container: container.into(),
        host: "127.0.0.2".into(),
        core: false,
    }
}

fn sample_plan() -> PlanReport {
    PlanReport {
        group: "web".into(),
        rows: vec![
            PlanRow {
                unit: unit(HOSTILE),
                action: PlanAction::Change,
                from: Some("aaaaaaaaaaaaaaaaaaaa".into()),
                release: Some("bbbbbbbbbbbbbbbbbbbb".into()),
                changes: Some(ReleaseChanges {
                    files: vec![FileChange {
                        dest: "/etc/app.conf".into(),
                        diff: "@@ -1 +1 @@\n-port=1\n+port=<2>\n".into(),
                        mode: None,
                    }],
                    env_changed: vec!["TOKEN".into()],
                    copied_added: vec!["/workspace/new.sh".into()],
                    ..ReleaseChanges::default()
                }),
                error: None,
                error_kind: None,
            },
            PlanRow {
                unit: unit("web_b"),
                action: PlanAction::Error,
                from: None,
                release: None,
                changes: None,
                error: Some("cannot reach the engine".into()),
                error_kind: None,
            },
        ],
        batches: Vec::new(),
        strategy: RolloutPolicy::default(),
    }
}

/// A page's HTML, checked for what the Content-Security-Policy would block.
fn checked(html: String) -> String {
    for blocked in ["<script>", "style=", " onclick=", " onload=", "javascript:"] {
        assert!(!html.contains(blocked), "`{blocked}` in:\n{html}");
    }
    assert!(html.contains("name=\"viewport\""), "{html}");
    html
}

#[test]
fn the_group_page_escapes_what_containers_say_and_shows_the_changes_as_the_cli_does() {
    let plan = PlanView::new(&sample_plan());
    let data = context! {
        group => "web",
        status_url => "/api/v1/status?group=web",
        deploy_url => "/api/v1/groups/web/deploy",
        request_url => "/api/v1/groups/web/requests",
        may_plan => true, may_deploy => true, may_request => true,
        form => Serde(DeployBody {
            mode: Some("dev\"><b>".into()),
            monitor: true,
            ..DeployBody::default()
        }),
        on_failure_names => ["rollback", "halt", "continue"],
        plan => Serde(&plan),
        plan_error => Option::<String>::None,
        jobs => Serde(json!([{"id": 7, "kind": "deploy", "state": "failed", "user": HOSTILE,
            "created_at": "2026-11-22T10:00:00Z", "command": "jdeploy deploy --group web"}])),
    };
    let html = checked(
        page(
            &caller(Role::Deployer),
            "fleet",
            "group",
            "group.html",
            data,
        )
        .unwrap()
        .0,
    );
    assert!(!html.contains(HOSTILE), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{html}"
    );
    assert!(html.contains("value=\"dev&quot;&gt;&lt;b&gt;\""), "{html}");
    assert!(
        html.contains("<span class=\"line added\">+port=&lt;2&gt;</span>"),
        "{html}"
    );
    assert!(
        html.contains("<span class=\"line removed\">-port=1</span>"),
        "{html}"
    );
    assert!(html.contains("env changed: TOKEN"), "{html}");
    assert!(
        html.contains("copied files added: &#x2f;workspace&#x2f;new.sh"),
        "{html}"
    );
    assert!(html.contains("aaaaaaaaaaaa → bbbbbbbbbbbb"), "{html}");
    assert!(html.contains("cannot reach the engine"), "{html}");
    assert!(html.contains("id=\"deploy-form\""), "{html}");
    assert!(!html.contains("id=\"request-form\""), "{html}");
    assert!(html.contains("<span id=\"me-role\" class=\"badge\">deployer</span>"));
    assert!(
        html.contains("name=\"monitor\" value=\"true\" checked"),
        "{html}"
    );
}

#[test]
fn a_viewer_s_group_page_has_the_request_form_and_no_plan() {
    let data = context! {
        group => "web",
        status_url => "", deploy_url => "", request_url => "/api/v1/groups/web/requests",
        may_plan => false, may_deploy => false, may_request => true,
        form => Serde(DeployBody::default()),
        on_failure_names => ["rollback"],
        plan => Option::<String>::None,
        plan_error => Option::<String>::None,
        jobs => Vec::<String>::new(),
    };
    let html = checked(
        page(&caller(Role::Viewer), "fleet", "group", "group.html", data)
            .unwrap()
            .0,
    );
    assert!(html.contains("id=\"request-form\""), "{html}");
    assert!(!html.contains("id=\"deploy-form\""), "{html}");
    assert!(!html.contains("id=\"plan\""), "{html}");
    assert!(html.contains("A viewer sees no plan"), "{html}");
}

#[test]
fn every_other_page_renders_its_sample_escaped() {
    let run = json!({"id": 3, "started_at": "2026-11-22T10:00:00Z", "elapsed": 1.25, "by": HOSTILE,
        "command_line": "jdeploy deploy --group web", "command": "deploy", "group": "web",
        "ok": true, "interrupted": false, "rolled_back": false, "deploy": "d1",
        "units": [{"container": "web_a", "host": "127.0.0.2", "core": true, "status": "deployed",
            "release": "cccccccccccccccccc", "detail": HOSTILE, "elapsed": 0.5, "batch": "core"}]});
    let pages = [
        (
            "fleet.html",
            context! { groups => vec![HOSTILE], status_url => "/api/v1/status" },
        ),
        (
            "job.html",
            context! {
                job => Serde(json!({"id": 1, "kind": "deploy", "group": "web", "user": HOSTILE,
                    "command": "jdeploy deploy", "state": "running", "created_at": "2026-11-22T10:00:00Z",
                    "run_id": null})),
                events_url => "/api/v1/jobs/1/events",
            },
        ),
        (
            "history.html",
            context! { runs => Serde(json!([run.clone()])), group => "web" },
        ),
        ("run.html", context! { run => Serde(&run) }),
        (
            "requests.html",
            context! { rows => Serde(json!([
            {"id": 1, "group": "web", "reason": HOSTILE, "requested_by": "vera",
             "requested_at": "2026-11-22T10:00:00Z", "state": "pending", "pending": true,
             "command": "jdeploy deploy --group web", "may_decide": true},
            {"id": 2, "group": "web", "reason": "r", "requested_by": "vera",
             "requested_at": "2026-11-22T10:00:00Z", "state": "rejected", "pending": false,
             "command": "jdeploy deploy --group web", "may_decide": false, "decided_by": "dan",
             "decided_at": "2026-11-22T10:01:00Z", "decision_reason": HOSTILE}])) },
        ),
        (
            "watch.html",
            context! { events => Serde(json!([{"id": 1, "at": "2026-11-22T10:00:00Z",
            "kind": "watch", "group": "web", "container": HOSTILE, "host": "127.0.0.2",
            "condition": "exited", "detail": "exited (code 137)", "job_id": 4}])) },
        ),
    ];
    for (template, data) in pages {
        let html = checked(
            page(&caller(Role::Admin), "fleet", "x", template, data)
                .unwrap()
                .0,
        );
        assert!(!html.contains(HOSTILE), "{template}: {html}");
        assert!(html.contains("&lt;script&gt;"), "{template}: {html}");
    }
    let run_page = page(
        &caller(Role::Admin),
        "history",
        "run",
        "run.html",
        context! { run => Serde(&run) },
    )
    .unwrap()
    .0;
    assert!(
        run_page.contains(">cccccccccccc<"),
        "releases are shortened: {run_page}"
    );
    assert!(run_page.contains("2026-11-22 10:00:00 UTC"), "{run_page}");
    assert!(run_page.contains(">0.5s<"), "{run_page}");
}

#[test]
fn the_login_and_error_pages_render_without_a_user() {
    let assets = Serde(super::assets::paths());
    let login = checked(
        render(
            "login.html",
            context! { page => "login", assets => assets.clone(), error => HOSTILE },
        )
        .unwrap(),
    );
    assert!(login.contains("id=\"login-error\""), "{login}");
    assert!(
        !login.contains(HOSTILE) && !login.contains("me-user"),
        "{login}"
    );
    let error = checked(
        render(
            "error.html",
            context! { page => "error", assets, status => 404, message => "no run 9" },
        )
        .unwrap(),
    );
    assert!(
        error.contains("Error 404") && error.contains("no run 9"),
        "{error}"
    );
}

#[test]
fn change_lines_keep_the_cli_text_and_tell_diff_lines_apart() {
    let lines = change_lines(
        "  /etc/app.conf: mode 644 -> 600\n  @@ -1 +1 @@\n  -a\n  +b\n   same\n  env added: X\n",
    );
    let kinds: Vec<&str> = lines.iter().map(|line| line.kind).collect();
    assert_eq!(
        kinds,
        ["plain", "hunk", "removed", "added", "plain", "plain"]
    );
    assert_eq!(
        lines[0],
        ChangeLine {
            kind: "plain",
            text: "/etc/app.conf: mode 644 -> 600".into()
        }
    );
    assert_eq!(lines[4].text, " same");
}

#[test]
fn the_plan_form_s_blank_fields_are_the_group_s_own_settings() {
    let body = deploy_body(Some(
        "mode=dev_new&monitor=true&canary=&batch=+50%25+&on_failure=",
    ))
    .unwrap();
    assert_eq!(body.mode.as_deref(), Some("dev_new"));
    assert!(body.monitor && !body.force);
    assert_eq!(body.rollout.canary, None);
    assert_eq!(body.rollout.batch.as_deref(), Some("50%"));
    assert_eq!(body.rollout.on_failure, None);
    let none = deploy_body(None).unwrap();
    assert!(none.mode.is_none() && !none.monitor);
    assert!(deploy_body(Some("monitor=perhaps")).is_err());
    // Kept as given: the plan says what is wrong with it.
    assert_eq!(
        deploy_body(Some("canary=many"))
            .unwrap()
            .rollout
            .canary
            .as_deref(),
        Some("many")
    );
}

#[test]
fn urls_times_and_the_cookie() {
    assert_eq!(segment("web_2-a.b~"), "web_2-a.b~");
    assert_eq!(segment("a b/c?d"), "a%20b%2Fc%3Fd");
    assert_eq!(segment("é"), "%C3%A9");
    assert_eq!(when("2026-11-22T10:00:00Z"), "2026-11-22 10:00:00 UTC");
    assert_eq!(when("yesterday"), "yesterday");
    assert_eq!(when("éééééééééT12345678Z"), "éééééééééT12345678Z");
    assert_eq!(
        set_cookie("jdp_1", false),
        "jdeploy_token=jdp_1; HttpOnly; SameSite=Strict; Path=/"
    );
    assert!(set_cookie("jdp_1", true).ends_with("; Secure"));
    assert!(clear_cookie().contains("Max-Age=0"));
}

#[test]
fn only_this_server_s_own_pages_may_send_the_login_form() {
    let headers = |origin: Option<&str>| {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, "127.0.0.1:8080".parse().unwrap());
        if let Some(origin) = origin {
            headers.insert(ORIGIN, origin.parse().unwrap());
        }
        headers
    };
    assert!(same_origin(&headers(None)), "a client that is no browser");
    assert!(same_origin(&headers(Some("http://127.0.0.1:8080"))));
    assert!(same_origin(&headers(Some("https://127.0.0.1:8080"))));
    assert!(!same_origin(&headers(Some("http://127.0.0.1:9090"))));
    assert!(!same_origin(&headers(Some("https://evil.example"))));
    assert!(!same_origin(&headers(Some("null"))));
}

#[tokio::test]
async fn assets_are_named_by_their_content_and_cached_long() {
    let paths = super::assets::paths();
    assert!(paths.js.starts_with("/assets/dashboard.js?v="), "{paths:?}");
    let response = super::assets::serve(axum::extract::Path("dashboard.css".to_string())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    let missing = super::assets::serve(axum::extract::Path("secrets".to_string())).await;
    assert_eq!(missing.status(), 404);
}
