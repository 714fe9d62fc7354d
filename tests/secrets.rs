//! Secrets on real engines: the value reaches the containers' environment and nothing
//! jdeploy writes (outputs, the history database, labels, kept releases) holds it.

mod common;

use common::engines::{docker, ensure_engines, unique_group, Cleanup, RUN_SH};
use common::inventory::Fleet;
use common::Test;

const VALUE: &str = "s3cr3t-Value-7f1c";

#[test]
fn a_secret_reaches_the_containers_and_nothing_jdeploy_writes() {
    ensure_engines(&[2, 3]);
    let group = unique_group("secret");
    let _cleanup = Cleanup::new(&group, &[2, 3]);
    let yaml = Fleet::new()
        .image(&group, "jdeploy-demo:latest")
        .defaults("stop_timeout: 1\nrollout:\n  min_healthy: 1s")
        .group_setting(&group, "secrets: [DB_PASSWORD]\nenv:\n  PLAIN: visible")
        .unit("127.0.0.2", &[&format!("{group}_a")], group.as_str())
        .core()
        .unit("127.0.0.3", &[&format!("{group}_b")], group.as_str())
        .to_yaml();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("history.db");
    let state = state.to_str().unwrap();
    let test = || {
        Test::new()
            .file("run.sh.j2", RUN_SH)
            .groups(&yaml)
            .env("DB_PASSWORD", VALUE)
            .args(["--state", state])
    };
    let mut outputs = Vec::new();
    for args in [
        vec!["validate"],
        vec!["create", "--group", &group],
        vec!["deploy", "--group", &group, "--yes"],
        vec!["deploy", "--group", &group, "--yes", "--force", "--json"],
        vec!["plan", "--group", &group, "--mode", "x"],
        vec!["status", "--group", &group, "--json"],
        vec!["history"],
        vec!["history", "show", "2", "--json"],
        vec!["create", "--group", &group, "-v"],
        vec!["rollback", "--group", &group, "--yes"],
    ] {
        let output = test().args(&args).run();
        outputs.push((args.join(" "), output.stdout, output.stderr));
    }
    for (command, stdout, stderr) in &outputs {
        assert!(!stdout.contains(VALUE), "{command}: {stdout}");
        assert!(!stderr.contains(VALUE), "{command}: {stderr}");
    }
    let history = std::fs::read(dir.path().join("history.db")).unwrap();
    assert!(
        !history
            .windows(VALUE.len())
            .any(|window| window == VALUE.as_bytes()),
        "the history database holds the value"
    );
    for (engine, container) in [(2, format!("{group}_a")), (3, format!("{group}_b"))] {
        // The container has it, as an environment variable...
        let env = docker(
            engine,
            &["exec", &container, "sh", "-c", "echo \"$DB_PASSWORD\""],
        );
        assert_eq!(env.trim(), VALUE);
        // ...and neither its labels nor the releases it keeps do.
        let labels = docker(
            engine,
            &["inspect", "--format", "{{json .Config.Labels}}", &container],
        );
        assert!(!labels.contains(VALUE), "{labels}");
        assert!(labels.contains("DB_PASSWORD"), "{labels}");
        let kept = docker(
            engine,
            &[
                "exec",
                &container,
                "sh",
                "-c",
                "cat /.jdeploy/releases/*/.jdeploy/manifest.json /.jdeploy/releases.json",
            ],
        );
        assert!(!kept.contains(VALUE), "{kept}");
        assert!(kept.contains("DB_PASSWORD=secret:"), "{kept}");
    }
    // Without the value, create stops before touching anything; deploy needs none.
    let missing = Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&yaml)
        .args(["--state", state, "create", "--group", &group, "--recreate"])
        .status(2)
        .run();
    assert!(
        missing.stderr.contains("needs secret `DB_PASSWORD`"),
        "{}",
        missing.stderr
    );
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&yaml)
        .args(["--state", state, "deploy", "--group", &group, "--yes"])
        .run();
}

const PLAIN: &str = "pl4in-Token-29d0";

