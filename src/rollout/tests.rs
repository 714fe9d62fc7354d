//! Rollout order and failure handling against the in-memory engine; the real engines are
//! exercised by the integration tests.

use std::collections::HashMap;

use super::*;
use crate::engine::fake::FakeFleet;
use crate::inventory::gates::Amount;
use crate::plan::tests::{desired, host};
use crate::plan::Recreate;
use crate::release::ReleaseFlags;
use crate::render::RenderedContainer;

mod state;

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
        gate: Gate::default(),
        hooks: Default::default(),
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
        secrets: Default::default(),
    }
}

/// A fleet where every unit's container runs, with no release yet.
fn fleet_of(units: &[DeployUnit]) -> FakeFleet {
    units.iter().fold(FakeFleet::default(), |fake, unit| {
        fake.with_container(&unit.key.host, &unit.key.container)
    })
}

/// Plans, then deploys, as `jdeploy deploy --yes` does.
async fn deploy(
    fake: &FakeFleet,
    units: Vec<DeployUnit>,
    parallel: u32,
    reporter: &dyn Reporter,
) -> Vec<Outcome> {
    let fleet = Fleet::new(fake.clone(), parallel, 256);
    let plan = plan_deploy(&fleet, units).await;
    let stamp = Stamp {
        at: "2026-11-22T10:00:00.000000000Z".into(),
        by: "ops@box".into(),
        mtime: 0,
    };
    let options = DeployOptions {
        force: false,
        keep: 3,
        stamp,
        strategy: Strategy::plain(Order::CoreFirst),
    };
    plan.apply(&options, reporter, &|| false).await.outcomes
}

fn statuses(outcomes: &[Outcome]) -> HashMap<String, Status> {
    outcomes
        .iter()
        .map(|outcome| (outcome.unit.container.clone(), outcome.status))
        .collect()
}

#[tokio::test]
async fn core_units_restart_before_any_other_unit_is_touched() {
    let units = vec![
        unit("app1", "h1", false),
        unit("core", "h1", true),
        unit("app2", "h2", false),
    ];
    let fake = fleet_of(&units);
    let outcomes = deploy(&fake, units, 8, &SilentReporter).await;
    let calls = fake.calls();
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
    let units = vec![
        unit("core", "h1", true),
        unit("app1", "h1", false),
        unit("app2", "h2", false),
    ];
    let fake = fleet_of(&units).failing("restart core");
    let outcomes = deploy(&fake, units, 8, &SilentReporter).await;
    // The last upload records that it failed on the files, for its next start.
    assert_eq!(
        fake.writes(),
        ["upload core", "restart core", "upload core"]
    );
    let by_name = statuses(&outcomes);
    assert_eq!(by_name["core"], Status::Failed);
    assert_eq!(
        outcomes[0].error_kind,
        Some(crate::engine::ErrorKind::Engine)
    );
    assert_eq!(by_name["app1"], Status::Skipped);
    assert!(
        outcomes[1].detail.contains("core unit core@h1 failed"),
        "{}",
        outcomes[1].detail
    );
}

#[tokio::test]
async fn an_unreachable_host_fails_only_its_own_units() {
    let units = vec![
        unit("app1", "h1", false),
        unit("app2", "h2", false),
        unit("app3", "h1", false),
    ];
    let fake = fleet_of(&units).unreachable("h2");
    let outcomes = deploy(&fake, units, 8, &SilentReporter).await;
    let by_name = statuses(&outcomes);
    assert_eq!(by_name["app1"], Status::Deployed);
    assert_eq!(by_name["app3"], Status::Deployed);
    assert_eq!(by_name["app2"], Status::Failed);
    assert_eq!(
        outcomes[1].error_kind,
        Some(crate::engine::ErrorKind::Unreachable)
    );
    assert!(outcomes[1]
        .detail
        .contains("cannot reach the engine at tcp://h2:2375"));
}

#[tokio::test]
async fn calls_in_flight_per_host_stay_within_the_cap() {
    let units: Vec<DeployUnit> = (0..12)
        .map(|n| unit(&format!("app{n}"), "h1", false))
        .collect();
    let fake = fleet_of(&units);
    let outcomes = deploy(&fake, units, 3, &SilentReporter).await;
    assert!(outcomes.iter().all(|o| o.status == Status::Deployed));
    assert_eq!(fake.most_in_flight(), 3);
}

