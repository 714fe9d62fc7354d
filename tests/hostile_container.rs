//! A container controls what jdeploy reads back from it: sizes are bounded, and what it
//! says is shown, never obeyed.

mod common;

use common::engines::{docker, unique_group};
use common::fleet::{deployed, jdeploy, row};

#[test]
fn a_huge_releases_list_fails_that_container_alone() {
    let group = unique_group("huge");
    let _cleanup = deployed(&group);
    let name = format!("{group}_a");
    docker(
        2,
        &[
            "exec",
            &name,
            "sh",
            "-c",
            "head -c 17000000 /dev/zero > /.jdeploy/releases.json",
        ],
    );
    let plan = jdeploy(&group, &["plan", "--group", &group, "--mode", "next"], 1);
    assert!(
        plan.stdout
            .contains("/.jdeploy/releases.json in the container is larger than 16 MiB"),
        "{}",
        plan.stdout
    );
    // The other reachable containers are planned as usual.
    let core = format!("{group}_core@127.0.0.2 (core): change");
    assert!(plan.stdout.contains(&core), "{}", plan.stdout);
    let status = jdeploy(
        &group,
        &["status", "--group", &group, "--host", "127.0.0.2"],
        0,
    );
    assert!(
        row(&status.stdout, &name).contains("running"),
        "{}",
        status.stdout
    );
}
