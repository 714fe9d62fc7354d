//! The commands end to end: output, exit statuses, selection and flags.

mod common;

use common::inventory::Fleet;
use common::{Stdout, Test};

/// `core_1` (core) on 127.0.0.2 in `product`; `web_1` and `web_2` on 127.0.0.3 in `product`
/// and `test`; no images.
fn two_group_units() -> Fleet {
    Fleet::new()
        .unit("127.0.0.2", &["core_1"], &["product"])
        .core()
        .unit("127.0.0.3", &["web_1", "web_2"], &["product", "test"])
}

/// The two groups, `product` with an image.
fn two_groups() -> Fleet {
    two_group_units().image("product", "demo:1")
}

/// One unit, `web_1` of `product`, on `host`.
fn one_unit(host: &str) -> String {
    Fleet::new().unit(host, &["web_1"], &["product"]).to_yaml()
}

#[test]
fn validate_reports_counts() {
    Test::new()
        .groups(&two_groups().to_yaml())
        .args(["validate"])
        .stdout(
            "groups.yaml is valid: 2 groups, 2 units, 3 containers on 2 hosts; 5 files rendered\n",
        )
        .stderr("")
        .run();
}

#[test]
fn validate_as_json() {
    let output = Test::new()
        .groups(&two_groups().to_yaml())
        .args(["validate", "--json"])
        .run();
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["containers"], 3);
    assert_eq!(json["rendered_files"], 5);
    assert_eq!(json["warnings"], serde_json::json!([]));
}

#[test]
fn errors_as_json_go_to_stdout() {
    let output = Test::new()
        .groups("units:\n  - host: 127.0.0.2\n    dockers: [x]\n    group: [product]\n")
        .args(["validate", "--json"])
        .status(2)
        .run();
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["errors"][0]["file"], "groups.yaml");
    assert_eq!(json["errors"][0]["line"], 3);
    assert_eq!(json["errors"][0]["column"], 15);
    assert_eq!(json["errors"][0]["key"], "units[0].dockers[0]");
}

#[test]
fn plain_tcp_to_a_remote_host_warns() {
    let yaml = &one_unit("10.20.30.40");
    Test::new()
        .groups(yaml)
        .args(["validate", "-q"])
        .stdout("")
        .stderr("")
        .run();
    let output = Test::new().groups(yaml).args(["validate"]).run();
    assert_eq!(
        output.stderr,
        "warning: groups.yaml:2:11: units[0].host: tcp://10.20.30.40:2375 is plain tcp: the Docker API there is \
         unauthenticated, and anyone who can reach it controls the engine\n  help: use https:// with \
         `hosts.10.20.30.40.tls`, or DOCKER_TLS_VERIFY and DOCKER_CERT_PATH\n"
    );
    let strict = Test::new()
        .groups(yaml)
        .args(["validate", "--strict"])
        .status(2)
        .run();
    assert_eq!(
        strict.stderr,
        output.stderr.replacen("warning:", "error:", 1),
        "under --strict the warning is reported once, as an error"
    );
}

#[test]
fn settings_for_a_group_no_unit_has_warn_with_a_suggestion() {
    let output = Test::new()
        .groups(
            &two_group_units()
                .group_setting("prodcut", "image: x")
                .to_yaml(),
        )
        .args(["validate"])
        .run();
    assert_eq!(
        output.stderr,
        "warning: groups.yaml:2:3: groups.prodcut: no unit is in group `prodcut`\n  help: did you mean `product`?\n"
    );
}

#[test]
fn docker_cert_path_supplies_tls_for_https_hosts() {
    let yaml = &one_unit("https://127.0.0.2");
    let test = Test::new()
        .groups(yaml)
        .file("certs/ca.pem", "x")
        .file("certs/cert.pem", "x")
        .file("certs/key.pem", "x");
    let certs = test.path().join("certs");
    let output = test
        .env("DOCKER_CERT_PATH", certs.to_str().unwrap())
        .args(["groups", "--json"])
        .run();
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json[0]["units"][0]["endpoint"], "https://127.0.0.2:2376");
}

#[test]
fn an_unknown_group_lists_the_known_ones() {
    Test::new()
        .groups(&two_groups().to_yaml())
        .args(["render", "--group", "prodcut"])
        .status(2)
        .stdout("")
        .stderr(
            "error: groups.yaml: no unit is in group `prodcut`\n  help: did you mean `product`? (known groups: product, test)\n",
        )
        .run();
}

#[test]
fn an_unknown_container_is_refused() {
    Test::new()
        .groups(&two_groups().to_yaml())
        .args(["render", "--group", "test", "--container", "core_1"])
        .status(2)
        .stderr("error: groups.yaml: group `test` has no container `core_1`\n  help: its containers: web_1, web_2\n")
        .run();
}

