//! The web dashboard in a real headless Chromium (WebDriver): logging in, the fleet
//! table, the group page's forms for each role, a job's progress, deploy requests, a
//! phone's screen, and no console error or request that leaves the machine. All but the
//! last test serve hosts on closed loopback ports, which the pages show as unknown; the
//! last deploys to the local engines on 127.0.0.2-3.

#[path = "dashboard/browser.rs"]
mod browser;
mod common;

use std::time::Duration;

use serde_json::json;

use browser::{run, Browser, Screen};
use common::engines::{ensure_engines, unique_group, Cleanup, RUN_SH};
use common::inventory::Fleet;
use common::server::{loopback_certificates, Served};
use common::Test;

/// `web_a` and `web_b` (core) on 127.0.0.8:1, `api_a` on 127.0.0.9:1: ports nothing
/// listens on, so every engine refuses at once.
fn unreachable_fleet() -> Test {
    Test::new().groups(
        &Fleet::new()
            .image("web", "jdeploy-demo:latest")
            .image("api", "jdeploy-demo:latest")
            .unit("127.0.0.8:1", &["web_a", "web_b"], "web")
            .core()
            .unit("127.0.0.9:1", &["api_a"], "api")
            .to_yaml(),
    )
}

/// The dashboard's root: the server's base without `/api/v1`.
fn root(served: &Served) -> String {
    served.base.trim_end_matches("/api/v1").to_string()
}

async fn log_in(browser: &Browser, token: &str) {
    browser.goto("/login").await;
    browser.fill("#token", token).await;
    browser.click("#login-form button[type=submit]").await;
    browser.wait_for_path("/").await;
}

/// Waits until the fleet table shows `count` rows; their states.
async fn fleet_states(browser: &Browser, count: usize) -> Vec<String> {
    browser
        .wait_for_texts(
            "#fleet tbody td[data-label=State]",
            &format!("{count} rows"),
            |states| states.len() == count,
        )
        .await
}

#[test]
fn a_wrong_token_shows_the_login_form_again_with_an_error() {
    let served = Served::start(unreachable_fleet());
    run(
        "a_wrong_token_shows_the_login_form_again_with_an_error",
        &root(&served),
        Screen::Desktop,
        |browser| async move {
            // A page without a login leads to the form.
            browser.goto("/").await;
            browser.wait_for_path("/login").await;
            browser.fill("#token", "jdp_not_a_token").await;
            browser.click("#login-form button[type=submit]").await;
            let error = browser.text("#login-error").await;
            assert!(error.contains("unknown or revoked"), "{error}");
            assert_eq!(browser.path().await, "/login");
            assert!(browser.has("#token").await);
            assert!(!browser.has("#me-user").await, "nobody is logged in");
            // The form again: no page of the fleet.
            browser.goto("/history").await;
            browser.wait_for_path("/login").await;
        },
    );
}

#[test]
fn a_viewer_sees_every_container_of_their_groups_as_unknown_and_who_they_are() {
    let served = Served::start(unreachable_fleet());
    let token = served.token("vera", "viewer", &["web", "api"]);
    run(
        "a_viewer_sees_every_container_of_their_groups_as_unknown_and_who_they_are",
        &root(&served),
        Screen::Desktop,
        |browser| async move {
            log_in(&browser, &token).await;
            let states = fleet_states(&browser, 3).await;
            assert!(states.iter().all(|state| state == "unknown"), "{states:?}");
            let mut containers = browser.texts("#fleet tbody td[data-label=Container]").await;
            containers.sort();
            assert_eq!(containers, ["api_a", "web_a (core)", "web_b (core)"]);
            let hosts = browser.texts("#fleet tbody td[data-label=Host]").await;
            assert!(hosts.contains(&"127.0.0.9:1".to_string()), "{hosts:?}");
            let notes = browser.texts("#fleet tbody td[data-label=Note]").await;
            assert!(
                notes.iter().all(|note| note.contains("127.0.0.")),
                "each row says why its host could not be asked: {notes:?}"
            );
            assert_eq!(browser.text("#me-user").await, "vera");
            assert_eq!(browser.text("#me-role").await, "viewer");
            browser.screenshot(Some("fleet")).await;
        },
    );
}

