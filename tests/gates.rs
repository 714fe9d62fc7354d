//! Health-gated deploys on real engines: a mode that breaks the service is caught, the
//! group goes back on its own, batches and canaries spare the rest, and Ctrl-C stops
//! between batches.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::engines::{ensure_engines, inspect, read_file, unique_group, Cleanup, ENGINES};
use common::inventory::Fleet;
use common::{Output, Test};

/// Exits 3 under `RUNTIME_MODE=bad` (only the units `breaks` names), is ready (for the
/// health check) unless `RUNTIME_MODE=nohealth`, and otherwise stays up.
const RUN_SH: &str = r#"#!/bin/sh
{{ env_set }}
rm -f /tmp/ready
if [ "$RUNTIME_MODE" = bad ] && BREAKS; then
  echo "bad mode: giving up" >&2
  exit 3
fi
[ "$RUNTIME_MODE" = nohealth ] || touch /tmp/ready
echo "up in mode $RUNTIME_MODE"
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
"#;

/// `<group>_core` on 127.0.0.2, then `_a` (127.0.0.2), `_b` (127.0.0.3), `_c` (127.0.0.4).
const CONTAINERS: [(u8, &str); 4] = [(2, "core"), (2, "a"), (3, "b"), (4, "c")];

struct Group {
    name: String,
    run_sh: String,
    rollout: String,
    health: bool,
    _cleanup: Cleanup,
}

impl Group {
    /// `breaks`: a shell test of which units break in the bad mode (`true`, or
    /// `{% if core %}false{% else %}true{% endif %}`).
    fn new(stem: &str, breaks: &str, rollout: &str) -> Self {
        ensure_engines(&ENGINES);
        let name = unique_group(stem);
        Self {
            _cleanup: Cleanup::new(&name, &ENGINES),
            run_sh: RUN_SH.replace("BREAKS", breaks),
            rollout: rollout.to_string(),
            health: false,
            name,
        }
    }

    fn yaml(&self) -> String {
        let group = self.name.as_str();
        let mut fleet = Fleet::new()
            .image(group, "jdeploy-demo:latest")
            .defaults("stop_timeout: 1")
            .defaults(&format!("rollout:\n  deadline: 20s\n{}", self.rollout));
        if !self.rollout.contains("min_healthy") {
            fleet = fleet.defaults("  min_healthy: 1s");
        }
        if self.health {
            fleet = fleet.defaults(
                "health:\n  cmd: test -f /tmp/ready\n  interval: 1s\n  timeout: 1s\n  retries: 1",
            );
        }
        fleet
            .unit("127.0.0.2", &[&format!("{group}_core")], group)
            .core()
            .unit("127.0.0.2", &[&format!("{group}_a")], group)
            .unit("127.0.0.3", &[&format!("{group}_b")], group)
            .unit("127.0.0.4", &[&format!("{group}_c")], group)
            .to_yaml()
    }

    fn test(&self) -> Test {
        Test::new()
            .file("run.sh.j2", &self.run_sh)
            .groups(&self.yaml())
            .env("JDEPLOY_STATE", &self.state())
    }

    /// History shared by every run of the group, as one machine's would be.
    fn state(&self) -> String {
        std::env::temp_dir()
            .join(format!("{}.db", self.name))
            .display()
            .to_string()
    }

    fn run(&self, args: &[&str], status: i32) -> Output {
        self.test().args(args).status(status).run()
    }

    fn deploy(&self, mode: &str, extra: &[&str], status: i32) -> serde_json::Value {
        let mut args = vec!["deploy", "--group", &self.name, "--mode", mode, "--json"];
        args.extend(extra);
        let output = self.run(&args, status);
        serde_json::from_str(&output.stdout)
            .unwrap_or_else(|err| panic!("{err}: {}\n{}", output.stdout, output.stderr))
    }

    fn created_and_deployed(&self) {
        self.run(&["create", "--group", &self.name], 0);
        let json = self.deploy("good", &[], 0);
        assert_eq!(json["counts"]["deployed"], 4, "{json}");
    }

    fn container(&self, suffix: &str) -> String {
        format!("{}_{suffix}", self.name)
    }

    /// When each container last started, as its engine says.
    fn started(&self) -> Vec<String> {
        CONTAINERS
            .iter()
            .map(|(engine, suffix)| {
                inspect(*engine, &self.container(suffix), "{{.State.StartedAt}}")
            })
            .collect()
    }

    /// Every container runs, on the good mode.
    fn all_running_good(&self) {
        for (engine, suffix) in CONTAINERS {
            let name = self.container(suffix);
            let state = inspect(engine, &name, "{{.State.Status}} {{.RestartCount}}");
            assert_eq!(state, "running 0", "{name}");
            let run_sh = read_file(engine, &name, "/run.sh");
            assert!(run_sh.contains("RUNTIME_MODE=good"), "{name}: {run_sh}");
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.state());
    }
}

