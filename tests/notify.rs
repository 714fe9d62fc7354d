//! Notifications: a deploy tells a local webhook server when it starts and how it ended;
//! a target that cannot be reached is a warning that leaves the result alone.

mod common;

use std::net::TcpListener;

use common::engines::{ensure_engines, unique_group, Cleanup};
use common::inventory::Fleet;
use common::recorder::Recorder;
use common::Test;

/// Exits 3 in mode `bad`; otherwise stays up.
const RUN_SH: &str = r#"#!/bin/sh
{{ env_set }}
if [ "$RUNTIME_MODE" = bad ]; then echo "bad mode: giving up" >&2; exit 3; fi
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
"#;

#[test]
fn a_deploy_tells_its_webhooks_and_an_unreachable_one_is_only_a_warning() {
    ensure_engines(&[2, 3]);
    let group = unique_group("notify");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    let recorder = Recorder::start();
    // Nothing listens on a port the test bound and let go.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let notify = format!(
        "notify:
  - url: http://127.0.0.1:{port}/hook?access_token=tok-5e3d
    format: json
    on: [start, success, failure, rollback]
  - url: http://127.0.0.1:{port}/ding?access_token=tok-5e3d
    format: dingtalk
    on: [failure]
  - url: http://127.0.0.1:{closed}/gone?access_token=tok-5e3d
    on: [success]",
        port = recorder.port
    );
    let yaml = Fleet::new()
        .image(&group, "jdeploy-demo:latest")
        .defaults("stop_timeout: 1\nrollout:\n  min_healthy: 1s")
        .group_setting(&group, &notify)
        .unit("127.0.0.2", &[&format!("{group}_a")], group.as_str())
        .core()
        .unit("127.0.0.3", &[&format!("{group}_b")], group.as_str())
        .to_yaml();
    let test = || Test::new().file("run.sh.j2", RUN_SH).groups(&yaml);
    test().args(["create", "--group", &group]).run();
    let deployed = test().args(["deploy", "--group", &group, "--yes"]).run();
    // The unreachable target is a warning, without the token in its address.
    assert!(
        deployed.stderr.contains(&format!(
            "notification to http://127.0.0.1:{closed}/gone?… failed"
        )),
        "{}",
        deployed.stderr
    );
    assert!(!deployed.stderr.contains("tok-5e3d"), "{}", deployed.stderr);
    let events = recorder.events();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["start", "success"], "{events:?}");
    assert_eq!(events[1]["group"], group.as_str());
    assert_eq!(events[1]["command"], "deploy");
    assert_eq!(events[1]["counts"]["deployed"], 2, "{events:?}");

    // A mode that breaks the app: the group goes back on its own; the json target hears
    // of it as a rollback, the DingTalk one as a failure, each once, with the reason.
    test()
        .args(["deploy", "--group", &group, "--mode", "bad", "--yes"])
        .status(1)
        .run();
    let seen = recorder.seen.lock().unwrap().clone();
    let after: Vec<&(String, serde_json::Value)> = seen[2..].iter().collect();
    assert_eq!(after.len(), 3, "{after:?}");
    let rollback = &after
        .iter()
        .find(|(path, body)| path.starts_with("/hook") && body["event"] == "rollback")
        .expect("a rollback event")
        .1;
    assert_eq!(rollback["result"], "rolled back", "{rollback}");
    let failed = rollback["failed"][0]["reason"].as_str().unwrap();
    assert!(failed.contains("exited (3)"), "{rollback}");
    let ding = &after
        .iter()
        .find(|(path, _)| path.starts_with("/ding"))
        .expect("a DingTalk message")
        .1;
    assert_eq!(ding["msgtype"], "text");
    let content = ding["text"]["content"].as_str().unwrap();
    assert!(
        content.contains(&group) && content.contains("exited (3)"),
        "{content}"
    );
}
