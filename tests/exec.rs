//! `jdeploy exec` on real engines: output prefixed or grouped, every exit status told,
//! an unreachable host and a stopped container among the rest.

mod common;

use common::engines::{docker, unique_group};
use common::fleet::{deployed, jdeploy, row, test, REACHABLE, UNREACHABLE};
use common::Stdout;

#[test]
fn exec_prefixes_each_line_and_fails_when_one_command_fails() {
    let group = unique_group("exec");
    let _cleanup = deployed(&group);
    docker(3, &["exec", &format!("{group}_b"), "touch", "/tmp/fail"]);

    let output = jdeploy(
        &group,
        &[
            "exec",
            "--group",
            &group,
            "--",
            "sh",
            "-c",
            "echo out; echo err >&2; test ! -e /tmp/fail",
        ],
        1,
    );
    let core = format!("{group}_core");
    let width = format!("{group}_gone@127.0.0.8:1").len();
    // Container output on the streams it came on, each line prefixed and aligned.
    assert!(
        output
            .stdout
            .contains(&format!("{:width$} | out\n", format!("{core}@127.0.0.2"))),
        "{}",
        output.stdout
    );
    assert!(
        output
            .stderr
            .contains(&format!("{:width$} | err\n", format!("{core}@127.0.0.2"))),
        "{}",
        output.stderr
    );
    assert_eq!(output.stdout.lines().count(), 3, "{}", output.stdout);
    // Then every exit status, on stderr.
    assert!(
        row(&output.stderr, "127.0.0.2").contains(" 0 "),
        "{}",
        output.stderr
    );
    let statuses: Vec<&str> = output
        .stderr
        .lines()
        .filter(|line| line.starts_with(&group) && !line.contains(" | "))
        .collect();
    assert_eq!(statuses.len(), 4, "{}", output.stderr);
    assert!(
        statuses[2].contains(&format!("{group}_b")) && statuses[2].contains(" 1 "),
        "{statuses:?}"
    );
    assert!(statuses[3].contains(UNREACHABLE), "{statuses:?}");
    assert!(
        output
            .stderr
            .contains(&format!("exec {group}: 2 succeeded, 2 failed")),
        "{}",
        output.stderr
    );
}

#[test]
fn exec_grouped_keeps_each_containers_lines_together() {
    let group = unique_group("exec_grouped");
    let _cleanup = deployed(&group);
    let output = jdeploy(
        &group,
        &[
            "exec",
            "--group",
            &group,
            "--host",
            REACHABLE,
            "--grouped",
            "--",
            "sh",
            "-c",
            "echo one; sleep 0.3; echo two",
        ],
        0,
    );
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", output.stdout);
    for pair in lines.chunks(2) {
        let prefix = |line: &str| line.split(" | ").next().unwrap().to_string();
        assert_eq!(prefix(pair[0]), prefix(pair[1]), "{}", output.stdout);
        assert!(
            pair[0].ends_with("| one") && pair[1].ends_with("| two"),
            "{}",
            output.stdout
        );
    }
}

#[test]
fn exec_json_reports_output_exit_codes_and_why_a_command_could_not_run() {
    let group = unique_group("exec_json");
    let _cleanup = deployed(&group);
    docker(3, &["stop", "-t", "1", &format!("{group}_b")]);
    let output = jdeploy(
        &group,
        &[
            "exec",
            "--group",
            &group,
            "--json",
            "--",
            "sh",
            "-c",
            "echo hi; exit 3",
        ],
        1,
    );
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(
        json["argv"],
        serde_json::json!(["sh", "-c", "echo hi; exit 3"])
    );
    let units = json["units"].as_array().unwrap();
    assert_eq!(units[0]["container"], format!("{group}_core"));
    assert_eq!(units[0]["exit_code"], 3);
    assert_eq!(units[0]["stdout"], "hi\n");
    assert_eq!(units[2]["exit_code"], serde_json::Value::Null);
    assert!(
        units[2]["error"]
            .as_str()
            .unwrap()
            .contains("is not running"),
        "{}",
        units[2]
    );
    assert!(units[3]["error"].as_str().unwrap().contains(UNREACHABLE));
}

#[test]
fn exec_stops_waiting_after_its_timeout() {
    let group = unique_group("exec_timeout");
    let _cleanup = deployed(&group);
    let output = jdeploy(
        &group,
        &[
            "exec",
            "--group",
            &group,
            "--host",
            REACHABLE,
            "--timeout",
            "1",
            "--",
            "sleep",
            "30",
        ],
        1,
    );
    assert!(
        output
            .stderr
            .contains("still running after 1s; left running in the container"),
        "{}",
        output.stderr
    );
}

#[test]
fn a_closed_stdout_ends_output_quietly_and_keeps_the_failure() {
    let group = unique_group("exec");
    let _cleanup = deployed(&group);
    // Every reachable container prints; the unreachable one fails: 1, not 0, even
    // though nobody reads what they print.
    let stderr = test(&group)
        .args(["exec", "--group", &group, "--", "echo", "hello"])
        .status(1)
        .run_into(Stdout::Closed);
    assert!(stderr.contains(UNREACHABLE), "{stderr}");
}

#[test]
fn control_characters_from_a_container_are_shown_not_obeyed() {
    let group = unique_group("exec");
    let _cleanup = deployed(&group);
    let core = format!("{group}_core");
    let printing = [
        "exec",
        "--group",
        &group,
        "--host",
        "127.0.0.2",
        "-c",
        &core,
        "--",
        "printf",
        "a\\033[2Jb\\rc\\n",
    ];
    let shown = jdeploy(&group, &printing, 0);
    assert!(
        shown.stdout.contains("| a\\x1b[2Jb\\rc\n"),
        "{:?}",
        shown.stdout
    );
    assert!(!shown.stdout.contains('\x1b'), "{:?}", shown.stdout);
    // JSON keeps the bytes exact.
    let mut json_args = printing.to_vec();
    json_args.insert(0, "--json");
    let json = jdeploy(&group, &json_args, 0);
    let document: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(document["units"][0]["stdout"], "a\x1b[2Jb\rc\n");
}