#[test]
fn a_viewer_gets_a_request_form_instead_of_a_deploy_form_and_files_a_request() {
    let served = Served::start(unreachable_fleet());
    let token = served.token("vera", "viewer", &["web"]);
    run(
        "a_viewer_gets_a_request_form_instead_of_a_deploy_form_and_files_a_request",
        &root(&served),
        Screen::Desktop,
        |browser| async move {
            log_in(&browser, &token).await;
            browser.goto("/groups/web").await;
            browser.find("#request-form").await;
            assert!(
                !browser.has("#deploy-form").await,
                "a viewer may not deploy"
            );
            assert!(!browser.has("#plan").await, "a viewer may not plan");
            fleet_states(&browser, 2).await;
            browser.fill("#reason", "hotfix <b>now</b>").await;
            browser
                .fill("#request-form input[name=mode]", "dev_new")
                .await;
            browser.click("#request-button").await;
            browser.wait_for_path("/requests").await;
            let states = browser
                .wait_for_texts("#requests tbody td[data-label=State]", "one", |states| {
                    states.len() == 1
                })
                .await;
            assert_eq!(states, ["pending"]);
            // What the request said comes back as text, not markup.
            assert_eq!(
                browser.text("#requests td[data-label=Reason]").await,
                "hotfix <b>now</b>"
            );
            let deploy = browser.text("#requests td[data-label=Deploy]").await;
            assert!(deploy.contains("--mode dev_new"), "{deploy}");
            assert!(
                !browser.has("[data-approve-url]").await,
                "a viewer decides nothing"
            );
        },
    );
}

#[test]
fn a_deployer_rejects_one_request_and_approves_another_whose_job_streams_to_its_end() {
    let served = Served::start(unreachable_fleet());
    let viewer = served.token("vera", "viewer", &["web"]);
    let deployer = served.token("dan", "deployer", &["web"]);
    for reason in ["first", "second"] {
        let (status, filed) = served.post(
            &viewer,
            "/groups/web/requests",
            json!({"reason": reason, "deploy": {"mode": "dev_new"}}),
        );
        assert_eq!(status, 201, "{filed}");
    }
    run(
        "a_deployer_rejects_one_request_and_approves_another_whose_job_streams_to_its_end",
        &root(&served),
        Screen::Desktop,
        |browser| async move {
            log_in(&browser, &deployer).await;
            browser.goto("/requests").await;
            browser
                .fill(
                    "tr[data-request='2'] form.reject input[name=reason]",
                    "not today",
                )
                .await;
            browser
                .click("tr[data-request='2'] form.reject button")
                .await;
            browser
                .wait_for_texts(
                    "tr[data-request='2'] td[data-label=State]",
                    "rejected",
                    |states| states == ["rejected"],
                )
                .await;
            let decision = browser
                .text("tr[data-request='2'] td[data-label=Decision]")
                .await;
            assert!(decision.contains("not today"), "{decision}");
            browser.screenshot(Some("requests")).await;

            // Approving starts the deploy, which the unreachable engine refuses.
            browser
                .click("tr[data-request='1'] [data-approve-url]")
                .await;
            browser.wait_for_path("/jobs/1").await;
            browser
                .wait_for_texts("#job-state", "the job's end", |state| state == ["refused"])
                .await;
            let steps = browser.texts("#steps li").await;
            assert!(
                steps
                    .iter()
                    .any(|step| step.contains("cannot lock group web")),
                "{steps:?}"
            );
            let error = browser.text("#job-error").await;
            assert!(error.contains("127.0.0.8:1"), "{error}");
            let by = browser.texts(".facts dd").await;
            assert!(
                by.iter().any(|fact| fact == "vera (approved by dan)"),
                "{by:?}"
            );
        },
    );
}

