//! Every command through the application layer, against the in-memory engine: what
//! the CLI and a server get back, without Docker.

use std::sync::Mutex;

use tempfile::TempDir;

use super::*;
use crate::engine::fake::FakeFleet;
use crate::engine::ErrorKind;
use crate::inventory::{Diagnostic, Selection};
use crate::layout::STATE_FILE as KEPT_FILE;
use crate::render::Flags;
use crate::rollout::{Lifecycle, Reporter, SilentReporter, Status, Usage};

mod secrets;
mod tokens;

impl Backend for FakeFleet {
    type Connector = FakeFleet;
    fn connector(&self, _: crate::engine::ConnectOptions) -> FakeFleet {
        self.clone()
    }

    async fn local_engine(
        &self,
    ) -> Result<crate::engine::fake::FakeEngine, crate::engine::EngineError> {
        crate::engine::Connector::connect(self, &crate::plan::tests::host("local")).await
    }
}

const GROUPS: &str = "\
images:
  web: app:1
defaults:
  rollout:
    min_healthy: 50ms
units:
  - host: 127.0.0.2
    dockers: [web_core]
    group: web
    core: true
  - host: 127.0.0.2
    dockers: [web_a]
    group: web
  - host: 127.0.0.3
    dockers: [web_b]
    group: web
";

const RUN_SH: &str = "#!/bin/sh\n{{ env_set }}\necho {{ container }}\n";

/// A groups.yaml in a scratch directory, and the application over `fake`.
struct Setup {
    _dir: TempDir,
    app: App<FakeFleet>,
    fake: FakeFleet,
}

fn setup(fake: FakeFleet) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("groups.yaml"), GROUPS).unwrap();
    std::fs::write(dir.path().join("run.sh.j2"), RUN_SH).unwrap();
    let context = Context {
        file: dir.path().join("groups.yaml"),
        load: Default::default(),
        state: dir.path().join("history.db"),
        lock: Default::default(),
        secrets: Default::default(),
    };
    Setup {
        _dir: dir,
        app: App::new(fake.clone(), context),
        fake,
    }
}

/// A frontend that answers every question the same way and keeps what it was told.
#[derive(Default)]
struct Scripted {
    /// None: nobody is there to ask.
    answer: Option<bool>,
    asked: Mutex<Vec<String>>,
    warnings: Mutex<Vec<String>>,
}

impl Frontend for Scripted {
    fn reporter(&self, _: &str) -> Box<dyn Reporter> {
        Box::new(SilentReporter)
    }
    fn diagnostic(&self, diagnostic: &Diagnostic) {
        self.warnings.lock().unwrap().push(diagnostic.to_string());
    }
    fn warning(&self, message: &str) {
        self.warnings.lock().unwrap().push(message.to_string());
    }
    fn can_answer(&self) -> bool {
        self.answer.is_some()
    }
    fn confirm(&self, question: &Question<'_>) -> Result<bool, String> {
        self.asked.lock().unwrap().push(format!("{question:?}"));
        Ok(self.answer.unwrap_or(false))
    }
}

fn deploy_request(mode: &str) -> DeployRequest {
    DeployRequest {
        group: "web".into(),
        flags: Flags {
            monitor: false,
            mode: Some(mode.into()),
        },
        force: false,
        yes: true,
        rollout: Default::default(),
        no_hooks: false,
    }
}

fn create_request() -> CreateRequest {
    CreateRequest {
        group: "web".into(),
        recreate: false,
        force: false,
        push_images: false,
        prune: false,
        yes: false,
    }
}

fn statuses(report: &RunReport) -> Vec<(&str, Status)> {
    report
        .outcomes
        .iter()
        .map(|outcome| (outcome.unit.container.as_str(), outcome.status))
        .collect()
}

