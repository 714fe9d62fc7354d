//! `jdeploy create` on real engines at 127.0.0.2-4.

mod common;

use common::engines::{
    docker, ensure_engines, inspect, names_on, unique_group, Cleanup, ENGINES, RUN_SH,
};
use common::inventory::Fleet;
use common::{Stdout, Test};

/// A group with a core container on 127.0.0.2 and one other container on each of .3 and .4.
fn groups_yaml(group: &str, env_value: &str) -> String {
    Fleet::new()
        .image(group, "jdeploy-demo:latest")
        .defaults("stop_timeout: 1")
        .defaults(&format!("env:\n  STAGE: {env_value}"))
        .defaults("labels:\n  com.example.owner: tests")
        .unit("127.0.0.2", &[&format!("{group}_core")], group)
        .core()
        .unit("127.0.0.3", &[&format!("{group}_a")], group)
        .unit("127.0.0.4", &[&format!("{group}_b")], group)
        .to_yaml()
}

fn create(group: &str, env_value: &str, extra: &[&str]) -> Test {
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&groups_yaml(group, env_value))
        .args(["create", "--group", group])
        .args(extra)
}

fn ids(group: &str) -> Vec<String> {
    [(2, "core"), (3, "a"), (4, "b")]
        .iter()
        .map(|(engine, suffix)| inspect(*engine, &format!("{group}_{suffix}"), "{{.Id}}"))
        .collect()
}