#[test]
fn a_deployer_sees_the_plan_and_deploys_from_the_group_page_to_the_job_page() {
    let served = Served::start(unreachable_fleet());
    let token = served.token("dan", "deployer", &["web"]);
    run(
        "a_deployer_sees_the_plan_and_deploys_from_the_group_page_to_the_job_page",
        &root(&served),
        Screen::Desktop,
        |browser| async move {
            log_in(&browser, &token).await;
            browser.goto("/groups/web").await;
            browser.find("#deploy-form").await;
            assert!(!browser.has("#request-form").await);
            let summary = browser.text("#plan .summary").await;
            assert_eq!(summary, "plan web: 2 cannot deploy");
            let actions = browser.texts("#plan td[data-label=Action]").await;
            assert_eq!(actions, ["cannot deploy", "cannot deploy"]);
            browser.screenshot(Some("group")).await;

            // "Show plan" keeps the form's values; a bad one is said beside the plan.
            browser
                .fill("#deploy-form input[name=canary]", "many")
                .await;
            browser.click("#deploy-form button[data-action=plan]").await;
            let error = browser.text("#plan-error").await;
            assert!(error.starts_with("canary:"), "{error}");
            assert!(browser.path().await.contains("canary=many"));
            let kept = browser
                .find("#deploy-form input[name=canary]")
                .await
                .prop("value")
                .await
                .unwrap();
            assert_eq!(kept.as_deref(), Some("many"));

            // The API's answer to a bad deploy shows in the form.
            browser.click("#deploy-button").await;
            let error = browser.text("#deploy-error").await;
            assert!(error.starts_with("canary:"), "{error}");

            browser.fill("#deploy-form input[name=canary]", "").await;
            browser
                .fill("#deploy-form input[name=mode]", "dev_new")
                .await;
            browser.click("#deploy-form input[name=monitor]").await;
            browser.click("#deploy-button").await;
            browser.wait_for_path("/jobs/1").await;
            browser
                .wait_for_texts("#job-state", "the job's end", |state| state == ["refused"])
                .await;
            browser.screenshot(Some("job")).await;
            let command = browser.texts(".facts dd.mono").await;
            assert_eq!(
                command,
                ["jdeploy deploy --group web --monitor --mode dev_new"]
            );
            // The group page lists the job.
            browser.goto("/groups/web").await;
            let jobs = browser.texts("#jobs td[data-label=State]").await;
            assert_eq!(jobs, ["refused"]);
        },
    );
}

#[test]
fn on_a_phone_the_fleet_and_its_header_fit_the_screen() {
    let served = Served::start(unreachable_fleet());
    let token = served.token("vera-with-a-rather-long-name", "viewer", &["web", "api"]);
    run(
        "on_a_phone_the_fleet_and_its_header_fit_the_screen",
        &root(&served),
        Screen::Phone,
        |browser| async move {
            log_in(&browser, &token).await;
            fleet_states(&browser, 3).await;
            let sizes = browser
                .execute(
                    "const header = document.querySelector('header.top');
                     return [window.innerWidth, document.documentElement.scrollWidth,
                             header.scrollWidth, header.clientWidth,
                             header.getBoundingClientRect().right];",
                )
                .await;
            let sizes: Vec<f64> = sizes
                .as_array()
                .expect("numbers")
                .iter()
                .map(|size| size.as_f64().unwrap())
                .collect();
            browser.screenshot(Some("phone")).await;
            assert_eq!(sizes[0], 390.0, "the phone's viewport: {sizes:?}");
            assert!(
                sizes[1] <= sizes[0],
                "the page is wider than the screen: {sizes:?}"
            );
            assert!(sizes[2] <= sizes[3], "the header overflows: {sizes:?}");
            assert!(sizes[4] <= sizes[0], "the header overflows: {sizes:?}");
            // Rows are stacked: each cell names its column.
            let display = browser
                .execute("return getComputedStyle(document.querySelector('#fleet thead')).display")
                .await;
            assert_eq!(display, "none");
            browser.goto("/groups/web").await;
            browser.find("#request-form").await;
            let wide = browser
                .execute("return document.documentElement.scrollWidth > window.innerWidth")
                .await;
            assert_eq!(wide, false, "the group page is wider than the screen");
        },
    );
}

