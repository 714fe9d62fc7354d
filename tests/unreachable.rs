//! Hosts that go away or never answer fail their own units, within the connect timeout,
//! and never hide the other hosts' results.

mod common;

use std::net::TcpListener;

use common::engines::{ensure_engines, read_file, stop_engine, unique_group, Cleanup, RUN_SH};
use common::inventory::Fleet;
use common::Test;

fn two_host_group(group: &str, other_host: &str, timeout: u32) -> String {
    Fleet::new()
        .image(group, "jdeploy-demo:latest")
        .section(&format!("connection:\n  timeout: {timeout}"))
        .defaults("stop_timeout: 1")
        .unit("127.0.0.2", &[&format!("{group}_up")], group)
        .unit(other_host, &[&format!("{group}_gone")], group)
        .to_yaml()
}

fn test(group: &str, other_host: &str, timeout: u32) -> Test {
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&two_host_group(group, other_host, timeout))
}

#[test]
fn an_engine_stopped_between_create_and_deploy_fails_only_its_units() {
    ensure_engines(&[2, 6]);
    let group = unique_group("stopped");
    let _cleanup = Cleanup::new(&group, &[2]);
    test(&group, "127.0.0.6", 5)
        .args(["create", "--group", &group])
        .run();
    stop_engine(6);
    // By default a host that cannot be asked stops the deploy before it touches anything.
    let stopped = test(&group, "127.0.0.6", 5)
        .args(["deploy", "--group", &group])
        .status(1)
        .run();
    assert!(
        stopped
            .stdout
            .contains(&format!("deploy {group}: 1 failed, 1 skipped")),
        "{}",
        stopped.stdout
    );
    // Tolerated, it fails only its own units.
    let output = test(&group, "127.0.0.6", 5)
        .args(["deploy", "--group", &group, "--max-failures", "1"])
        .status(1)
        .run();
    assert!(
        output.stdout.contains(&format!("{group}_up  ")),
        "{}",
        output.stdout
    );
    assert!(
        output
            .stdout
            .contains("cannot reach the engine at tcp://127.0.0.6:2375: Connection refused"),
        "{}",
        output.stdout
    );
    assert!(
        output
            .stdout
            .contains(&format!("deploy {group}: 1 deployed, 1 failed")),
        "{}",
        output.stdout
    );
    assert!(read_file(2, &format!("{group}_up"), "/run.sh").contains("MONITOR_ENABLED=0"));
}

#[test]
fn an_engine_that_never_answers_fails_within_the_connect_timeout() {
    ensure_engines(&[2]);
    let group = unique_group("silent");
    let _cleanup = Cleanup::new(&group, &[2]);
    // Accepts connections (the kernel does, from the backlog) and never says a word.
    let silent = TcpListener::bind("127.0.0.7:0").unwrap();
    let address = silent.local_addr().unwrap().to_string();
    let output = test(&group, &address, 1)
        .args(["create", "--group", &group, "--json"])
        .status(1)
        .run();
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let units = json["units"].as_array().unwrap();
    assert_eq!(units[0]["status"], "created");
    assert_eq!(units[1]["status"], "failed");
    assert_eq!(
        units[1]["detail"],
        format!("the engine at tcp://{address} did not answer within 1s")
    );
    // Given up at the timeout, as jdeploy measured the run: not before, not long after.
    let waited = json["elapsed"].as_f64().unwrap();
    assert!((0.9..5.0).contains(&waited), "{waited}");
    drop(silent);
}

#[test]
fn nothing_listening_is_refused_at_once() {
    ensure_engines(&[2]);
    let group = unique_group("refused");
    let _cleanup = Cleanup::new(&group, &[2]);
    let output = test(&group, "127.0.0.8:1", 10)
        .args(["create", "--group", &group])
        .status(1)
        .run();
    assert!(
        output
            .stdout
            .contains("cannot reach the engine at tcp://127.0.0.8:1: Connection refused"),
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains("1 created, 1 failed"),
        "{}",
        output.stdout
    );
    // At once: the run ends nowhere near the 10s connect timeout, as jdeploy measured it.
    let json = test(&group, "127.0.0.8:1", 10)
        .args(["create", "--group", &group, "--json"])
        .status(1)
        .run();
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let waited = json["elapsed"].as_f64().unwrap();
    assert!(waited < 5.0, "{waited}");
}
