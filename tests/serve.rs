//! `jdeploy serve` on real engines: the API answers what the command line would, runs
//! changes as jobs whose steps stream as they happen, and shares history and locks with
//! the command line.

mod common;

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::engines::{docker, ensure_engines, unique_group, Cleanup, RUN_SH};
use common::inventory::Fleet;
use common::server::{loopback_certificates, Served};
use common::Test;

/// `<group>_a` (core) on 127.0.0.2, `<group>_b` on 127.0.0.3.
fn groups_yaml(group: &str, gate: &str) -> String {
    Fleet::new()
        .image(group, "jdeploy-demo:latest")
        .defaults(&format!("stop_timeout: 1\nrollout:\n  min_healthy: {gate}"))
        .unit("127.0.0.2", &[&format!("{group}_a")], group)
        .core()
        .unit("127.0.0.3", &[&format!("{group}_b")], group)
        .to_yaml()
}

fn machine(group: &str, gate: &str) -> Test {
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&groups_yaml(group, gate))
}

/// The group created from the command line, in `served`'s directory.
fn create(served: &Served, group: &str, gate: &str) {
    machine(group, gate)
        .args([
            "--state",
            &served.dir.path().join("history.db").display().to_string(),
        ])
        .args(["create", "--group", group])
        .run();
}

fn rows_of<'a>(report: &'a Value, group: &str) -> Vec<&'a Value> {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|row| row["group"] == group)
        .collect()
}

#[test]
fn a_deploy_asked_of_the_server_runs_as_a_job_streams_its_steps_and_is_in_history() {
    ensure_engines(&[2, 3]);
    let group = unique_group("served");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    let mut served = Served::start(machine(&group, "0s"));
    create(&served, &group, "0s");
    let token = served.token("alice", "deployer", &[&group]);
    let token = token.as_str();

    let (status, report) = served.get(token, &format!("/status?group={group}"));
    assert_eq!(status, 200, "{report}");
    let rows = rows_of(&report, &group);
    assert_eq!(rows.len(), 2, "{report}");
    assert!(rows.iter().all(|row| row["state"] == "running"), "{report}");

    let (status, plan) = served.get(token, &format!("/groups/{group}/plan?mode=dev_new"));
    assert_eq!(status, 200, "{plan}");
    assert!(
        plan["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["action"] == "first"),
        "{plan}"
    );

    let (status, job) = served.post(
        token,
        &format!("/groups/{group}/deploy"),
        json!({"mode": "dev_new", "monitor": true}),
    );
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["state"], "running", "{job}");
    let id = job["id"].as_i64().expect("a job id");

    // The stream follows the job to its end, then says how it ended.
    let events = served.events(token, &format!("/jobs/{id}/events"));
    let (last_kind, last) = events.last().expect("events");
    assert_eq!(last_kind, "end", "{events:?}");
    let ended: Value = serde_json::from_str(last).unwrap();
    assert_eq!(ended["state"], "succeeded", "{ended}");
    let steps: Vec<&str> = events
        .iter()
        .filter(|(kind, _)| kind == "step")
        .map(|(_, line)| line.as_str())
        .collect();
    let core = format!("deploy {group} {group}_a@127.0.0.2 core deployed");
    assert!(steps.iter().any(|line| line.contains(&core)), "{steps:#?}");
    assert!(
        steps
            .iter()
            .any(|line| line.contains(&format!("{group}_b@127.0.0.3 unit restarting"))),
        "{steps:#?}"
    );

    let job = served.wait_job(token, id);
    assert_eq!(job["state"], "succeeded", "{job}");
    let run_id = job["run_id"].as_i64().expect("the run is recorded");
    assert_eq!(
        job["report"]["outcomes"].as_array().unwrap().len(),
        2,
        "{job}"
    );

    // The container runs what the server rendered.
    let run_sh = docker(3, &["exec", &format!("{group}_b"), "cat", "/run.sh"]);
    assert!(
        run_sh.contains("RUNTIME_MODE=dev_new") || run_sh.contains("RUNTIME_MODE='dev_new'"),
        "{run_sh}"
    );

    // One history for both: the server's deploy, by its user, in the command line's.
    let (status, run) = served.get(token, &format!("/history/{run_id}"));
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["command"], "deploy", "{run}");
    let listed = machine(&group, "0s")
        .args([
            "--state",
            &served.dir.path().join("history.db").display().to_string(),
        ])
        .args(["history", "--group", &group, "--json"])
        .run();
    assert!(
        listed
            .stdout
            .contains(&format!("deploy --group {group} --monitor --mode dev_new")),
        "{}",
        listed.stdout
    );
    let (status, runs) = served.get(token, &format!("/history?group={group}"));
    assert_eq!(status, 200);
    let commands: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands, ["deploy", "create"], "{runs}");

    let (code, stderr) = served.stop();
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn the_server_and_the_command_line_share_each_group_lock() {
    ensure_engines(&[2, 3]);
    let group = unique_group("servedlock");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    let mut served = Served::start(machine(&group, "3s"));
    create(&served, &group, "3s");
    let token = served.token("alice", "deployer", &[&group]);
    let token = token.as_str();

    // The command line deploys; the server's deploy is refused, naming the holder.
    let cli = machine(&group, "3s")
        .args(["deploy", "--group", &group, "--yes"])
        .spawn();
    wait_for_lock(&group);
    let (status, job) = served.post(
        token,
        &format!("/groups/{group}/deploy"),
        json!({"force": true}),
    );
    assert_eq!(status, 202, "{job}");
    let job = served.wait_job(token, job["id"].as_i64().unwrap());
    assert_eq!(job["state"], "refused", "{job}");
    let error = job["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(&format!("group {group} is locked by ")),
        "{job}"
    );
    cli.wait(0);

    // The server deploys; the command line is refused, naming the server's job.
    let (status, job) = served.post(
        token,
        &format!("/groups/{group}/deploy"),
        json!({"force": true}),
    );
    assert_eq!(status, 202, "{job}");
    wait_for_lock(&group);
    let refused = machine(&group, "3s")
        .args(["deploy", "--group", &group, "--yes", "--force"])
        .status(1)
        .run();
    assert!(
        refused
            .stderr
            .contains(&format!("deploy --group {group} --force")),
        "{}",
        refused.stderr
    );
    let job = served.wait_job(token, job["id"].as_i64().unwrap());
    assert_eq!(job["state"], "succeeded", "{job}");
    let _ = served.stop();
}

