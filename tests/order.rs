//! Several groups in one command go in `depends_on` order, each done before the next
//! starts; a group that failed stops the groups depending on it, not the others.

mod common;

use common::engines::{ensure_engines, inspect, unique_group, Cleanup};
use common::inventory::Fleet;
use common::Test;

/// Exits 3 in mode `bad`, but only in the group named BROKEN.
const RUN_SH: &str = r#"#!/bin/sh
{{ env_set }}
if [ "$RUNTIME_MODE" = bad ] && [ "{{ group }}" = BROKEN ]; then exit 3; fi
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
"#;

struct Groups {
    common: String,
    api: String,
    web: String,
    yaml: String,
    run_sh: String,
    _cleanup: Cleanup,
}

impl Groups {
    /// `api` depends on `common`; `web` on nothing. Each has a unit on 127.0.0.2 (core)
    /// and one on 127.0.0.3.
    fn new() -> Self {
        ensure_engines(&[2, 3]);
        let stem = unique_group("order");
        let (common, api, web) = (format!("{stem}c"), format!("{stem}a"), format!("{stem}w"));
        let mut fleet = Fleet::new()
            .defaults("stop_timeout: 1\nrollout:\n  min_healthy: 1s")
            .group_setting(&api, &format!("depends_on: [{common}]"));
        // api first in the file: the order comes from depends_on, not from the file.
        for group in [&api, &common, &web] {
            fleet = fleet
                .image(group, "jdeploy-demo:latest")
                .unit("127.0.0.2", &[&format!("{group}_a")], group.as_str())
                .core()
                .unit("127.0.0.3", &[&format!("{group}_b")], group.as_str());
        }
        Self {
            yaml: fleet.to_yaml(),
            run_sh: RUN_SH.replace("BROKEN", &common),
            _cleanup: Cleanup::new(&stem, &[2, 3]),
            common,
            api,
            web,
        }
    }

    fn test(&self) -> Test {
        Test::new()
            .file("run.sh.j2", &self.run_sh)
            .groups(&self.yaml)
    }

    fn started_at(&self, group: &str) -> String {
        inspect(2, &format!("{group}_a"), "{{.State.StartedAt}}")
    }
}

/// Where `needle` first appears in `haystack`; fails the test if it does not.
fn at(haystack: &str, needle: &str) -> usize {
    haystack
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in\n{haystack}"))
}

#[test]
fn groups_go_in_dependency_order_and_a_failed_one_stops_only_its_dependents() {
    let groups = Groups::new();
    let (common, api, web) = (&groups.common, &groups.api, &groups.web);
    let created = groups.test().args(["create", "--all"]).run();
    assert!(
        at(&created.stdout, &format!("create {common}: 2 created"))
            < at(&created.stdout, &format!("create {api}: 2 created")),
        "{}",
        created.stdout
    );
    let deployed = groups
        .test()
        .args(["deploy", "--group", api, "--group", common, "--yes"])
        .run();
    assert!(
        at(&deployed.stdout, &format!("deploy {common}: 2 deployed"))
            < at(&deployed.stdout, &format!("deploy {api}: 2 deployed")),
        "{}",
        deployed.stdout
    );
    assert!(
        !deployed.stdout.contains(web.as_str()),
        "{}",
        deployed.stdout
    );

    // common breaks in mode bad: it goes back, api is left alone, web goes ahead.
    let failed = groups
        .test()
        .args(["deploy", "--all", "--mode", "bad", "--yes", "--json"])
        .status(1)
        .run();
    let report: serde_json::Value = serde_json::from_str(&failed.stdout).unwrap();
    let runs = report["runs"].as_array().unwrap();
    let run = |group: &str| {
        runs.iter()
            .find(|run| run["group"] == group)
            .unwrap_or_else(|| panic!("no run of {group} in {report}"))
    };
    assert_eq!(run(common)["rolled_back"], true, "{report}");
    let skipped = &run(api)["units"][0];
    assert_eq!(skipped["status"], "skipped", "{report}");
    assert_eq!(
        skipped["detail"],
        format!("not deployed: group {common}, which it depends on, failed"),
    );
    assert_eq!(run(web)["ok"], true, "{report}");
    assert_eq!(report["ok"], false);
}

#[test]
fn a_restart_of_several_groups_restarts_dependencies_first() {
    let groups = Groups::new();
    let (common, api) = (&groups.common, &groups.api);
    groups.test().args(["create", "--all"]).run();
    groups.test().args(["deploy", "--all", "--yes"]).run();
    let restarted = groups
        .test()
        .args(["restart", "--group", api, "--group", common])
        .run();
    assert!(
        restarted.stdout.contains("4 restarted"),
        "{}",
        restarted.stdout
    );
    // common was up (past its gate) before api was restarted.
    assert!(
        groups.started_at(common) < groups.started_at(api),
        "{} !< {}",
        groups.started_at(common),
        groups.started_at(api)
    );
}
