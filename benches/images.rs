//! `make bench`, image part: an image of about 50 MB sent to 4 local engines by `jdeploy
//! image push`, against `docker save | docker load` run for every engine at once (the
//! floor) and one engine after another, in one run; the push with nothing to send; and
//! jdeploy's peak memory.

mod common;

use common::{median, row};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TARGETS: [u8; 4] = [2, 3, 4, 5];
/// The engine standing in for this machine's own.
const SOURCE: u8 = 6;
const IMAGE: &str = "jdeploy-bench-image:1";
const ROUNDS: usize = 3;

fn docker(engine: u8, args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .env_remove("DOCKER_HOST")
        .arg("-H")
        .arg(format!("tcp://127.0.0.{engine}:2375"))
        .args(args)
        .output()
        .expect("the docker CLI runs")
}

fn must(output: std::process::Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The demo image with 50 MB of its own, so no engine but the source has it.
fn build_image() {
    let _ = docker(SOURCE, &["rm", "-f", "bench-image-maker"]);
    must(
        docker(
            SOURCE,
            &[
                "run",
                "--name",
                "bench-image-maker",
                "jdeploy-demo:latest",
                "sh",
                "-c",
                "head -c 50000000 /dev/urandom > /blob",
            ],
        ),
        "making the image",
    );
    must(
        docker(SOURCE, &["commit", "bench-image-maker", IMAGE]),
        "commit",
    );
    let _ = docker(SOURCE, &["rm", "-f", "bench-image-maker"]);
}

fn clear_targets() {
    for engine in TARGETS {
        let _ = docker(engine, &["rmi", "-f", IMAGE]);
    }
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let units: String = TARGETS
        .iter()
        .map(|engine| {
            format!("  - host: 127.0.0.{engine}\n    dockers: [img_{engine}]\n    group: bench\n")
        })
        .collect();
    let yaml = format!("images:\n  bench: {IMAGE}\nunits:\n{units}");
    std::fs::write(dir.path().join("groups.yaml"), yaml).unwrap();
    dir
}

/// Runs `jdeploy image push`; its time and its peak resident memory in bytes.
fn push(dir: &Path) -> (Duration, u64) {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_jdeploy"));
    let started = Instant::now();
    let mut child = Command::new(binary)
        .current_dir(dir)
        .args(["image", "push", IMAGE, "--group", "bench", "-q"])
        .env("DOCKER_HOST", format!("tcp://127.0.0.{SOURCE}:2375"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            peak = peak.max(high_water(&status));
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "jdeploy image push failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (started.elapsed(), peak)
}

/// VmHWM, the peak resident set, in bytes.
fn high_water(status: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches(" kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// `docker save | docker load` into one engine, as a shell pipeline.
fn save_load(engine: u8) -> std::process::Child {
    Command::new("sh")
        .args([
            "-c",
            &format!(
                "docker -H tcp://127.0.0.{SOURCE}:2375 save {IMAGE} | docker -H tcp://127.0.0.{engine}:2375 load -q >/dev/null"
            ),
        ])
        .env_remove("DOCKER_HOST")
        .spawn()
        .unwrap()
}

fn parallel_floor() -> Duration {
    let started = Instant::now();
    let children: Vec<_> = TARGETS.iter().map(|engine| save_load(*engine)).collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    started.elapsed()
}

fn sequential() -> Duration {
    let started = Instant::now();
    for engine in TARGETS {
        assert!(save_load(engine).wait().unwrap().success());
    }
    started.elapsed()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engines: Vec<String> = TARGETS.iter().chain(&[SOURCE]).map(u8::to_string).collect();
    let up = Command::new(root.join("scripts/engines.sh"))
        .arg("up")
        .args(&engines)
        .status()
        .unwrap();
    assert!(up.success(), "engines did not start");
    build_image();
    let size =
        String::from_utf8(docker(SOURCE, &["image", "inspect", "-f", "{{.Size}}", IMAGE]).stdout)
            .unwrap_or_default();
    let dir = workspace();
    let (mut pushes, mut peaks, mut again, mut floors, mut loops) =
        (vec![], vec![], vec![], vec![], vec![]);
    for round in 1..=ROUNDS {
        eprintln!("bench images: round {round} of {ROUNDS}");
        clear_targets();
        let (time, peak) = push(dir.path());
        pushes.push(time);
        peaks.push(peak);
        again.push(push(dir.path()).0);
        clear_targets();
        floors.push(parallel_floor());
        clear_targets();
        loops.push(sequential());
    }
    clear_targets();
    let _ = docker(SOURCE, &["rmi", "-f", IMAGE]);

    let megabytes = size.trim().parse::<f64>().unwrap_or(0.0) / 1_000_000.0;
    println!(
        "jdeploy bench: an image of {megabytes:.0} MB to {} engines, median of {ROUNDS} rounds",
        TARGETS.len()
    );
    let floor = median(floors);
    println!("image push");
    row("floor (save|load, all at once)", floor, floor, "");
    row(
        "jdeploy image push",
        median(pushes),
        floor,
        "target <= 1.10x",
    );
    row("save|load, one by one", median(loops), floor, "");
    println!("image push again, nothing to send");
    println!(
        "  {:<22} {:>7.3} s  target < 0.200 s",
        "jdeploy image push",
        median(again).as_secs_f64()
    );
    let peak = peaks.into_iter().max().unwrap_or(0);
    println!(
        "  peak memory of jdeploy image push: {:.1} MB",
        peak as f64 / 1_000_000.0
    );
}
