//! `jdeploy deploy` on real engines at 127.0.0.2-4.

mod common;

use common::engines::{
    docker, docker_output, ensure_engines, inspect, read_file, unique_group, Cleanup, ENGINES,
    RUN_SH,
};
use common::inventory::Fleet;
use common::{Output, Test};

/// Core on 127.0.0.2, others on .2, .3 and .4; code copied to /srv/app (emptied first)
/// and a config rendered to /etc/app.conf.
fn groups_yaml(group: &str) -> String {
    Fleet::new()
        .image(group, "jdeploy-demo:latest")
        .section("core_cmd: |\n  echo \"core setup for $JDEPLOY_GROUP\" > /tmp/core-done")
        .defaults("stop_timeout: 1")
        .defaults("copy:\n  - src: code\n    dest: /srv/app\n    clean: true")
        .defaults("templates:\n  - src: app.conf.j2\n    dest: /etc/app.conf")
        .unit("127.0.0.2", &[&format!("{group}_core")], group)
        .core()
        .unit("127.0.0.2", &[&format!("{group}_a")], group)
        .unit("127.0.0.3", &[&format!("{group}_b")], group)
        .unit("127.0.0.4", &[&format!("{group}_c")], group)
        .to_yaml()
}

const CONTAINERS: [(u8, &str); 4] = [(2, "core"), (2, "a"), (3, "b"), (4, "c")];

fn fleet(group: &str) -> Test {
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .file(
            "app.conf.j2",
            "container={{ container }} mode={{ mode if mode is not none else 'none' }}\n",
        )
        .file("code/main.sh", "echo main\n")
        .file("code/lib/util.sh", "echo util\n")
        .groups(&groups_yaml(group))
}

fn run(test: Test, args: &[&str], status: i32) -> Output {
    test.args(args).status(status).run()
}

#[test]
fn deploy_writes_run_sh_copies_code_and_restarts_core_first() {
    ensure_engines(&ENGINES);
    let group = unique_group("deploy");
    let _cleanup = Cleanup::new(&group, &ENGINES);
    run(fleet(&group), &["create", "--group", &group], 0);
    // The first deploy, into containers still waiting for their /run.sh.
    run(fleet(&group), &["deploy", "--group", &group], 0);
    // Something the clean copy must remove, and a second deploy with other flags.
    docker(
        3,
        &["exec", &format!("{group}_b"), "touch", "/srv/app/stale.txt"],
    );
    let output = run(
        fleet(&group),
        &[
            "deploy",
            "--group",
            &group,
            "--monitor",
            "--mode",
            "dev_new",
        ],
        0,
    );
    assert!(
        output
            .stdout
            .contains(&format!("deploy {group}: 4 deployed")),
        "{}",
        output.stdout
    );

    for (engine, suffix) in CONTAINERS {
        let name = format!("{group}_{suffix}");
        let run_sh = read_file(engine, &name, "/run.sh");
        assert!(
            run_sh.contains("export MONITOR_ENABLED=1\n"),
            "{name}: {run_sh}"
        );
        assert!(
            run_sh.contains("export RUNTIME_MODE=dev_new\n"),
            "{name}: {run_sh}"
        );
        assert_eq!(
            run_sh.contains("# core block"),
            suffix == "core",
            "{name}: {run_sh}"
        );
        assert_eq!(
            inspect(engine, &name, "{{.State.Running}}"),
            "true",
            "{name}"
        );
        let mode = docker(engine, &["exec", &name, "stat", "-c", "%a", "/run.sh"]);
        assert_eq!(mode.trim(), "755", "{name}");
        assert_eq!(read_file(engine, &name, "/srv/app/main.sh"), "echo main\n");
        assert_eq!(
            read_file(engine, &name, "/srv/app/lib/util.sh"),
            "echo util\n"
        );
        assert_eq!(
            read_file(engine, &name, "/etc/app.conf"),
            format!("container={name} mode=dev_new\n")
        );
    }
    let stale = docker_output(
        3,
        &["exec", &format!("{group}_b"), "ls", "/srv/app/stale.txt"],
    );
    assert!(
        !stale.status.success(),
        "the clean copy left /srv/app/stale.txt"
    );
    // The core block ran on the core container only.
    assert_eq!(
        read_file(2, &format!("{group}_core"), "/tmp/core-done"),
        format!("core setup for {group}\n")
    );
    let other = docker_output(2, &["exec", &format!("{group}_a"), "ls", "/tmp/core-done"]);
    assert!(!other.status.success());

    // The core container started before any other restarted. Compared as times: Docker
    // trims trailing zeros from the fraction, so the text does not sort.
    let started = |engine, suffix| {
        let text = inspect(engine, &format!("{group}_{suffix}"), "{{.State.StartedAt}}");
        humantime::parse_rfc3339_weak(&text).unwrap_or_else(|_| panic!("a time: {text}"))
    };
    let core_started = started(2, "core");
    for (engine, suffix) in &CONTAINERS[1..] {
        let other = started(*engine, suffix);
        assert!(
            core_started < other,
            "core started {core_started:?}, {suffix} started {other:?}"
        );
    }
    // CI gets plain lines: the core's restart is logged before any other unit uploads.
    let lines: Vec<&str> = output.stderr.lines().collect();
    let core_done = lines
        .iter()
        .position(|l| l.contains(&format!("{group}_core@127.0.0.2 core deployed")))
        .unwrap();
    let first_other = lines
        .iter()
        .position(|l| l.contains(" unit uploading"))
        .unwrap();
    assert!(core_done < first_other, "{}", output.stderr);
    assert!(!output.stderr.contains('\x1b'), "escape codes in CI output");
}