#[tokio::test]
async fn calls_in_flight_across_the_fleet_stay_within_the_fleet_cap() {
    let units: Vec<FleetUnit> = (0..24)
        .map(|n| fleet_unit(&format!("app{n}"), &format!("h{}", n % 12), false))
        .collect();
    let fake = fleet_units_of(&units);
    let fleet = Fleet::new(fake.clone(), 8, 3);
    let strategy = Strategy::plain(Order::AllAtOnce);
    let outcomes = lifecycle(
        &fleet,
        &units,
        Lifecycle::Restart,
        &strategy,
        &SilentReporter,
        &|| false,
    )
    .await
    .outcomes;
    assert!(
        outcomes.iter().all(|o| o.status == Status::Restarted),
        "{outcomes:?}"
    );
    assert_eq!(fake.most_in_flight(), 3);
}

#[tokio::test]
async fn a_host_first_met_mid_rollout_is_connected_then_not_a_panic() {
    // No unit named the host when the fleet was made: it is connected on first use.
    let fake = FakeFleet::default().with_container("h9", "late");
    let fleet = Fleet::new(fake.clone(), 2, 256);
    let found = fleet
        .call(&host("h9"), |engine| async move {
            crate::engine::Engine::inspect(engine.as_ref(), "late").await
        })
        .await;
    assert!(matches!(found, Ok(Some(_))));
    let fake = FakeFleet::default().unreachable("h8");
    let fleet = Fleet::new(fake, 2, 256);
    assert!(fleet.engine(&host("h8")).await.is_err());
}

#[tokio::test]
async fn create_lists_each_host_once_and_reports_every_container() {
    let fake = FakeFleet::default().failing("create b");
    let mut other_host = desired("c", false);
    other_host.host = host("10.0.0.2");
    let wanted = vec![desired("a", true), desired("b", false), other_host];
    let fleet = Fleet::new(fake.clone(), 8, 256);
    let outcomes = create(&fleet, wanted, Recreate::Never, &SilentReporter).await;
    let calls = fake.calls();
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
        gate: Gate::default(),
        hooks: Default::default(),
    }
}

fn fleet_units_of(units: &[FleetUnit]) -> FakeFleet {
    units.iter().fold(FakeFleet::default(), |fake, unit| {
        fake.with_container(&unit.key.host, &unit.key.container)
    })
}

async fn act(fake: &FakeFleet, units: &[FleetUnit], action: Lifecycle) -> Vec<Outcome> {
    let strategy = Strategy::plain(action.order());
    let fleet = Fleet::new(fake.clone(), 8, 256);
    lifecycle(&fleet, units, action, &strategy, &SilentReporter, &|| false)
        .await
        .outcomes
}

