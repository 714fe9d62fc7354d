use super::*;

const ALL_ACTIONS: [Action; 8] = [
    Action::Read,
    Action::Plan,
    Action::Deploy,
    Action::Rollback,
    Action::Restart,
    Action::Approve,
    Action::RequestDeploy,
    Action::ManageTokens,
];

fn grant(role: Role, groups: &[&str]) -> Grant {
    Grant {
        user: "alice".into(),
        role,
        groups: GroupScope::Only(groups.iter().map(|g| g.to_string()).collect()),
    }
}

fn everywhere(role: Role) -> Grant {
    Grant {
        groups: GroupScope::All,
        ..grant(role, &[])
    }
}

/// The actions each role allows on a group it has.
#[test]
fn each_role_allows_its_actions_on_its_groups() {
    let allowed = |role: Role| -> Vec<Action> {
        ALL_ACTIONS
            .into_iter()
            .filter(|action| {
                let group = action.is_on_groups().then_some("product");
                grant(role, &["product"]).check(*action, group).is_ok()
            })
            .collect()
    };
    assert_eq!(allowed(Role::Viewer), [Action::Read, Action::RequestDeploy]);
    assert_eq!(
        allowed(Role::Deployer),
        [
            Action::Read,
            Action::Plan,
            Action::Deploy,
            Action::Rollback,
            Action::Restart,
            Action::Approve,
            Action::RequestDeploy
        ]
    );
    assert_eq!(allowed(Role::Admin), ALL_ACTIONS);
}

#[test]
fn no_role_on_another_group_allows_nothing_there() {
    for role in [Role::Viewer, Role::Deployer] {
        for action in ALL_ACTIONS.into_iter().filter(|a| a.is_on_groups()) {
            let denied = grant(role, &["product"])
                .check(action, Some("product_2"))
                .unwrap_err();
            assert_eq!(denied.to_string(), "alice has no role on product_2");
            assert_eq!(denied.group.as_deref(), Some("product_2"));
        }
    }
}

#[test]
fn an_admin_may_do_everything_on_every_group_and_outside_windows() {
    // An admin's scope does not narrow it.
    for admin in [everywhere(Role::Admin), grant(Role::Admin, &["product"])] {
        for action in ALL_ACTIONS {
            assert_eq!(admin.check(action, Some("other")), Ok(()));
            assert_eq!(admin.check(action, None), Ok(()));
        }
        assert!(admin.sees("other"));
        assert!(admin.bypasses_windows());
    }
    assert!(!everywhere(Role::Deployer).bypasses_windows());
}

#[test]
fn denials_name_the_role_held_and_the_role_needed() {
    let viewer = grant(Role::Viewer, &["product"]);
    let message =
        |grant: &Grant, action, group| grant.check(action, group).unwrap_err().to_string();
    assert_eq!(
        message(&viewer, Action::Deploy, Some("product")),
        "alice is a viewer of product; deploy needs deployer or admin on product"
    );
    assert_eq!(
        message(&viewer, Action::Plan, Some("product")),
        "alice is a viewer of product; plan needs deployer or admin on product"
    );
    let deployer = grant(Role::Deployer, &["product"]);
    assert_eq!(
        message(&viewer, Action::Approve, Some("product")),
        "alice is a viewer of product; approving deploy requests needs deployer or admin on product"
    );
    assert_eq!(
        message(&deployer, Action::ManageTokens, None),
        "alice is a deployer; managing tokens needs admin"
    );
    assert_eq!(
        message(
            &everywhere(Role::Deployer),
            Action::ManageTokens,
            Some("product")
        ),
        "alice is a deployer; managing tokens needs admin"
    );
    assert_eq!(
        message(&everywhere(Role::Viewer), Action::Restart, None),
        "alice is a viewer of every group; restart needs deployer or admin"
    );
}

#[test]
fn every_group_needs_a_grant_on_every_group() {
    let deployer = grant(Role::Deployer, &["product", "api"]);
    assert_eq!(
        deployer.check(Action::Read, None).unwrap_err().to_string(),
        "alice is a deployer of product, api only; reading of every group needs a role on every group"
    );
    assert_eq!(everywhere(Role::Viewer).check(Action::Read, None), Ok(()));
    assert_eq!(
        everywhere(Role::Deployer).check(Action::Deploy, None),
        Ok(())
    );
    assert!(deployer.sees("api") && !deployer.sees("test"));
}

#[test]
fn roles_are_ordered_and_named_in_lowercase() {
    assert!(Role::Viewer < Role::Deployer && Role::Deployer < Role::Admin);
    for name in Role::NAMES {
        let role = Role::parse(name).unwrap();
        assert_eq!(role.as_str(), name);
        assert_eq!(serde_json::to_value(role).unwrap(), name);
    }
    assert_eq!(Role::parse("Admin"), None);
    assert_eq!(
        serde_json::to_value(Action::RequestDeploy).unwrap(),
        "request_deploy"
    );
}

#[test]
fn group_scopes_are_a_star_or_a_list_in_json_and_in_the_database() {
    let some = GroupScope::Only(vec!["product".into(), "api".into()]);
    for scope in [GroupScope::All, some.clone(), GroupScope::Only(Vec::new())] {
        assert_eq!(GroupScope::from_text(&scope.to_text()), Some(scope.clone()));
        let json = serde_json::to_string(&scope).unwrap();
        assert_eq!(serde_json::from_str::<GroupScope>(&json).unwrap(), scope);
    }
    assert_eq!(GroupScope::All.to_text(), "*");
    assert_eq!(
        serde_json::to_string(&some).unwrap(),
        r#"["product","api"]"#
    );
    assert!(serde_json::from_str::<GroupScope>(r#""all""#).is_err());
    assert_eq!(GroupScope::from_text("nonsense"), None);
    assert_eq!(some.to_string(), "product, api");
    assert_eq!(GroupScope::All.to_string(), "every group");
}
