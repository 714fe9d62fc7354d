use super::*;

mod state;

fn kept(entries: &[(&str, &str)]) -> Kept {
    Kept {
        releases: entries
            .iter()
            .map(|(release, at)| KeptRelease {
                release: release.to_string(),
                deploy: format!("deploy-{at}"),
                deployed_at: at.to_string(),
                by: "ops@box".into(),
                undone: false,
            })
            .collect(),
    }
}

fn timeline(current: &str, entries: &[(&str, &str)]) -> Timeline {
    Timeline {
        current: Some(current.to_string()),
        kept: kept(entries),
    }
}

fn releases(resolved: Vec<Result<Resolved, TargetError>>) -> Vec<String> {
    resolved
        .into_iter()
        .map(|result| result.map_or_else(|err| err.to_string(), |to| to.release.release))
        .collect()
}

#[test]
fn deploying_appends_and_prunes_the_oldest_beyond_keep() {
    let list = kept(&[("a", "1"), ("b", "2"), ("c", "3")]);
    let entry = kept(&[("d", "4")]).releases.remove(0);
    let (after, pruned) = list.deployed(entry, 3, Some("c"));
    assert_eq!(pruned, ["a"]);
    let names: Vec<&str> = after.releases.iter().map(|k| k.release.as_str()).collect();
    assert_eq!(names, ["b", "c", "d"]);
    // Deploying a kept release again is a deploy of its own; the release counts once.
    let again = kept(&[("b", "5")]).releases.remove(0);
    let (after, pruned) = after.deployed(again, 3, Some("d"));
    assert!(pruned.is_empty());
    let names: Vec<&str> = after.releases.iter().map(|k| k.release.as_str()).collect();
    assert_eq!(names, ["b", "c", "d", "b"]);
    // The release in place is never pruned, however old; entries go oldest first.
    let newer = kept(&[("e", "6")]).releases.remove(0);
    let (after, pruned) = after.deployed(newer, 1, Some("c"));
    assert_eq!(pruned, ["b", "d"]);
    let names: Vec<&str> = after.releases.iter().map(|k| k.release.as_str()).collect();
    assert_eq!(names, ["c", "e"]);
}

#[test]
fn pruning_cuts_the_oldest_entries_never_from_the_middle() {
    // a1, a2, a1 again, then a3 with keep 2: a2 goes, and so does the first a1 before it.
    let list = kept(&[("a1", "1"), ("a2", "2"), ("a1", "3")]);
    let (after, pruned) = list.deployed(kept(&[("a3", "4")]).releases.remove(0), 2, Some("a1"));
    assert_eq!(pruned, ["a2"]);
    let times: Vec<&str> = after
        .releases
        .iter()
        .map(|k| k.deployed_at.as_str())
        .collect();
    assert_eq!(times, ["3", "4"]);
    // Coming back to the same two releases over and over does not grow the list forever.
    let mut list = Kept::default();
    for n in 0..40 {
        let release = if n % 2 == 0 { "x" } else { "y" };
        let entry = kept(&[(release, &format!("{n:03}"))]).releases.remove(0);
        list = list.deployed(entry, 2, None).0;
    }
    assert_eq!(list.releases.len(), 8);
}

#[test]
fn one_step_back_is_the_state_before_the_groups_last_deploy() {
    // Deploy 1 changed both; deploy 2 only `a`.
    let timelines = [
        timeline("a2", &[("a1", "t1"), ("a2", "t2")]),
        timeline("b1", &[("b1", "t1")]),
    ];
    let back = resolve(&timelines, RollbackTarget::Steps(1)).unwrap();
    assert_eq!(releases(back), ["a1", "b1"]);
    assert_eq!(
        resolve(&timelines, RollbackTarget::Steps(2)).unwrap_err(),
        TargetError::PastKept {
            steps: 2,
            available: 1
        }
    );
}