#[test]
fn every_page_loads_without_console_errors_or_requests_off_this_machine() {
    let served = Served::start(unreachable_fleet());
    let admin = served.token("ada", "admin", &[]);
    let (status, job) = served.post(&admin, "/groups/web/deploy", json!({}));
    assert_eq!(status, 202, "{job}");
    served.wait_job(&admin, job["id"].as_i64().unwrap());
    let (status, filed) = served.post(
        &admin,
        "/groups/api/requests",
        json!({"reason": "for the list"}),
    );
    assert_eq!(status, 201, "{filed}");
    run(
        "every_page_loads_without_console_errors_or_requests_off_this_machine",
        &root(&served),
        Screen::Desktop,
        |browser| async move {
            browser.goto("/login").await;
            browser.find("#login-form").await;
            check_clean(&browser, "/login").await;
            log_in(&browser, &admin).await;
            // Each page, and what shows it has done its work.
            let pages = [
                ("/", "#fleet tbody tr"),
                ("/groups/web", "#fleet tbody tr"),
                ("/groups/api", "#plan"),
                ("/jobs/1", "#steps li"),
                ("/history", "main h1"),
                ("/requests", "#requests"),
                ("/watch", "main h1"),
            ];
            for (path, ready) in pages {
                browser.goto(path).await;
                browser.find(ready).await;
                // Give the page's script a moment to do what it does at load.
                tokio::time::sleep(Duration::from_millis(500)).await;
                check_clean(&browser, path).await;
                assert_eq!(browser.text("#me-role").await, "admin", "{path}");
            }
        },
    );
}

/// No console error and no request but to this server since the last check.
async fn check_clean(browser: &Browser, path: &str) {
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "{path}: console errors: {errors:#?}");
    let requests = browser.requests().await;
    assert!(!requests.is_empty(), "{path}: no request seen");
    let outside: Vec<&String> = requests
        .iter()
        .filter(|url| !url.starts_with(&browser.root))
        .collect();
    assert!(
        outside.is_empty(),
        "{path}: requests off this server: {outside:#?}"
    );
}