#[test]
fn a_failed_core_unit_leaves_the_others_untouched() {
    ensure_engines(&ENGINES);
    let group = unique_group("corefail");
    let _cleanup = Cleanup::new(&group, &ENGINES);
    run(fleet(&group), &["create", "--group", &group], 0);
    run(fleet(&group), &["deploy", "--group", &group], 0);
    let before: Vec<String> = CONTAINERS
        .iter()
        .map(|(engine, suffix)| read_file(*engine, &format!("{group}_{suffix}"), "/run.sh"))
        .collect();
    // The core container disappears: its deploy fails, the rest must not be touched.
    docker(2, &["rm", "-f", &format!("{group}_core")]);
    let output = run(
        fleet(&group),
        &["deploy", "--group", &group, "--mode", "next", "--json"],
        1,
    );
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json["ok"], false);
    let units = json["units"].as_array().unwrap();
    assert_eq!(units[0]["status"], "failed");
    assert!(
        units[0]["detail"]
            .as_str()
            .unwrap()
            .contains("does not exist on this host"),
        "{units:?}"
    );
    for unit in &units[1..] {
        assert_eq!(unit["status"], "skipped");
        assert!(unit["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("core unit {group}_core@127.0.0.2 failed")));
    }
    for ((engine, suffix), old) in CONTAINERS.iter().zip(&before).skip(1) {
        assert_eq!(
            &read_file(*engine, &format!("{group}_{suffix}"), "/run.sh"),
            old
        );
    }
}

#[test]
fn bad_input_touches_nothing() {
    ensure_engines(&ENGINES);
    let group = unique_group("badinput");
    let _cleanup = Cleanup::new(&group, &ENGINES);
    run(fleet(&group), &["create", "--group", &group], 0);
    run(fleet(&group), &["deploy", "--group", &group], 0);
    let before = read_file(3, &format!("{group}_b"), "/run.sh");
    let restarts = inspect(3, &format!("{group}_b"), "{{.State.StartedAt}}");

    // A template that fails for one container only: nobody is deployed.
    let broken = fleet(&group)
        .file(
            "app.conf.j2",
            "{% if container is endingwith('_c') %}{{ missing }}{% endif %}\n",
        )
        .args(["deploy", "--group", &group])
        .status(2)
        .run();
    assert!(broken.stderr.contains("app.conf.j2:1"), "{}", broken.stderr);
    assert!(
        broken.stderr.contains("undefined variable `missing`"),
        "{}",
        broken.stderr
    );
    assert_eq!(broken.stdout, "");

    // A copy source that is gone.
    let no_code = Test::new()
        .file("run.sh.j2", RUN_SH)
        .file("app.conf.j2", "x\n")
        .groups(&groups_yaml(&group))
        .args(["deploy", "--group", &group])
        .status(2)
        .run();
    assert!(
        no_code.stderr.contains("defaults.copy[0].src"),
        "{}",
        no_code.stderr
    );

    assert_eq!(read_file(3, &format!("{group}_b"), "/run.sh"), before);
    assert_eq!(
        inspect(3, &format!("{group}_b"), "{{.State.StartedAt}}"),
        restarts
    );
}
