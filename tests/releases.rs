//! Releases on real engines: plan's diff, unchanged containers skipped, history, rollback
//! from a machine with no state and no sources, pruning, and the cases that must refuse.

mod common;

use std::path::{Path, PathBuf};

use common::engines::{
    current_release, docker, docker_output, ensure_engines, inspect, read_file, unique_group,
    Cleanup,
};
use common::inventory::Fleet;
use common::{Output, Test};
use jdeploy::release::State;

const RUN_SH: &str = r#"#!/bin/sh
{{ env_set }}
echo "started {{ container }} in $RUNTIME_MODE"
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
"#;

fn groups_yaml(group: &str, keep: u32) -> String {
    Fleet::new()
        .image(group, "jdeploy-demo:latest")
        .section(&format!("releases:\n  keep: {keep}"))
        .defaults("stop_timeout: 1")
        .defaults("copy:\n  - src: code\n    dest: /srv/app\n    clean: true")
        .unit("127.0.0.2", &[&format!("{group}_core")], group)
        .core()
        .unit("127.0.0.2", &[&format!("{group}_a")], group)
        .unit("127.0.0.3", &[&format!("{group}_b")], group)
        .to_yaml()
}

/// The group's files, with the code as `version` writes it, and the history under `state`.
fn fleet(group: &str, keep: u32, version: &str) -> Test {
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .file("code/main.sh", &format!("echo {version}\n"))
        .file(&format!("code/{version}.txt"), version)
        .groups(&groups_yaml(group, keep))
}

fn run(test: Test, state: &Path, args: &[&str], status: i32) -> Output {
    test.args(args)
        .args(["--state", state.to_str().unwrap()])
        .status(status)
        .run()
}

const CONTAINERS: [(u8, &str); 3] = [(2, "core"), (2, "a"), (3, "b")];

/// Every container's /run.sh and copied main.sh, as they are now.
fn files(group: &str) -> Vec<String> {
    CONTAINERS
        .iter()
        .flat_map(|(engine, name)| {
            let container = format!("{group}_{name}");
            [
                read_file(*engine, &container, "/run.sh"),
                read_file(*engine, &container, "/srv/app/main.sh"),
            ]
        })
        .collect()
}

fn started_at(group: &str) -> Vec<String> {
    CONTAINERS
        .iter()
        .map(|(engine, name)| inspect(*engine, &format!("{group}_{name}"), "{{.State.StartedAt}}"))
        .collect()
}

fn current(engine: u8, container: &str) -> String {
    current_release(engine, container).unwrap_or_default()
}

/// A created group, and the history database of the machine deploying it.
fn setup(stem: &str) -> (String, Cleanup, tempfile::TempDir, PathBuf) {
    ensure_engines(&[2, 3]);
    let group = unique_group(stem);
    let cleanup = Cleanup::new(&group, &[2, 3]);
    let state = tempfile::tempdir().unwrap();
    let db = state.path().join("history.db");
    run(
        fleet(&group, 3, "v1"),
        &db,
        &["create", "--group", &group],
        0,
    );
    (group, cleanup, state, db)
}

