use super::*;

fn kept(entries: &[(&str, &str)]) -> Kept {
    Kept {
        releases: entries
            .iter()
            .map(|(release, at)| KeptRelease {
                release: release.to_string(),
                deploy: format!("deploy-{at}"),
                deployed_at: at.to_string(),
                by: "ops@box".into(),
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

fn releases(resolved: Vec<Result<KeptRelease, TargetError>>) -> Vec<String> {
    resolved
        .into_iter()
        .map(|result| result.map_or_else(|err| err.to_string(), |kept| kept.release))
        .collect()
}

#[test]
fn deploying_appends_and_prunes_the_oldest_beyond_keep() {
    let list = kept(&[("a", "1"), ("b", "2"), ("c", "3")]);
    let entry = kept(&[("d", "4")]).releases.remove(0);
    let (after, pruned) = list.deployed(entry, 3);
    assert_eq!(pruned, ["a"]);
    let names: Vec<&str> = after.releases.iter().map(|k| k.release.as_str()).collect();
    assert_eq!(names, ["b", "c", "d"]);
    // Deploying a kept release again moves it last instead of keeping it twice.
    let again = kept(&[("b", "5")]).releases.remove(0);
    let (after, pruned) = after.deployed(again, 3);
    assert!(pruned.is_empty());
    let names: Vec<&str> = after.releases.iter().map(|k| k.release.as_str()).collect();
    assert_eq!(names, ["c", "d", "b"]);
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
            "keeps no release from the deploy at t1 or before (it keeps 2, the oldest from t2)"
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