#[test]
fn going_back_after_a_rollback_goes_further_back_and_skips_what_was_undone() {
    // Deploys 1 and 2 changed both; a rollback went back to deploy 1; deploy 3 changed `a`.
    let mut a = timeline("a3", &[("a1", "t1"), ("a2", "t2"), ("a3", "t4")]);
    let mut b = timeline("b1", &[("b1", "t1"), ("b2", "t2")]);
    b.kept = b.kept.rolled_back_to("t1");
    a.kept = Kept {
        releases: a.kept.releases[..2].to_vec(),
    }
    .rolled_back_to("t1");
    a.kept
        .releases
        .push(kept(&[("a3", "t4")]).releases.remove(0));
    let timelines = [a, b];
    // One step back is the state before deploy 3, not the undone deploy 2.
    assert_eq!(
        releases(resolve(&timelines, RollbackTarget::Steps(1)).unwrap()),
        ["a1", "b1"]
    );
    // Right after the rollback, before deploy 3, going back again goes past deploy 1.
    let rolled = [
        timeline("a1", &[("a1", "t1"), ("a2", "t2")]),
        timeline("b1", &[("b1", "t1"), ("b2", "t2")]),
    ]
    .map(|mut timeline| {
        timeline.kept = timeline.kept.rolled_back_to("t1");
        timeline
    });
    assert_eq!(
        resolve(&rolled, RollbackTarget::Steps(1)).unwrap_err(),
        TargetError::PastKept {
            steps: 1,
            available: 0
        }
    );
    // An undone deploy can still be named.
    assert_eq!(
        releases(resolve(&rolled, RollbackTarget::To("a2")).unwrap()),
        ["a2", "b2"]
    );
}

#[test]
fn to_a_release_or_deploy_prefix_lines_every_container_up_by_time() {
    let timelines = [
        timeline("a3", &[("a1", "t1"), ("a2", "t2"), ("a3", "t3")]),
        timeline("b3", &[("b2", "t2"), ("b3", "t3")]),
    ];
    assert_eq!(
        releases(resolve(&timelines, RollbackTarget::To("a2")).unwrap()),
        ["a2", "b2"]
    );
    assert_eq!(
        releases(resolve(&timelines, RollbackTarget::To("deploy-t1")).unwrap()),
        [
            "a1",
            "keeps no release from the deploy at t1 or before (it keeps 2, the oldest from t2); --container narrows the rollback to the containers that have one"
        ]
    );
    assert_eq!(
        resolve(&timelines, RollbackTarget::To("zz")).unwrap_err(),
        TargetError::Unknown("zz".into())
    );
    assert!(matches!(
        resolve(&timelines, RollbackTarget::To("a")).unwrap_err(),
        TargetError::Ambiguous { count: 3, .. }
    ));
}

#[test]
fn a_release_deployed_twice_is_named_by_its_newest_deploy() {
    let timelines = [timeline(
        "a2",
        &[("a1", "t1"), ("a2", "t2"), ("a1", "t3"), ("a2", "t4")],
    )];
    let resolved = resolve(&timelines, RollbackTarget::To("a1")).unwrap();
    assert_eq!(resolved[0].as_ref().unwrap().at, "t3");
}

#[test]
fn a_container_never_deployed_cannot_go_back() {
    let timelines = [
        timeline("a2", &[("a1", "t1"), ("a2", "t2")]),
        Timeline::default(),
    ];
    assert_eq!(
        releases(resolve(&timelines, RollbackTarget::Steps(1)).unwrap()),
        ["a1", "never deployed, so there is no release to go back to"]
    );
}

