//! An engine that only accepts clients with certificates signed by its CA, at
//! https://127.0.0.9:2376, with certificates `scripts/gen-certs.sh` generated.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::engines::{ensure_tls_engine, unique_group, RUN_SH};
use common::inventory::Fleet;
use common::Test;

fn docker_tls(certs: &Path, args: &[&str]) -> String {
    let output = Command::new("docker")
        .env_remove("DOCKER_HOST")
        .env("DOCKER_CERT_PATH", certs)
        .env("DOCKER_TLS_VERIFY", "1")
        .args(["-H", "tcp://127.0.0.9:2376"])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

struct TlsCleanup(PathBuf, String);

impl Drop for TlsCleanup {
    fn drop(&mut self) {
        let filter = format!("label=io.jdeploy.group={}", self.1);
        let ids = docker_tls(&self.0, &["ps", "-aq", "--filter", &filter]);
        let mut args = vec!["rm", "-f"];
        args.extend(ids.split_whitespace());
        if args.len() > 2 {
            docker_tls(&self.0, &args);
        }
    }
}

fn fleet(group: &str, host: &str, hosts_section: &str) -> Test {
    let yaml = Fleet::new()
        .image(group, "jdeploy-demo:latest")
        .section(hosts_section)
        .defaults("stop_timeout: 1")
        .unit(host, &[&format!("{group}_1"), &format!("{group}_2")], group)
        .core()
        .to_yaml();
    Test::new().file("run.sh.j2", RUN_SH).groups(&yaml)
}

#[test]
fn tls_engines_take_certificates_from_groups_yaml_or_docker_environment() {
    let certs = ensure_tls_engine();
    let group = unique_group("tls");
    let _cleanup = TlsCleanup(certs.clone(), group.clone());
    let hosts = format!(
        "hosts:\n  https://127.0.0.9:2376:\n    tls: {{ cert_path: {} }}\n",
        certs.display()
    );

    let created = fleet(&group, "https://127.0.0.9:2376", &hosts)
        .args(["create", "--group", &group])
        .run();
    assert!(created.stdout.contains("2 created"), "{}", created.stdout);
    let deployed = fleet(&group, "https://127.0.0.9:2376", &hosts)
        .args(["deploy", "--group", &group, "--mode", "tls"])
        .run();
    assert!(
        deployed.stdout.contains("2 deployed"),
        "{}",
        deployed.stdout
    );
    let run_sh = docker_tls(&certs, &["exec", &format!("{group}_1"), "cat", "/run.sh"]);
    assert!(run_sh.contains("export RUNTIME_MODE=tls"), "{run_sh}");

    // Docker's own conventions, as the docker CLI reads them.
    let from_env = fleet(&group, "tcp://127.0.0.9:2376", "")
        .env("DOCKER_CERT_PATH", &certs.display().to_string())
        .env("DOCKER_TLS_VERIFY", "1")
        .args(["create", "--group", &group])
        .run();
    assert!(
        from_env.stdout.contains("2 unchanged"),
        "{}",
        from_env.stdout
    );

    // Without a client certificate the engine refuses, and the unit says so.
    let plain = fleet(&group, "tcp://127.0.0.9:2376", "")
        .args(["create", "--group", &group])
        .status(1)
        .run();
    // The group's lock lives on that engine: nothing is done, and the error says why.
    assert!(
        plain.stderr.contains(&format!(
            "cannot lock group {group} on tcp://127.0.0.9:2376: cannot reach the engine at tcp://127.0.0.9:2376"
        )),
        "{}",
        plain.stderr
    );
}

/// `hosts:` for the TLS engine with our client certificate but a freshly made CA that
/// did not sign the engine's; the folder holding it lives as long as the first value.
fn with_a_strangers_ca(certs: &Path) -> (tempfile::TempDir, String) {
    let scratch = tempfile::tempdir().unwrap();
    let other = scratch.path().join("other");
    let generated =
        Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen-certs.sh"))
            .arg(&other)
            .output()
            .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let hosts = format!(
        "hosts:\n  https://127.0.0.9:2376:\n    tls: {{ ca: {}, cert: {}, key: {} }}\n",
        other.join("ca.pem").display(),
        certs.join("cert.pem").display(),
        certs.join("key.pem").display()
    );
    (scratch, hosts)
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    let certs = ensure_tls_engine();
    let group = unique_group("badca");
    // Our own CA, the engine's certificate checked against a stranger's.
    let (_scratch, hosts) = with_a_strangers_ca(&certs);
    let output = fleet(&group, "https://127.0.0.9:2376", &hosts)
        .args(["create", "--group", &group])
        .status(1)
        .run();
    assert!(
        output
            .stderr
            .contains("cannot reach the engine at https://127.0.0.9:2376"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.to_lowercase().contains("certificate"),
        "{}",
        output.stderr
    );
}

#[test]
fn only_the_configured_ca_is_trusted_not_the_systems() {
    let certs = ensure_tls_engine();
    let group = unique_group("sysca");
    // The system trusts the engine's CA (as rustls-native-certs reads SSL_CERT_FILE);
    // groups.yaml names another one, and that one alone counts.
    let (_scratch, hosts) = with_a_strangers_ca(&certs);
    let output = fleet(&group, "https://127.0.0.9:2376", &hosts)
        .env("SSL_CERT_FILE", &certs.join("ca.pem").display().to_string())
        .args(["create", "--group", &group])
        .status(1)
        .run();
    assert!(
        output
            .stderr
            .contains("cannot reach the engine at https://127.0.0.9:2376"),
        "{}",
        output.stderr
    );
}