#[test]
fn render_prints_one_container_bare_and_several_with_headers() {
    Test::new()
        .groups(&two_groups().to_yaml())
        .args(["render", "-g", "test", "-c", "web_2", "--monitor"])
        .stdout("#!/bin/sh\nexport MONITOR_ENABLED=1\n")
        .run();
    Test::new()
        .groups(&two_groups().to_yaml())
        .args([
            "render", "-g", "product", "--mode", "dev_new", "-c", "core_1", "-c", "web_1",
        ])
        .stdout(
            "==> core_1 on 127.0.0.2 (group product, core): /run.sh <==\n\
             #!/bin/sh\nexport MONITOR_ENABLED=0\nexport RUNTIME_MODE=dev_new\n\n\
             ==> web_1 on 127.0.0.3 (group product): /run.sh <==\n\
             #!/bin/sh\nexport MONITOR_ENABLED=0\nexport RUNTIME_MODE=dev_new\n",
        )
        .run();
}

#[test]
fn render_as_json_carries_every_file() {
    let output = Test::new()
        .groups(
            &two_groups()
                .defaults("templates:\n  - {src: app.j2, dest: /etc/app}")
                .to_yaml(),
        )
        .file("app.j2", "{{ group }}")
        .args(["render", "-g", "test", "--json"])
        .run();
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json[0]["container"], "web_1");
    assert_eq!(json[0]["files"][1]["dest"], "/etc/app");
    assert_eq!(json[0]["files"][1]["mode"], 0o644);
    assert_eq!(json[0]["files"][1]["content"], "test");
    assert_eq!(json[0]["files"][0]["mode"], 0o755);
}

#[test]
fn paths_are_relative_to_the_inventory_file() {
    let test = Test::new()
        .file("fleet/groups.yaml", &two_groups().to_yaml())
        .file("fleet/run.sh.j2", "fleet {{ container }}\n");
    test.args([
        "-f",
        "fleet/groups.yaml",
        "render",
        "-g",
        "test",
        "-c",
        "web_1",
    ])
    .stdout("fleet web_1\n")
    .run();
}

#[test]
fn groups_lists_units_hosts_and_core() {
    Test::new()
        .groups(&two_groups().to_yaml())
        .args(["groups"])
        .stdout(
            "GROUP    IMAGE   HOST       ENDPOINT              CORE  CONTAINERS\n\
             product  demo:1  127.0.0.2  tcp://127.0.0.2:2375  yes   core_1\n\
             \x20                127.0.0.3  tcp://127.0.0.3:2375  no    web_1, web_2\n\
             test     -       127.0.0.3  tcp://127.0.0.3:2375  no    web_1, web_2\n",
        )
        .run();
}

#[test]
fn groups_as_json() {
    let output = Test::new()
        .groups(&two_groups().to_yaml())
        .args(["groups", "--json", "--group", "product"])
        .run();
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["name"], "product");
    assert_eq!(json[0]["containers"], 3);
    assert_eq!(json[0]["units"][0]["core"], true);
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    Test::new().args(["frobnicate"]).status(2).run();
    Test::new().args(["render"]).status(2).run();
    let help = Test::new().args(["--help"]).run();
    assert!(help.stdout.contains("Examples:"), "{}", help.stdout);
    assert!(help
        .stdout
        .contains("Exit status: 0 success, 1 some units failed, 2 usage or input error"));
    Test::new()
        .args(["--version"])
        .stdout(&format!("jdeploy {}\n", env!("CARGO_PKG_VERSION")))
        .run();
}

#[test]
fn a_missing_inventory_names_the_file() {
    Test::new()
        .args(["-f", "nope.yaml", "validate"])
        .status(2)
        .stderr("error: nope.yaml: cannot read the file: No such file or directory (os error 2)\n  help: pass the inventory with -f FILE; it defaults to ./groups.yaml\n")
        .run();
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let bad = "units:\n  - host: 127.0.0.2\n    dockers: [x]\n    group: [product]\n";
    // Colour left to decide, with no terminal and no NO_COLOR: none.
    let plain = Test::new()
        .groups(bad)
        .env("NO_COLOR", "")
        .args(["validate"])
        .status(2)
        .run();
    assert!(!plain.stderr.contains('\x1b'), "{}", plain.stderr);
    let coloured = Test::new()
        .groups(bad)
        .args(["validate", "--color", "always"])
        .status(2)
        .run();
    assert!(coloured.stderr.contains("\x1b["), "{}", coloured.stderr);
}

#[test]
fn jdeploy_file_names_the_inventory() {
    Test::new()
        .file("fleet.yaml", &two_groups().to_yaml())
        .env("JDEPLOY_FILE", "fleet.yaml")
        .args(["validate", "-q"])
        .stdout("")
        .run();
}

#[test]
fn strict_reports_template_errors_with_promoted_warnings() {
    let output = Test::new()
        .groups(&one_unit("10.1.1.1"))
        .file("run.sh.j2", "{{ nope }}\n")
        .args(["validate", "--strict"])
        .status(2)
        .run();
    let errors: Vec<&str> = output
        .stderr
        .lines()
        .filter(|line| line.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 3, "{}", output.stderr);
    assert!(errors[1].starts_with("error: run.sh.j2:1: undefined variable `nope`"));
    assert_eq!(errors[2], "error: 2 errors; nothing was changed");
}

