use sha2::Digest;

use super::*;
use crate::access::{GroupScope, Role};

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

fn open_fresh() -> (tempfile::TempDir, History) {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(&dir.path().join("history.db")).unwrap();
    (dir, history)
}

#[test]
fn a_second_version_file_is_upgraded_and_gains_the_access_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch(super::store::SCHEMA_V1_FOR_TESTS)
            .unwrap();
        connection
            .execute_batch(super::store::UPGRADE_TO_2_FOR_TESTS)
            .unwrap();
        connection
            .execute_batch(
                "INSERT INTO runs (started_at, elapsed, by_whom, command_line, command, grp, flags, deploy, ok, strategy, interrupted, rolled_back)
                 VALUES ('2026-11-01T00:00:00Z', 1.0, 'ops@box', 'jdeploy deploy', 'deploy', 'product', '{}', 'd1', 1, NULL, 0, 0);
                 PRAGMA user_version = 2;",
            )
            .unwrap();
    }
    let history = History::open(&path).unwrap();
    assert_eq!(history.list(None, 10).unwrap().len(), 1);
    let (row, _) = history
        .create_token("alice", Role::Viewer, &GroupScope::All, "ops@box")
        .unwrap();
    assert_eq!(history.list_tokens().unwrap(), [row]);
    let version: i32 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, 3);
    // Opened again, nothing is upgraded twice.
    History::open(&path).unwrap();
}

#[test]
fn a_file_from_a_newer_jdeploy_is_not_misread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    let err = History::open(&path).err().unwrap();
    assert!(
        err.to_string().contains("schema 99, this one reads 3"),
        "{err}"
    );
}

#[test]
fn a_token_is_shown_once_and_only_its_hash_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let history = History::open(&path).unwrap();
    let groups = GroupScope::Only(vec!["product".into()]);
    let (row, secret) = history
        .create_token("alice", Role::Deployer, &groups, "ops@box")
        .unwrap();
    assert!(secret.starts_with("jdp_"), "{secret}");
    assert_eq!(secret.len(), 4 + 64);
    assert!(secret[4..].chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        (
            row.user.as_str(),
            row.role,
            &row.groups,
            row.created_by.as_str()
        ),
        ("alice", Role::Deployer, &groups, "ops@box")
    );
    let (_, other) = history
        .create_token("alice", Role::Deployer, &groups, "ops@box")
        .unwrap();
    assert_ne!(secret, other, "tokens are random");
    drop(history);
    let bytes = std::fs::read(&path).unwrap();
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(!contains(&secret) && !contains(&secret[4..]));
    let hash = sha2::Sha256::digest(secret.as_bytes());
    let hash_hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    assert!(contains(&hash_hex), "the hash is what is kept");
}

#[test]
fn a_token_verifies_to_its_grant_until_revoked_and_notes_its_use() {
    let (_dir, history) = open_fresh();
    let (row, secret) = history
        .create_token("alice", Role::Admin, &GroupScope::All, "ops@box")
        .unwrap();
    assert_eq!(row.last_used_at, None);
    let grant = history.verify_token(&secret).unwrap().unwrap();
    assert_eq!(
        (grant.user.as_str(), grant.role, grant.groups),
        ("alice", Role::Admin, GroupScope::All)
    );
    assert!(history.list_tokens().unwrap()[0].last_used_at.is_some());
    for wrong in [
        "",
        "jdp_",
        "Bearer x",
        &secret[..20],
        &secret.to_uppercase(),
    ] {
        assert_eq!(history.verify_token(wrong).unwrap(), None, "{wrong}");
    }
    assert_eq!(
        history.revoke_tokens(&TokenSelector::Id(row.id)).unwrap(),
        1
    );
    assert_eq!(history.verify_token(&secret).unwrap(), None);
    // Already revoked: nothing more to revoke.
    assert_eq!(
        history.revoke_tokens(&TokenSelector::Id(row.id)).unwrap(),
        0
    );
    assert!(history.list_tokens().unwrap()[0].revoked_at.is_some());
}

#[test]
fn revoking_a_user_revokes_every_token_of_theirs_only() {
    let (_dir, history) = open_fresh();
    let scope = GroupScope::All;
    let (_, a1) = history
        .create_token("alice", Role::Viewer, &scope, "x")
        .unwrap();
    let (_, a2) = history
        .create_token("alice", Role::Viewer, &scope, "x")
        .unwrap();
    let (_, b) = history
        .create_token("bob", Role::Viewer, &scope, "x")
        .unwrap();
    let alice = TokenSelector::User("alice".into());
    assert_eq!(history.revoke_tokens(&alice).unwrap(), 2);
    assert_eq!(history.revoke_tokens(&alice).unwrap(), 0);
    assert_eq!(history.verify_token(&a1).unwrap(), None);
    assert_eq!(history.verify_token(&a2).unwrap(), None);
    assert_eq!(history.verify_token(&b).unwrap().unwrap().user, "bob");
    assert_eq!(history.revoke_tokens(&TokenSelector::Id(99)).unwrap(), 0);
}

