//! Scaling in: containers jdeploy created for a group that groups.yaml no longer lists
//! are named by create and status, and removed by `create --prune`.

mod common;

use common::engines::{docker, ensure_engines, unique_group, Cleanup, RUN_SH};
use common::inventory::Fleet;
use common::Test;

fn groups_yaml(group: &str, with_c: bool) -> String {
    let mut fleet = Fleet::new()
        .image(group, "jdeploy-demo:latest")
        .defaults("stop_timeout: 1")
        .unit("127.0.0.2", &[&format!("{group}_a")], group)
        .core();
    let on_three: Vec<String> = if with_c {
        vec![format!("{group}_b"), format!("{group}_c")]
    } else {
        vec![format!("{group}_b")]
    };
    let names: Vec<&str> = on_three.iter().map(String::as_str).collect();
    fleet = fleet.unit("127.0.0.3", &names, group);
    fleet.to_yaml()
}

fn exists(engine: u8, name: &str) -> bool {
    let filter = format!("name=^{name}$");
    !docker(engine, &["ps", "-aq", "--filter", &filter])
        .trim()
        .is_empty()
}

#[test]
fn containers_groups_yaml_no_longer_lists_are_named_then_pruned() {
    ensure_engines(&[2, 3]);
    let group = unique_group("prune");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    let test = |with_c: bool| {
        Test::new()
            .file("run.sh.j2", RUN_SH)
            .groups(&groups_yaml(&group, with_c))
    };
    test(true).args(["create", "--group", &group]).run();
    let stray = format!("{group}_c");
    assert!(exists(3, &stray));

    // Removed from the file: named, left alone.
    let created = test(false).args(["create", "--group", &group]).run();
    let row = created
        .stdout
        .lines()
        .find(|line| line.contains(&stray))
        .unwrap_or_else(|| panic!("{}", created.stdout));
    assert!(
        row.contains("not in groups.yaml; create --prune removes it"),
        "{}",
        created.stdout
    );
    let status = test(false)
        .args(["status", "--group", &group, "--json"])
        .run();
    let report: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let rows = report["containers"].as_array().unwrap();
    let named = rows
        .iter()
        .find(|row| row["container"] == stray.as_str())
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        named["note"]
            .as_str()
            .unwrap()
            .starts_with("not in groups.yaml"),
        "{report}"
    );

    // Nobody to ask, no --yes: nothing created or removed.
    let refused = test(false)
        .args(["create", "--group", &group, "--prune"])
        .status(2)
        .run();
    assert!(refused.stderr.contains("needs --yes"), "{}", refused.stderr);
    assert!(exists(3, &stray));

    let pruned = test(false)
        .args(["create", "--group", &group, "--prune", "--yes"])
        .run();
    let row = pruned
        .stdout
        .lines()
        .find(|line| line.contains(&stray))
        .unwrap_or_else(|| panic!("{}", pruned.stdout));
    assert!(row.contains("removed"), "{}", pruned.stdout);
    assert!(!exists(3, &stray));
    assert!(exists(3, &format!("{group}_b")) && exists(2, &format!("{group}_a")));
}