/// Line and column numbers in the tests above rely on this layout.
#[test]
fn the_fleet_builder_writes_groups_yaml_as_a_person_would() {
    let yaml = Fleet::new()
        .image("product", "demo:1")
        .section("releases:\n  keep: 3")
        .defaults("stop_timeout: 1")
        .defaults("env:\n  STAGE: one")
        .group_setting("test", "ports: ['80:80']")
        .group_setting("test", "restart: always")
        .unit("127.0.0.2", &["core_1"], "product")
        .core()
        .unit("127.0.0.3", &["web_1", "web_2"], &["product", "test"])
        .to_yaml();
    assert_eq!(
        yaml,
        "\
images:
  product: demo:1
releases:
  keep: 3
defaults:
  stop_timeout: 1
  env:
    STAGE: one
groups:
  test:
    ports: ['80:80']
    restart: always
units:
  - host: 127.0.0.2
    dockers: [core_1]
    group: product
    core: true
  - host: 127.0.0.3
    dockers: [web_1, web_2]
    group: [product, test]
"
    );
}

#[test]
fn a_closed_stdout_keeps_the_runs_own_exit_status() {
    // The only host refuses connections: status fails (1) whether or not anyone reads
    // its table.
    let stderr = Test::new()
        .groups(&one_unit("127.0.0.8:1"))
        .args(["status", "--group", "product"])
        .status(1)
        .run_into(Stdout::Closed);
    assert!(!stderr.contains("error: cannot write"), "{stderr}");
    // And a run that went well stays 0 when its reader left early.
    Test::new()
        .groups(&two_groups().to_yaml())
        .args(["groups"])
        .status(0)
        .run_into(Stdout::Closed);
}

#[test]
fn output_that_cannot_be_written_is_a_failure_not_an_input_error() {
    let stderr = Test::new()
        .groups(&two_groups().to_yaml())
        .args(["groups"])
        .status(1)
        .run_into(Stdout::Full);
    assert!(
        stderr.contains("error: cannot write the output: No space left on device"),
        "{stderr}"
    );
}

/// YAML reads `12.50` as the number 12.5, so only a quoted value keeps its text; `0080` is no
/// YAML number and stays text.
#[test]
fn quoted_yaml_numbers_keep_their_text() {
    Test::new()
        .groups(
            "vars:\n  price: 12.50\n  text: '12.50'\n  port: 0080\n\
             units:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [product]\n",
        )
        .file(
            "run.sh.j2",
            "{{ vars.price | quote }} {{ vars.text | quote }} {{ vars.port | quote }}\n",
        )
        .args(["render", "-g", "product"])
        .stdout("12.5 12.50 0080\n")
        .run();
}

/// `product` with an image and two secrets.
fn with_secrets() -> String {
    let yaml = two_groups().to_yaml();
    format!("{yaml}groups:\n  product:\n    secrets: [DB_PASSWORD, API_KEY]\n")
}

#[test]
fn validate_finds_secret_values_in_the_environment_then_the_file() {
    let test = || {
        Test::new()
            .groups(&with_secrets())
            .dir(".jdeploy")
            .file(".jdeploy/secrets", "API_KEY='k3y with $pace'\n")
    };
    test()
        .env("DB_PASSWORD", "s3cr3t-Value-7f1c")
        .args(["validate", "--json"])
        .run();
    // JDEPLOY_SECRETS names the file to read; one that is not there is an error.
    let output = test()
        .env("DB_PASSWORD", "s3cr3t-Value-7f1c")
        .env("JDEPLOY_SECRETS", "elsewhere.env")
        .args(["validate"])
        .status(2)
        .run();
    assert!(
        output.stderr.contains("elsewhere.env: no such file"),
        "{}",
        output.stderr
    );
}

#[test]
fn create_without_a_secret_value_changes_nothing() {
    let output = Test::new()
        .groups(&with_secrets())
        .env("API_KEY", "s3cr3t-Value-7f1c")
        .args(["create", "--group", "product", "--json"])
        .status(2)
        .run();
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let message = json["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("secret `DB_PASSWORD`"), "{message}");
    assert!(!output.stdout.contains("s3cr3t-Value-7f1c"));
    // Refused before any engine or the history database was touched.
    assert!(!output.dir.path().join(".jdeploy/history.db").exists());
}

/// A stock soft limit of open files runs out at a few hundred hosts: jdeploy raises it to
/// the hard limit before it connects to anything.
#[test]
fn the_open_file_limit_is_raised_to_the_hard_limit() {
    let test = Test::new().groups(&Fleet::new().unit("127.0.0.2", &["web_1"], "web").to_yaml());
    let output = std::process::Command::new("prlimit")
        .args(["--nofile=64:2048", "--"])
        .arg(env!("CARGO_BIN_EXE_jdeploy"))
        .args(["validate"])
        .env("JDEPLOY_LOG", "jdeploy=debug")
        .env("NO_COLOR", "1")
        .current_dir(test.path())
        .output()
        .expect("prlimit runs jdeploy");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("limit=2048"), "{stderr}");
}