#[test]
fn the_release_id_is_the_hash_of_its_manifest() {
    let rendered = crate::render::RenderedContainer {
        group: "g".into(),
        host: "h".into(),
        container: "c".into(),
        core: false,
        files: Vec::new(),
    };
    let flags = ReleaseFlags::default();
    let one = Manifest::new(&rendered, &[], "sha256:1", &["A=1".into()], flags.clone());
    assert_eq!(one.release.len(), 64);
    // Pinned: the same content must name the same release in every jdeploy, or kept
    // releases would stop being found.
    assert_eq!(
        one.release,
        "0061c6577ab730e52ec2de3422d770739a4fa258f0e61cabb6f9d38d21c1c4b5"
    );
    assert_eq!(one.release, one.content_hash());
    let other_image = Manifest::new(&rendered, &[], "sha256:2", &["A=1".into()], flags.clone());
    let other_env = Manifest::new(&rendered, &[], "sha256:1", &["A=2".into()], flags.clone());
    let other_flags = Manifest::new(
        &rendered,
        &[],
        "sha256:1",
        &["A=1".into()],
        ReleaseFlags {
            monitor: true,
            mode: None,
        },
    );
    for other in [other_image, other_env, other_flags] {
        assert_ne!(one.release, other.release);
    }
    assert_eq!(short(&one.release).len(), 12);
}

#[test]
fn a_manifest_naming_a_path_jdeploy_never_writes_is_caught() {
    use super::manifest::{ManifestCopy, ManifestEntry, ManifestFile};
    let file = |dest: &str| ManifestFile {
        dest: dest.into(),
        mode: 0o644,
        sha256: "00".into(),
    };
    let mut manifest = Manifest {
        release: String::new(),
        group: "g".into(),
        container: "c".into(),
        files: vec![file("/run.sh")],
        copies: vec![ManifestCopy {
            dest: "/srv/app".into(),
            clean: false,
            entries: vec![ManifestEntry {
                path: "lib/a.sh".into(),
                kind: EntryKind::File,
                mode: Some(0o644),
                target: None,
                sha256: Some("00".into()),
            }],
        }],
        image: "sha256:i".into(),
        env: Vec::new(),
        flags: ReleaseFlags::default(),
    };
    assert_eq!(manifest.unsafe_path(), None);
    for forged in [
        "/../../etc/cron.d/x",
        "/",
        "etc/passwd",
        "//.jdeploy/releases.json",
        "/a/./b",
    ] {
        manifest.files[0].dest = forged.into();
        assert_eq!(manifest.unsafe_path(), Some(forged), "{forged}");
    }
    manifest.files[0].dest = "/run.sh".into();
    manifest.copies[0].entries[0].path = "../../root/.ssh/authorized_keys".into();
    assert!(manifest.unsafe_path().is_some());
}

#[test]
fn one_containers_claims_do_not_move_the_group() {
    let now = "2026-12-01T12:00:00Z";
    let honest = timeline(
        "b",
        &[("a", "2026-11-30T10:00:00Z"), ("b", "2026-12-01T09:00:00Z")],
    );
    assert_eq!(
        contradictions(&[honest.clone(), honest.clone()], now),
        [None, None]
    );
    // A deploy dated in the future.
    let future = timeline(
        "b",
        &[("a", "2026-11-30T10:00:00Z"), ("b", "9999-01-01T00:00:00Z")],
    );
    let found = contradictions(&[honest.clone(), future], now);
    assert_eq!(found[0], None);
    assert!(
        found[1].as_deref().unwrap().contains("after now"),
        "{found:?}"
    );
    // A deploy id another container dates otherwise.
    let mut reused = honest.clone();
    reused.kept.releases[1].deployed_at = "2026-12-01T11:00:00Z".into();
    reused.kept.releases[1].deploy = honest.kept.releases[1].deploy.clone();
    // Two against one: the one is reported; one against one: both are.
    let found = contradictions(&[honest.clone(), honest.clone(), reused.clone()], now);
    assert_eq!(found[..2], [None, None]);
    assert!(
        found[2]
            .as_deref()
            .unwrap()
            .contains("which the other containers do not"),
        "{found:?}"
    );
    let found = contradictions(&[reused, honest], now);
    assert!(found.iter().all(Option::is_some), "{found:?}");
}