#[tokio::test]
async fn create_then_deploy_puts_the_release_in_every_container() {
    let Setup { app, fake, _dir } = setup(FakeFleet::default());
    let frontend = Unattended;
    let created = app.create(&create_request(), &frontend).await.unwrap();
    assert!(created.ok(), "{created:?}");
    assert!(created.outcomes.iter().all(|o| o.status == Status::Created));
    let again = app.create(&create_request(), &frontend).await.unwrap();
    assert!(again.outcomes.iter().all(|o| o.status == Status::Unchanged));

    let deployed = app.deploy(&deploy_request("one"), &frontend).await.unwrap();
    assert_eq!(
        statuses(&deployed),
        [
            ("web_core", Status::Deployed),
            ("web_a", Status::Deployed),
            ("web_b", Status::Deployed)
        ]
    );
    let run_sh = fake.file("127.0.0.3", "web_b", "/run.sh").unwrap();
    assert!(run_sh.contains("RUNTIME_MODE=one") && run_sh.contains("echo web_b"));
    // Pending with the container's start time before the restart; it started since.
    let state = fake.file("127.0.0.3", "web_b", KEPT_FILE).unwrap();
    let state = crate::release::State::parse(state.as_bytes()).unwrap();
    let release = deployed.outcomes[2].release.clone();
    assert_eq!(state.release(), release.as_deref());
    let started = fake.started_at("127.0.0.3", "web_b");
    assert_eq!(state.read(Some(&started)).timeline.current, release);

    let unchanged = app.deploy(&deploy_request("one"), &frontend).await.unwrap();
    assert!(unchanged
        .outcomes
        .iter()
        .all(|o| o.status == Status::Unchanged));
    let plan = app
        .plan(
            &PlanRequest {
                group: "web".into(),
                flags: Flags {
                    monitor: false,
                    mode: Some("two".into()),
                },
                rollout: Default::default(),
            },
            &frontend,
        )
        .await
        .unwrap();
    assert!(plan.ok());
    assert!(plan.rows.iter().all(|row| row.action == PlanAction::Change));
    let diff = &plan.rows[0].changes.as_ref().unwrap().files[0].diff;
    assert!(diff.contains("+export RUNTIME_MODE=two"), "{diff}");
}

#[tokio::test]
async fn a_deploy_declined_at_the_question_changes_nothing() {
    let Setup { app, fake, _dir } = setup(FakeFleet::default());
    app.create(&create_request(), &Unattended).await.unwrap();
    let writes_before = fake.writes().len();
    let frontend = Scripted {
        answer: Some(false),
        ..Default::default()
    };
    let mut request = deploy_request("one");
    request.yes = false;
    let declined = app.deploy(&request, &frontend).await;
    assert!(matches!(declined, Err(AppError::NotConfirmed(_))));
    assert_eq!(fake.writes().len(), writes_before);
    let asked = frontend.asked.lock().unwrap();
    assert!(asked[0].starts_with("Deploy") && asked[0].contains("changing: 3"));
}