fn wait_for_lock(group: &str) {
    let filter = format!("name=jdeploy-lock.{group}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while docker(2, &["ps", "-aq", "--filter", &filter])
        .trim()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "group {group} was never locked");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A window on a day three days from today (UTC): closed now, whatever the time.
fn closed_window() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    // 1970-01-01 was a Thursday: index 3 with Monday first.
    let today = (days + 3) % 7;
    let day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][((today + 3) % 7) as usize];
    format!("{day} 10:00-16:00 Asia/Shanghai")
}

#[test]
fn tokens_roles_windows_and_requests_decide_who_deploys() {
    ensure_engines(&[2, 3]);
    let group = unique_group("servedroles");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    let other = format!("{group}_other");
    let yaml = Fleet::new()
        .image(&group, "jdeploy-demo:latest")
        .defaults("stop_timeout: 1\nrollout:\n  min_healthy: 0s")
        .group_setting(&group, &format!("windows: [\"{}\"]", closed_window()))
        .unit("127.0.0.2", &[&format!("{group}_a")], &*group)
        .core()
        .unit("127.0.0.3", &[&format!("{group}_b")], &*group)
        .image(&other, "jdeploy-demo:latest")
        .unit("127.0.0.8:1", &[&format!("{group}_x")], &*other)
        .to_yaml();
    let mut served = Served::start(Test::new().file("run.sh.j2", RUN_SH).groups(&yaml));
    let viewer = served.token("carol", "viewer", &[&group]);
    let deployer = served.token("alice", "deployer", &[&group]);
    let outsider = served.token("mallory", "deployer", &[&other]);
    let admin = served.token("root", "admin", &[]);
    let deploy = format!("/groups/{group}/deploy");

    assert_eq!(served.get_anonymous("/status").0, 401);
    let (status, answer) = served.get("jdp_0000", "/status");
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["error"], "the token is unknown or revoked");

    let (status, answer) = served.post(&viewer, &deploy, json!({}));
    assert_eq!(status, 403);
    assert_eq!(
        answer["error"],
        format!("carol is a viewer of {group}; deploy needs deployer or admin on {group}")
    );
    let (status, answer) = served.post(&outsider, &deploy, json!({}));
    assert_eq!(status, 403);
    assert_eq!(answer["error"], format!("mallory has no role on {group}"));
    let (status, answer) = served.get(&outsider, &format!("/status?group={group}"));
    assert_eq!(status, 403, "{answer}");

    // Outside the window: the deployer is told when it opens; the admin deploys.
    let (status, answer) = served.post(&deployer, &deploy, json!({}));
    assert_eq!(status, 403, "{answer}");
    let error = answer["error"].as_str().unwrap();
    assert!(
        error.contains("outside its deploy windows") && error.contains("the next opens"),
        "{error}"
    );
    let (status, job) = served.post(&admin, &format!("/groups/{group}/restart"), json!({}));
    assert_eq!(status, 202, "{job}");
    // Nothing exists yet: the restart fails on both containers, and says so.
    let job = served.wait_job(&admin, job["id"].as_i64().unwrap());
    assert_eq!(job["state"], "failed", "{job}");
    machine_create(&served, &yaml, &group);
    let (status, job) = served.post(&admin, &deploy, json!({"mode": "dev_new"}));
    assert_eq!(status, 202, "{job}");
    assert_eq!(
        served.wait_job(&admin, job["id"].as_i64().unwrap())["state"],
        "succeeded"
    );

    // A request: filed by the viewer, refused to the deployer outside the window,
    // approved by the admin, run as the viewer's deploy approved by the admin.
    let requests = format!("/groups/{group}/requests");
    let (status, filed) = served.post(
        &viewer,
        &requests,
        json!({"reason": "ship the fix", "deploy": {"mode": "prod", "force": true}}),
    );
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_i64().unwrap();
    let (status, answer) = served.post(&deployer, &format!("/requests/{id}/approve"), json!({}));
    assert_eq!(status, 403, "{answer}");
    let (status, approved) = served.post(&admin, &format!("/requests/{id}/approve"), json!({}));
    assert_eq!(status, 202, "{approved}");
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["decided_by"], "root");
    let job_id: i64 = approved["job_id"].as_str().unwrap().parse().unwrap();
    let job = served.wait_job(&admin, job_id);
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["user"], "carol");
    assert_eq!(job["approved_by"], "root");
    let (_, run) = served.get(&viewer, &format!("/history/{}", job["run_id"]));
    assert_eq!(run["by"], "carol (approved by root)", "{run}");
    let (status, again) = served.post(&admin, &format!("/requests/{id}/approve"), json!({}));
    assert_eq!(status, 409, "{again}");

    // Rejected with a reason, by a deployer: rejecting is no deploy.
    let (_, filed) = served.post(&viewer, &requests, json!({"reason": "try it"}));
    let id = filed["id"].as_i64().unwrap();
    let (status, rejected) = served.post(
        &deployer,
        &format!("/requests/{id}/reject"),
        json!({"reason": "not this week"}),
    );
    assert_eq!(status, 200, "{rejected}");
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["decision_reason"], "not this week");
    let (_, listed) = served.get(&viewer, "/requests");
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");

    // Everything that changed or was refused is in the audit log; no token is.
    let (status, audit) = served.get(&admin, "/audit?limit=1000");
    assert_eq!(status, 200);
    let text = audit.to_string();
    assert!(text.contains("\"denied\""), "{text}");
    assert!(text.contains("reject request"), "{text}");
    for token in [&viewer, &deployer, &outsider, &admin] {
        assert!(!text.contains(token.as_str()));
    }
    let (status, _) = served.get(&deployer, "/audit");
    assert_eq!(status, 403);
    let (code, stderr) = served.stop();
    assert_eq!(code, Some(0), "{stderr}");
    for token in [&viewer, &deployer, &outsider, &admin] {
        assert!(!stderr.contains(token.as_str()));
    }
}

