use std::collections::BTreeMap;

use super::*;
use crate::inventory::endpoint::Endpoint;
use crate::inventory::Host;
use crate::labels;

pub(crate) fn host(name: &str) -> Host {
    Host {
        name: name.to_string(),
        endpoint: Endpoint::Tcp {
            host: name.to_string(),
            port: 2375,
            tls: None,
        },
        identity: format!("{name}:2375"),
    }
}

pub(crate) fn desired(name: &str, core: bool) -> DesiredContainer {
    let spec = DesiredSpec {
        image: "app:1".into(),
        command: vec!["sh".into(), "/run.sh".into()],
        env: BTreeMap::from([("TZ".into(), "UTC".into())]),
        secrets: BTreeMap::new(),
        ports: vec![],
        volumes: vec![],
        restart: "unless-stopped".into(),
        stop_timeout: 10,
        labels: BTreeMap::new(),
        group: "g".into(),
        core,
        health: None,
    };
    DesiredContainer {
        name: name.into(),
        host: host("10.0.0.1"),
        config_hash: spec.hash(),
        env_values: spec.env.clone(),
        unsealed_hash: None,
        spec,
        secret_values: Default::default(),
    }
}

fn key() -> crate::secrets::EnvKey {
    crate::secrets::EnvKey::from_hex(&"5a".repeat(32)).unwrap()
}

#[test]
fn sealed_labels_name_variables_without_their_values() {
    let mut want = desired("a", false);
    want.env_values
        .insert("DB_URL".into(), "postgres://hunter2@db".into());
    want.spec.env = want.env_values.clone();
    want.config_hash = want.spec.hash();
    want.seal(&key());
    let labels = want
        .all_labels()
        .values()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !labels.contains("hunter2") && !labels.contains("UTC"),
        "{labels}"
    );
    assert!(
        labels.contains("DB_URL") && labels.contains("hmac:"),
        "{labels}"
    );
    // The container still gets the values.
    assert!(want
        .env_lines()
        .contains(&"DB_URL=postgres://hunter2@db".to_string()));
    // A container made with those labels is unchanged; a new value is a change, named.
    let found = observed_from(&want, ContainerState::Running);
    assert_eq!(
        plan_one(want.clone(), Some(found.clone()), Recreate::Changed),
        CreateStep::Unchanged
    );
    let mut rotated = desired("a", false);
    rotated
        .env_values
        .insert("DB_URL".into(), "postgres://rotated@db".into());
    rotated.seal(&key());
    assert_eq!(
        plan_one(rotated, Some(found), Recreate::Never),
        CreateStep::Differs {
            changes: vec!["env.DB_URL: changed".into()],
            foreign: false
        }
    );
}

#[test]
fn containers_recorded_with_values_still_match_until_recreated() {
    let unsealed = desired("a", false);
    let found = observed_from(&unsealed, ContainerState::Running);
    let mut sealed = unsealed.clone();
    sealed.seal(&key());
    assert_ne!(sealed.config_hash, unsealed.config_hash);
    assert_eq!(
        plan_one(sealed.clone(), Some(found.clone()), Recreate::Changed),
        CreateStep::Unchanged
    );
    // --force replaces it, and the new one is recorded sealed.
    assert!(matches!(
        plan_one(sealed, Some(found), Recreate::All),
        CreateStep::Replace { .. }
    ));
}

/// What the engine would list for a container jdeploy created from `desired`.
fn observed_from(desired: &DesiredContainer, state: ContainerState) -> ObservedContainer {
    ObservedContainer {
        name: desired.name.clone(),
        state,
        labels: desired.all_labels(),
    }
}

fn plan_one(
    desired: DesiredContainer,
    found: Option<ObservedContainer>,
    recreate: Recreate,
) -> CreateStep {
    plan_create(vec![desired], |_| found.clone(), recreate)
        .remove(0)
        .step
}

#[test]
fn a_missing_container_is_created() {
    assert_eq!(
        plan_one(desired("a", false), None, Recreate::Never),
        CreateStep::Create
    );
}

#[test]
fn a_matching_container_is_left_alone_or_started() {
    let want = desired("a", false);
    let running = observed_from(&want, ContainerState::Running);
    let exited = observed_from(&want, ContainerState::Exited);
    assert_eq!(
        plan_one(want.clone(), Some(running), Recreate::Changed),
        CreateStep::Unchanged
    );
    assert_eq!(
        plan_one(want, Some(exited), Recreate::Never),
        CreateStep::Start
    );
}

