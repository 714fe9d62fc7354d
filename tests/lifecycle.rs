//! `start`, `stop`, `restart` and `rm` on real engines, and the selection flags every
//! fleet command takes.

mod common;

use std::process::{Command, Stdio};

use common::engines::{docker, docker_output, inspect, unique_group};
use common::fleet::{deployed, jdeploy, row, test, REACHABLE, UNREACHABLE};

fn state(engine: u8, name: &str) -> String {
    inspect(engine, name, "{{.State.Status}}")
}

fn time_of(engine: u8, name: &str, field: &str) -> std::time::SystemTime {
    let text = inspect(engine, name, &format!("{{{{.State.{field}}}}}"));
    humantime::parse_rfc3339(&text).unwrap_or_else(|err| panic!("{text}: {err}"))
}

#[test]
fn stop_goes_core_last_and_start_core_first_with_the_unreachable_host_failing_alone() {
    let group = unique_group("life");
    let _cleanup = deployed(&group);
    let [core, a, b] = ["core", "a", "b"].map(|name| format!("{group}_{name}"));

    let stop = jdeploy(&group, &["stop", "--group", &group, "--timeout", "1"], 1);
    assert!(
        row(&stop.stdout, &core).contains("stopped"),
        "{}",
        stop.stdout
    );
    assert!(row(&stop.stdout, &format!("{group}_gone")).contains(UNREACHABLE));
    for (engine, name) in [(2, &core), (2, &a), (3, &b)] {
        assert_eq!(state(engine, name), "exited");
    }
    // Core went down after the others were down.
    let core_stopped = time_of(2, &core, "FinishedAt");
    assert!(core_stopped > time_of(2, &a, "FinishedAt"));
    assert!(core_stopped > time_of(3, &b, "FinishedAt"));

    let again = jdeploy(&group, &["stop", "--group", &group, "--host", REACHABLE], 0);
    assert!(
        row(&again.stdout, &a).contains("already stopped"),
        "{}",
        again.stdout
    );

    jdeploy(
        &group,
        &["start", "--group", &group, "--host", REACHABLE],
        0,
    );
    let core_started = time_of(2, &core, "StartedAt");
    assert!(core_started < time_of(2, &a, "StartedAt"));
    assert!(core_started < time_of(3, &b, "StartedAt"));
    for (engine, name) in [(2, &core), (2, &a), (3, &b)] {
        assert_eq!(state(engine, name), "running");
    }

    let before = time_of(3, &b, "StartedAt");
    let restart = jdeploy(
        &group,
        &["restart", "--group", &group, "--host", "127.0.0.3"],
        0,
    );
    assert!(
        row(&restart.stdout, &b).contains("restarted"),
        "{}",
        restart.stdout
    );
    assert_ne!(time_of(3, &b, "StartedAt"), before);
    assert!(restart
        .stdout
        .contains(&format!("restart {group}: 1 restarted")));
}

#[test]
fn rm_removes_only_what_jdeploy_created_unless_forced() {
    let group = unique_group("rm");
    let _cleanup = deployed(&group);
    let [a, b] = ["a", "b"].map(|name| format!("{group}_{name}"));
    // A container jdeploy did not create, under a name groups.yaml gives.
    docker(3, &["rm", "-f", &b]);
    docker(
        3,
        &["create", "--name", &b, "jdeploy-demo:latest", "sleep", "60"],
    );

    // Without a terminal nothing asks; the foreign one is refused.
    let rm = jdeploy(&group, &["rm", "--group", &group, "--host", REACHABLE], 1);
    assert!(row(&rm.stdout, &a).contains("removed"), "{}", rm.stdout);
    assert!(
        row(&rm.stdout, &b).contains("not created by jdeploy"),
        "{}",
        rm.stdout
    );
    assert!(!docker(2, &["ps", "-a", "--format", "{{.Names}}"]).contains(&a));
    assert_eq!(state(3, &b), "created");

    let status = jdeploy(&group, &["status", "--group", &group, "-c", "*_a"], 0);
    assert!(
        row(&status.stdout, &a).contains("missing"),
        "{}",
        status.stdout
    );

    let forced = jdeploy(
        &group,
        &["rm", "--group", &group, "--host", "127.0.0.3", "--force"],
        0,
    );
    assert!(
        row(&forced.stdout, &b).contains("removed"),
        "{}",
        forced.stdout
    );
    assert!(!docker_output(3, &["inspect", &b]).status.success());

    let absent = jdeploy(&group, &["rm", "--group", &group, "-c", "*_a", "--yes"], 0);
    assert!(
        row(&absent.stdout, &a).contains("no such container"),
        "{}",
        absent.stdout
    );
}

#[test]
fn rm_on_a_terminal_asks_first() {
    let group = unique_group("rm_ask");
    let _cleanup = deployed(&group);
    let dir = test(&group);
    let jdeploy = assert_cmd::cargo::cargo_bin("jdeploy");
    let command = format!("{} rm --group {group} -c '*_a'", jdeploy.display());
    // `script` gives jdeploy a terminal; "n" answers its question.
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"n\n").unwrap();
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(&format!(
            "Stop and remove 1 container(s): {group}_a@127.0.0.2?"
        )),
        "{text}"
    );
    assert!(
        text.contains("nothing was removed: not confirmed"),
        "{text}"
    );
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(state(2, &format!("{group}_a")), "running");
}

#[test]
fn selection_narrows_by_host_and_container_globs_and_refuses_what_matches_nothing() {
    let group = unique_group("select");
    let _cleanup = deployed(&group);
    let status = |args: &[&str], code: i32| {
        jdeploy(&group, &[&["status", "--json"][..], args].concat(), code).stdout
    };
    let names = |json: String| -> Vec<String> {
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        json["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                row["container"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches(&group)
                    .to_string()
            })
            .collect()
    };
    assert_eq!(
        names(status(&["--group", &group, "--host", "127.0.0.3"], 0)),
        ["_b"]
    );
    assert_eq!(
        names(status(
            &["--group", &group, "--container", "*_a", "-c", "*_b"],
            0
        )),
        ["_a", "_b"]
    );
    assert_eq!(
        names(status(
            &["--group", &group, "--host", "127.0.0.2", "-c", "*_core"],
            0
        )),
        ["_core"]
    );
    assert_eq!(
        names(status(&["--all", "--host", REACHABLE], 0)),
        ["_core", "_a", "_b"]
    );

    let typo = test(&group)
        .args(["stop", "--group", &group, "--host", "127.0.0.33"])
        .status(2)
        .run();
    assert!(
        typo.stderr
            .contains(&format!("no host of group `{group}` matches `127.0.0.33`")),
        "{}",
        typo.stderr
    );
    assert!(
        typo.stderr.contains("did you mean `127.0.0.3`?"),
        "{}",
        typo.stderr
    );
    let nothing = test(&group)
        .args([
            "stop",
            "--group",
            &group,
            "--host",
            "127.0.0.3",
            "-c",
            "*_a",
        ])
        .status(2)
        .run();
    assert!(
        nothing.stderr.contains("no container of group"),
        "{}",
        nothing.stderr
    );
    assert_eq!(state(3, &format!("{group}_b")), "running");
    let everything = test(&group).args(["rm", "--all"]).status(2).run();
    assert!(
        everything.stderr.contains("needs --yes"),
        "{}",
        everything.stderr
    );
    let unnamed = test(&group).args(["restart"]).status(2).run();
    assert!(
        unnamed.stderr.contains("--group <GROUP>"),
        "{}",
        unnamed.stderr
    );
}