#[tokio::test]
async fn nobody_to_ask_means_no_question() {
    let Setup { app, _dir, .. } = setup(FakeFleet::default());
    app.create(&create_request(), &Unattended).await.unwrap();
    let frontend = Scripted::default();
    let mut request = deploy_request("one");
    request.yes = false;
    let report = app.deploy(&request, &frontend).await.unwrap();
    assert!(report.ok());
    assert!(frontend.asked.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_unreachable_host_stops_the_deploy_unless_it_is_tolerated() {
    let Setup { app, fake, _dir } = setup(FakeFleet::default());
    app.create(&create_request(), &Unattended).await.unwrap();
    // The fake's hosts are shared: from now on one refuses connections.
    let _ = fake.clone().unreachable("127.0.0.3");
    let writes = fake.writes().len();
    let report = app
        .deploy(&deploy_request("one"), &Unattended)
        .await
        .unwrap();
    assert!(!report.ok());
    assert_eq!(
        statuses(&report),
        [
            ("web_core", Status::Skipped),
            ("web_a", Status::Skipped),
            ("web_b", Status::Failed)
        ]
    );
    assert_eq!(report.outcomes[2].error_kind, Some(ErrorKind::Unreachable));
    assert_eq!(fake.writes().len(), writes, "nothing was touched");
    // Tolerated, it hides no other result and changes everything it can reach.
    let mut request = deploy_request("one");
    request.rollout.max_failures = Some(crate::inventory::gates::Amount::Count(1));
    let report = app.deploy(&request, &Unattended).await.unwrap();
    assert!(!report.ok());
    assert_eq!(
        statuses(&report),
        [
            ("web_core", Status::Deployed),
            ("web_a", Status::Deployed),
            ("web_b", Status::Failed)
        ]
    );
}

#[tokio::test]
async fn rollback_puts_back_the_files_of_the_release_before() {
    let Setup { app, fake, _dir } = deployed_twice().await;
    let before = fake.file("127.0.0.2", "web_a", "/run.sh").unwrap();
    assert!(before.contains("RUNTIME_MODE=two"));
    let report = app.rollback(&one_step_back(), &Unattended).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert!(report
        .outcomes
        .iter()
        .all(|o| o.status == Status::RolledBack));
    let after = fake.file("127.0.0.2", "web_a", "/run.sh").unwrap();
    assert!(after.contains("RUNTIME_MODE=one"), "{after}");
    // Once more goes past the first deploy: refused, nothing changed.
    let writes = fake.writes().len();
    let refused = app.rollback(&one_step_back(), &Unattended).await;
    assert!(matches!(refused, Err(AppError::Refused(_))), "{refused:?}");
    assert_eq!(fake.writes().len(), writes);
}

#[tokio::test]
async fn rm_of_the_whole_fleet_needs_yes_when_nobody_can_be_asked() {
    let Setup { app, fake, _dir } = setup(FakeFleet::default());
    app.create(&create_request(), &Unattended).await.unwrap();
    let mut request = LifecycleRequest {
        selection: Selection::default(),
        action: Lifecycle::Remove { foreign: false },
        stop_timeout: None,
        yes: false,
        no_hooks: false,
        groups: Vec::new(),
    };
    let refused = app.lifecycle(&request, &Unattended).await;
    assert!(matches!(refused, Err(AppError::Refused(_))));
    assert!(fake.container("127.0.0.2", "web_a").is_some());
    request.yes = true;
    let removed = app.lifecycle(&request, &Unattended).await.unwrap();
    assert_eq!(removed.group, "all");
    assert!(removed.outcomes.iter().all(|o| o.status == Status::Removed));
    assert!(fake.container("127.0.0.2", "web_a").is_none());
}

#[tokio::test]
async fn status_tells_missing_containers_from_unreachable_hosts() {
    let fake = FakeFleet::default()
        .with_container("127.0.0.2", "web_core")
        .unreachable("127.0.0.3");
    let Setup { app, _dir, .. } = setup(fake);
    let request = StatusRequest {
        selection: Selection {
            group: Some("web".into()),
            ..Default::default()
        },
        usage: Usage::Processes,
    };
    let report = app.status(&request, &Unattended).await.unwrap();
    let states: Vec<&str> = report.rows.iter().map(|row| row.state.as_str()).collect();
    assert_eq!(states, ["running", "missing", "unknown"]);
    assert_eq!(report.rows[2].error_kind, Some(ErrorKind::Unreachable));
    assert!(!report.complete());
}

#[tokio::test]
async fn runs_are_recorded_and_a_history_that_cannot_be_written_is_a_warning() {
    let Setup { app, _dir, .. } = setup(FakeFleet::default());
    app.create(&create_request(), &Unattended).await.unwrap();
    let history = app
        .history(&HistoryRequest::List {
            group: None,
            limit: 10,
        })
        .await
        .unwrap();
    let HistoryReport::Runs { runs, .. } = history else {
        panic!("a list")
    };
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].command, "create");

    let mut context = app.context.clone();
    context.state = "/proc/jdeploy/history.db".into();
    let app = App::new(app.backend.clone(), context);
    let frontend = Scripted::default();
    let report = app.deploy(&deploy_request("one"), &frontend).await.unwrap();
    assert!(report.ok());
    let warnings = frontend.warnings.lock().unwrap();
    assert!(warnings[0].starts_with("this run was not recorded"));
}