fn results(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip(1)
        .filter(|line| !line.starts_with("create "))
        .map(|line| {
            line.split_whitespace()
                .filter(|word| *word != "yes")
                .nth(3)
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[test]
fn create_is_idempotent_and_replaces_only_when_told() {
    ensure_engines(&ENGINES);
    let group = unique_group("create");
    let _cleanup = Cleanup::new(&group, &ENGINES);

    let first = create(&group, "one", &[]).run();
    assert_eq!(results(&first.stdout), ["created"; 3], "{}", first.stdout);
    let labels = inspect(2, &format!("{group}_core"), "{{json .Config.Labels}}");
    assert!(
        labels.contains(&format!(r#""io.jdeploy.group":"{group}""#)),
        "{labels}"
    );
    assert!(labels.contains(r#""io.jdeploy.core":"true""#), "{labels}");
    assert!(labels.contains(r#""io.jdeploy.config-hash":""#), "{labels}");
    assert!(
        labels.contains(r#""com.example.owner":"tests""#),
        "{labels}"
    );
    assert_eq!(
        inspect(
            3,
            &format!("{group}_a"),
            "{{.HostConfig.RestartPolicy.Name}}"
        ),
        "unless-stopped"
    );
    let env = inspect(4, &format!("{group}_b"), "{{json .Config.Env}}");
    assert!(env.contains("STAGE=one"), "{env}");
    let original = ids(&group);

    let again = create(&group, "one", &[]).run();
    assert_eq!(results(&again.stdout), ["unchanged"; 3], "{}", again.stdout);
    assert_eq!(ids(&group), original);

    // A changed configuration is reported with what changed, and left alone.
    let changed = create(&group, "two", &[]).run();
    assert_eq!(
        results(&changed.stdout),
        ["differs"; 3],
        "{}",
        changed.stdout
    );
    // Environment values may be secrets: named, never shown.
    assert!(
        changed.stdout.contains("env.STAGE: changed"),
        "{}",
        changed.stdout
    );
    assert!(!changed.stdout.contains("two"), "{}", changed.stdout);
    assert!(changed.stdout.contains("--recreate"), "{}", changed.stdout);
    assert_eq!(ids(&group), original);

    let recreated = create(&group, "two", &["--recreate"]).run();
    assert_eq!(
        results(&recreated.stdout),
        ["recreated"; 3],
        "{}",
        recreated.stdout
    );
    let replaced = ids(&group);
    assert!(replaced.iter().zip(&original).all(|(new, old)| new != old));
    let env = inspect(4, &format!("{group}_b"), "{{json .Config.Env}}");
    assert!(env.contains("STAGE=two"), "{env}");

    let forced = create(&group, "two", &["--force"]).run();
    assert_eq!(
        results(&forced.stdout),
        ["recreated"; 3],
        "{}",
        forced.stdout
    );
    assert!(ids(&group)
        .iter()
        .zip(&replaced)
        .all(|(new, old)| new != old));

    // A stopped container with the same configuration is started, not replaced.
    docker(3, &["stop", "-t", "1", &format!("{group}_a")]);
    let restarted = create(&group, "two", &[]).run();
    assert_eq!(
        results(&restarted.stdout),
        ["unchanged", "started", "unchanged"],
        "{}",
        restarted.stdout
    );
}

#[test]
fn json_output_lists_every_container() {
    ensure_engines(&ENGINES);
    let group = unique_group("json");
    let _cleanup = Cleanup::new(&group, &ENGINES);
    let output = create(&group, "one", &["--json"]).run();
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["command"], "create");
    assert_eq!(json["counts"]["created"], 3);
    let units = json["units"].as_array().unwrap();
    assert_eq!(units[0]["container"], format!("{group}_core"));
    assert_eq!(units[0]["core"], true);
    assert_eq!(units[1]["host"], "127.0.0.3");
    assert_eq!(output.stderr, "");
}

#[test]
fn a_missing_image_fails_that_hosts_containers_only() {
    ensure_engines(&ENGINES);
    let group = unique_group("noimage");
    let _cleanup = Cleanup::new(&group, &ENGINES);
    // The image exists on 127.0.0.3 only.
    let image = format!("jdeploy-only-on-3:{group}");
    docker(3, &["tag", "jdeploy-demo:latest", &image]);
    let yaml = Fleet::new()
        .image(&group, &image)
        .unit("127.0.0.2", &[&format!("{group}_x")], group.as_str())
        .unit("127.0.0.3", &[&format!("{group}_y")], group.as_str())
        .to_yaml();
    let output = Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&yaml)
        .args(["create", "--group", &group])
        .status(1)
        .run();
    docker(3, &["rmi", &image]);
    assert_eq!(
        results(&output.stdout),
        ["failed", "created"],
        "{}",
        output.stdout
    );
    assert!(
        output
            .stdout
            .contains(&format!("image {image} is not on this host")),
        "{}",
        output.stdout
    );
    assert!(
        output
            .stderr
            .contains(&format!("{group}_x@127.0.0.2 unit failed")),
        "{}",
        output.stderr
    );
}

#[test]
fn a_replace_that_cannot_create_keeps_the_old_container() {
    ensure_engines(&ENGINES);
    let group = unique_group("keep");
    let _cleanup = Cleanup::new(&group, &ENGINES);
    create(&group, "one", &[]).run();
    let original = ids(&group);
    let missing = groups_yaml(&group, "one").replace("jdeploy-demo:latest", "jdeploy-missing:1");
    let output = Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&missing)
        .args(["create", "--group", &group, "--recreate"])
        .status(1)
        .run();
    assert_eq!(results(&output.stdout), ["failed"; 3], "{}", output.stdout);
    assert!(
        output
            .stdout
            .contains("image jdeploy-missing:1 is not on this host"),
        "{}",
        output.stdout
    );
    assert_eq!(ids(&group), original);
    // The replacements that could not be made left nothing behind, on any engine: each
    // holds exactly the group's own container.
    for (engine, suffix) in [(2, "core"), (3, "a"), (4, "b")] {
        let names = names_on(engine, &group);
        assert_eq!(names, [format!("{group}_{suffix}")], "engine {engine}");
    }
}

#[test]
fn a_container_jdeploy_did_not_make_is_replaced_only_with_force() {
    ensure_engines(&ENGINES);
    let group = unique_group("foreign");
    let _cleanup = Cleanup::new(&group, &ENGINES);
    let foreign = format!("{group}_a");
    docker(
        3,
        &["create", "--name", &foreign, "jdeploy-demo:latest", "sh"],
    );
    let first = create(&group, "one", &["--recreate"]).run();
    let row = first
        .stdout
        .lines()
        .find(|line| line.contains(&foreign))
        .unwrap()
        .to_string();
    assert!(
        row.contains("differs")
            && row.contains("not created by jdeploy; left alone (--force replaces it)"),
        "{row}"
    );
    assert_eq!(
        inspect(3, &foreign, "{{index .Config.Labels \"io.jdeploy.group\"}}"),
        ""
    );
    let forced = create(&group, "one", &["--force"]).run();
    assert_eq!(
        results(&forced.stdout),
        ["recreated"; 3],
        "{}",
        forced.stdout
    );
    assert_eq!(
        inspect(3, &foreign, "{{index .Config.Labels \"io.jdeploy.group\"}}"),
        group
    );
}

#[test]
fn a_table_that_cannot_be_written_after_creating_exits_1_not_2() {
    ensure_engines(&ENGINES);
    let group = unique_group("create");
    let _cleanup = Cleanup::new(&group, &ENGINES);
    // 2 would tell a pipeline nothing changed; the containers were created.
    let stderr = create(&group, "one", &[]).status(1).run_into(Stdout::Full);
    assert!(stderr.contains("cannot write the output"), "{stderr}");
    assert_eq!(ids(&group).len(), 3);
}
