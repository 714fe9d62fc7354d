//! Hooks: here, around a deploy (told what it is about through JDEPLOY_* variables), and
//! in each container around its restart, through the Engine API's exec.

mod common;

use common::engines::{docker_output, ensure_engines, unique_group, Cleanup, RUN_SH};
use common::inventory::Fleet;
use common::Test;

fn groups_yaml(group: &str, hooks: &str) -> String {
    Fleet::new()
        .image(group, "jdeploy-demo:latest")
        .defaults("stop_timeout: 1\nrollout:\n  min_healthy: 1s")
        .group_setting(group, &format!("hooks:\n{hooks}"))
        .unit("127.0.0.2", &[&format!("{group}_a")], group)
        .core()
        .unit("127.0.0.3", &[&format!("{group}_b")], group)
        .to_yaml()
}

fn test(group: &str, hooks: &str) -> Test {
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .dir("hooks")
        .groups(&groups_yaml(group, hooks))
}

/// What `path` holds in `container` on engine `engine`, if it is there.
fn container_file(engine: u8, container: &str, path: &str) -> Option<String> {
    let output = docker_output(engine, &["exec", container, "cat", path]);
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

const LOCAL_HOOKS: &str =
    "  pre_deploy: env | grep ^JDEPLOY_ | sort > hooks/pre.env; echo checked the build
  post_deploy: env | grep ^JDEPLOY_ | sort > hooks/post.env
  on_failure: echo \"$JDEPLOY_RESULT\" > hooks/failed";

#[test]
fn local_hooks_are_told_what_the_deploy_is_and_a_failing_pre_deploy_changes_nothing() {
    ensure_engines(&[2, 3]);
    let group = unique_group("hooklocal");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    test(&group, LOCAL_HOOKS)
        .args(["create", "--group", &group])
        .run();
    let output = test(&group, LOCAL_HOOKS)
        .args([
            "deploy",
            "--group",
            &group,
            "--monitor",
            "--mode",
            "dev_new",
            "--yes",
        ])
        .run();
    assert!(
        output.stderr.contains("hook pre_deploy: checked the build"),
        "{}",
        output.stderr
    );
    let read = |name: &str| std::fs::read_to_string(output.dir.path().join(name)).unwrap();
    let pre = read("hooks/pre.env");
    for expected in [
        format!("JDEPLOY_GROUP={group}"),
        "JDEPLOY_COMMAND=deploy".into(),
        "JDEPLOY_MODE=dev_new".into(),
        "JDEPLOY_MONITOR=1".into(),
        format!("JDEPLOY_CONTAINERS={group}_a@127.0.0.2 {group}_b@127.0.0.3"),
        "JDEPLOY_RESULT=\n".into(),
    ] {
        assert!(pre.contains(&expected), "{expected} not in\n{pre}");
    }
    assert!(
        pre.contains("JDEPLOY_PERFORMER=") && pre.contains('@'),
        "{pre}"
    );
    let deploy_id = pre
        .lines()
        .find_map(|line| line.strip_prefix("JDEPLOY_DEPLOY_ID="))
        .unwrap();
    assert!(!deploy_id.is_empty(), "{pre}");
    let post = read("hooks/post.env");
    assert!(post.contains("JDEPLOY_RESULT=ok"), "{post}");
    assert!(
        post.contains(&format!("JDEPLOY_DEPLOY_ID={deploy_id}")),
        "{post}"
    );
    assert!(!output.dir.path().join("hooks/failed").exists());

    // A pre_deploy that says no: exit 1, and no container touched.
    let refusing = "  pre_deploy: echo no build for this commit >&2; exit 3";
    let refused = test(&group, refusing)
        .args(["deploy", "--group", &group, "--mode", "other", "--yes"])
        .status(1)
        .run();
    assert!(
        refused
            .stderr
            .contains("pre_deploy hook exited 3: no build for this commit; nothing was changed"),
        "{}",
        refused.stderr
    );
    let run_sh = container_file(2, &format!("{group}_a"), "/run.sh").unwrap();
    assert!(!run_sh.contains("other"), "{run_sh}");
    // --no-hooks goes ahead without it.
    test(&group, refusing)
        .args([
            "deploy",
            "--group",
            &group,
            "--mode",
            "other",
            "--yes",
            "--no-hooks",
        ])
        .run();
}

#[test]
fn container_hooks_drain_and_register_and_a_failing_one_fails_its_container() {
    ensure_engines(&[2, 3]);
    let group = unique_group("hookin");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    let hooks = "  pre_stop: echo draining; date > /tmp/drained
  post_start: echo registered; date > /tmp/registered";
    test(&group, hooks)
        .args(["create", "--group", &group])
        .run();
    let output = test(&group, hooks)
        .args(["deploy", "--group", &group, "--yes"])
        .run();
    let core = format!("{group}_a");
    assert!(
        output.stderr.contains(&format!(
            "{group} {core}@127.0.0.2 core hook post_start: registered"
        )),
        "{}",
        output.stderr
    );
    assert!(container_file(2, &core, "/tmp/registered").is_some());
    // The first deploy found the containers waiting for /run.sh: running, so drained.
    assert!(container_file(3, &format!("{group}_b"), "/tmp/drained").is_some());
    // stop drains too.
    docker_output(2, &["exec", &core, "rm", "-f", "/tmp/drained"]);
    let stopped = test(&group, hooks)
        .args(["restart", "--group", &group])
        .run();
    assert!(
        stopped.stderr.contains("hook pre_stop: draining"),
        "{}",
        stopped.stderr
    );
    assert!(container_file(2, &core, "/tmp/drained").is_some());

    // A post_start that fails fails its container; the rollout's policy puts the group
    // back, and on_failure is told.
    let failing = "  post_start: echo cannot register; exit 4
  on_failure: echo \"$JDEPLOY_COMMAND $JDEPLOY_RESULT\" > hooks/failed";
    let failed = test(&group, failing)
        .args(["deploy", "--group", &group, "--mode", "next", "--yes"])
        .status(1)
        .run();
    assert!(
        failed
            .stdout
            .contains("post_start hook exited 4: cannot register"),
        "{}",
        failed.stdout
    );
    let told = std::fs::read_to_string(failed.dir.path().join("hooks/failed")).unwrap();
    assert_eq!(told.trim(), "deploy rolled_back");
    let run_sh = container_file(2, &core, "/run.sh").unwrap();
    assert!(!run_sh.contains("next"), "{run_sh}");
}

#[test]
fn a_hook_is_decided_by_its_exit_and_one_that_outlives_its_timeout_is_stopped_with_its_children() {
    ensure_engines(&[2, 3]);
    let group = unique_group("hooktime");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    // It exits at once, leaving a process behind that holds its output open, and
    // prints bytes that are not UTF-8.
    let background =
        "  pre_deploy: sleep 3117 & printf '\\377\\376 raw\\n'; echo ready\n  timeout: 20s";
    test(&group, background)
        .args(["create", "--group", &group])
        .run();
    let started = std::time::Instant::now();
    let output = test(&group, background)
        .args(["deploy", "--group", &group, "--yes"])
        .run();
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    assert!(
        output.stderr.contains("hook pre_deploy: ready"),
        "{}",
        output.stderr
    );
    let _ = std::process::Command::new("pkill")
        .args(["-f", "sleep 3117"])
        .status();

    // Past its timeout it fails the deploy, and what it started is stopped with it.
    let hanging = "  pre_deploy: sh -c 'sleep 3119' ; true\n  timeout: 1s";
    let refused = test(&group, hanging)
        .args(["deploy", "--group", &group, "--mode", "late", "--yes"])
        .status(1)
        .run();
    assert!(
        refused
            .stderr
            .contains("pre_deploy hook did not finish within 1s; nothing was changed"),
        "{}",
        refused.stderr
    );
    let left = std::process::Command::new("pgrep")
        .args(["-f", "sleep 3119"])
        .output()
        .unwrap();
    assert!(!left.status.success(), "a hook's child outlived it");
}