fn statuses(json: &serde_json::Value) -> Vec<String> {
    json["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|unit| unit["status"].as_str().unwrap().to_string())
        .collect()
}

fn detail(json: &serde_json::Value, at: usize) -> String {
    json["units"][at]["detail"].as_str().unwrap().to_string()
}

#[test]
fn a_broken_mode_is_caught_and_the_group_goes_back() {
    let group = Group::new("brk", "true", "  canary: 1\n  batch: 1\n");
    group.created_and_deployed();
    let before = group.started();
    let json = group.deploy("bad", &[], 1);
    assert_eq!(json["ok"], false);
    assert_eq!(json["rolled_back"], true);
    assert_eq!(statuses(&json), ["failed", "skipped", "skipped", "skipped"]);
    let core = detail(&json, 0);
    assert!(core.starts_with("exited (3) "), "{core}");
    assert!(core.contains("; rolled back to "), "{core}");
    assert_eq!(json["units"][0]["error_kind"], "unhealthy");
    let logs = json["units"][0]["gate"]["log_tail"].to_string();
    assert!(logs.contains("bad mode: giving up"), "{logs}");
    // No other container was ever restarted.
    assert_eq!(group.started()[1..], before[1..]);
    group.all_running_good();
}

#[test]
fn a_failed_canary_takes_the_core_unit_back_too_and_spares_the_batches() {
    let breaks = "{% if core %}false{% else %}true{% endif %}";
    let group = Group::new("canary", breaks, "  canary: 1\n  batch: 1\n");
    group.created_and_deployed();
    let before = group.started();
    let json = group.deploy("bad", &[], 1);
    assert_eq!(
        statuses(&json),
        ["rolled_back", "failed", "skipped", "skipped"],
        "{json}"
    );
    assert_eq!(json["units"][1]["batch"], "canary");
    assert!(
        detail(&json, 0).contains(&format!("{}@127.0.0.2 exited (3)", group.container("a"))),
        "{json}"
    );
    assert_eq!(json["counts"]["rolled_back"], 1);
    // Only the core unit and the canary moved; the batches never started.
    let after = group.started();
    assert_ne!(after[0], before[0]);
    assert_eq!(after[2..], before[2..]);
    group.all_running_good();
    let history = group.run(&["history", "--json"], 0);
    let runs: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    assert_eq!(runs["runs"][0]["rolled_back"], true, "{runs}");
    assert_eq!(runs["runs"][0]["strategy"]["canary"]["count"], 1, "{runs}");
}

#[test]
fn a_failing_health_check_is_caught_and_rolled_back() {
    let mut group = Group::new("health", "false", "");
    group.health = true;
    group.created_and_deployed();
    let json = group.deploy("nohealth", &[], 1);
    let core = detail(&json, 0);
    assert!(
        core.starts_with("unhealthy: ") || core.starts_with("not healthy within"),
        "{core}"
    );
    assert_eq!(json["rolled_back"], true);
    for (engine, suffix) in CONTAINERS {
        let health = inspect(engine, &group.container(suffix), "{{.State.Health.Status}}");
        assert_ne!(health, "unhealthy", "{suffix}");
    }
}

#[test]
fn halt_keeps_what_passed_and_continue_runs_every_batch() {
    let breaks = "{% if core %}false{% else %}true{% endif %}";
    let group = Group::new("halt", breaks, "  batch: 1\n");
    group.created_and_deployed();
    let before = group.started();
    let halted = group.deploy("bad", &["--on-failure", "halt", "--max-failures", "1"], 1);
    assert_eq!(
        statuses(&halted),
        ["deployed", "failed", "failed", "skipped"],
        "{halted}"
    );
    assert_eq!(halted["rolled_back"], false);
    assert_eq!(
        group.started()[3],
        before[3],
        "the last batch never started"
    );
    let continued = group.deploy("bad", &["--on-failure", "continue"], 1);
    assert_eq!(
        statuses(&continued),
        ["unchanged", "failed", "failed", "failed"],
        "{continued}"
    );
}

#[test]
fn a_first_deploy_that_fails_has_nothing_to_go_back_to() {
    let group = Group::new("first", "true", "");
    group.run(&["create", "--group", &group.name], 0);
    let json = group.deploy("bad", &[], 1);
    let core = detail(&json, 0);
    assert!(
        core.contains("left as it is: no earlier release to go back to"),
        "{core}"
    );
    assert_eq!(statuses(&json)[1..], ["skipped", "skipped", "skipped"]);
}

#[test]
fn ctrl_c_between_batches_finishes_the_batch_and_starts_no_other() {
    let group = Group::new("sigint", "false", "  batch: 1\n  min_healthy: 2s\n");
    group.created_and_deployed();
    let before = group.started();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("run.sh.j2"), &group.run_sh).unwrap();
    std::fs::write(dir.path().join("groups.yaml"), group.yaml()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jdeploy"))
        .current_dir(dir.path())
        .args(["deploy", "--group", &group.name, "--mode", "next"])
        .env("JDEPLOY_STATE", group.state())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The CI lines say when the first batch starts; the signal comes while it waits.
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("note: batch 1/3") {
            let pid = child.id().to_string();
            let killed = Command::new("kill").args(["-INT", &pid]).status().unwrap();
            assert!(killed.success());
        }
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{seen}");
    let table = String::from_utf8(output.stdout).unwrap();
    let result = |suffix: &str| {
        let name = group.container(suffix);
        table
            .lines()
            .find(|line| line.split_whitespace().nth(1) == Some(name.as_str()))
            .unwrap_or_else(|| panic!("no row for {name}:\n{table}"))
            .to_string()
    };
    assert!(result("core").contains(" deployed "), "{table}");
    assert!(result("a").contains(" deployed "), "{table}");
    for suffix in ["b", "c"] {
        assert!(
            result(suffix).contains(" skipped ")
                && result(suffix).ends_with("not deployed: interrupted"),
            "{table}"
        );
    }
    assert!(table.contains("; interrupted"), "{table}");
    assert_eq!(group.started()[2..], before[2..]);
    let history = group.run(&["history", "--json"], 0);
    let runs: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    assert_eq!(runs["runs"][0]["interrupted"], true, "{runs}");
}
