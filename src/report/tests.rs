//! Snapshots of every table, plan and JSON document, so a change in what operators or
//! scripts read shows in review. The reports are built by hand; times and ids are
//! filtered out, so only the layout and the words are pinned.

use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::app::{
    ExecReport, GroupView, PlanAction, PlanReport, PlanRow, PlannedBatch, RunReport, StatusReport,
    StatusRow, UnitView,
};
use crate::engine::{EngineError, ErrorKind, OutputStream};
use crate::history::{Run, UnitRecord};
use crate::inventory::gates::{Amount, RolloutPolicy};
use crate::plan::{FileChange, ReleaseChanges};
use crate::release::{sha256, short};
use crate::rollout::{ExecOutcome, ExecOutput, GateResult, Outcome, Status, UnitKey};

/// `[name....]`, `width` characters wide: a stand-in as wide as what it replaces, so
/// the columns after it stay where they are.
fn placeholder(name: &str, width: usize) -> String {
    format!("[{name}{}]", ".".repeat(width - name.len() - 2))
}

/// What differs from run to run, replaced.
fn filters() -> Vec<(&'static str, String)> {
    vec![
        (r"\b[0-9a-f]{64}\b", placeholder("id", 64)),
        (r"\b[0-9a-f]{12}\b", placeholder("id", 12)),
        (
            r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            placeholder("timestamp", 20),
        ),
        // Four characters, as wide as the times under ten seconds the reports hold.
        (r"\d+\.\ds\b", "#.#s".into()),
        (
            r#""elapsed": \d+(\.\d+)?"#,
            r#""elapsed": [elapsed]"#.into(),
        ),
        // Escape codes shown, not sent to the terminal reading the snapshot.
        ("\x1b", r"\e".into()),
    ]
}