#[test]
fn environment_values_are_named_and_sealed_never_recorded() {
    ensure_engines(&[2]);
    let group = unique_group("sealed_env");
    let _cleanup = Cleanup::new(&group, &[2]);
    let yaml = |value: &str| {
        Fleet::new()
            .image(&group, "jdeploy-demo:latest")
            .defaults("stop_timeout: 1\nrollout:\n  min_healthy: 1s")
            .group_setting(&group, &format!("env:\n  API_TOKEN: {value}"))
            .unit("127.0.0.2", &[&format!("{group}_a")], group.as_str())
            .core()
            .to_yaml()
    };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("history.db");
    let state = state.to_str().unwrap();
    let test = |value: &str| {
        Test::new()
            .file("run.sh.j2", RUN_SH)
            .groups(&yaml(value))
            .env("JDEPLOY_LOG", "debug")
            .args(["--state", state])
    };
    let container = format!("{group}_a");
    let mut outputs = Vec::new();
    for args in [
        vec!["create", "--group", &group],
        vec!["deploy", "--group", &group, "--yes"],
        vec!["status", "--group", &group, "--json"],
        vec!["create", "--group", &group, "-v", "--json"],
        vec!["history", "show", "1", "--json"],
    ] {
        let output = test(PLAIN).args(&args).run();
        outputs.push((args.join(" "), output.stdout, output.stderr));
    }
    for (command, stdout, stderr) in &outputs {
        assert!(!stdout.contains(PLAIN), "{command}: {stdout}");
        assert!(!stderr.contains(PLAIN), "{command}: {stderr}");
    }
    // Sealed to the same value on every run: the second create and status see no change.
    assert!(outputs[3].1.contains("unchanged"), "{}", outputs[3].1);
    assert!(
        outputs[2].1.contains("\"config_differs\": false"),
        "{}",
        outputs[2].1
    );
    let history = std::fs::read(dir.path().join("history.db")).unwrap();
    assert!(!history.windows(PLAIN.len()).any(|w| w == PLAIN.as_bytes()));

    let env = docker(2, &["exec", &container, "sh", "-c", "echo \"$API_TOKEN\""]);
    assert_eq!(env.trim(), PLAIN);
    let labels = docker(
        2,
        &["inspect", "--format", "{{json .Config.Labels}}", &container],
    );
    assert!(!labels.contains(PLAIN), "{labels}");
    assert!(labels.contains(r#"\"API_TOKEN\":\"hmac:"#), "{labels}");
    let kept = docker(
        2,
        &[
            "exec",
            &container,
            "sh",
            "-c",
            "cat /.jdeploy/releases/*/.jdeploy/manifest.json",
        ],
    );
    assert!(!kept.contains(PLAIN), "{kept}");
    assert!(kept.contains("API_TOKEN=hmac:"), "{kept}");
    // The key lives on the engine, in a container that never runs, out of any label.
    let holder = docker(
        2,
        &[
            "inspect",
            "--format",
            "{{.State.Status}} {{json .Config.Labels}}",
            "jdeploy-env-key",
        ],
    );
    assert!(holder.starts_with("created "), "{holder}");
    assert!(holder.contains("io.jdeploy.env-key"), "{holder}");

    // A new value is a change, named and not shown, by status and create alike.
    let rotated = "r0tated-Token-5be1";
    let status = test(rotated).args(["status", "--group", &group]).run();
    assert!(
        status.stdout.contains("configuration differs"),
        "{}",
        status.stdout
    );
    let recreated = test(rotated)
        .args(["create", "--group", &group, "--recreate"])
        .run();
    assert!(
        recreated.stdout.contains("env.API_TOKEN: changed"),
        "{}",
        recreated.stdout
    );
    assert!(!recreated.stdout.contains(rotated) && !recreated.stdout.contains(PLAIN));
    let env = docker(2, &["exec", &container, "sh", "-c", "echo \"$API_TOKEN\""]);
    assert_eq!(env.trim(), rotated);
}