#[tokio::test]
async fn stop_takes_core_units_down_last_and_start_brings_them_up_first() {
    let units = vec![
        fleet_unit("core", "h1", true),
        fleet_unit("app1", "h1", false),
        fleet_unit("app2", "h2", false),
    ];
    for (action, op, core_first) in [
        (Lifecycle::Stop, "stop", false),
        (Lifecycle::Restart, "restart", true),
        (Lifecycle::Remove { foreign: false }, "remove", false),
    ] {
        let fake = fleet_units_of(&units);
        let outcomes = act(&fake, &units, action).await;
        let calls: Vec<String> = fake
            .calls()
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
    let fake = fleet_units_of(&units);
    let running = act(&fake, &units, Lifecycle::Start).await;
    assert!(running
        .iter()
        .all(|o| o.status == Status::Unchanged && o.detail == "already running"));
    // Stopped, they come up core first.
    act(&fake, &units, Lifecycle::Stop).await;
    let started = act(&fake, &units, Lifecycle::Start).await;
    assert!(started.iter().all(|o| o.status == Status::Started));
    let starts: Vec<String> = fake
        .calls()
        .into_iter()
        .filter(|call| call.starts_with("start "))
        .collect();
    assert_eq!(starts[0], "start core", "{starts:?}");
}

#[tokio::test]
async fn a_core_unit_that_fails_to_restart_leaves_the_rest_running_as_they_were() {
    let units = vec![
        fleet_unit("core", "h1", true),
        fleet_unit("app", "h1", false),
    ];
    let fake = fleet_units_of(&units).failing("restart core");
    let outcomes = act(&fake, &units, Lifecycle::Restart).await;
    assert_eq!(outcomes[1].status, Status::Skipped);
    assert!(outcomes[1]
        .detail
        .contains("not restarted: core unit core@h1 failed"));
    assert!(!fake.calls().contains(&"restart app".to_string()));
}

#[tokio::test]
async fn a_failed_core_unit_holds_back_only_its_own_group() {
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
    let fake = fleet_units_of(&units).failing("restart core_a");
    let outcomes = act(&fake, &units, Lifecycle::Restart).await;
    let by_name = statuses(&outcomes);
    assert_eq!(by_name["core_a"], Status::Failed);
    assert_eq!(by_name["core_b"], Status::Restarted);
    assert_eq!(by_name["app_a"], Status::Skipped);
    assert_eq!(by_name["app_b"], Status::Restarted);
    assert_eq!(by_name["app_ab"], Status::Skipped);
}

fn keys(core: usize, rest: usize) -> Vec<UnitKey> {
    let key = |name: String, core: bool| UnitKey {
        group: "g".into(),
        container: name,
        host: "h".into(),
        core,
    };
    (0..core)
        .map(|n| key(format!("c{n}"), true))
        .chain((0..rest).map(|n| key(format!("u{n}"), false)))
        .collect()
}

/// The waves as labels and unit names, for keys made by [`keys`].
fn shape(keys: &[UnitKey], acts: &[bool], strategy: &Strategy) -> Vec<(String, Vec<String>)> {
    let refs: Vec<&UnitKey> = keys.iter().collect();
    waves(&refs, acts, strategy)
        .into_iter()
        .map(|wave| {
            let label = wave.label.unwrap_or_else(|| "-".into());
            let names = wave
                .units
                .iter()
                .map(|&at| keys[at].container.clone())
                .collect();
            (label, names)
        })
        .collect()
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

fn with(canary: Amount, batch: Option<Amount>) -> Strategy {
    Strategy {
        canary,
        batch,
        ..Strategy::plain(Order::CoreFirst)
    }
}

#[test]
fn waves_put_core_units_first_or_last_and_leave_out_empty_ones() {
    let keys = keys(1, 2);
    let all = vec![true; 3];
    let first = shape(&keys, &all, &Strategy::plain(Order::CoreFirst));
    assert_eq!(
        first,
        [
            ("core".into(), names(&["c0"])),
            ("-".into(), names(&["u0", "u1"]))
        ]
    );
    let refs: Vec<&UnitKey> = keys.iter().collect();
    let core_first = waves(&refs, &all, &Strategy::plain(Order::CoreFirst));
    assert!(core_first[0].holds_back && !core_first[1].holds_back);
    assert_eq!(
        core_first[0].note.as_deref(),
        Some("core units first: c0@h")
    );
    let last = shape(&keys, &all, &Strategy::plain(Order::CoreLast));
    assert_eq!(
        last,
        [
            ("-".into(), names(&["u0", "u1"])),
            ("core".into(), names(&["c0"]))
        ]
    );
    let together = shape(&keys, &all, &Strategy::plain(Order::AllAtOnce));
    assert_eq!(together, [("-".into(), names(&["c0", "u0", "u1"]))]);
    // Without core units there is one wave and nothing to announce.
    let plain = shape(&keys[1..], &all[1..], &Strategy::plain(Order::CoreFirst));
    assert_eq!(plain, [("-".into(), names(&["u0", "u1"]))]);
}

#[test]
fn canaries_then_batches_of_the_units_that_change() {
    let keys = keys(1, 5);
    let all = vec![true; 6];
    let got = shape(&keys, &all, &with(Amount::Count(1), Some(Amount::Count(2))));
    assert_eq!(
        got,
        [
            ("core".into(), names(&["c0"])),
            ("canary".into(), names(&["u0"])),
            ("batch 1/2".into(), names(&["u1", "u2"])),
            ("batch 2/2".into(), names(&["u3", "u4"])),
        ]
    );
    // Shares are of the units that are not core, rounded up: 25% of 5 is 2.
    let shares = shape(
        &keys,
        &all,
        &with(Amount::Percent(20), Some(Amount::Percent(25))),
    );
    assert_eq!(
        shares
            .iter()
            .map(|(label, units)| (label.as_str(), units.len()))
            .collect::<Vec<_>>(),
        [
            ("core", 1),
            ("canary", 1),
            ("batch 1/2", 2),
            ("batch 2/2", 2)
        ]
    );
    // 100% is one batch; a canary larger than the group takes it all.
    let whole = shape(
        &keys,
        &all,
        &with(Amount::Count(0), Some(Amount::Percent(100))),
    );
    assert_eq!(
        whole[1],
        ("-".into(), names(&["u0", "u1", "u2", "u3", "u4"]))
    );
    let greedy = shape(&keys, &all, &with(Amount::Count(9), None));
    assert_eq!(
        greedy[1],
        ("canary".into(), names(&["u0", "u1", "u2", "u3", "u4"]))
    );
    assert_eq!(greedy.len(), 2);
    // Units with nothing to change go first, outside every batch.
    let mut some = all.clone();
    some[2] = false;
    let partial = shape(
        &keys,
        &some,
        &with(Amount::Count(1), Some(Amount::Count(3))),
    );
    assert_eq!(
        partial,
        [
            ("-".into(), names(&["u1"])),
            ("core".into(), names(&["c0"])),
            ("canary".into(), names(&["u0"])),
            ("batch 1/1".into(), names(&["u2", "u3", "u4"])),
        ]
    );
}