#[tokio::test]
async fn bad_input_is_an_input_error_and_no_engine_is_called() {
    let Setup { app, fake, _dir } = setup(FakeFleet::default());
    let request = CreateRequest {
        group: "nope".into(),
        recreate: false,
        force: false,
        push_images: false,
        prune: false,
        yes: false,
    };
    let err = app.create(&request, &Unattended).await.unwrap_err();
    assert!(matches!(err, AppError::Input(_)), "{err}");
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn exec_and_logs_pass_output_on_and_report_each_container() {
    let fake = FakeFleet::default()
        .with_container("127.0.0.2", "web_core")
        .with_container("127.0.0.2", "web_a")
        .with_container("127.0.0.3", "web_b");
    let Setup { app, _dir, .. } = setup(fake);
    #[derive(Default)]
    struct Captured(Mutex<Vec<String>>);
    impl crate::rollout::ExecOutput for Captured {
        fn begin(&self, units: &[crate::rollout::UnitKey]) {
            self.0
                .lock()
                .unwrap()
                .push(format!("{} units", units.len()));
        }
        fn output(
            &self,
            unit: &crate::rollout::UnitKey,
            _: crate::engine::OutputStream,
            data: bytes::Bytes,
        ) {
            let text = String::from_utf8_lossy(&data);
            self.0
                .lock()
                .unwrap()
                .push(format!("{unit}: {}", text.trim()));
        }
        fn finish(&self, _: &crate::rollout::ExecOutcome) {}
    }
    let output = Captured::default();
    let request = ExecRequest {
        selection: Selection {
            group: Some("web".into()),
            hosts: vec!["127.0.0.3".into()],
            containers: Vec::new(),
        },
        command: vec!["true".into()],
        timeout: None,
    };
    let report = app.exec(&request, &output, &Unattended).await.unwrap();
    assert!(report.ok());
    assert_eq!(report.target, "web");
    assert_eq!(
        *output.0.lock().unwrap(),
        ["1 units", "web_b@127.0.0.3: hello from web_b"]
    );
}

/// The group with three non-core containers, for rollouts in batches.
const FOUR: &str = "\
images:
  web: app:1
groups:
  web:
    rollout:
      min_healthy: 50ms
ROLLOUT
units:
  - host: 127.0.0.2
    dockers: [web_core]
    group: web
    core: true
  - host: 127.0.0.2
    dockers: [web_a]
    group: web
  - host: 127.0.0.3
    dockers: [web_b, web_c]
    group: web
";

fn setup_four(fake: FakeFleet, rollout: &str) -> Setup {
    let setup = setup(fake);
    let yaml = FOUR.replace("ROLLOUT\n", rollout);
    std::fs::write(&setup.app.context.file, yaml).unwrap();
    setup
}

async fn created_and_deployed(setup: &Setup) {
    setup
        .app
        .create(&create_request(), &Unattended)
        .await
        .unwrap();
    let first = setup
        .app
        .deploy(&deploy_request("good"), &Unattended)
        .await
        .unwrap();
    assert!(first.ok(), "{first:?}");
}

fn starts(fake: &FakeFleet) -> Vec<u32> {
    [
        ("127.0.0.2", "web_core"),
        ("127.0.0.2", "web_a"),
        ("127.0.0.3", "web_b"),
        ("127.0.0.3", "web_c"),
    ]
    .iter()
    .map(|(host, name)| fake.container(host, name).unwrap().starts)
    .collect()
}

#[tokio::test]
async fn a_failed_core_unit_rolls_back_and_touches_nothing_else() {
    let fake = FakeFleet::default();
    let setup = setup_four(fake.clone(), "      canary: 1\n      batch: 1\n");
    created_and_deployed(&setup).await;
    let before = starts(&fake);
    // Every container crashes on the bad mode.
    let _ = fake
        .clone()
        .crashing_when(|sh| sh.contains("RUNTIME_MODE=bad"), 3);
    let report = setup
        .app
        .deploy(&deploy_request("bad"), &Unattended)
        .await
        .unwrap();
    assert!(!report.ok() && report.rolled_back);
    let core = &report.outcomes[0];
    assert_eq!(core.status, Status::Failed, "{core:?}");
    assert!(core.detail.starts_with("exited (3)"), "{}", core.detail);
    assert!(core.detail.contains("; rolled back to "), "{}", core.detail);
    assert_eq!(core.batch.as_deref(), Some("core"));
    let skipped: Vec<Status> = report.outcomes[1..].iter().map(|o| o.status).collect();
    assert_eq!(skipped, [Status::Skipped; 3]);
    // The core unit restarted twice (deploy, then back); nothing else moved.
    let after = starts(&fake);
    assert_eq!(after[0], before[0] + 2);
    assert_eq!(after[1..], before[1..]);
    let run_sh = fake.file("127.0.0.2", "web_core", "/run.sh").unwrap();
    assert!(run_sh.contains("RUNTIME_MODE=good"), "{run_sh}");
}

#[tokio::test]
async fn canaries_and_batches_go_one_after_another_and_rollback_covers_them_all() {
    let fake = FakeFleet::default();
    let setup = setup_four(fake.clone(), "      canary: 1\n      batch: 1\n");
    created_and_deployed(&setup).await;
    let before = starts(&fake);
    // Only the last container crashes: core, canary and batch 1 pass first.
    let _ = fake.clone().crashing_when(
        |sh| sh.contains("RUNTIME_MODE=bad") && sh.contains("echo web_c\n"),
        3,
    );
    let report = setup
        .app
        .deploy(&deploy_request("bad"), &Unattended)
        .await
        .unwrap();
    let got: Vec<(Option<&str>, Status)> = report
        .outcomes
        .iter()
        .map(|o| (o.batch.as_deref(), o.status))
        .collect();
    assert_eq!(
        got,
        [
            (Some("core"), Status::RolledBack),
            (Some("canary"), Status::RolledBack),
            (Some("batch 1/2"), Status::RolledBack),
            (Some("batch 2/2"), Status::Failed),
        ]
    );
    assert!(report.outcomes[0]
        .detail
        .contains("web_c@127.0.0.3 exited (3)"));
    let after = starts(&fake);
    assert!(after.iter().zip(&before).all(|(a, b)| *a == b + 2));
    for (host, name) in [("127.0.0.2", "web_a"), ("127.0.0.3", "web_c")] {
        let run_sh = fake.file(host, name, "/run.sh").unwrap();
        assert!(run_sh.contains("RUNTIME_MODE=good"), "{name}: {run_sh}");
    }
    // The undone deploy does not count: one step back is the deploy before it.
    let kept = fake.file("127.0.0.2", "web_a", KEPT_FILE).unwrap();
    assert!(kept.contains("\"undone\": true"), "{kept}");
}

#[tokio::test]
async fn halt_keeps_what_passed_and_continue_runs_every_batch() {
    use Status::{Deployed as D, Failed as F, Skipped as S};
    for (policy, tolerated, statuses) in [
        ("halt", 0, [D, D, F, S]),
        ("halt", 1, [D, D, F, F]),
        ("continue", 0, [D, D, F, F]),
    ] {
        let fake = FakeFleet::default();
        let rollout = format!(
            "      batch: 1\n      on_failure: {policy}\n      max_failures: {tolerated}\n"
        );
        let setup = setup_four(fake.clone(), &rollout);
        created_and_deployed(&setup).await;
        // The core unit and the first batch pass; the next two fail.
        let _ = fake.clone().crashing_when(
            |sh| {
                sh.contains("RUNTIME_MODE=bad")
                    && (sh.contains("echo web_b\n") || sh.contains("echo web_c\n"))
            },
            3,
        );
        let report = setup
            .app
            .deploy(&deploy_request("bad"), &Unattended)
            .await
            .unwrap();
        let got: Vec<Status> = report.outcomes.iter().map(|o| o.status).collect();
        assert_eq!(got, statuses, "{policy} {tolerated}: {report:?}");
        assert!(!report.ok() && !report.rolled_back, "{policy}");
    }
}

#[tokio::test]
async fn a_first_deploy_that_fails_has_nothing_to_go_back_to() {
    let fake = FakeFleet::default().crashing_when(|sh| sh.contains("RUNTIME_MODE=bad"), 3);
    let setup = setup_four(fake.clone(), "");
    setup
        .app
        .create(&create_request(), &Unattended)
        .await
        .unwrap();
    let report = setup
        .app
        .deploy(&deploy_request("bad"), &Unattended)
        .await
        .unwrap();
    assert!(!report.ok());
    let core = &report.outcomes[0];
    assert_eq!(core.status, Status::Failed);
    assert!(
        core.detail
            .contains("left as it is: no earlier release to go back to"),
        "{}",
        core.detail
    );
    assert_eq!(core.error_kind, Some(ErrorKind::Unhealthy));
}

#[tokio::test]
async fn an_unhealthy_container_fails_its_gate_with_the_probe_output() {
    let fake = FakeFleet::default();
    let setup = setup_four(fake.clone(), "");
    created_and_deployed(&setup).await;
    let _ = fake
        .clone()
        .unhealthy_when(|sh| sh.contains("RUNTIME_MODE=sick"));
    let report = setup
        .app
        .deploy(&deploy_request("sick"), &Unattended)
        .await
        .unwrap();
    let core = &report.outcomes[0];
    assert!(
        core.detail.starts_with("unhealthy: not ready"),
        "{}",
        core.detail
    );
    assert!(report.rolled_back);
}

#[tokio::test]
async fn interrupted_before_a_batch_starts_nothing_more() {
    let fake = FakeFleet::default();
    let setup = setup_four(fake.clone(), "      batch: 1\n");
    created_and_deployed(&setup).await;
    // Stops once the core unit and the first batch were asked about.
    struct StopsAfter(std::sync::atomic::AtomicUsize);
    impl Frontend for StopsAfter {
        fn reporter(&self, _: &str) -> Box<dyn Reporter> {
            Box::new(SilentReporter)
        }
        fn diagnostic(&self, _: &Diagnostic) {}
        fn warning(&self, _: &str) {}
        fn can_answer(&self) -> bool {
            false
        }
        fn confirm(&self, _: &Question<'_>) -> Result<bool, String> {
            Ok(false)
        }
        fn interrupted(&self) -> bool {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 2
        }
    }
    let frontend = StopsAfter(Default::default());
    let report = setup
        .app
        .deploy(&deploy_request("two"), &frontend)
        .await
        .unwrap();
    assert!(report.interrupted);
    let got: Vec<Status> = report.outcomes.iter().map(|o| o.status).collect();
    assert_eq!(
        got,
        [
            Status::Deployed,
            Status::Deployed,
            Status::Skipped,
            Status::Skipped
        ]
    );
    assert_eq!(report.outcomes[3].detail, "not deployed: interrupted");
}

#[tokio::test]
async fn restart_is_gated_and_stops_at_the_first_batch_that_fails() {
    let fake = FakeFleet::default();
    let setup = setup_four(fake.clone(), "      batch: 1\n");
    created_and_deployed(&setup).await;
    // From now on web_a crashes whenever it starts.
    let _ = fake
        .clone()
        .crashing_when(|sh| sh.contains("echo web_a\n"), 7);
    let request = LifecycleRequest {
        selection: Selection {
            group: Some("web".into()),
            ..Default::default()
        },
        action: Lifecycle::Restart,
        stop_timeout: None,
        yes: false,
        no_hooks: false,
        groups: Vec::new(),
    };
    let report = setup.app.lifecycle(&request, &Unattended).await.unwrap();
    let got: Vec<Status> = report.outcomes.iter().map(|o| o.status).collect();
    // on_failure: rollback stops a restart as halt does.
    assert_eq!(
        got,
        [
            Status::Restarted,
            Status::Failed,
            Status::Skipped,
            Status::Skipped
        ]
    );
    assert!(
        report.outcomes[1].detail.starts_with("exited (7)"),
        "{}",
        report.outcomes[1].detail
    );
    assert_eq!(report.outcomes[1].error_kind, Some(ErrorKind::Unhealthy));
    assert!(report.strategy.is_some());
}

fn push_request(hosts: &[&str]) -> ImagePushRequest {
    ImagePushRequest {
        images: vec!["app:1".into()],
        selection: Selection {
            group: Some("web".into()),
            hosts: hosts.iter().map(|host| host.to_string()).collect(),
            containers: Vec::new(),
        },
        from_file: None,
    }
}

#[tokio::test]
async fn an_image_goes_only_to_the_hosts_that_lack_it() {
    let fake = FakeFleet::default()
        .with_image("local", "app:1", "sha256:aaa")
        .with_image("127.0.0.3", "app:1", "sha256:aaa");
    let Setup { app, fake, _dir } = setup(fake);
    let report = app
        .image_push(&push_request(&[]), &Unattended)
        .await
        .unwrap();
    let got: Vec<(&str, Status)> = report
        .outcomes
        .iter()
        .map(|o| (o.unit.host.as_str(), o.status))
        .collect();
    assert_eq!(
        got,
        [
            ("127.0.0.2", Status::Pushed),
            ("127.0.0.3", Status::Unchanged)
        ]
    );
    assert!(report.outcomes[0].bytes.unwrap() > 0);
    assert_eq!(
        fake.image_on("127.0.0.2", "app:1").as_deref(),
        Some("sha256:aaa")
    );
    // Again: one question per host, nothing sent.
    let again = app
        .image_push(&push_request(&[]), &Unattended)
        .await
        .unwrap();
    assert!(again.outcomes.iter().all(|o| o.status == Status::Unchanged));
    let loads = fake
        .calls()
        .iter()
        .filter(|call| call.starts_with("load"))
        .count();
    assert_eq!(loads, 1, "only the first push sent anything");
}

#[tokio::test]
async fn a_host_that_cannot_be_reached_fails_alone_and_drift_is_marked() {
    let fake = FakeFleet::default()
        .with_image("local", "app:1", "sha256:aaa")
        .unreachable("127.0.0.3");
    let Setup { app, fake, _dir } = setup(fake);
    let report = app
        .image_push(&push_request(&[]), &Unattended)
        .await
        .unwrap();
    assert_eq!(report.outcomes[0].status, Status::Pushed);
    assert_eq!(report.outcomes[1].status, Status::Failed);
    assert_eq!(report.outcomes[1].error_kind, Some(ErrorKind::Unreachable));
    assert!(!report.ok());

    let fake = fake.with_image("127.0.0.2", "app:1", "sha256:bbb");
    let _ = fake;
    let rows = app
        .image_ls(
            &ImageLsRequest {
                selection: Selection::default(),
            },
            &Unattended,
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].id.as_deref(), Some("sha256:bbb"));
    assert_eq!(rows[1].error_kind, Some(ErrorKind::Unreachable));
}