fn machine_create(served: &Served, yaml: &str, group: &str) {
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(yaml)
        .args([
            "--state",
            &served.dir.path().join("history.db").display().to_string(),
        ])
        .args(["create", "--group", group])
        .run();
}

#[test]
fn sigterm_lets_the_running_job_end_its_batch_and_takes_no_new_one() {
    ensure_engines(&[2, 3]);
    let group = unique_group("servedstop");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    let mut served = Served::start(machine(&group, "4s"));
    create(&served, &group, "4s");
    let token = served.token("alice", "deployer", &[&group]);
    let (status, job) = served.post(
        &token,
        &format!("/groups/{group}/deploy"),
        json!({"force": true}),
    );
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_i64().unwrap();
    // The core container is in its gate: the other waits for the next batch.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, job) = served.get(&token, &format!("/jobs/{id}"));
        let restarting = job["events"].as_array().unwrap().iter().any(|event| {
            event["line"]
                .as_str()
                .unwrap_or("")
                .contains(&format!("{group}_a@127.0.0.2 core restarting"))
        });
        if restarting {
            break;
        }
        assert!(Instant::now() < deadline, "the core never restarted: {job}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = served.pid();
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    std::thread::sleep(Duration::from_millis(300));
    let (status, refused) = served.post(&token, &format!("/groups/{group}/deploy"), json!({}));
    assert_eq!(status, 503, "{refused}");
    let (code, stderr) = served.stop();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("serving"), "{stderr}");
    // The job ended before the server did: the core deployed, the rest never started.
    let history = machine(&group, "4s")
        .args([
            "--state",
            &served.dir.path().join("history.db").display().to_string(),
        ])
        .args(["history", "--group", &group, "--json"])
        .run();
    let runs: Value = serde_json::from_str(&history.stdout).unwrap();
    let run = &runs["runs"][0];
    assert_eq!(run["command"], "deploy", "{runs}");
    assert_eq!(run["interrupted"], true, "{runs}");
}