#[test]
fn a_changed_container_says_what_changed() {
    let old = desired("a", false);
    let found = observed_from(&old, ContainerState::Running);
    let mut new = old.clone();
    new.spec.image = "app:2".into();
    new.spec.env.insert("TZ".into(), "CET".into());
    new.spec.env.insert("DEBUG".into(), "1".into());
    new.config_hash = new.spec.hash();
    // Environment values may be secrets: named, never shown.
    let changes = vec![
        "env.DEBUG: added".to_string(),
        "env.TZ: changed".to_string(),
        "image: app:1 -> app:2".to_string(),
    ];
    assert_eq!(
        plan_one(new.clone(), Some(found.clone()), Recreate::Never),
        CreateStep::Differs {
            changes: changes.clone(),
            foreign: false
        }
    );
    assert_eq!(
        plan_one(new, Some(found), Recreate::Changed),
        CreateStep::Replace { changes }
    );
}

#[test]
fn a_health_check_is_configuration_and_its_absence_changes_no_hash() {
    let old = desired("a", false);
    // Containers made before health checks existed keep their hash.
    assert!(!old.spec.to_json().contains("health"));
    let found = observed_from(&old, ContainerState::Running);
    let mut new = old.clone();
    new.spec.health = Some(crate::inventory::gates::HealthCheck {
        cmd: "test -f /tmp/ready".into(),
        interval: std::time::Duration::from_secs(2),
        timeout: std::time::Duration::from_secs(2),
        retries: 3,
        start_period: std::time::Duration::ZERO,
    });
    new.config_hash = new.spec.hash();
    assert_ne!(new.config_hash, old.config_hash);
    let CreateStep::Differs { changes, .. } = plan_one(new, Some(found), Recreate::Never) else {
        panic!("a changed health check differs")
    };
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(changes[0].starts_with("health"), "{changes:?}");
}

#[test]
fn force_replaces_even_unchanged_containers() {
    let want = desired("a", true);
    let found = observed_from(&want, ContainerState::Running);
    assert_eq!(
        plan_one(want, Some(found), Recreate::All),
        CreateStep::Replace {
            changes: vec!["--force".into()]
        }
    );
}

#[test]
fn a_container_jdeploy_did_not_make_is_never_taken_silently() {
    let want = desired("a", false);
    let foreign = ObservedContainer {
        name: "a".into(),
        state: ContainerState::Running,
        labels: BTreeMap::new(),
    };
    let left_alone = CreateStep::Differs {
        changes: vec!["not created by jdeploy (no io.jdeploy labels)".into()],
        foreign: true,
    };
    assert_eq!(
        plan_one(want.clone(), Some(foreign.clone()), Recreate::Never),
        left_alone
    );
    assert_eq!(
        plan_one(want.clone(), Some(foreign.clone()), Recreate::Changed),
        left_alone
    );
    assert!(matches!(
        plan_one(want, Some(foreign), Recreate::All),
        CreateStep::Replace { .. }
    ));
}

#[test]
fn labels_carry_group_core_and_hash_under_one_namespace() {
    let mut want = desired("a", true);
    want.spec
        .labels
        .insert("com.example.team".into(), "platform".into());
    want.config_hash = want.spec.hash();
    let all = want.all_labels();
    assert_eq!(all[labels::GROUP], "g");
    assert_eq!(all[labels::CORE], "true");
    assert_eq!(all[labels::CONFIG_HASH], want.config_hash);
    // The operator's labels as given; every other one under jdeploy's prefix.
    assert_eq!(all["com.example.team"], "platform");
    let ours: Vec<&String> = all
        .keys()
        .filter(|key| *key != "com.example.team")
        .collect();
    assert_eq!(ours.len(), 4, "{ours:?}");
    assert!(ours.iter().all(|key| key.starts_with(labels::LABEL_PREFIX)));
    // The hash is stable and changes with the configuration.
    let plain = desired("a", true);
    assert_eq!(plain.spec.hash(), desired("a", true).spec.hash());
    assert_ne!(plain.spec.hash(), desired("a", false).spec.hash());
    assert_ne!(want.spec.hash(), plain.spec.hash());
}

mod release {
    use crate::plan::{release_changes, release_step, ReleaseStep};
    use crate::release::{
        EntryKind, Kept, KeptRelease, Manifest, ManifestCopy, ManifestEntry, ReleaseFlags,
    };
    use crate::render::RenderedContainer;

    fn rendered(run_sh: &str) -> RenderedContainer {
        RenderedContainer::with_run_sh(run_sh)
    }

