//! A container's state after each step of putting a release in place, read back as the
//! next command reads it: pending until the container starts on it, never in place when
//! it failed on it, and read from an earlier version's links until a deploy migrates it.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::bundle::{Bundle, Record};
use crate::engine::fake::Node;
use crate::engine::{Connector, Engine};
use crate::inventory::hooks::ContainerHooks;
use crate::layout::{
    release_dir, LEGACY_CURRENT_LINK, LEGACY_PENDING_LINK, MANIFEST_IN_RELEASE, STATE_FILE,
};
use crate::plan::ReleaseStep;
use crate::release::{Kept, KeptRelease, State};
use crate::rollout::deploy::kept_after;
use crate::rollout::releases::{in_place, InPlace};

fn options(force: bool) -> DeployOptions {
    DeployOptions {
        force,
        keep: 3,
        stamp: Stamp {
            at: "2026-11-22T10:00:00.000000000Z".into(),
            by: "ops@box".into(),
            mtime: 0,
        },
        strategy: Strategy::plain(Order::CoreFirst),
    }
}

async fn deploy_with(fake: &FakeFleet, units: Vec<DeployUnit>, force: bool) -> Vec<Outcome> {
    let fleet = Fleet::new(fake.clone(), 8, 256);
    let plan = plan_deploy(&fleet, units).await;
    plan.apply(&options(force), &SilentReporter, &|| false)
        .await
        .outcomes
}

async fn plan_of(fake: &FakeFleet, unit: &DeployUnit) -> UnitPlan {
    let fleet = Fleet::new(fake.clone(), 8, 256);
    let plan = plan_deploy(&fleet, vec![unit.clone()]).await;
    plan.units[0].plan.clone().expect("the container is there")
}

async fn read(fake: &FakeFleet, name: &str) -> InPlace {
    let fleet = Fleet::new(fake.clone(), 8, 256);
    in_place(&fleet, &host("h1"), name, &Default::default(), false)
        .await
        .unwrap()
        .expect("the container is there")
}

async fn engine(fake: &FakeFleet) -> crate::engine::fake::FakeEngine {
    fake.connect(&host("h1")).await.unwrap()
}

fn with_run_sh(name: &str, run_sh: &str) -> DeployUnit {
    let mut unit = unit(name, "h1", false);
    unit.rendered = RenderedContainer {
        host: "h1".into(),
        container: name.into(),
        ..RenderedContainer::with_run_sh(run_sh)
    };
    unit
}

/// The archive a deploy of `unit` sends, as its plan finds the container.
async fn deploy_archive(fake: &FakeFleet, unit: &DeployUnit) -> (bytes::Bytes, UnitPlan) {
    let plan = plan_of(fake, unit).await;
    let (after, pruned) = kept_after(&plan, &options(false), "deploy-2");
    let timeline = &plan.in_place.timeline;
    let state = State::pending(
        timeline.current.as_deref(),
        timeline.kept.without(&pruned),
        &plan.manifest.release,
        plan.in_place.details.started_at.as_deref(),
        after,
    );
    let bundle = Bundle::new(
        unit.rendered.clone(),
        Arc::clone(&unit.copies),
        plan.manifest.clone(),
        0,
    );
    let archive = bundle.archive(&Record::state(&state)).unwrap();
    (archive, plan)
}

/// The calls made for the container `name`, the first two (made at once) in order.
fn calls_for(fake: &FakeFleet, name: &str) -> Vec<String> {
    let mut calls: Vec<String> = fake
        .calls()
        .into_iter()
        .filter(|call| call.ends_with(&format!(" {name}")))
        .collect();
    calls[..2].sort();
    calls
}