fn assert_output(name: &str, text: &str) {
    let filters = filters();
    insta::with_settings!({
        filters => filters.iter().map(|(regex, with)| (*regex, with.as_str())),
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// As `Printer::json` writes it.
fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

fn key(container: &str, host: &str, core: bool) -> UnitKey {
    UnitKey {
        group: "product".into(),
        container: container.into(),
        host: host.into(),
        core,
    }
}

/// The fleet: two units on 127.0.0.2, the core unit and one more on 127.0.0.3.
fn fleet() -> [UnitKey; 4] {
    [
        key("jl_2_1", "127.0.0.2", false),
        key("jl_2_2", "127.0.0.2", false),
        key("jl_core_3_1", "127.0.0.3", true),
        key("jl_3_1", "127.0.0.3", false),
    ]
}

/// A release id, as deploy makes them.
fn release(name: &str) -> String {
    sha256(name.as_bytes())
}

fn host_down() -> EngineError {
    EngineError::Unreachable {
        endpoint: "tcp://127.0.0.3:2375".into(),
        cause: "connection refused".into(),
    }
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// One row of each kind a deploy reports: deployed, unchanged, failed (its host down)
/// and skipped. No single deploy gives all four, as a failed core unit holds back its
/// whole group, but one table shows them side by side.
fn deploy_report() -> RunReport {
    let [unit_1, unit_2, core, unit_3] = fleet();
    let (new, old) = (release("new"), release("old"));
    let mut deployed = Outcome::new(
        unit_1,
        Status::Deployed,
        format!("release {} (was {})", short(&new), short(&old)),
    );
    deployed.release = Some(new.clone());
    deployed.elapsed = ms(2_381);
    let mut unchanged = Outcome::new(
        unit_2,
        Status::Unchanged,
        format!(
            "release {}: not changed since the last release",
            short(&new)
        ),
    );
    unchanged.elapsed = ms(412);
    let mut failed = Outcome::engine_failed(core.clone(), &host_down());
    failed.elapsed = ms(3_007);
    let skipped = Outcome::new(
        unit_3,
        Status::Skipped,
        format!("not deployed: core unit {core} failed"),
    );
    RunReport::new(
        "deploy",
        "product",
        vec![failed, deployed, unchanged, skipped],
        ms(3_125),
    )
}

/// A deploy in batches whose second batch failed its gate and was rolled back.
fn rolled_back_report() -> RunReport {
    let [unit_1, unit_2, core, unit_3] = fleet();
    let back = |unit: UnitKey, batch: &str| {
        let mut outcome = Outcome::new(
            unit,
            Status::RolledBack,
            format!(
                "back on {}: jl_3_1@127.0.0.3 exited (3) 0.4s after restart",
                short(&release("old"))
            ),
        );
        outcome.batch = Some(batch.into());
        outcome.release = Some(release("old"));
        outcome.elapsed = ms(3_400);
        outcome
    };
    let mut failed = Outcome::failed(
        unit_3,
        ErrorKind::Unhealthy,
        format!(
            "exited (3) 0.4s after restart; rolled back to {}",
            short(&release("old"))
        ),
    );
    failed.batch = Some("batch 1/2".into());
    failed.release = Some(release("old"));
    failed.elapsed = ms(1_900);
    failed.gate = Some(GateResult {
        passed: false,
        after: ms(400),
        reason: Some("exited (3) 0.4s after restart".into()),
        log_tail: vec!["starting jl_3_1".into(), "bad mode: giving up".into()],
    });
    let skipped = {
        let mut outcome = Outcome::new(
            unit_2,
            Status::Skipped,
            "not deployed: 1 failed, more than the 0 tolerated",
        );
        outcome.batch = Some("batch 2/2".into());
        outcome
    };
    let mut report = RunReport::new(
        "deploy",
        "product",
        vec![back(core, "core"), back(unit_1, "canary"), failed, skipped],
        ms(7_250),
    );
    report.rolled_back = true;
    report.strategy = Some(RolloutPolicy {
        canary: Amount::Count(1),
        batch: Some(Amount::Percent(50)),
        ..RolloutPolicy::default()
    });
    report
}

#[test]
fn rolled_back_deploy_table_json_and_logs() {
    let report = rolled_back_report();
    let text = format!(
        "{}\n{}\n{}",
        outcomes_table(&report.outcomes, false),
        summary_line(&report),
        failure_logs(&report.outcomes)
    );
    assert_output("rolled_back_table", &text);
    assert_output("rolled_back_json", &json(&OutcomesJson::new(&report)));
}

#[test]
fn outcomes_table_and_summary() {
    let report = deploy_report();
    let text = format!(
        "{}\n{}",
        outcomes_table(&report.outcomes, false),
        summary_line(&report)
    );
    assert_output("outcomes_table", &text);
}

#[test]
fn outcomes_table_in_colour() {
    assert_output(
        "outcomes_table_colour",
        &outcomes_table(&deploy_report().outcomes, true),
    );
}

#[test]
fn outcomes_json() {
    assert_output("outcomes_json", &json(&OutcomesJson::new(&deploy_report())));
}

fn changes() -> ReleaseChanges {
    let diff = "\
--- /run.sh (in place)
+++ /run.sh (new)
@@ -1,4 +1,4 @@
 #!/bin/sh
 set -e
-export JDEPLOY_MODE=dev_new
+export JDEPLOY_MODE=ci
 exec sh /workspace/app.sh
";
    ReleaseChanges {
        files: vec![
            FileChange {
                dest: "/run.sh".into(),
                diff: diff.into(),
                mode: None,
            },
            FileChange {
                dest: "/etc/app/app.conf".into(),
                diff: String::new(),
                mode: Some((0o644, 0o600)),
            },
        ],
        copied_added: vec!["/workspace/lib/new.sh".into()],
        // More than are listed, to show how the rest are counted.
        copied_changed: (1..=7)
            .map(|n| format!("/workspace/lib/part_{n}.sh"))
            .collect(),
        copied_removed: vec!["/workspace/old.sh".into()],
        image: Some((
            format!("sha256:{}", release("image old")),
            format!("sha256:{}", release("image new")),
        )),
        env_added: vec!["FEATURE_X".into()],
        env_changed: vec!["TZ".into()],
        env_removed: Vec::new(),
        flags: Some(("monitor=0 mode=dev_new".into(), "monitor=1 mode=ci".into())),
    }
}

fn plan_rows() -> Vec<PlanRow> {
    let [unit_1, unit_2, core, unit_3] = fleet();
    let row = |unit: UnitKey, action, from: Option<String>, to: Option<String>| PlanRow {
        unit,
        action,
        from,
        release: to,
        changes: None,
        error: None,
        error_kind: None,
    };
    let new = release("new");
    let mut change = row(
        unit_1,
        PlanAction::Change,
        Some(release("old")),
        Some(new.clone()),
    );
    change.changes = Some(changes());
    let mut first = row(unit_2, PlanAction::First, None, Some(new.clone()));
    first.changes = Some(ReleaseChanges {
        files: vec![FileChange {
            dest: "/run.sh".into(),
            diff: "\
--- /dev/null
+++ /run.sh (new)
@@ -0,0 +1,2 @@
+#!/bin/sh
+exec sh /workspace/app.sh
"
            .into(),
            mode: None,
        }],
        copied_added: vec!["/workspace/app.sh".into()],
        ..ReleaseChanges::default()
    });
    let unchanged = row(core, PlanAction::Unchanged, Some(new.clone()), Some(new));
    let mut error = row(unit_3, PlanAction::Error, None, None);
    error.error = Some(crate::rollout::UnitError::missing(&error.unit).message);
    error.error_kind = Some(ErrorKind::NotFound);
    vec![change, first, unchanged, error]
}

#[test]
fn plan_text_and_summary() {
    let rows = plan_rows();
    let text = format!(
        "{}{}",
        plan_text(&rows, false),
        plan_summary("product", &rows)
    );
    assert_output("plan_text", &text);
}

#[test]
fn plan_json() {
    let rows = plan_rows();
    let batches = plan_batches();
    let strategy = RolloutPolicy::default();
    let plan = PlanJson {
        ok: false,
        command: "plan",
        group: "product",
        units: &rows,
        batches: &batches,
        strategy: &strategy,
    };
    assert_output("plan_json", &json(&plan));
}

fn plan_batches() -> Vec<PlannedBatch> {
    let [unit_1, unit_2, core, unit_3] = fleet();
    vec![
        PlannedBatch {
            label: "core".into(),
            units: vec![core],
        },
        PlannedBatch {
            label: "canary".into(),
            units: vec![unit_1],
        },
        PlannedBatch {
            label: "batch 1/1".into(),
            units: vec![unit_2, unit_3],
        },
    ]
}

#[test]
fn plan_batches_text() {
    let report = PlanReport {
        group: "product".into(),
        rows: plan_rows(),
        batches: plan_batches(),
        strategy: RolloutPolicy {
            canary: Amount::Count(1),
            ..RolloutPolicy::default()
        },
    };
    assert_output("plan_batches", &batches_text(&report));
}

fn status_report() -> StatusReport {
    let [unit_1, unit_2, core, unit_3] = fleet();
    let blank = |unit: UnitKey, state: &str| StatusRow {
        unit,
        state: state.into(),
        exit_code: None,
        health: None,
        started_at: None,
        uptime_secs: None,
        memory_bytes: None,
        memory_limit_bytes: None,
        cpu_percent: None,
        restart_count: None,
        config_hash: None,
        config_differs: false,
        release: None,
        note: None,
        error_kind: None,
    };
    let running = StatusRow {
        health: Some("healthy".into()),
        started_at: Some("2026-11-22T08:00:00.123456789Z".into()),
        // A fixed input, not a clock reading: 2h5m.
        uptime_secs: Some(2 * 3_600 + 5 * 60 + 7),
        memory_bytes: Some(48_234_496),
        memory_limit_bytes: Some(268_435_456),
        cpu_percent: Some(2.37),
        restart_count: Some(0),
        config_hash: Some(release("config")),
        release: Some(release("new")),
        ..blank(unit_1, "running")
    };
    let exited = StatusRow {
        exit_code: Some(137),
        started_at: Some("2026-11-21T22:10:00.5Z".into()),
        restart_count: Some(3),
        config_hash: Some(release("config old")),
        config_differs: true,
        release: Some(release("old")),
        note: Some(
            "configuration differs from groups.yaml; `jdeploy create --group product --recreate` replaces it"
                .into(),
        ),
        ..blank(unit_2, "exited")
    };
    let unknown = |unit| StatusRow {
        note: Some(host_down().to_string()),
        error_kind: Some(ErrorKind::Unreachable),
        ..blank(unit, "unknown")
    };
    let missing = StatusRow {
        note: Some("no such container; `jdeploy create --group product` creates it".into()),
        ..blank(key("jl_2_3", "127.0.0.2", false), "missing")
    };
    StatusReport {
        rows: vec![running, exited, missing, unknown(core), unknown(unit_3)],
        elapsed: ms(412),
    }
}

#[test]
fn status_table_and_summary() {
    let report = status_report();
    let text = format!(
        "{}\n{}",
        status_table(&report.rows, false),
        status_summary(&report.rows, report.elapsed)
    );
    assert_output("status_table", &text);
}

#[test]
fn status_json() {
    assert_output("status_json", &json(&StatusJson::new(&status_report())));
}

fn exec_report() -> ExecReport {
    let [unit_1, unit_2, core, unit_3] = fleet();
    let ended = |unit, exit_code, millis| ExecOutcome {
        unit,
        exit_code: Some(exit_code),
        error: None,
        error_kind: None,
        elapsed: ms(millis),
    };
    let timed_out = ExecOutcome {
        unit: unit_3,
        exit_code: None,
        // As `exec --timeout 1` ends it.
        error: Some("still running after 1s; left running in the container".into()),
        error_kind: Some(ErrorKind::Timeout),
        elapsed: ms(1_004),
    };
    ExecReport {
        target: "product".into(),
        outcomes: vec![
            ended(unit_1, 0, 87),
            ended(unit_2, 2, 95),
            ended(core, 0, 143),
            timed_out,
        ],
        elapsed: ms(1_010),
    }
}

#[test]
fn exec_table_and_summary() {
    let report = exec_report();
    let text = format!(
        "{}\n{}",
        exec_table(&report.outcomes, false),
        exec_summary(&report.target, &report.outcomes, report.elapsed)
    );
    assert_output("exec_table", &text);
}

#[test]
fn exec_json() {
    let report = exec_report();
    let printer = ExecPrinter::new(ExecMode::Captured, false);
    let units: Vec<UnitKey> = report
        .outcomes
        .iter()
        .map(|outcome| outcome.unit.clone())
        .collect();
    printer.begin(&units);
    let output = |unit: usize, stream, text: &'static str| {
        printer.output(&units[unit], stream, Bytes::from_static(text.as_bytes()));
    };
    output(0, OutputStream::Stdout, "cd /workspace\n");
    output(1, OutputStream::Stderr, "sed: /run.sh: ");
    output(1, OutputStream::Stderr, "No such file or directory\n");
    output(2, OutputStream::Stdout, "cd /workspace\n");
    for outcome in &report.outcomes {
        printer.finish(outcome);
    }
    let argv: Vec<String> = ["sed", "-n", "2p", "/run.sh"].map(String::from).into();
    assert_output("exec_json", &json(&ExecJson::new(&argv, &report, &printer)));
}

fn runs() -> Vec<Run> {
    let units = deploy_report()
        .outcomes
        .iter()
        .map(|outcome| UnitRecord {
            container: outcome.unit.container.clone(),
            host: outcome.unit.host.clone(),
            core: outcome.unit.core,
            status: outcome.status.as_str().into(),
            release: outcome.release.clone(),
            detail: outcome.detail.clone(),
            elapsed: outcome.elapsed.as_secs_f64(),
            batch: outcome.batch.clone(),
        })
        .collect();
    let run = |id, command: &str, group: &str, ok| Run {
        id,
        started_at: format!("2026-11-22T10:0{id}:05Z"),
        elapsed: 1.5,
        by: "ops@deploy-box".into(),
        command_line: format!("jdeploy {command} --group {group}"),
        command: command.into(),
        group: group.into(),
        flags: serde_json::json!({}),
        deploy: None,
        ok,
        strategy: None,
        interrupted: false,
        rolled_back: false,
        units: Vec::new(),
    };
    let deploy = Run {
        elapsed: 3.125,
        command_line: "jdeploy deploy --group product --mode ci --yes".into(),
        flags: serde_json::json!({"mode": "ci", "monitor": false}),
        deploy: Some(release("deploy")),
        units,
        ..run(3, "deploy", "product", false)
    };
    vec![
        deploy,
        run(2, "create", "product", true),
        run(1, "rollback", "product_2", true),
    ]
}

#[test]
fn history_table_of_runs() {
    assert_output("history_table", &history_table(&runs()));
}

#[test]
fn history_run_text() {
    assert_output("history_run_text", &run_text(&runs()[0]));
}

#[test]
fn history_json() {
    // A copy of the document `history --json` builds in src/cli/commands/history.rs.
    let list = serde_json::json!({ "ok": true, "command": "history", "runs": runs() });
    assert_output("history_json", &json(&list));
    // `history show ID --json`.
    assert_output("history_run_json", &json(&runs()[0]));
}

#[test]
fn groups_table_of_views() {
    let view = |host: &str, core, containers: &[&str]| UnitView {
        host: host.into(),
        endpoint: format!("tcp://{host}:2375"),
        core,
        containers: containers.iter().map(|name| name.to_string()).collect(),
    };
    let groups = [
        GroupView {
            name: "product".into(),
            image: Some("jdeploy-demo:latest".into()),
            containers: 4,
            units: vec![
                view("127.0.0.2", false, &["jl_2_1", "jl_2_2"]),
                view("127.0.0.3", true, &["jl_core_3_1"]),
                view("127.0.0.3", false, &["jl_3_1"]),
            ],
            windows: Vec::new(),
            heal: false,
        },
        GroupView {
            name: "test".into(),
            image: None,
            containers: 1,
            units: vec![view("127.0.0.4", false, &["jl_test_4_1"])],
            windows: vec!["mon-fri 10:00-16:00 Asia/Shanghai".into()],
            heal: true,
        },
    ];
    assert_output("groups_table", &groups_table(&groups));
}