#[test]
fn plan_shows_what_would_change_and_changes_nothing() {
    let (group, _cleanup, _state, db) = setup("plan");
    let first = run(
        fleet(&group, 3, "v1"),
        &db,
        &["plan", "--group", &group, "--mode", "one"],
        0,
    );
    assert!(
        first
            .stdout
            .contains(&format!("{group}_core@127.0.0.2 (core): first release")),
        "{}",
        first.stdout
    );
    run(
        fleet(&group, 3, "v1"),
        &db,
        &["deploy", "--group", &group, "--mode", "one"],
        0,
    );
    let before = files(&group);

    let plan = run(
        fleet(&group, 3, "v2"),
        &db,
        &["plan", "--group", &group, "--mode", "two"],
        0,
    );
    let text = &plan.stdout;
    assert!(
        text.contains(&format!("{group}_b@127.0.0.3: change ")),
        "{text}"
    );
    assert!(
        text.contains("--- /run.sh (in place)\n  +++ /run.sh (new)"),
        "{text}"
    );
    assert!(
        text.contains("-export RUNTIME_MODE=one") && text.contains("+export RUNTIME_MODE=two"),
        "{text}"
    );
    assert!(
        text.contains("copied files added: /srv/app/v2.txt"),
        "{text}"
    );
    assert!(
        text.contains("copied files changed: /srv/app/main.sh"),
        "{text}"
    );
    assert!(
        text.contains("copied files removed: /srv/app/v1.txt"),
        "{text}"
    );
    assert!(
        text.contains("flags: monitor=0 mode=one -> monitor=0 mode=two"),
        "{text}"
    );
    assert!(
        text.contains(&format!("plan {group}: 3 to change")),
        "{text}"
    );
    assert_eq!(files(&group), before, "plan changed nothing");

    let json = run(
        fleet(&group, 3, "v1"),
        &db,
        &["plan", "--group", &group, "--mode", "one", "--json"],
        0,
    );
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let core = &json["units"][0];
    assert_eq!(core["action"], "unchanged");
    assert_eq!(core["release"], current(2, &format!("{group}_core")));
}