#[test]
fn the_openapi_document_is_generated_from_the_routes() {
    // No engine is asked: the hosts refuse connections.
    let yaml = Fleet::new()
        .image("product", "jdeploy-demo:latest")
        .unit("127.0.0.8:1", &["web_1"], "product")
        .core()
        .to_yaml();
    let mut served = Served::start(Test::new().file("run.sh.j2", RUN_SH).groups(&yaml));
    let (status, document) = served.get_anonymous("/openapi.json");
    assert_eq!(status, 200, "{document}");
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3."),
        "{document}"
    );
    let paths: Vec<&str> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for path in [
        "/groups",
        "/status",
        "/groups/{group}/plan",
        "/groups/{group}/deploy",
        "/groups/{group}/rollback",
        "/groups/{group}/restart",
        "/groups/{group}/logs",
        "/groups/{group}/requests",
        "/history",
        "/history/{id}",
        "/locks",
        "/jobs",
        "/jobs/{id}",
        "/jobs/{id}/events",
        "/requests",
        "/requests/{id}/approve",
        "/requests/{id}/reject",
        "/watch/events",
        "/me",
        "/audit",
    ] {
        assert!(paths.contains(&path), "{path} missing from {paths:?}");
    }
    assert_eq!(document["servers"][0]["url"], "/api/v1");
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let schemas = &document["components"]["schemas"];
    let deploy = schemas["DeployBody"].to_string();
    for field in ["mode", "monitor", "force", "schemas/RolloutBody"] {
        assert!(deploy.contains(field), "DeployBody lacks {field}: {deploy}");
    }
    for field in ["canary", "batch", "min_healthy", "on_failure"] {
        let rollout = &schemas["RolloutBody"]["properties"];
        assert!(
            rollout.get(field).is_some(),
            "RolloutBody lacks {field}: {rollout}"
        );
    }
    // The status of an unreachable fleet is an answer, not an error.
    let token = served.token("root", "admin", &[]);
    let (status, report) = served.get(&token, "/status");
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["rows"][0]["state"], "unknown", "{report}");
    let (status, answer) = served.get(&token, "/groups/nope/plan");
    assert_eq!(status, 404, "{answer}");
    assert_eq!(answer["error"], "no group `nope` in groups.yaml");
    let (code, _) = served.stop();
    assert_eq!(code, Some(0));
}