#[test]
fn pages_carry_a_strict_content_security_policy_and_assets_a_long_cache() {
    let served = Served::start(unreachable_fleet());
    let root = root(&served);
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client.get(format!("{root}/login")).send().unwrap();
    assert_eq!(login.status().as_u16(), 200);
    let policy = login.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let page = login.text().unwrap();
    assert!(!page.contains("<script>"), "no inline script");
    let script = page
        .split("<script src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the script's path")
        .replace("&#x2f;", "/");
    let asset = client.get(format!("{root}{script}")).send().unwrap();
    assert_eq!(asset.status().as_u16(), 200);
    let cache = asset.headers()["cache-control"].to_str().unwrap();
    assert!(cache.contains("max-age=31536000"), "{cache}");

    // Without the cookie, a page sends to the login form; with a bad one, too.
    let fleet = client
        .get(format!("{root}/"))
        .header("cookie", "jdeploy_token=jdp_nothing")
        .send()
        .unwrap();
    assert_eq!(fleet.status().as_u16(), 303);
    assert_eq!(fleet.headers()["location"], "/login");
    // A login form sent from another site signs nobody in.
    let token = served.token("vera", "viewer", &["web"]);
    let forged = client
        .post(format!("{root}/login"))
        .header("origin", "http://elsewhere.example")
        .form(&[("token", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    assert!(forged.headers().get("set-cookie").is_none());
    let signed = client
        .post(format!("{root}/login"))
        .form(&[("token", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(signed.status().as_u16(), 303);
    let cookie = signed.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
}

#[test]
fn over_https_the_login_cookie_is_sent_over_https_only() {
    let certs = loopback_certificates();
    let pem = |name: &str| std::fs::read_to_string(certs.path().join(name)).unwrap();
    let test = unreachable_fleet()
        .file("cert.pem", &pem("server-cert.pem"))
        .file("key.pem", &pem("server-key.pem"));
    let served = Served::start_with(test, &["--tls-cert", "cert.pem", "--tls-key", "key.pem"]);
    let token = served.token("vera", "viewer", &["web"]);
    let client = reqwest::blocking::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pem("ca.pem").as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed = client
        .post(format!("{}/login", root(&served)))
        .form(&[("token", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(signed.status().as_u16(), 303);
    let cookie = signed.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

// --- On the local engines (127.0.0.2-3) ------------------------------------------

/// `<group>_a` (core) on 127.0.0.2, `<group>_b` on 127.0.0.3, as tests/serve.rs has them.
fn engine_fleet(group: &str) -> Test {
    Test::new().file("run.sh.j2", RUN_SH).groups(
        &Fleet::new()
            .image(group, "jdeploy-demo:latest")
            .defaults("stop_timeout: 1\nrollout:\n  min_healthy: 0s")
            .unit("127.0.0.2", &[&format!("{group}_a")], group)
            .core()
            .unit("127.0.0.3", &[&format!("{group}_b")], group)
            .to_yaml(),
    )
}

#[test]
fn on_real_engines_log_in_see_the_status_start_a_deploy_watch_it_reach_deployed_and_see_it_in_history(
) {
    ensure_engines(&[2, 3]);
    let group = unique_group("dashboard");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    let served = Served::start(engine_fleet(&group));
    engine_fleet(&group)
        .args([
            "--state",
            &served.dir.path().join("history.db").display().to_string(),
        ])
        .args(["create", "--group", &group])
        .run();
    let token = served.token("dana", "deployer", &[&group]);
    run(
        "on_real_engines_log_in_see_the_status_start_a_deploy_watch_it_reach_deployed_and_see_it_in_history",
        &root(&served),
        Screen::Desktop,
        |browser| async move {
            log_in(&browser, &token).await;
            let states = fleet_states(&browser, 2).await;
            assert_eq!(states, ["running", "running"]);

            browser.goto(&format!("/groups/{group}")).await;
            let actions = browser.texts("#plan td[data-label=Action]").await;
            assert_eq!(actions, ["first release", "first release"]);
            browser.fill("#deploy-form input[name=mode]", "dev_new").await;
            browser.click("#deploy-form input[name=monitor]").await;
            browser.click("#deploy-button").await;
            browser.find("#steps").await;
            assert!(browser.path().await.starts_with("/jobs/"));
            browser
                .wait_for_texts_within(
                    "#job-state",
                    "succeeded",
                    Duration::from_secs(120),
                    |state| state.iter().all(|state| state != "running"),
                )
                .await;
            assert_eq!(browser.text("#job-state").await, "succeeded");
            let steps = browser.texts("#steps li").await;
            for unit in [
                format!("{group} {group}_a@127.0.0.2 core deployed"),
                format!("{group} {group}_b@127.0.0.3 unit deployed"),
            ] {
                assert!(
                    steps.iter().any(|step| step.contains(&unit)),
                    "{unit}: {steps:#?}"
                );
            }
            let outcomes = browser.texts("#outcomes td[data-label=Status]").await;
            assert_eq!(outcomes, ["deployed", "deployed"]);
            browser.screenshot(Some("job")).await;

            // The run, from the job's link: both containers deployed.
            browser.click("#job-run a").await;
            browser.find("#units").await;
            assert!(browser.path().await.starts_with("/history/"));
            let mut containers = browser.texts("#units td[data-label=Container]").await;
            containers.sort();
            assert_eq!(
                containers,
                [format!("{group}_a core"), format!("{group}_b")]
            );
            let statuses = browser.texts("#units td[data-label=Status]").await;
            assert_eq!(statuses, ["deployed", "deployed"]);

            // And first in the group's history.
            browser.goto(&format!("/history?group={group}")).await;
            let commands = browser.texts("#runs td[data-label=Command]").await;
            assert_eq!(commands, ["deploy", "create"]);
        },
    );
}