    fn copy(files: &[(&str, &str)]) -> Vec<ManifestCopy> {
        vec![ManifestCopy {
            dest: "/srv/app".into(),
            clean: true,
            entries: files
                .iter()
                .map(|(path, hash)| ManifestEntry {
                    path: path.to_string(),
                    kind: EntryKind::File,
                    mode: Some(0o644),
                    target: None,
                    sha256: Some(hash.to_string()),
                })
                .collect(),
        }]
    }

    fn manifest(run_sh: &str, files: &[(&str, &str)], env: &str, mode: Option<&str>) -> Manifest {
        let flags = ReleaseFlags {
            monitor: false,
            mode: mode.map(String::from),
        };
        Manifest::new(
            &rendered(run_sh),
            &copy(files),
            "sha256:1",
            &[env.to_string()],
            flags,
        )
    }

    #[test]
    fn a_release_in_place_and_kept_is_unchanged() {
        let desired = manifest("a\n", &[], "A=1", None);
        let kept = Kept::default().deployed(
            KeptRelease {
                release: desired.release.clone(),
                deploy: "d".into(),
                deployed_at: "t".into(),
                by: "me".into(),
                undone: false,
            },
            3,
            None,
        );
        assert_eq!(
            release_step(Some(&desired.release), true, &kept.0, &desired),
            ReleaseStep::Unchanged
        );
        // Another release's files were put in place and never ran: not unchanged.
        assert_eq!(
            release_step(Some(&desired.release), false, &kept.0, &desired),
            ReleaseStep::Change {
                from: Some(desired.release.clone())
            }
        );
        // In place but no longer kept: written again.
        assert_eq!(
            release_step(Some(&desired.release), true, &Kept::default(), &desired),
            ReleaseStep::Change {
                from: Some(desired.release.clone())
            }
        );
        assert_eq!(
            release_step(None, true, &Kept::default(), &desired),
            ReleaseStep::Change { from: None }
        );
    }

    #[test]
    fn changes_name_the_diff_the_copied_files_the_env_and_the_flags() {
        let old = manifest(
            "one\ntwo\n",
            &[("main.sh", "1"), ("old.sh", "2")],
            "A=1",
            Some("x"),
        );
        let new = manifest(
            "one\nthree\n",
            &[("main.sh", "9"), ("new.sh", "3")],
            "A=2",
            Some("y"),
        );
        let changes = release_changes(
            Some(&old),
            &new,
            |_| Some("one\ntwo\n".to_string()),
            |_| Some("one\nthree\n".to_string()),
        );
        assert_eq!(changes.files.len(), 1);
        let diff = &changes.files[0].diff;
        assert!(
            diff.starts_with("--- /run.sh (in place)\n+++ /run.sh (new)\n"),
            "{diff}"
        );
        assert!(diff.contains("-two\n+three\n"), "{diff}");
        assert_eq!(changes.copied_added, ["/srv/app/new.sh"]);
        assert_eq!(changes.copied_changed, ["/srv/app/main.sh"]);
        assert_eq!(changes.copied_removed, ["/srv/app/old.sh"]);
        // Names only: values may be secrets.
        assert_eq!(changes.env_changed, ["A"]);
        assert!(changes.env_added.is_empty() && changes.env_removed.is_empty());
        assert_eq!(
            changes.flags,
            Some(("monitor=0 mode=x".into(), "monitor=0 mode=y".into()))
        );
        assert!(release_changes(Some(&old), &old, |_| None, |_| None).is_empty());
    }
}

#[test]
fn secrets_added_or_removed_are_named_and_their_absence_changes_no_hash() {
    let old = desired("a", false);
    // Containers made before secrets existed keep their hash.
    assert!(!old.spec.to_json().contains("secrets"));
    let mut new = old.clone();
    new.spec.secrets = BTreeMap::from([("DB_PASSWORD".into(), "0f1e".into())]);
    new.config_hash = new.spec.hash();
    let added = plan_one(
        new.clone(),
        Some(observed_from(&old, ContainerState::Running)),
        Recreate::Never,
    );
    let CreateStep::Differs { changes, .. } = added else {
        panic!("{added:?}")
    };
    assert_eq!(changes, ["secret DB_PASSWORD added"]);
    let removed = plan_one(
        old,
        Some(observed_from(&new, ContainerState::Running)),
        Recreate::Never,
    );
    let CreateStep::Differs { changes, .. } = removed else {
        panic!("{removed:?}")
    };
    assert_eq!(changes, ["secret DB_PASSWORD removed"]);
}
