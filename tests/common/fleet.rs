//! A deployed group for the fleet commands: `<group>_core` (core) and `<group>_a` on
//! 127.0.0.2, `<group>_b` on 127.0.0.3, and `<group>_gone` on a host that refuses
//! connections. `--host '127.0.0.[23]'` selects the reachable ones.

use super::engines::{ensure_engines, Cleanup};
use super::inventory::Fleet;
use super::{Output, Test};

pub const REACHABLE: &str = "127.0.0.[23]";
pub const UNREACHABLE: &str = "cannot reach the engine at tcp://127.0.0.8:1";

/// Says when it starts and stops, on both streams, and stays up until SIGTERM.
pub const RUN_SH: &str = r#"#!/bin/sh
{{ env_set }}
echo "started {{ container }}"
echo "warming up {{ container }}" >&2
trap 'echo "stopping {{ container }}"; exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
"#;

pub fn groups_yaml(group: &str, stage: &str) -> String {
    Fleet::new()
        .image(group, "jdeploy-demo:latest")
        .defaults("stop_timeout: 1")
        .defaults(&format!("env:\n  STAGE: {stage}"))
        // The unreachable unit fails every deploy and restart; the others go ahead.
        .defaults("rollout:\n  max_failures: 1")
        .unit("127.0.0.2", &[&format!("{group}_core")], group)
        .core()
        .unit("127.0.0.2", &[&format!("{group}_a")], group)
        .unit("127.0.0.3", &[&format!("{group}_b")], group)
        .unit("127.0.0.8:1", &[&format!("{group}_gone")], group)
        .to_yaml()
}

pub fn test(group: &str) -> Test {
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&groups_yaml(group, "one"))
}

pub fn jdeploy(group: &str, args: &[&str], status: i32) -> Output {
    test(group).args(args).status(status).run()
}

/// Creates and deploys the group; the unreachable unit fails, as it will throughout.
pub fn deployed(group: &str) -> Cleanup {
    ensure_engines(&[2, 3]);
    let cleanup = Cleanup::new(group, &[2, 3]);
    jdeploy(group, &["create", "--group", group], 1);
    jdeploy(group, &["deploy", "--group", group], 1);
    cleanup
}

/// The output line of `container` in a table, panicking with the table when it is missing.
pub fn row<'a>(table: &'a str, container: &str) -> &'a str {
    table
        .lines()
        .find(|line| line.split_whitespace().nth(1) == Some(container))
        .unwrap_or_else(|| panic!("no row for {container} in:\n{table}"))
}
