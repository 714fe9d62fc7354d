//! The lock on a group lives on its engines: two machines (two working directories with
//! their own history) never act on one group at once, a dead holder's lock lapses, and
//! different groups go ahead side by side.

mod common;

use std::time::{Duration, Instant};

use common::engines::{docker, ensure_engines, unique_group, Cleanup, RUN_SH};
use common::inventory::Fleet;
use common::{Running, Test};

/// A group with its core on 127.0.0.2 (where its lock lives) and a unit on 127.0.0.3;
/// each deploy takes a few seconds (a 2s gate per wave).
fn groups_yaml(groups: &[&str]) -> String {
    let mut fleet = Fleet::new().defaults("stop_timeout: 1\nrollout:\n  min_healthy: 2s");
    for group in groups {
        fleet = fleet
            .image(group, "jdeploy-demo:latest")
            .unit("127.0.0.2", &[&format!("{group}_a")], *group)
            .core()
            .unit("127.0.0.3", &[&format!("{group}_b")], *group);
    }
    fleet.to_yaml()
}

/// One machine: its own directory, groups.yaml and history.
fn machine(groups: &[&str]) -> Test {
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&groups_yaml(groups))
        .args(["--state", "history.db"])
}

fn lock_exists(group: &str) -> bool {
    let filter = format!("name=jdeploy-lock.{group}");
    !docker(2, &["ps", "-aq", "--filter", &filter])
        .trim()
        .is_empty()
}

/// Starts `test`, a command that takes `group`'s lock, and returns once it holds it.
fn holding(test: Test, group: &str) -> Running {
    let running = test.spawn();
    wait_for_lock(group);
    running
}

