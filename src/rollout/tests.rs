//! Rollout order and failure handling against an engine double; the real engines are
//! exercised by the integration tests.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::engine::{
    Connector, ContainerDetails, Engine, EngineError, LogQuery, OutputSink, OutputStream,
    ProcessUsage, StatsSample,
};
use crate::inventory::Host;
use crate::plan::tests::{desired, host};
use crate::plan::{ContainerState, DesiredContainer, ObservedContainer, Recreate};
use crate::release::ReleaseFlags;
use crate::render::RenderedContainer;

/// Every call made, in order, as "op container".
#[derive(Default)]
struct Log {
    calls: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

#[derive(Clone, Default)]
struct FakeConnector {
    log: Arc<Log>,
    unreachable: HashSet<String>,
    /// "op container" calls that fail.
    failing: HashSet<String>,
}

struct FakeEngine {
    log: Arc<Log>,
    failing: HashSet<String>,
}

impl Connector for FakeConnector {
    type Engine = FakeEngine;
    async fn connect(&self, host: &Host) -> Result<FakeEngine, EngineError> {
        if self.unreachable.contains(&host.name) {
            return Err(EngineError::Unreachable {
                endpoint: host.endpoint.to_string(),
                cause: "Connection refused".into(),
            });
        }
        Ok(FakeEngine {
            log: Arc::clone(&self.log),
            failing: self.failing.clone(),
        })
    }
}

impl FakeEngine {
    async fn call(&self, op: &str, name: &str) -> Result<(), EngineError> {
        let now = self.log.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.log.most_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.log.in_flight.fetch_sub(1, Ordering::SeqCst);
        let call = format!("{op} {name}");
        self.log.calls.lock().unwrap().push(call.clone());
        if self.failing.contains(&call) {
            return Err(EngineError::Other(format!("{op} failed")));
        }
        Ok(())
    }
}

impl Engine for FakeEngine {
    async fn list(&self) -> Result<Vec<ObservedContainer>, EngineError> {
        self.call("list", "-").await.map(|()| Vec::new())
    }
    async fn create(&self, name: &str, _: &DesiredContainer) -> Result<(), EngineError> {
        self.call("create", name).await
    }
    async fn rename(&self, from: &str, to: &str) -> Result<(), EngineError> {
        self.call("rename", &format!("{from}->{to}")).await
    }
    async fn start(&self, name: &str) -> Result<(), EngineError> {
        self.call("start", name).await
    }
    async fn remove(&self, name: &str, _: u32) -> Result<(), EngineError> {
        self.call("remove", name).await
    }
    async fn restart(&self, name: &str, _: u32) -> Result<(), EngineError> {
        self.call("restart", name).await
    }
    async fn upload(&self, name: &str, _: Bytes) -> Result<(), EngineError> {
        self.call("upload", name).await
    }
    async fn stop(&self, name: &str, _: u32) -> Result<(), EngineError> {
        self.call("stop", name).await
    }
    async fn inspect(&self, name: &str) -> Result<Option<ContainerDetails>, EngineError> {
        self.call("inspect", name).await?;
        Ok(Some(ContainerDetails {
            state: ContainerState::Running,
            exit_code: Some(0),
            health: None,
            started_at: None,
            finished_at: None,
            restart_count: 0,
            labels: [(crate::labels::GROUP.to_string(), "g".to_string())].into(),
            image: "sha256:image".into(),
            env: vec!["A=1".into()],
        }))
    }
    async fn processes(&self, name: &str) -> Result<ProcessUsage, EngineError> {
        self.call("processes", name)
            .await
            .map(|()| ProcessUsage::default())
    }
    async fn stats(&self, name: &str) -> Result<(StatsSample, StatsSample), EngineError> {
        self.call("stats", name).await.map(|()| Default::default())
    }
    async fn read_file(&self, name: &str, _: &str) -> Result<Option<Vec<u8>>, EngineError> {
        self.call("read", name).await.map(|()| None)
    }
    async fn link_target(&self, name: &str, _: &str) -> Result<Option<String>, EngineError> {
        self.call("stat", name).await.map(|()| None)
    }
    async fn exec_create(&self, name: &str, _: &[String]) -> Result<String, EngineError> {
        self.call("exec", name).await.map(|()| name.to_string())
    }
    async fn exec_run(
        &self,
        _: &str,
        id: &str,
        sink: OutputSink<'_>,
    ) -> Result<Option<i64>, EngineError> {
        self.call("run", id).await?;
        sink(
            OutputStream::Stdout,
            Bytes::from(format!("hello from {id}\n")),
        );
        Ok(Some(0))
    }
    async fn logs(&self, name: &str, _: LogQuery, _: OutputSink<'_>) -> Result<(), EngineError> {
        self.call("logs", name).await
    }
}

fn unit(name: &str, host_name: &str, core: bool) -> DeployUnit {
    DeployUnit {
        key: UnitKey {
            group: "g".into(),
            container: name.into(),
            host: host_name.into(),
            core,
        },
        host: host(host_name),
        stop_timeout: 1,
        rendered: RenderedContainer {
            group: "g".into(),
            host: host_name.into(),
            container: name.into(),
            core,
            files: Vec::new(),
        },
        copies: Vec::new().into(),
        copy_manifests: Vec::new().into(),
        flags: ReleaseFlags::default(),
    }
}

/// Plans, then deploys, as `jdeploy deploy --yes` does.
async fn deploy(
    connector: &FakeConnector,
    units: Vec<DeployUnit>,
    parallel: u32,
    reporter: &dyn Reporter,
) -> Vec<Outcome> {
    let plan = plan_deploy(connector, units, parallel).await;
    let stamp = Stamp {
        at: "2026-11-22T10:00:00.000000000Z".into(),
        by: "ops@box".into(),
        mtime: 0,
    };
    plan.apply(false, 3, &stamp, reporter).await
}

/// The calls that change something, leaving out reads.
fn writes(connector: &FakeConnector) -> Vec<String> {
    calls(connector)
        .into_iter()
        .filter(|call| {
            !["inspect", "stat", "read", "list"].contains(&call.split(' ').next().unwrap())
        })
        .collect()
}

fn calls(connector: &FakeConnector) -> Vec<String> {
    connector.log.calls.lock().unwrap().clone()
}

fn statuses(outcomes: &[Outcome]) -> HashMap<String, Status> {
    outcomes
        .iter()
        .map(|outcome| (outcome.unit.container.clone(), outcome.status))
        .collect()
}

#[tokio::test]
async fn core_units_restart_before_any_other_unit_is_touched() {
    let connector = FakeConnector::default();
    let units = vec![
        unit("app1", "h1", false),
        unit("core", "h1", true),
        unit("app2", "h2", false),
    ];
    let outcomes = deploy(&connector, units, 8, &SilentReporter).await;
    let calls = calls(&connector);
    let core_restart = calls
        .iter()
        .position(|call| call == "restart core")
        .unwrap();
    for other in ["upload app1", "upload app2"] {
        assert!(
            calls.iter().position(|call| call == other).unwrap() > core_restart,
            "{calls:?}"
        );
    }
    // Outcomes come back in file order.
    let order: Vec<&str> = outcomes.iter().map(|o| o.unit.container.as_str()).collect();
    assert_eq!(order, ["app1", "core", "app2"]);
    assert!(outcomes.iter().all(|o| o.status == Status::Deployed));
    assert_eq!(outcomes[0].release.as_ref().map(String::len), Some(64));
}

#[tokio::test]
async fn a_failed_core_unit_leaves_the_rest_untouched() {
    let connector = FakeConnector {
        failing: HashSet::from(["restart core".to_string()]),
        ..Default::default()
    };
    let units = vec![
        unit("core", "h1", true),
        unit("app1", "h1", false),
        unit("app2", "h2", false),
    ];
    let outcomes = deploy(&connector, units, 8, &SilentReporter).await;
    assert_eq!(writes(&connector), ["upload core", "restart core"]);
    let by_name = statuses(&outcomes);
    assert_eq!(by_name["core"], Status::Failed);
    assert_eq!(by_name["app1"], Status::Skipped);
    assert!(
        outcomes[1].detail.contains("core unit core@h1 failed"),
        "{}",
        outcomes[1].detail
    );
}

#[tokio::test]
async fn an_unreachable_host_fails_only_its_own_units() {
    let connector = FakeConnector {
        unreachable: HashSet::from(["h2".to_string()]),
        ..Default::default()
    };
    let units = vec![
        unit("app1", "h1", false),
        unit("app2", "h2", false),
        unit("app3", "h1", false),
    ];
    let outcomes = deploy(&connector, units, 8, &SilentReporter).await;
    let by_name = statuses(&outcomes);
    assert_eq!(by_name["app1"], Status::Deployed);
    assert_eq!(by_name["app3"], Status::Deployed);
    assert_eq!(by_name["app2"], Status::Failed);
    assert!(outcomes[1]
        .detail
        .contains("cannot reach the engine at tcp://h2:2375"));
}

#[tokio::test]
async fn calls_in_flight_per_host_stay_within_the_cap() {
    let connector = FakeConnector::default();
    let units = (0..12)
        .map(|n| unit(&format!("app{n}"), "h1", false))
        .collect();
    let outcomes = deploy(&connector, units, 3, &SilentReporter).await;
    assert!(outcomes.iter().all(|o| o.status == Status::Deployed));
    assert_eq!(connector.log.most_in_flight.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn create_lists_each_host_once_and_reports_every_container() {
    let connector = FakeConnector {
        failing: HashSet::from(["create b".to_string()]),
        ..Default::default()
    };
    let mut other_host = desired("c", false);
    other_host.host = host("10.0.0.2");
    let wanted = vec![desired("a", true), desired("b", false), other_host];
    let outcomes = create(&connector, wanted, Recreate::Never, 8, &SilentReporter).await;
    let calls = calls(&connector);
    assert_eq!(calls.iter().filter(|call| *call == "list -").count(), 2);
    let by_name = statuses(&outcomes);
    assert_eq!(by_name["a"], Status::Created);
    assert_eq!(by_name["b"], Status::Failed);
    assert_eq!(by_name["c"], Status::Created);
    assert!(calls.contains(&"start a".to_string()) && !calls.contains(&"start b".to_string()));
}

fn fleet_unit(name: &str, host_name: &str, core: bool) -> FleetUnit {
    let deploy = unit(name, host_name, core);
    FleetUnit {
        key: deploy.key,
        host: deploy.host,
        stop_timeout: 1,
    }
}

#[tokio::test]
async fn stop_takes_core_units_down_last_and_start_brings_them_up_first() {
    let units = || {
        vec![
            fleet_unit("core", "h1", true),
            fleet_unit("app1", "h1", false),
            fleet_unit("app2", "h2", false),
        ]
    };
    // The double says every container runs: start has nothing to do, so restart stands in.
    for (action, op, core_first) in [
        (Lifecycle::Stop, "stop", false),
        (Lifecycle::Restart, "restart", true),
        (Lifecycle::Remove { foreign: false }, "remove", false),
    ] {
        let connector = FakeConnector::default();
        let outcomes = lifecycle(&connector, units(), action, 8, &SilentReporter).await;
        let calls: Vec<String> = calls(&connector)
            .into_iter()
            .filter(|call| call.starts_with(op))
            .collect();
        let core_at = calls
            .iter()
            .position(|call| call.ends_with(" core"))
            .unwrap();
        assert_eq!(
            core_at,
            if core_first { 0 } else { 2 },
            "{action:?}: {calls:?}"
        );
        let order: Vec<&str> = outcomes.iter().map(|o| o.unit.container.as_str()).collect();
        assert_eq!(order, ["core", "app1", "app2"]);
    }
    let connector = FakeConnector::default();
    let started = lifecycle(&connector, units(), Lifecycle::Start, 8, &SilentReporter).await;
    assert!(started
        .iter()
        .all(|o| o.status == Status::Unchanged && o.detail == "already running"));
}

#[tokio::test]
async fn a_core_unit_that_fails_to_restart_leaves_the_rest_running_as_they_were() {
    let connector = FakeConnector {
        failing: HashSet::from(["restart core".to_string()]),
        ..Default::default()
    };
    let units = vec![
        fleet_unit("core", "h1", true),
        fleet_unit("app", "h1", false),
    ];
    let outcomes = lifecycle(&connector, units, Lifecycle::Restart, 8, &SilentReporter).await;
    assert_eq!(outcomes[1].status, Status::Skipped);
    assert!(outcomes[1]
        .detail
        .contains("not restarted: core unit core@h1 failed"));
    assert!(!calls(&connector).contains(&"restart app".to_string()));
}

#[tokio::test]
async fn a_failed_core_unit_holds_back_only_its_own_group() {
    let connector = FakeConnector {
        failing: HashSet::from(["restart core_a".to_string()]),
        ..Default::default()
    };
    let in_group = |name: &str, group: &str, core: bool| {
        let mut unit = fleet_unit(name, "h1", core);
        unit.key.group = group.into();
        unit
    };
    let units = vec![
        in_group("core_a", "a", true),
        in_group("core_b", "b", true),
        in_group("app_a", "a", false),
        in_group("app_b", "b", false),
        in_group("app_ab", "b,a", false),
    ];
    let outcomes = lifecycle(&connector, units, Lifecycle::Restart, 8, &SilentReporter).await;
    let by_name = statuses(&outcomes);
    assert_eq!(by_name["core_a"], Status::Failed);
    assert_eq!(by_name["core_b"], Status::Restarted);
    assert_eq!(by_name["app_a"], Status::Skipped);
    assert_eq!(by_name["app_b"], Status::Restarted);
    assert_eq!(by_name["app_ab"], Status::Skipped);
}