#[test]
fn the_audit_log_lists_newest_first_and_keeps_no_token() {
    let (_dir, history) = open_fresh();
    let entry = |action: &str, result| NewAudit {
        user: "alice".into(),
        action: action.into(),
        group: Some("product".into()),
        detail: serde_json::json!({"mode": "ci", "header": format!("Bearer jdp_{}", "ab".repeat(32))}),
        result,
        job_id: None,
    };
    let first = history
        .record_audit(&entry("deploy", AuditResult::Ok))
        .unwrap();
    let second = history
        .record_audit(&NewAudit {
            group: None,
            job_id: Some("j7".into()),
            ..entry("token create", AuditResult::Denied)
        })
        .unwrap();
    let listed = history.list_audit(10).unwrap();
    assert_eq!(
        listed.iter().map(|e| e.id).collect::<Vec<_>>(),
        [second, first]
    );
    assert_eq!(listed[0].result, AuditResult::Denied);
    assert_eq!(listed[0].job_id.as_deref(), Some("j7"));
    assert_eq!(listed[1].group.as_deref(), Some("product"));
    assert_eq!(listed[1].detail["mode"], "ci");
    assert_eq!(listed[1].detail["header"], "Bearer jdp_…");
    assert_eq!(history.list_audit(1).unwrap().len(), 1);
}

#[test]
fn only_long_token_shapes_are_blanked() {
    assert_eq!(
        without_tokens("group jdp_api and jdp_"),
        "group jdp_api and jdp_"
    );
    let token = format!("jdp_{}", "0f".repeat(32));
    assert_eq!(
        without_tokens(&format!("{token} then {token}.")),
        "jdp_… then jdp_…."
    );
}

#[test]
fn deploy_requests_are_filed_then_decided_once() {
    let (_dir, history) = open_fresh();
    let new = |group: &str| NewDeployRequest {
        group: group.into(),
        flags: serde_json::json!({"mode": "dev_new", "monitor": true}),
        reason: "hotfix".into(),
        requested_by: "bob".into(),
    };
    let one = history.file_request(&new("product")).unwrap();
    let two = history.file_request(&new("api")).unwrap();
    assert_eq!(one.state, RequestState::Pending);
    assert_eq!(history.get_request(one.id).unwrap().unwrap(), one);
    assert_eq!(history.get_request(99).unwrap(), None);
    let pending = history.list_requests(Some(RequestState::Pending)).unwrap();
    assert_eq!(
        pending.iter().map(|r| r.id).collect::<Vec<_>>(),
        [two.id, one.id]
    );

    let approved = history
        .approve_request(one.id, "alice", Some("j1"))
        .unwrap();
    assert_eq!(approved.state, RequestState::Approved);
    assert_eq!(approved.decided_by.as_deref(), Some("alice"));
    assert!(approved.decided_at.is_some());
    assert_eq!(approved.job_id.as_deref(), Some("j1"));
    assert_eq!(approved.flags["mode"], "dev_new");

    let rejected = history
        .reject_request(two.id, "alice", "not today")
        .unwrap();
    assert_eq!(rejected.decision_reason.as_deref(), Some("not today"));
    assert_eq!(rejected.job_id, None);

    let again = history.reject_request(one.id, "carol", "no").unwrap_err();
    assert!(
        again.to_string().starts_with(&format!(
            "deploy request {} was already approved by alice at ",
            one.id
        )),
        "{again}"
    );
    assert!(again
        .to_string()
        .ends_with("; only a pending request can be approved or rejected"));
    assert!(matches!(
        history.approve_request(two.id, "carol", None),
        Err(RequestError::NotPending {
            state: RequestState::Rejected,
            ..
        })
    ));
    assert_eq!(
        history
            .approve_request(99, "carol", None)
            .unwrap_err()
            .to_string(),
        "no deploy request 99"
    );
    assert!(history
        .list_requests(Some(RequestState::Pending))
        .unwrap()
        .is_empty());
    assert_eq!(history.list_requests(None).unwrap().len(), 2);

    let three = history.file_request(&new("product")).unwrap();
    history.approve_request(three.id, "alice", None).unwrap();
    history.attach_request_job(three.id, "j9").unwrap();
    assert_eq!(
        history
            .get_request(three.id)
            .unwrap()
            .unwrap()
            .job_id
            .as_deref(),
        Some("j9")
    );
    assert!(matches!(
        history.attach_request_job(99, "j9"),
        Err(RequestError::NotFound(99))
    ));
}