/// Waits until `group`'s lock is on its engine.
fn wait_for_lock(group: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lock_exists(group) {
        assert!(Instant::now() < deadline, "group {group} was never locked");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn created(group: &str) -> Cleanup {
    let cleanup = Cleanup::new(group, &[2, 3]);
    machine(&[group]).args(["create", "--group", group]).run();
    cleanup
}

#[test]
fn two_machines_deploying_one_group_one_acts_and_the_other_names_the_holder() {
    ensure_engines(&[2, 3]);
    let group = unique_group("lockpair");
    let _cleanup = created(&group);
    let first = holding(
        machine(&[&group]).args(["deploy", "--group", &group, "--force", "--yes"]),
        &group,
    );
    let second = machine(&[&group])
        .args(["deploy", "--group", &group, "--force", "--yes"])
        .status(1)
        .run();
    let holder = format!("group {group} is locked by ");
    assert!(second.stderr.contains(&holder), "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains(&format!("(deploy --group {group} --force --yes) since ")),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("nothing was changed"),
        "{}",
        second.stderr
    );
    assert!(second.stdout.is_empty(), "{}", second.stdout);
    // Every changing command is held off; reading is not.
    let restart = machine(&[&group])
        .args(["restart", "--group", &group])
        .status(1)
        .run();
    assert!(restart.stderr.contains(&holder), "{}", restart.stderr);
    machine(&[&group]).args(["status", "--group", &group]).run();
    let status = machine(&[&group])
        .args(["lock", "status", "--group", &group, "--json"])
        .run();
    let report: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let lock = &report["groups"][0]["lock"];
    assert_eq!(lock["group"], group.as_str(), "{report}");
    assert_eq!(lock["host"], "127.0.0.2", "{report}");
    assert_eq!(lock["expired"], false, "{report}");

    let acted = first.wait(0);
    assert!(
        acted
            .stdout
            .contains(&format!("deploy {group}: 2 deployed")),
        "{}",
        acted.stdout
    );
    assert!(!lock_exists(&group), "the lock outlived its command");
    // The refused machine recorded nothing; the one that acted recorded its deploy.
    let history = |test: Test| test.args(["history", "--json"]).run().stdout;
    let refused: serde_json::Value = serde_json::from_str(&history(machine(&[&group]))).unwrap();
    assert_eq!(
        refused["runs"].as_array().map(Vec::len),
        Some(0),
        "{refused}"
    );
}

#[test]
fn lock_wait_waits_for_the_holder_then_acts() {
    ensure_engines(&[2, 3]);
    let group = unique_group("lockwait");
    let _cleanup = created(&group);
    let first = holding(
        machine(&[&group]).args(["deploy", "--group", &group, "--force", "--yes"]),
        &group,
    );
    let second = machine(&[&group])
        .args(["deploy", "--group", &group, "--force", "--yes"])
        .args(["--lock-wait", "60s"])
        .run();
    assert!(
        second
            .stderr
            .contains(&format!("waiting: group {group} is locked by ")),
        "{}",
        second.stderr
    );
    assert!(
        second
            .stdout
            .contains(&format!("deploy {group}: 2 deployed")),
        "{}",
        second.stdout
    );
    first.wait(0);
}

#[test]
fn a_killed_holders_lock_lapses_and_the_next_deploy_goes_ahead() {
    ensure_engines(&[2, 3]);
    let group = unique_group("lockkill");
    let _cleanup = created(&group);
    let holder = holding(
        machine(&[&group])
            .env("JDEPLOY_LOCK_TTL", "3s")
            .args(["deploy", "--group", &group, "--force", "--yes"]),
        &group,
    );
    holder.kill();
    let refused = machine(&[&group])
        .args(["deploy", "--group", &group, "--yes"])
        .status(1)
        .run();
    assert!(
        refused
            .stderr
            .contains(&format!("group {group} is locked by ")),
        "{}",
        refused.stderr
    );
    // Nobody renews it: it lapses within its 3s lease, and is taken over.
    let started = Instant::now();
    let output = machine(&[&group])
        .args(["deploy", "--group", &group, "--force", "--yes"])
        .args(["--lock-wait", "30s"])
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "{:?}",
        started.elapsed()
    );
    assert!(
        output
            .stdout
            .contains(&format!("deploy {group}: 2 deployed")),
        "{}",
        output.stdout
    );
    assert!(!lock_exists(&group));
}

#[test]
fn lock_release_breaks_a_dead_holders_lock_and_says_whose_it_was() {
    ensure_engines(&[2, 3]);
    let group = unique_group("lockbreak");
    let _cleanup = created(&group);
    let holder = holding(
        machine(&[&group]).args(["restart", "--group", &group]),
        &group,
    );
    holder.kill();
    // Without a terminal to confirm on, breaking a lock needs --yes.
    let unconfirmed = machine(&[&group])
        .args(["lock", "release", "--group", &group])
        .status(2)
        .run();
    assert!(
        unconfirmed.stderr.contains("--yes"),
        "{}",
        unconfirmed.stderr
    );
    let status = machine(&[&group]).args(["lock", "status"]).run();
    let row = status
        .stdout
        .lines()
        .find(|line| line.starts_with(&group))
        .unwrap_or_default()
        .to_string();
    assert!(row.contains(" held "), "{}", status.stdout);
    assert!(
        row.contains(&format!("restart --group {group}")),
        "{}",
        status.stdout
    );
    let released = machine(&[&group])
        .args(["lock", "release", "--group", &group, "--yes"])
        .run();
    assert!(
        released
            .stdout
            .contains(&format!("released the lock of group {group}, held by ")),
        "{}",
        released.stdout
    );
    assert!(!lock_exists(&group));
    machine(&[&group])
        .args(["deploy", "--group", &group, "--yes"])
        .run();
    let free = machine(&[&group])
        .args(["lock", "release", "--group", &group, "--yes"])
        .run();
    assert!(
        free.stdout
            .contains(&format!("group {group} was not locked")),
        "{}",
        free.stdout
    );
}

#[test]
fn commands_on_two_groups_run_at_once() {
    ensure_engines(&[2, 3]);
    let one = unique_group("lockone");
    let two = unique_group("locktwo");
    let _one = created(&one);
    let _two = created(&two);
    let groups = [one.as_str(), two.as_str()];
    let first = machine(&groups)
        .args(["deploy", "--group", &one, "--force", "--yes"])
        .spawn();
    let second = machine(&groups)
        .args(["deploy", "--group", &two, "--force", "--yes"])
        .spawn();
    // Both hold their lock at the same moment.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(lock_exists(&one) && lock_exists(&two)) {
        assert!(
            Instant::now() < deadline,
            "the two deploys never ran together"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    first.wait(0);
    second.wait(0);
}
