//! `make bench`: 200 concurrent `GET /api/v1/status` against a `jdeploy serve` of 15
//! containers on 3 local engines, under 1,024 open files; prints p50 and p99 against one
//! request alone (the floor), measured in the same run.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::median;

const ENGINES: [u8; 3] = [2, 3, 4];
const PER_ENGINE: usize = 5;
const CONCURRENT: usize = 200;
const ROUNDS: usize = 3;
const GROUP: &str = "loadbench";

const RUN_SH: &str =
    "#!/bin/sh\n{{ env_set }}\ntrap 'exit 0' TERM INT\nwhile :; do sleep 3600 & wait $!; done\n";

fn jdeploy(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jdeploy"));
    command
        .current_dir(dir)
        .env_remove("JDEPLOY_FILE")
        .args(["--state", "history.db"]);
    command
}

fn run(dir: &Path, args: &[&str]) -> String {
    let output = jdeploy(dir).args(args).output().expect("jdeploy runs");
    assert!(
        output.status.success(),
        "jdeploy {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml =
        format!("images:\n  {GROUP}: jdeploy-demo:latest\ndefaults:\n  stop_timeout: 1\nunits:\n");
    for (index, engine) in ENGINES.iter().enumerate() {
        let names: Vec<String> = (0..PER_ENGINE)
            .map(|n| format!("{GROUP}_{engine}_{n}"))
            .collect();
        yaml += &format!(
            "  - host: 127.0.0.{engine}\n    dockers: [{}]\n    group: {GROUP}\n    core: {}\n",
            names.join(", "),
            index == 0
        );
    }
    std::fs::write(dir.path().join("groups.yaml"), yaml).unwrap();
    std::fs::write(dir.path().join("run.sh.j2"), RUN_SH).unwrap();
    dir
}

/// The server, under the usual open-file limit, and where it listens.
// The caller stops and waits for it.
#[allow(clippy::zombie_processes)]
fn serve(dir: &Path) -> (Child, String) {
    let mut child = Command::new("prlimit")
        .arg("--nofile=1024:1024")
        .arg(env!("CARGO_BIN_EXE_jdeploy"))
        .args([
            "--state",
            "history.db",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--watch-interval",
            "0",
        ])
        .current_dir(dir)
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit and jdeploy run");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            let _ = child.wait();
            panic!("the server ended before it listened");
        }
        if let Some(rest) = line.split(" on http://").nth(1) {
            let addr = rest.split('/').next().unwrap().to_string();
            std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
            return (child, format!("http://{addr}/api/v1/status"));
        }
    }
}

async fn ask(client: &reqwest::Client, url: &str, token: &str) -> Result<Duration, String> {
    let started = Instant::now();
    let response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|err| err.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|err| err.to_string())?;
    if !status.is_success() || !body.starts_with(b"{") {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    Ok(started.elapsed())
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    let index = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let up = Command::new(root.join("scripts/engines.sh"))
        .arg("up")
        .args(ENGINES.map(|e| e.to_string()))
        .status()
        .unwrap();
    assert!(up.success(), "engines did not start");
    let dir = workspace();
    run(dir.path(), &["create", "--group", GROUP]);
    let created = run(
        dir.path(),
        &[
            "token",
            "create",
            "--user",
            "bench",
            "--role",
            "viewer",
            "--all-groups",
            "--json",
        ],
    );
    let token: serde_json::Value = serde_json::from_str(&created).unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let (mut server, url) = serve(dir.path());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    let (alone, latencies, errors, wall) = runtime.block_on(async {
        let mut alone = Vec::new();
        for _ in 0..5 {
            alone.push(ask(&client, &url, &token).await.expect("status answers"));
        }
        let mut latencies = Vec::new();
        let mut errors = Vec::new();
        let mut wall = Vec::new();
        for _ in 0..ROUNDS {
            let started = Instant::now();
            let asks = (0..CONCURRENT).map(|_| ask(&client, &url, &token));
            for result in futures::future::join_all(asks).await {
                match result {
                    Ok(latency) => latencies.push(latency),
                    Err(err) => errors.push(err),
                }
            }
            wall.push(started.elapsed());
        }
        (median(alone), latencies, errors, median(wall))
    });
    let mut sorted = latencies.clone();
    sorted.sort();
    let (p50, p99) = (percentile(&sorted, 0.50), percentile(&sorted, 0.99));
    let ratio = |time: Duration| time.as_secs_f64() / alone.as_secs_f64();
    println!(
        "jdeploy serve: {CONCURRENT} concurrent GET /api/v1/status of {} containers on {} engines, {ROUNDS} rounds, nofile 1024",
        ENGINES.len() * PER_ENGINE,
        ENGINES.len()
    );
    println!(
        "  one request alone (floor)  {:>7.3} s",
        alone.as_secs_f64()
    );
    println!(
        "  p50                        {:>7.3} s  {:>6.2}x floor",
        p50.as_secs_f64(),
        ratio(p50)
    );
    println!(
        "  p99                        {:>7.3} s  {:>6.2}x floor",
        p99.as_secs_f64(),
        ratio(p99)
    );
    println!(
        "  a round of {CONCURRENT}             {:>7.3} s  {:>6.2}x floor",
        wall.as_secs_f64(),
        ratio(wall)
    );
    println!(
        "  answered {} of {}, errors {}",
        latencies.len(),
        CONCURRENT * ROUNDS,
        errors.len()
    );
    for error in errors.iter().take(5) {
        println!("    {error}");
    }

    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let _ = server.wait();
    run(dir.path(), &["rm", "--group", GROUP, "--yes"]);
    assert!(errors.is_empty(), "{} requests failed", errors.len());
}
