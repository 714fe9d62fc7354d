//! `jdeploy logs` on real engines: interleaved and prefixed, --tail, --since, JSON lines,
//! an unreachable host, and --follow across a restart.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use common::engines::unique_group;
use common::fleet::{deployed, jdeploy, test, REACHABLE, UNREACHABLE};

#[test]
fn logs_interleave_every_container_and_report_the_unreachable_host() {
    let group = unique_group("logs");
    let _cleanup = deployed(&group);
    let output = jdeploy(&group, &["logs", "--group", &group], 1);
    for (container, host) in [
        ("core", "127.0.0.2"),
        ("a", "127.0.0.2"),
        ("b", "127.0.0.3"),
    ] {
        let prefix = format!("{group}_{container}@{host}");
        // Both streams, stdout's and stderr's, in the one log.
        for line in [
            format!("| started {group}_{container}"),
            format!("| warming up {group}_{container}"),
        ] {
            assert!(
                output
                    .stdout
                    .lines()
                    .any(|found| found.starts_with(&prefix) && found.ends_with(&line)),
                "{line} of {prefix} in:\n{}",
                output.stdout
            );
        }
    }
    assert!(
        output
            .stderr
            .contains(&format!("{group}_gone@127.0.0.8:1: {UNREACHABLE}")),
        "{}",
        output.stderr
    );
}

#[test]
fn logs_tail_since_timestamps_and_json() {
    let group = unique_group("logs_tail");
    let _cleanup = deployed(&group);
    let reachable = ["--group", &group, "--host", REACHABLE];

    let tail = jdeploy(
        &group,
        &[&["logs", "--tail", "1"][..], &reachable].concat(),
        0,
    );
    assert_eq!(tail.stdout.lines().count(), 3, "{}", tail.stdout);

    let future = jdeploy(
        &group,
        &[&["logs", "--since", "2999-01-01T00:00:00Z"][..], &reachable].concat(),
        0,
    );
    assert_eq!(future.stdout, "");
    let recent = jdeploy(
        &group,
        &[&["logs", "--since", "10m", "-t"][..], &reachable].concat(),
        0,
    );
    let line = recent.stdout.lines().next().unwrap();
    let stamp = line.split(" | ").nth(1).unwrap().split(' ').next().unwrap();
    assert!(stamp.ends_with('Z') && stamp.contains('T'), "{line}");
    // Sorted by when they were logged, across containers.
    let stamps: Vec<&str> = recent
        .stdout
        .lines()
        .map(|line| line.split(" | ").nth(1).unwrap().split(' ').next().unwrap())
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort_by_key(|stamp| humantime::parse_rfc3339(stamp).unwrap());
    assert_eq!(stamps, sorted);

    let json = jdeploy(
        &group,
        &[&["logs", "--json", "-c", "*_core"][..], &reachable].concat(),
        0,
    );
    let lines: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", json.stdout);
    let started = lines
        .iter()
        .find(|line| line["stream"] == "stdout")
        .unwrap();
    assert_eq!(started["container"], format!("{group}_core"));
    assert_eq!(started["line"], format!("started {group}_core"));
    assert!(started["timestamp"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn following_survives_a_restart_without_repeating_lines() {
    let group = unique_group("logs_follow");
    let _cleanup = deployed(&group);
    let dir = test(&group);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("jdeploy"))
        .current_dir(dir.path())
        .args(["logs", "--group", &group, "-c", "*_a", "--follow", "--json"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, received) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = lines.send(line.unwrap());
        }
    });
    let seen = std::cell::RefCell::new(Vec::<serde_json::Value>::new());
    let logged_at = |line: &serde_json::Value| {
        humantime::parse_rfc3339(line["timestamp"].as_str().unwrap()).unwrap()
    };
    let wait_for = |wanted: &str, after: SystemTime| loop {
        let line = received
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no `{wanted}` line within 30s"));
        let line: serde_json::Value = serde_json::from_str(&line).unwrap();
        seen.borrow_mut().push(line.clone());
        if line["line"] == wanted && logged_at(&line) > after {
            return;
        }
    };
    let container = format!("{group}_a");
    let started = format!("started {container}");
    // The first deploy may have started /run.sh twice: what counts is what follows the restart.
    wait_for(&started, SystemTime::UNIX_EPOCH);
    let restarted_at = SystemTime::now();
    jdeploy(&group, &["restart", "--group", &group, "-c", "*_a"], 0);
    wait_for(&format!("stopping {container}"), restarted_at);
    wait_for(&started, restarted_at);
    std::thread::sleep(Duration::from_millis(500));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    reader.join().unwrap();
    let mut seen = seen.into_inner();
    seen.extend(
        received
            .try_iter()
            .map(|line| serde_json::from_str(&line).unwrap()),
    );
    // Nothing was printed twice: every line is told once, with its engine timestamp.
    let mut told = std::collections::HashSet::new();
    for line in &seen {
        let key = (
            line["timestamp"].clone(),
            line["stream"].clone(),
            line["line"].clone(),
        );
        assert!(told.insert(key), "printed twice: {line}\n{seen:#?}");
    }
    // The run after the restart, whole and once.
    let after: Vec<&str> = seen
        .iter()
        .filter(|line| logged_at(line) > restarted_at)
        .map(|line| line["line"].as_str().unwrap())
        .collect();
    for text in ["stopping", "warming up", "started"] {
        let wanted = format!("{text} {container}");
        let count = after.iter().filter(|line| **line == wanted).count();
        assert_eq!(count, 1, "{wanted} in {after:#?}");
    }
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains("stopped; following again once it runs"),
        "{stderr}"
    );
    assert!(stderr.contains("running again"), "{stderr}");
}
