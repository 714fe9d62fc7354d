//! Tokens through the application: what the CLI and the server get back, and what the
//! audit log keeps of it.

use super::*;
use crate::access::{GroupScope, Role};
use crate::history::{AuditResult, History, TokenSelector};

fn create(user: &str, role: Role, groups: GroupScope) -> TokenCreateRequest {
    TokenCreateRequest {
        user: user.into(),
        role,
        groups,
        created_by: "ops@box".into(),
    }
}

#[tokio::test]
async fn tokens_are_made_checked_against_groups_yaml_and_audited() {
    let setup = setup(FakeFleet::default());
    let app = &setup.app;
    let web = GroupScope::Only(vec!["web".into(), "web".into()]);
    let made = app
        .token_create(&create("alice", Role::Deployer, web))
        .await
        .unwrap();
    assert_eq!(
        made.row.groups,
        GroupScope::Only(vec!["web".into()]),
        "each group once"
    );
    let admin = app
        .token_create(&create("root", Role::Admin, GroupScope::Only(Vec::new())))
        .await
        .unwrap();
    assert_eq!(admin.row.groups, GroupScope::All);

    let unknown = GroupScope::Only(vec!["wbe".into()]);
    let err = app
        .token_create(&create("bob", Role::Viewer, unknown))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Input(_)), "{err}");

    let history = History::open(&app.context.state).unwrap();
    let grant = history.verify_token(&made.secret).unwrap().unwrap();
    assert_eq!((grant.user.as_str(), grant.role), ("alice", Role::Deployer));

    let revoked = app
        .token_revoke(&TokenRevokeRequest {
            which: TokenSelector::User("alice".into()),
            by: "ops@box".into(),
        })
        .await
        .unwrap();
    assert_eq!(revoked.revoked, 1);
    assert_eq!(history.verify_token(&made.secret).unwrap(), None);
    assert_eq!(app.token_list().await.unwrap().tokens.len(), 2);

    let audit = history.list_audit(10).unwrap();
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .map(|entry| (entry.action.as_str(), entry.user.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("token revoke", "ops@box"),
            ("token create", "ops@box"),
            ("token create", "ops@box")
        ]
    );
    assert!(audit.iter().all(|entry| entry.result == AuditResult::Ok));
    assert_eq!(audit[2].detail["user"], "alice");
    assert_eq!(audit[2].detail["groups"], serde_json::json!(["web"]));
    let text = serde_json::to_string(&audit).unwrap();
    assert!(!text.contains(&made.secret[4..]) && !text.contains(&admin.secret[4..]));
}