#[test]
fn with_a_certificate_the_server_speaks_https_only() {
    let certs = loopback_certificates();
    let pem = |name: &str| std::fs::read_to_string(certs.path().join(name)).unwrap();
    let yaml = Fleet::new()
        .image("product", "jdeploy-demo:latest")
        .unit("127.0.0.8:1", &["web_1"], "product")
        .core()
        .to_yaml();
    let test = Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&yaml)
        .file("cert.pem", &pem("server-cert.pem"))
        .file("key.pem", &pem("server-key.pem"));
    let mut served = Served::start_with(test, &["--tls-cert", "cert.pem", "--tls-key", "key.pem"])
        .trusting(pem("ca.pem").as_bytes());
    assert!(
        served.base.starts_with("https://127.0.0.1:"),
        "{}",
        served.base
    );
    let token = served.token("root", "admin", &[]);
    let (status, me) = served.get(&token, "/me");
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user"], "root");
    // Clear text on the same port is no API.
    let plain = served.base.replace("https://", "http://");
    let answer = reqwest::blocking::get(format!("{plain}/me"));
    assert!(answer.map_or(true, |response| !response.status().is_success()));
    let (code, stderr) = served.stop();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn logs_come_as_the_last_lines_or_followed_as_events() {
    ensure_engines(&[2, 3]);
    let group = unique_group("servedlogs");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    let test = Test::new()
        .file("run.sh.j2", common::fleet::RUN_SH)
        .groups(&groups_yaml(&group, "0s"));
    let mut served = Served::start(test);
    let state = served.dir.path().join("history.db").display().to_string();
    for command in ["create", "deploy"] {
        Test::new()
            .file("run.sh.j2", common::fleet::RUN_SH)
            .groups(&groups_yaml(&group, "0s"))
            .args(["--state", &state, command, "--group", &group, "--yes"])
            .run();
    }
    let token = served.token("alice", "deployer", &[&group]);
    let (status, lines) = served.get(&token, &format!("/groups/{group}/logs?tail=20"));
    assert_eq!(status, 200, "{lines}");
    let lines = lines.as_array().unwrap();
    for container in [format!("{group}_a"), format!("{group}_b")] {
        assert!(
            lines
                .iter()
                .any(|line| line["container"] == container.as_str()
                    && line["line"] == format!("started {container}")),
            "{lines:#?}"
        );
    }
    // Following: a restart's lines arrive as they are logged.
    let url = format!(
        "{}/groups/{group}/logs?tail=0&follow=true&container={group}_b",
        served.base
    );
    let stream = reqwest::blocking::Client::new()
        .get(url)
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(stream.status().as_u16(), 200);
    let (status, job) = served.post(
        &token,
        &format!("/groups/{group}/restart"),
        json!({"containers": [format!("{group}_b")]}),
    );
    assert_eq!(status, 202, "{job}");
    let mut reader = std::io::BufReader::new(stream);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = String::new();
    while !seen.contains(&format!("started {group}_b")) {
        assert!(Instant::now() < deadline, "no restart lines in:\n{seen}");
        let mut line = String::new();
        if std::io::BufRead::read_line(&mut reader, &mut line).unwrap() == 0 {
            panic!("the stream ended:\n{seen}");
        }
        seen.push_str(&line);
    }
    assert!(seen.contains("event: line"), "{seen}");
    assert!(seen.contains(&format!("stopping {group}_b")), "{seen}");
    let (code, _) = served.stop();
    assert_eq!(code, Some(0));
}