#[test]
fn deploy_skips_unchanged_containers_unless_forced_and_history_records_it() {
    let (group, _cleanup, _state, db) = setup("skip");
    run(
        fleet(&group, 3, "v1"),
        &db,
        &["deploy", "--group", &group],
        0,
    );
    let started = started_at(&group);
    let again = run(
        fleet(&group, 3, "v1"),
        &db,
        &["deploy", "--group", &group],
        0,
    );
    assert!(
        again.stdout.contains("not changed since the last release"),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stdout
            .contains(&format!("deploy {group}: 3 unchanged")),
        "{}",
        again.stdout
    );
    assert_eq!(started_at(&group), started, "nothing restarted");
    let forced = run(
        fleet(&group, 3, "v1"),
        &db,
        &["deploy", "--group", &group, "--force"],
        0,
    );
    assert!(
        forced
            .stdout
            .contains(&format!("deploy {group}: 3 deployed")),
        "{}",
        forced.stdout
    );
    assert_ne!(started_at(&group), started);

    // Files of another release put in place that it failed on (a failed restart leaves
    // that): the same release is deployed again, not taken as unchanged.
    let b = format!("{group}_b");
    let state = State::parse(read_file(3, &b, "/.jdeploy/releases.json").as_bytes()).unwrap();
    let started = inspect(3, &b, "{{.State.StartedAt}}");
    let in_place = state.read(Some(&started)).timeline;
    let failed = State::pending(
        in_place.current.as_deref(),
        in_place.kept.clone(),
        &"0".repeat(64),
        Some(&started),
        in_place.kept,
    )
    .failed();
    let failed = serde_json::to_string(&failed).unwrap();
    let write = format!("printf '%s' '{failed}' > /.jdeploy/releases.json");
    docker(3, &["exec", &b, "sh", "-c", &write]);
    let retried = run(
        fleet(&group, 3, "v1"),
        &db,
        &["deploy", "--group", &group],
        0,
    );
    assert!(
        retried
            .stdout
            .contains(&format!("deploy {group}: 1 deployed, 2 unchanged")),
        "{}",
        retried.stdout
    );
    // A history that cannot be written is warned about; the deploy still counts.
    let unwritable = run(
        fleet(&group, 3, "v1"),
        Path::new("/proc/jdeploy/history.db"),
        &["deploy", "--group", &group],
        0,
    );
    assert!(
        unwritable
            .stderr
            .contains("warning: this run was not recorded: cannot create /proc/jdeploy"),
        "{}",
        unwritable.stderr
    );
    let history = run(
        fleet(&group, 3, "v1"),
        &db,
        &["history", "--group", &group, "--json"],
        0,
    );
    let history: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let runs = history["runs"].as_array().unwrap();
    let commands: Vec<&str> = runs
        .iter()
        .map(|run| run["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands, ["deploy", "deploy", "deploy", "deploy", "create"]);
    assert!(runs[0]["by"].as_str().unwrap().contains('@'));
    assert!(runs[0]["command_line"]
        .as_str()
        .unwrap()
        .contains("deploy --group"));
    // The forced deploy, before the retried one.
    assert_eq!(runs[1]["flags"]["force"], true);
    let id = runs[1]["id"].to_string();
    let shown = run(
        fleet(&group, 3, "v1"),
        &db,
        &["history", "show", &id, "--json"],
        0,
    );
    let shown: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    let core = &shown["units"][0];
    assert_eq!(core["container"], format!("{group}_core"));
    assert_eq!(core["status"], "deployed");
    assert_eq!(core["release"], current(2, &format!("{group}_core")));
    let table = run(fleet(&group, 3, "v1"), &db, &["history", "show", &id], 0);
    let b = table
        .stdout
        .lines()
        .find(|line| line.starts_with(&format!("{group}_b ")))
        .unwrap_or_else(|| panic!("{}", table.stdout));
    assert!(b.contains("127.0.0.3") && b.contains("deployed"), "{b}");
}

#[test]
fn rollback_from_a_fresh_machine_restores_the_earlier_files_byte_for_byte() {
    let (group, _cleanup, _state, db) = setup("rollback");
    run(
        fleet(&group, 3, "v1"),
        &db,
        &["deploy", "--group", &group, "--mode", "one"],
        0,
    );
    let v1 = files(&group);
    let v1_release = current(3, &format!("{group}_b"));
    run(
        fleet(&group, 3, "v2"),
        &db,
        &["deploy", "--group", &group, "--mode", "two"],
        0,
    );
    assert_ne!(files(&group), v1);

    // Another machine: no history, no code directory, no template.
    let fresh = tempfile::tempdir().unwrap();
    let bare = Test::new().groups(&groups_yaml(&group, 3));
    let output = run(
        bare,
        &fresh.path().join("h.db"),
        &["rollback", "--group", &group],
        0,
    );
    assert!(
        output
            .stdout
            .contains(&format!("rollback {group}: 3 rolled_back")),
        "{}",
        output.stdout
    );
    assert_eq!(files(&group), v1);
    assert_eq!(current(3, &format!("{group}_b")), v1_release);
    for (engine, name) in CONTAINERS {
        assert_eq!(
            inspect(engine, &format!("{group}_{name}"), "{{.State.Status}}"),
            "running"
        );
    }
    // The stale file of the later release is gone again, the earlier one back.
    let listing = docker(3, &["exec", &format!("{group}_b"), "ls", "/srv/app"]);
    assert_eq!(
        listing.split_whitespace().collect::<Vec<_>>(),
        ["main.sh", "v1.txt"]
    );
    let status = run(
        Test::new().groups(&groups_yaml(&group, 3)),
        &db,
        &["status", "--group", &group, "--json"],
        0,
    );
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["containers"][2]["release"], v1_release);

    // Forward again, to the later deploy, by its release id's prefix.
    let bare = || Test::new().groups(&groups_yaml(&group, 3));
    let runs = run(bare(), &db, &["history", "--json"], 0);
    let runs: serde_json::Value = serde_json::from_str(&runs.stdout).unwrap();
    let second_deploy = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["command"] == "deploy")
        .unwrap()["id"]
        .to_string();
    let history = run(
        bare(),
        &db,
        &["history", "show", &second_deploy, "--json"],
        0,
    );
    let history: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let v2_release = history["units"][0]["release"].as_str().unwrap().to_string();
    let to = run(
        bare(),
        &db,
        &["rollback", "--group", &group, "--to", &v2_release[..12]],
        0,
    );
    assert!(to.stdout.contains("rolled_back"), "{}", to.stdout);
    assert!(read_file(2, &format!("{group}_core"), "/run.sh").contains("RUNTIME_MODE=two"));

    // Back again goes to the first deploy, and once more past it is refused: rolling
    // back never returns to a deploy it went back past.
    run(bare(), &db, &["rollback", "--group", &group], 0);
    assert_eq!(files(&group), v1);
    let past = run(bare(), &db, &["rollback", "--group", &group], 2);
    assert!(
        past.stderr.contains("keep 0 earlier deploy(s)"),
        "{}",
        past.stderr
    );
    assert_eq!(files(&group), v1);
}

