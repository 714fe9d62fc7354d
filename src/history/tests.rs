use super::*;

fn run(group: &str, ok: bool) -> Run {
    Run {
        id: 0,
        started_at: "2026-11-22T10:00:00Z".into(),
        elapsed: 1.5,
        by: "ops@box".into(),
        command_line: "jdeploy deploy --group product --mode ci".into(),
        command: "deploy".into(),
        group: group.into(),
        flags: serde_json::json!({"mode": "ci", "monitor": false}),
        deploy: Some("d1".into()),
        ok,
        strategy: Some(serde_json::json!({"canary": {"count": 1}, "on_failure": "rollback"})),
        interrupted: false,
        rolled_back: !ok,
        units: vec![UnitRecord {
            container: "jl_core_2_1".into(),
            host: "127.0.0.2".into(),
            core: true,
            status: "deployed".into(),
            release: Some("ab".repeat(32)),
            detail: "release abababababab".into(),
            elapsed: 0.4,
            batch: Some("core".into()),
        }],
    }
}

#[test]
fn runs_are_recorded_listed_newest_first_and_shown_with_their_units() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/history.db");
    let mut history = History::open(&path).unwrap();
    let first = history.record(&run("product", true)).unwrap();
    let second = history.record(&run("test", false)).unwrap();
    assert!(second > first);
    // Reopened, as the next command would.
    let history = History::open(&path).unwrap();
    let all = history.list(None, 10).unwrap();
    assert_eq!(
        all.iter().map(|run| run.id).collect::<Vec<_>>(),
        [second, first]
    );
    let product = history.list(Some("product"), 10).unwrap();
    assert_eq!(product.len(), 1);
    assert!(product[0].units.is_empty());
    let shown = history.show(first).unwrap().unwrap();
    assert_eq!(
        shown,
        Run {
            id: first,
            ..run("product", true)
        }
    );
    assert_eq!(history.show(999).unwrap(), None);
}

#[test]
fn a_first_version_file_is_upgraded_in_place_and_keeps_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    {
        // A file as the first version wrote it, with one run.
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch(super::store::SCHEMA_V1_FOR_TESTS)
            .unwrap();
        connection
            .execute_batch(
                "INSERT INTO runs (started_at, elapsed, by_whom, command_line, command, grp, flags, deploy, ok)
                 VALUES ('2026-11-01T00:00:00Z', 1.0, 'ops@box', 'jdeploy create', 'create', 'product', '{}', NULL, 1);
                 PRAGMA user_version = 1;",
            )
            .unwrap();
    }
    let mut history = History::open(&path).unwrap();
    let old = history.list(None, 10).unwrap();
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].strategy, None);
    assert!(!old[0].interrupted && !old[0].rolled_back);
    let id = history.record(&run("product", false)).unwrap();
    let shown = history.show(id).unwrap().unwrap();
    assert!(shown.rolled_back);
    assert_eq!(shown.units[0].batch.as_deref(), Some("core"));
    assert_eq!(shown.strategy.unwrap()["on_failure"], "rollback");
}

#[test]
fn the_database_and_its_folder_are_their_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/history.db");
    History::open(&path).unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
}