#[tokio::test]
async fn an_image_this_machine_lacks_is_refused_before_any_host_is_asked() {
    let Setup { app, fake, _dir } = setup(FakeFleet::default());
    let err = app
        .image_push(&push_request(&[]), &Unattended)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("image app:1 is not in this machine's engine"),
        "{err}"
    );
    // Only this machine's engine was asked.
    assert_eq!(fake.calls(), ["image app:1"]);
}

/// The group created and deployed in two modes, `one` then `two`.
async fn deployed_twice() -> Setup {
    let setup = setup(FakeFleet::default());
    setup
        .app
        .create(&create_request(), &Unattended)
        .await
        .unwrap();
    for mode in ["one", "two"] {
        setup
            .app
            .deploy(&deploy_request(mode), &Unattended)
            .await
            .unwrap();
    }
    setup
}

fn one_step_back() -> RollbackRequest {
    RollbackRequest {
        group: "web".into(),
        hosts: Vec::new(),
        containers: Vec::new(),
        to: RollbackTo::Steps(1),
        yes: true,
        no_hooks: false,
    }
}

#[tokio::test]
async fn a_forged_manifest_is_refused_before_any_container_is_touched() {
    use crate::layout::{release_dir, MANIFEST_IN_RELEASE};
    use crate::release::{Kept, Manifest};
    let Setup { app, fake, _dir } = deployed_twice().await;
    // The container rewrites its first release's manifest, hash and all.
    let (host, name) = ("127.0.0.2", "web_a");
    let kept_text = fake.file(host, name, KEPT_FILE).unwrap();
    let kept: Kept = serde_json::from_str(&kept_text).unwrap();
    let first = kept.releases[0].release.clone();
    let manifest_path = format!("{}/{MANIFEST_IN_RELEASE}", release_dir(&first));
    let mut manifest: Manifest =
        serde_json::from_str(&fake.file(host, name, &manifest_path).unwrap()).unwrap();
    manifest.files[0].dest = "/../../etc/cron.d/x".into();
    manifest.release = String::new();
    manifest.release = manifest.content_hash();
    let forged = manifest.release.clone();
    fake.put_file(
        host,
        name,
        &format!("{}/{MANIFEST_IN_RELEASE}", release_dir(&forged)),
        &serde_json::to_string(&manifest).unwrap(),
    );
    fake.put_file(host, name, KEPT_FILE, &kept_text.replace(&first, &forged));
    let writes = fake.writes().len();
    let report = app.rollback(&one_step_back(), &Unattended).await.unwrap();
    assert!(!report.ok() && !report.refused);
    let forged_unit = &report.outcomes[1];
    assert_eq!(forged_unit.error_kind, Some(ErrorKind::Refused));
    assert!(
        forged_unit
            .detail
            .contains("names a path jdeploy never writes"),
        "{}",
        forged_unit.detail
    );
    assert_eq!(fake.writes().len(), writes, "nothing was touched");
}