#[tokio::test]
async fn a_container_restarted_on_the_files_runs_their_release_with_no_upload_after() {
    let units = vec![with_run_sh("app", "one")];
    let fake = fleet_of(&units);
    let outcomes = deploy_with(&fake, units.clone(), false).await;
    assert_eq!(outcomes[0].status, Status::Deployed);
    let release = outcomes[0].release.clone();
    // Its state and the container at once, then the files with the state and a restart.
    assert_eq!(
        calls_for(&fake, "app"),
        ["inspect app", "read app", "upload app", "restart app"]
    );
    let found = read(&fake, "app").await;
    assert_eq!(found.timeline.current, release);
    assert!(found.is_settled() && !found.legacy);
    assert_eq!(found.timeline.kept.releases.len(), 1);
    let again = deploy_with(&fake, units.clone(), false).await;
    assert_eq!(again[0].status, Status::Unchanged);
    // Forced, every deploy makes the same four calls.
    let fake = fleet_of(&units);
    deploy_with(&fake, units.clone(), false).await;
    let before = fake.calls().len();
    deploy_with(&fake, units, true).await;
    let forced: Vec<String> = fake.calls()[before..]
        .iter()
        .filter(|call| call.ends_with(" app"))
        .cloned()
        .collect();
    assert_eq!(forced.len(), 4, "{forced:?}");
}

#[tokio::test]
async fn files_put_in_place_without_a_restart_stay_pending_until_it_starts() {
    let first = with_run_sh("app", "one");
    let fake = fleet_of(std::slice::from_ref(&first));
    let was = deploy_with(&fake, vec![first.clone()], false).await[0]
        .release
        .clone();
    // A deploy cut short after its upload: the files and the state, no restart.
    let second = with_run_sh("app", "two");
    let (archive, plan) = deploy_archive(&fake, &second).await;
    let engine = engine(&fake).await;
    engine.upload("app", archive).await.unwrap();
    let found = read(&fake, "app").await;
    assert_eq!(found.timeline.current, was);
    assert_eq!(found.pending.as_ref(), Some(&plan.manifest.release));
    assert_eq!(found.timeline.kept.releases.len(), 1);
    // The first release is not what the files say any more: deploying it writes it again.
    let back = plan_of(&fake, &first).await;
    assert_eq!(back.step, ReleaseStep::Change { from: was.clone() });
    // Once it started on them, by anyone, they are in place.
    engine.restart("app", 1).await.unwrap();
    let found = read(&fake, "app").await;
    assert_eq!(
        found.timeline.current.as_ref(),
        Some(&plan.manifest.release)
    );
    assert!(found.is_settled());
    assert_eq!(found.timeline.kept.releases.len(), 2);
    assert_eq!(plan_of(&fake, &second).await.step, ReleaseStep::Unchanged);
}

#[tokio::test]
async fn an_earlier_versions_links_are_read_and_the_next_deploy_migrates_them() {
    let unit = with_run_sh("app", "one");
    let fake = fleet_of(std::slice::from_ref(&unit));
    let plan = plan_of(&fake, &unit).await;
    let release = plan.manifest.release.clone();
    // As an earlier version left it: the kept list alone in the file, links beside it.
    let kept = Kept {
        releases: vec![KeptRelease {
            release: release.clone(),
            deploy: "d".repeat(64),
            deployed_at: "2026-11-01T00:00:00.000000000Z".into(),
            by: "ops@box".into(),
            undone: false,
        }],
    };
    let manifest_path = format!("{}/{MANIFEST_IN_RELEASE}", release_dir(&release));
    let manifest = serde_json::to_string(&plan.manifest).unwrap();
    fake.put_file("h1", "app", &manifest_path, &manifest);
    let run_sh = format!("{}/run.sh", release_dir(&release));
    fake.put_file("h1", "app", &run_sh, "one");
    let kept_json = serde_json::to_string(&kept).unwrap();
    fake.put_file("h1", "app", STATE_FILE, &kept_json);
    let target = format!("releases/{release}");
    fake.put_link("h1", "app", LEGACY_CURRENT_LINK, &target);
    fake.put_link("h1", "app", LEGACY_PENDING_LINK, &target);
    let found = read(&fake, "app").await;
    assert!(found.legacy && found.is_settled());
    assert_eq!(found.timeline.current.as_ref(), Some(&release));
    assert_eq!(found.timeline.kept, kept);
    assert_eq!(plan_of(&fake, &unit).await.step, ReleaseStep::Unchanged);
    // Files another release linked in: pending, as that version said.
    fake.put_link(
        "h1",
        "app",
        LEGACY_PENDING_LINK,
        &format!("releases/{}", "e".repeat(64)),
    );
    assert_eq!(read(&fake, "app").await.pending, Some("e".repeat(64)));
    fake.put_link("h1", "app", LEGACY_PENDING_LINK, &target);

    let outcomes = deploy_with(&fake, vec![unit], true).await;
    assert_eq!(outcomes[0].status, Status::Deployed, "{outcomes:?}");
    let found = read(&fake, "app").await;
    assert!(!found.legacy && found.is_settled());
    assert_eq!(found.timeline.current.as_ref(), Some(&release));
    assert_eq!(found.timeline.kept.releases.len(), 2);
    // The links now name no release, for earlier versions to read.
    let container = fake.container("h1", "app").unwrap();
    for link in [LEGACY_CURRENT_LINK, LEGACY_PENDING_LINK] {
        assert_eq!(container.files[link], Node::Symlink("releases.json".into()));
    }
}

