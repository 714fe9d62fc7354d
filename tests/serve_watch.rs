//! The server's fleet watch on real engines: a container stopped behind jdeploy's back
//! is seen, kept as an event and sent to the group's webhook; in a `heal: true` group
//! it is restarted, and that is recorded and sent too.

mod common;

use std::time::{Duration, Instant};

use serde_json::Value;

use common::engines::{docker, ensure_engines, inspect, unique_group, Cleanup, RUN_SH};
use common::inventory::Fleet;
use common::recorder::Recorder;
use common::server::Served;
use common::Test;

fn wait_until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_stopped_container_is_seen_told_and_healed_where_the_group_asks() {
    ensure_engines(&[2, 3]);
    let healed = unique_group("heal");
    let watched = unique_group("watched");
    let _cleanup = (
        Cleanup::new(&healed, &[2, 3]),
        Cleanup::new(&watched, &[2, 3]),
    );
    let recorder = Recorder::start();
    let notify = format!(
        "notify:\n  - url: http://127.0.0.1:{}/hook\n    format: json",
        recorder.port
    );
    let yaml = Fleet::new()
        .image(&healed, "jdeploy-demo:latest")
        .image(&watched, "jdeploy-demo:latest")
        .defaults(&format!("stop_timeout: 1\n{notify}"))
        .group_setting(&healed, "heal: true")
        .unit("127.0.0.2", &[&format!("{healed}_a")], &*healed)
        .core()
        .unit("127.0.0.3", &[&format!("{healed}_b")], &*healed)
        .unit("127.0.0.3", &[&format!("{watched}_c")], &*watched)
        .core()
        .to_yaml();
    let test = Test::new().file("run.sh.j2", RUN_SH).groups(&yaml);
    let mut served = Served::start_with(test, &["--watch-interval", "1s", "--heal-backoff", "1s"]);
    for group in [&healed, &watched] {
        Test::new()
            .file("run.sh.j2", RUN_SH)
            .groups(&yaml)
            .args([
                "--state",
                &served.dir.path().join("history.db").display().to_string(),
            ])
            .args(["create", "--group", group])
            .run();
    }
    let admin = served.token("root", "admin", &[]);
    // Let the watch take its first look at a running fleet.
    std::thread::sleep(Duration::from_secs(3));

    let victim = format!("{healed}_b");
    let bystander = format!("{watched}_c");
    docker(3, &["kill", &victim]);
    docker(3, &["kill", &bystander]);

    let events_of = |container: &str| -> Vec<Value> {
        let (status, events) = served.get(&admin, "/watch/events?limit=1000");
        assert_eq!(status, 200, "{events}");
        events
            .as_array()
            .unwrap()
            .iter()
            .filter(|event| event["container"] == container)
            .cloned()
            .collect()
    };
    // Seen and kept: both, as exited.
    for container in [&victim, &bystander] {
        wait_until(&format!("{container} seen exited"), || {
            events_of(container)
                .iter()
                .any(|event| event["kind"] == "watch" && event["condition"] == "exited")
                .then_some(())
        });
    }
    // Healed: the heal group's container runs again, through a recorded job.
    let heal = wait_until("a heal of the victim", || {
        events_of(&victim)
            .into_iter()
            .find(|event| event["kind"] == "heal")
    });
    let job = served.wait_job(&admin, heal["job_id"].as_i64().expect("a heal job"));
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["user"], "jdeploy-watch");
    wait_until("the victim running again", || {
        (inspect(3, &victim, "{{.State.Status}}") == "running").then_some(())
    });
    wait_until("the victim seen back to running", || {
        events_of(&victim)
            .iter()
            .any(|event| event["kind"] == "watch" && event["condition"] == "running")
            .then_some(())
    });
    // The other group asked for no healing: its container stays down.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(inspect(3, &bystander, "{{.State.Status}}"), "exited");
    assert!(events_of(&bystander)
        .iter()
        .all(|event| event["kind"] == "watch"));

    // Told: each change and the heal reached the webhook, as jdeploy's JSON.
    let sent = recorder.events();
    let told = |kind: &str, container: &str, result: &str| {
        sent.iter().any(|event| {
            event["event"] == kind
                && event["failed"][0]["container"] == container
                && event["result"].as_str().unwrap_or("").starts_with(result)
        })
    };
    assert!(told("watch", &victim, "exited"), "{sent:#?}");
    assert!(told("watch", &bystander, "exited"), "{sent:#?}");
    assert!(told("heal", &victim, "exited"), "{sent:#?}");
    let (code, stderr) = served.stop();
    assert_eq!(code, Some(0), "{stderr}");
}