#[tokio::test]
async fn a_container_dating_a_deploy_in_the_future_cannot_move_the_group() {
    let Setup { app, fake, _dir } = deployed_twice().await;
    let (host, name) = ("127.0.0.3", "web_b");
    let mut kept: crate::release::Kept =
        serde_json::from_str(&fake.file(host, name, KEPT_FILE).unwrap()).unwrap();
    kept.releases[0].deployed_at = "9999-01-01T00:00:00.000000000Z".into();
    fake.put_file(
        host,
        name,
        KEPT_FILE,
        &serde_json::to_string(&kept).unwrap(),
    );
    let writes = fake.writes().len();
    let report = app.rollback(&one_step_back(), &Unattended).await.unwrap();
    assert!(!report.ok());
    assert!(
        report.outcomes[2].detail.contains("after now"),
        "{report:?}"
    );
    assert_eq!(report.outcomes[0].status, Status::Skipped);
    assert_eq!(fake.writes().len(), writes, "nothing was touched");
}

#[tokio::test]
async fn a_locked_group_is_not_touched_and_the_lock_is_gone_after_each_command() {
    let Setup { app, fake, _dir } = setup(FakeFleet::default());
    app.create(&create_request(), &Unattended).await.unwrap();
    // The lock lives on the core unit's host, and only while a command runs.
    assert!(fake.container("127.0.0.2", "jdeploy-lock.web").is_none());
    assert!(fake
        .calls()
        .contains(&"create_marker jdeploy-lock.web".to_string()));
    let engine = fake
        .connect(&crate::plan::tests::host("127.0.0.2"))
        .await
        .unwrap();
    let holder = crate::lock::Holder {
        by: "bob@ci-7".into(),
        command: "restart --group web".into(),
    };
    let held = crate::lock::acquire(&engine, "web", "127.0.0.2", &holder, crate::lock::MAX_TTL)
        .await
        .unwrap();
    let writes = fake.writes().len();
    for refused in [
        app.deploy(&deploy_request("one"), &Unattended).await.err(),
        app.create(&create_request(), &Unattended).await.err(),
    ] {
        let Some(AppError::Locked(message)) = refused else {
            panic!("{refused:?}");
        };
        assert!(
            message.starts_with("group web is locked by bob@ci-7 (restart --group web) since "),
            "{message}"
        );
    }
    assert_eq!(fake.writes().len(), writes, "nothing was touched");
    let status = app
        .lock_status(&LockStatusRequest::default(), &Unattended)
        .await
        .unwrap();
    assert_eq!(
        status.groups[0].lock.as_ref().map(|lock| lock.id.as_str()),
        Some(held.id.as_str())
    );
    let broken = app
        .lock_release(
            &LockReleaseRequest {
                group: "web".into(),
                yes: true,
            },
            &Unattended,
        )
        .await
        .unwrap();
    assert_eq!(broken.map(|lock| lock.by), Some("bob@ci-7".to_string()));
    let report = app
        .deploy(&deploy_request("one"), &Unattended)
        .await
        .unwrap();
    assert!(report.ok(), "{report:?}");
}

#[tokio::test]
async fn create_lists_each_host_once_for_the_group_and_its_strays() {
    let Setup { app, fake, _dir } = setup(FakeFleet::default());
    app.create(&create_request(), &Unattended).await.unwrap();
    let lists = fake.calls().iter().filter(|call| *call == "list -").count();
    assert_eq!(lists, 2, "{:?}", fake.calls());
}