#[tokio::test]
async fn a_container_that_failed_its_gate_is_not_taken_for_deployed_whatever_starts_it() {
    let mut bad = with_run_sh("app", "exit 3");
    bad.gate = Gate {
        min_healthy: Duration::from_millis(20),
        deadline: Duration::from_millis(500),
        health_check: false,
    };
    let fake = fleet_of(std::slice::from_ref(&bad)).crashing_when(|run_sh| run_sh == "exit 3", 3);
    let outcomes = deploy_with(&fake, vec![bad.clone()], false).await;
    assert_eq!(outcomes[0].status, Status::Failed, "{outcomes:?}");
    let release = outcomes[0].release.clone();
    let found = read(&fake, "app").await;
    assert_eq!(
        (found.timeline.current, found.pending.clone()),
        (None, release)
    );
    // Started again, by its restart policy or by hand: still not in place.
    engine(&fake).await.restart("app", 1).await.unwrap();
    let found = read(&fake, "app").await;
    assert!(!found.is_settled());
    assert!(found.timeline.kept.releases.is_empty());
    assert!(matches!(
        plan_of(&fake, &bad).await.step,
        ReleaseStep::Change { .. }
    ));
}

#[tokio::test]
async fn a_container_whose_post_start_hook_failed_is_not_on_the_release() {
    let mut unit = with_run_sh("app", "one");
    unit.hooks = Arc::new(ContainerHooks {
        pre_stop: None,
        post_start: Some("check".into()),
        timeout: Duration::from_secs(5),
    });
    let fake = fleet_of(std::slice::from_ref(&unit)).failing("run app");
    let outcomes = deploy_with(&fake, vec![unit.clone()], false).await;
    assert_eq!(outcomes[0].status, Status::Failed, "{outcomes:?}");
    let found = read(&fake, "app").await;
    assert_eq!(found.timeline.current, None);
    assert_eq!(found.pending, outcomes[0].release);
    engine(&fake).await.restart("app", 1).await.unwrap();
    assert!(!read(&fake, "app").await.is_settled());
}

#[tokio::test]
async fn an_upload_cut_anywhere_never_reads_as_settled_on_files_it_did_not_place() {
    // Two files, so a cut can fall between their links.
    let with_conf = |tag: &str| {
        let mut unit = with_run_sh("app", tag);
        let mut conf = unit.rendered.files[0].clone();
        conf.dest = "/etc/app.conf".into();
        unit.rendered.files.push(conf);
        unit
    };
    let first = with_conf("one");
    let second = with_conf("two");
    let whole = {
        let fake = fleet_of(std::slice::from_ref(&first));
        deploy_with(&fake, vec![first.clone()], false).await;
        deploy_archive(&fake, &second).await.0.len()
    };
    for cut in (0..whole).step_by(512).chain([whole]) {
        let fake = fleet_of(std::slice::from_ref(&first));
        let one = deploy_with(&fake, vec![first.clone()], false).await[0]
            .release
            .clone();
        let (archive, _) = deploy_archive(&fake, &second).await;
        let engine = engine(&fake).await;
        // The engine keeps what it unpacked before the archive broke off.
        let _ = engine.upload("app", archive.slice(..cut)).await;
        for restarted in [false, true] {
            if restarted {
                engine.restart("app", 1).await.unwrap();
            }
            let found = read(&fake, "app").await;
            if found.is_settled() {
                let expected = if found.timeline.current == one {
                    "one"
                } else {
                    "two"
                };
                for path in ["/run.sh", "/etc/app.conf"] {
                    let placed = fake.file("h1", "app", path).unwrap();
                    assert_eq!(
                        placed, expected,
                        "{path}: cut at {cut}, restarted: {restarted}"
                    );
                }
            }
        }
    }
}