#[test]
fn releases_beyond_keep_are_pruned_and_rollback_refuses_what_is_not_kept() {
    ensure_engines(&[2, 3]);
    let group = unique_group("prune");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    let state = tempfile::tempdir().unwrap();
    let db = state.path().join("h.db");
    run(
        fleet(&group, 2, "v1"),
        &db,
        &["create", "--group", &group],
        0,
    );
    let mut releases = Vec::new();
    for mode in ["one", "two", "three"] {
        run(
            fleet(&group, 2, "v1"),
            &db,
            &["deploy", "--group", &group, "--mode", mode],
            0,
        );
        releases.push(current(3, &format!("{group}_b")));
    }
    let b = format!("{group}_b");
    let kept = read_file(3, &b, "/.jdeploy/releases.json");
    let kept: serde_json::Value = serde_json::from_str(&kept).unwrap();
    let ids: Vec<&str> = kept["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["release"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [releases[1].as_str(), releases[2].as_str()]);
    let first_dir = format!("/.jdeploy/releases/{}", releases[0]);
    let pruned = docker_output(3, &["exec", &b, "test", "-d", &first_dir]);
    assert!(!pruned.status.success(), "{first_dir} is still there");

    let past = run(
        fleet(&group, 2, "v1"),
        &db,
        &["rollback", "--group", &group, "--steps", "2", "--yes"],
        2,
    );
    assert!(
        past.stderr
            .contains("keep 1 earlier deploy(s) of these containers, not 2"),
        "{}",
        past.stderr
    );
    let unknown = run(
        fleet(&group, 2, "v1"),
        &db,
        &["rollback", "--group", &group, "--to", &releases[0][..12]],
        2,
    );
    assert!(
        unknown.stderr.contains("no kept release or deploy"),
        "{}",
        unknown.stderr
    );
    assert_eq!(current(3, &b), releases[2], "nothing changed");

    // A missing container: the others are not touched either.
    docker(2, &["rm", "-f", &format!("{group}_a")]);
    let missing = run(
        fleet(&group, 2, "v1"),
        &db,
        &["rollback", "--group", &group],
        1,
    );
    assert!(
        missing.stdout.contains("does not exist on this host"),
        "{}",
        missing.stdout
    );
    assert!(
        missing
            .stdout
            .contains("not every container could be asked"),
        "{}",
        missing.stdout
    );
    assert_eq!(current(3, &b), releases[2], "nothing changed");
}

/// Runs jdeploy on a terminal (`script` makes one), answering `answer` to its question.
fn on_terminal(dir: &Path, args: &str, answer: &str) -> (Option<i32>, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let jdeploy = assert_cmd::cargo::cargo_bin("jdeploy");
    let mut child = Command::new("script")
        .args([
            "-qec",
            &format!("{} {args}", jdeploy.display()),
            "/dev/null",
        ])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn deploy_on_a_terminal_shows_the_plan_and_asks() {
    let (group, _cleanup, _state, db) = setup("ask");
    run(
        fleet(&group, 3, "v1"),
        &db,
        &["deploy", "--group", &group],
        0,
    );
    let before = files(&group);
    let test = fleet(&group, 3, "v1");
    let args = format!(
        "deploy --group {group} --mode asked --state {}",
        db.display()
    );
    let (status, text) = on_terminal(&test.path(), &args, "n\n");
    assert!(text.contains("+export RUNTIME_MODE=asked"), "{text}");
    assert!(
        text.contains(&format!("Deploy 3 container(s) of {group}?")),
        "{text}"
    );
    assert!(
        text.contains("nothing was deployed: not confirmed"),
        "{text}"
    );
    assert_eq!(status, Some(1), "{text}");
    assert_eq!(files(&group), before);

    let (status, text) = on_terminal(&test.path(), &format!("{args} --yes"), "");
    assert_eq!(status, Some(0), "{text}");
    assert!(!text.contains("Deploy 3 container(s)"), "{text}");
    assert!(read_file(3, &format!("{group}_b"), "/run.sh").contains("RUNTIME_MODE=asked"));
}
