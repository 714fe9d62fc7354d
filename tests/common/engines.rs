//! Real Docker engines on 127.0.0.N for integration tests: started on demand by
//! `scripts/engines.sh` (idempotent, locked), and every container a test makes removed
//! when it ends, pass or fail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The engines the integration tests deploy to.
pub const ENGINES: [u8; 3] = [2, 3, 4];

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/engines.sh")
}

/// Starts `engines` unless they already run, with the demo image loaded.
pub fn ensure_engines(engines: &[u8]) {
    let args: Vec<String> = engines.iter().map(u8::to_string).collect();
    run_script("up", &args);
}

/// Starts the engine at tcp://127.0.0.9:2376 that only accepts clients with certificates.
pub fn ensure_tls_engine() -> PathBuf {
    run_script("up-tls", &[]);
    PathBuf::from(
        std::env::var("JDEPLOY_TLS_CERTS_DIR")
            .unwrap_or_else(|_| "/var/lib/jdeploy-engines/tls/certs".into()),
    )
}

pub fn stop_engine(engine: u8) {
    run_script("down", &["--purge".to_string(), engine.to_string()]);
}

fn run_script(command: &str, args: &[String]) {
    let output = Command::new(script())
        .arg(command)
        .args(args)
        .output()
        .expect("scripts/engines.sh runs");
    assert!(
        output.status.success(),
        "scripts/engines.sh {command} {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `docker -H tcp://127.0.0.N:2375 ARGS`, its stdout; panics when it fails.
pub fn docker(engine: u8, args: &[&str]) -> String {
    let output = docker_output(engine, args);
    assert!(
        output.status.success(),
        "docker {args:?} on 127.0.0.{engine} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

pub fn docker_output(engine: u8, args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH")
        .arg("-H")
        .arg(format!("tcp://127.0.0.{engine}:2375"))
        .args(args)
        .output()
        .expect("the docker CLI runs")
}

/// `docker inspect -f FORMAT NAME`, trimmed.
pub fn inspect(engine: u8, name: &str, format: &str) -> String {
    docker(engine, &["inspect", "-f", format, name])
        .trim()
        .to_string()
}

/// `cat PATH` inside a container.
pub fn read_file(engine: u8, name: &str, path: &str) -> String {
    docker(engine, &["exec", name, "cat", path])
}

/// The release a container runs, as jdeploy reads it: the state file in the container
/// against the start time the engine reports now.
pub fn current_release(engine: u8, name: &str) -> Option<String> {
    let state = read_file(engine, name, "/.jdeploy/releases.json");
    let state = jdeploy::release::State::parse(state.as_bytes()).expect("jdeploy's state");
    let started = inspect(engine, name, "{{.State.StartedAt}}");
    state.read(Some(&started)).timeline.current
}

/// Names no other test, nor an earlier run, uses; a group's containers are `<group>_<n>`.
pub fn unique_group(stem: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "t{}_{stem}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Removes every container of `group`, or named after it, from `engines` when dropped.
pub struct Cleanup {
    pub group: String,
    pub engines: Vec<u8>,
}

impl Cleanup {
    pub fn new(group: &str, engines: &[u8]) -> Self {
        Self {
            group: group.to_string(),
            engines: engines.to_vec(),
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        // Test containers are named after their unique group, whoever created them.
        let by_label = format!("label=io.jdeploy.group={}", self.group);
        let by_name = format!("name={}", self.group);
        for &engine in &self.engines {
            let mut ids = String::new();
            for filter in [&by_label, &by_name] {
                let listed = docker_output(engine, &["ps", "-aq", "--filter", filter]);
                ids += &String::from_utf8_lossy(&listed.stdout);
            }
            let mut ids: Vec<&str> = ids.split_whitespace().collect();
            ids.sort_unstable();
            ids.dedup();
            if !ids.is_empty() {
                let mut args = vec!["rm", "-f", "-v"];
                args.extend(ids);
                let _ = docker_output(engine, &args);
            }
        }
    }
}

/// A `/run.sh` template that stays up, stops at once on SIGTERM and runs the core block.
pub const RUN_SH: &str = r#"#!/bin/sh
# {{ container }} of {{ group }}
{{ env_set }}
export JDEPLOY_GROUP={{ group | quote }}
{% if core %}
# core block
{{ core_cmd }}
{% endif %}
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
"#;

/// The pid of engine `engine`'s dockerd, as scripts/engines.sh recorded it.
pub fn engine_pid(engine: u8) -> u32 {
    let base =
        std::env::var("JDEPLOY_ENGINES_DIR").unwrap_or_else(|_| "/var/lib/jdeploy-engines".into());
    let pidfile = format!("{base}/{engine}/dockerd.pid");
    std::fs::read_to_string(&pidfile)
        .unwrap_or_else(|err| panic!("{pidfile}: {err}"))
        .trim()
        .parse()
        .unwrap()
}

/// The names of every container on `engine` whose name contains `part`, running or not.
pub fn names_on(engine: u8, part: &str) -> Vec<String> {
    let filter = format!("name={part}");
    docker(
        engine,
        &["ps", "-a", "--format", "{{.Names}}", "--filter", &filter],
    )
    .lines()
    .map(str::to_string)
    .collect()
}
