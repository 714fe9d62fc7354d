//! `make bench-scale`: jdeploy's release binary against 1,000 stand-in engines of 10
//! containers each, every request answered 20 ms after it arrives, with jdeploy held to
//! 1,024 open files as a default login is: create, create again with nothing to change,
//! status, deploy and a forced deploy, each against the ideal its round trips set. `HOSTS`, `CONTAINERS`,
//! `LATENCY_MS` make it smaller; `PARALLEL` and `MAX_OPEN` are written as `connection.parallel` and
//! `connection.max_open`. `SCALE_WRAP` names a program jdeploy runs under (a profiler script
//! taking the command line, say).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jdeploy_standin::{CounterSnapshot, EngineConfig, StandIn, StandInConfig};

const GROUP: &str = "scale";
const IMAGE: &str = "jdeploy-demo:latest";
/// The open-file limit jdeploy runs under: the usual default soft limit.
const JDEPLOY_NOFILE: u64 = 1024;
/// A run still going after this is killed; it counts as failed.
const RUN_LIMIT: Duration = Duration::from_secs(600);

const RUN_SH: &str =
    "#!/bin/sh\n{{ env_set }}\ntrap 'exit 0' TERM INT\nwhile :; do sleep 3600 & wait $!; done\n";

struct Scale {
    hosts: usize,
    containers: usize,
    latency: Duration,
    /// `connection.parallel`: API calls in flight at once per host.
    parallel: usize,
    /// `connection.max_open`: connections open at once across the fleet.
    max_open: usize,
}

impl Scale {
    fn from_env() -> Self {
        let number = |name: &str, default: usize| match std::env::var(name) {
            Ok(text) if !text.is_empty() => text
                .parse()
                .unwrap_or_else(|_| panic!("{name}={text} is not a number")),
            _ => default,
        };
        let scale = Self {
            hosts: number("HOSTS", 1000),
            containers: number("CONTAINERS", 10),
            latency: Duration::from_millis(number("LATENCY_MS", 20) as u64),
            parallel: number("PARALLEL", 8),
            max_open: number("MAX_OPEN", 256),
        };
        assert!(scale.hosts >= 1 && scale.containers >= 1 && scale.parallel >= 1);
        scale
    }
}

/// The ideal of a run: round trips on one host's critical path times the latency. Hosts
/// are worked at once and independently, so one host's path is the whole run's; local
/// work (parsing, rendering, connecting on loopback) counts as free.
///
/// A phase in which each of a host's `n` containers makes `k` calls, `d` of them one
/// after another, with at most `P` calls in flight per host, takes
/// `max(d, ceil(n*k / P))` round trips; phases follow one another.
struct Ideal {
    round_trips: usize,
    formula: String,
}

fn phase(containers: usize, calls: usize, chain: usize, parallel: usize) -> usize {
    chain.max((containers * calls).div_ceil(parallel))
}

/// Taking the group's lock on the core unit's engine: its own connection's version
/// check, creating the lock container (the first time: refused for want of the marker
/// image, the image imported, created again) and inspecting it. Releasing it: stop, remove.
const LOCK_FIRST: usize = 5;
const LOCK: usize = 3;
const UNLOCK: usize = 2;

fn ideal_create(scale: &Scale, first: bool) -> Ideal {
    let n = scale.containers;
    let lock = if first { LOCK_FIRST } else { LOCK };
    let work = if first {
        phase(n, 2, 2, scale.parallel)
    } else {
        0
    };
    Ideal {
        round_trips: lock + 1 + 1 + work + UNLOCK,
        formula: if first {
            format!("lock {lock} + version 1 + list 1 + create,start max(2, ceil(2n/P))={work} + unlock {UNLOCK}")
        } else {
            format!("lock {lock} + version 1 + list 1 + unlock {UNLOCK}")
        },
    }
}

fn ideal_status(scale: &Scale) -> Ideal {
    let read = phase(scale.containers, 3, 2, scale.parallel);
    Ideal {
        round_trips: 1 + read + 1,
        formula: format!(
            "version 1 + inspect, then state file and top max(2, ceil(3n/P))={read} + list 1 (for containers groups.yaml no longer lists)"
        ),
    }
}

fn ideal_deploy(scale: &Scale) -> Ideal {
    let n = scale.containers;
    let plan = phase(n, 2, 1, scale.parallel);
    // The first unit, all core, goes first; then every other host at once.
    let core = phase(n, 2, 2, scale.parallel);
    let rest = if scale.hosts > 1 {
        phase(n, 2, 2, scale.parallel)
    } else {
        0
    };
    Ideal {
        round_trips: LOCK + 1 + plan + core + rest + UNLOCK,
        formula: format!(
            "lock {LOCK} + version 1 + inspect and state file at once max(1, ceil(2n/P))={plan} + core wave: upload, restart max(2, ceil(2n/P))={core} + the rest likewise {rest} + unlock {UNLOCK}"
        ),
    }
}

/// What one jdeploy run did.
struct Run {
    status: ExitStatus,
    wall: Duration,
    /// Peak resident memory, bytes.
    max_rss: u64,
    /// CPU time jdeploy used, user and system.
    cpu: Duration,
    /// CPU time the stand-in (this process) used meanwhile.
    standin_cpu: Duration,
    stdout: String,
    stderr: String,
}

/// Runs the release binary under `prlimit --nofile`, timing it and reading its peak
/// memory from the kernel once it ended.
// Reaped by wait4 rather than `Child::wait`: only wait4 gives its resource use.
#[allow(clippy::zombie_processes)]
fn jdeploy(dir: &Path, args: &[&str]) -> Run {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_jdeploy"));
    let limit = format!("--nofile={JDEPLOY_NOFILE}:{JDEPLOY_NOFILE}");
    let standin_before = own_cpu();
    let started = Instant::now();
    let mut child = Command::new("prlimit")
        .arg(limit)
        .arg("--")
        .args(
            std::env::var("SCALE_WRAP")
                .map(|w| vec![w])
                .unwrap_or_default(),
        )
        .arg(&binary)
        .args(args)
        .arg("--json")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs jdeploy");
    let pid = child.id() as libc::pid_t;
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("piped")));
    let stderr = read(Box::new(child.stderr.take().expect("piped")));
    let done = Arc::new(AtomicBool::new(false));
    // Peak memory is the kernel's high-water mark of jdeploy's own memory, read while it
    // runs: the rusage wait4 gives also counts the memory of this process (the stand-in)
    // that spawned it, which an exec records as the child's.
    let watchdog = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let deadline = Instant::now() + RUN_LIMIT;
            let mut peak = 0;
            while !done.load(Ordering::SeqCst) && Instant::now() < deadline {
                peak = peak.max(high_water_mark(pid).unwrap_or(0));
                std::thread::sleep(Duration::from_millis(10));
            }
            if !done.load(Ordering::SeqCst) {
                // SAFETY: the child is not reaped until wait4 returns, so the pid is ours.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            peak
        })
    };
    let mut status = 0;
    // SAFETY: plain out-parameters for wait4.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    let standin_cpu = own_cpu().saturating_sub(standin_before);
    done.store(true, Ordering::SeqCst);
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let max_rss = watchdog.join().unwrap_or(0);
    Run {
        status: ExitStatus::from_raw(status),
        wall,
        max_rss,
        cpu: cpu_time(&usage),
        standin_cpu,
        stdout: stdout.join().expect("stdout read"),
        stderr: stderr.join().expect("stderr read"),
    }
}

/// `VmHWM` of a live process, in bytes: the most memory it has held since its last exec.
fn high_water_mark(pid: libc::pid_t) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn cpu_time(usage: &libc::rusage) -> Duration {
    let time = |at: libc::timeval| Duration::new(at.tv_sec as u64, at.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// CPU time this process has used so far: the stand-in's, as it serves every engine.
fn own_cpu() -> Duration {
    // SAFETY: a plain out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    cpu_time(&usage)
}

/// The groups.yaml: one group, a unit per host, the first unit core.
fn workspace(hosts: &[String], scale: &Scale) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let mut yaml = format!(
        "images:\n  {GROUP}: {IMAGE}\nconnection:\n  parallel: {}\n  max_open: {}\ndefaults:\n  stop_timeout: 1\n  copy:\n    - {{ src: code, dest: /srv/app, clean: true }}\nunits:\n",
        scale.parallel, scale.max_open
    );
    for (at, host) in hosts.iter().enumerate() {
        let names: Vec<String> = (0..scale.containers)
            .map(|n| format!("app_{at}_{n}"))
            .collect();
        yaml += &format!(
            "  - host: {host}\n    dockers: [{}]\n    group: {GROUP}\n",
            names.join(", ")
        );
        if at == 0 {
            yaml += "    core: true\n";
        }
    }
    std::fs::write(dir.path().join("groups.yaml"), yaml).unwrap();
    std::fs::write(dir.path().join("run.sh.j2"), RUN_SH).unwrap();
    std::fs::create_dir_all(dir.path().join("code")).unwrap();
    for n in 0..5 {
        let module = "echo module\n".repeat(50);
        std::fs::write(dir.path().join(format!("code/mod{n}.sh")), module).unwrap();
    }
    dir
}

/// What jdeploy's JSON said: containers by status (or state), and who failed.
struct Said {
    counts: BTreeMap<String, usize>,
    failed_hosts: BTreeSet<String>,
    first_failure: Option<String>,
}

fn said(stdout: &str) -> Said {
    let mut said = Said {
        counts: BTreeMap::new(),
        failed_hosts: BTreeSet::new(),
        first_failure: None,
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(stdout) else {
        return said;
    };
    let items = json["units"]
        .as_array()
        .or(json["containers"].as_array())
        .cloned()
        .unwrap_or_default();
    for item in &items {
        let status = item["status"].as_str().or(item["state"].as_str());
        *said
            .counts
            .entry(status.unwrap_or("?").to_string())
            .or_default() += 1;
        if item.get("error_kind").is_some() {
            said.failed_hosts
                .insert(item["host"].as_str().unwrap_or("?").to_string());
            if said.first_failure.is_none() {
                let why = item["detail"].as_str().or(item["note"].as_str());
                said.first_failure = why.map(str::to_string);
            }
        }
    }
    if said.first_failure.is_none() {
        said.first_failure = json["errors"][0]["message"].as_str().map(str::to_string);
    }
    said
}

fn thousands(n: u64) -> String {
    let text = n.to_string();
    let mut out = String::new();
    for (at, digit) in text.chars().enumerate() {
        if at > 0 && (text.len() - at) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// One jdeploy command of the bench, with what it should come close to.
struct Step {
    name: &'static str,
    args: Vec<&'static str>,
    ideal: Ideal,
    /// Wall time over ideal time.
    ratio_target: Option<f64>,
    memory_target_mb: u64,
}

fn report(step: &Step, run: &Run, counted: &CounterSnapshot, scale: &Scale) {
    let Step {
        name,
        ideal,
        ratio_target,
        memory_target_mb,
        ..
    } = step;
    let ideal_time = scale.latency * ideal.round_trips as u32;
    // With no latency there is no ideal to compare with.
    let ratio = (!ideal_time.is_zero()).then(|| run.wall.as_secs_f64() / ideal_time.as_secs_f64());
    let outcome = match run.status.code() {
        Some(0) => "succeeded (exit 0)".to_string(),
        Some(code) => format!("FAILED (exit {code})"),
        None => format!("FAILED (killed by signal {:?})", run.status.signal()),
    };
    println!("{name}: {outcome}");
    let (ratio, ratio_target) = match (ratio, ratio_target) {
        (Some(ratio), Some(target)) => (
            format!("{ratio:.2}x ideal"),
            format!("target <= {target}x: {}", verdict(ratio <= *target)),
        ),
        (Some(ratio), None) => (format!("{ratio:.2}x ideal"), "no target".into()),
        (None, _) => ("no ratio".into(), "no target".into()),
    };
    println!(
        "  wall      {:>8.3} s   ideal {:.3} s ({} round trips x {} ms)   {ratio}   {ratio_target}",
        run.wall.as_secs_f64(),
        ideal_time.as_secs_f64(),
        ideal.round_trips,
        scale.latency.as_millis()
    );
    println!("  ideal     {}", ideal.formula);
    // Under the open-file limit at most `connection.max_open` calls are in flight across
    // the fleet, so the requests made cannot take fewer round trips than requests/max_open.
    let bounded_trips = ideal
        .round_trips
        .max((counted.requests as usize).div_ceil(scale.max_open));
    let bounded = scale.latency * bounded_trips as u32;
    if !bounded.is_zero() {
        println!(
            "  bounded   {:.3} s: max(ideal, {} requests / {} in flight = {} round trips) x {} ms   {:.2}x",
            bounded.as_secs_f64(),
            thousands(counted.requests),
            scale.max_open,
            (counted.requests as usize).div_ceil(scale.max_open),
            scale.latency.as_millis(),
            run.wall.as_secs_f64() / bounded.as_secs_f64()
        );
    }
    let mb = run.max_rss as f64 / (1024.0 * 1024.0);
    println!(
        "  memory    {mb:>8.1} MB peak RSS   target <= {memory_target_mb} MB: {}",
        verdict(mb <= *memory_target_mb as f64)
    );
    println!(
        "  cpu       jdeploy {:.2} s, stand-in {:.2} s (the machine's cores are shared)",
        run.cpu.as_secs_f64(),
        run.standin_cpu.as_secs_f64()
    );
    let containers = (scale.hosts * scale.containers) as f64;
    println!(
        "  requests  {} ({:.1} per container)   connections {}   peak open connections {}   peak in flight {}",
        thousands(counted.requests),
        counted.requests as f64 / containers,
        thousands(counted.connections),
        thousands(counted.peak_connections),
        thousands(counted.peak_in_flight)
    );
    let mut routes: Vec<(&String, &u64)> = counted.routes.iter().collect();
    routes.sort_by(|a, b| b.1.cmp(a.1));
    let routes: Vec<String> = routes
        .iter()
        .take(6)
        .map(|(route, count)| format!("{route} {}", thousands(**count)))
        .collect();
    println!("  routes    {}", routes.join(", "));
    let said = said(&run.stdout);
    let counts: Vec<String> = said
        .counts
        .iter()
        .map(|(status, count)| format!("{} {status}", thousands(*count as u64)))
        .collect();
    if !counts.is_empty() {
        println!(
            "  result    {}; hosts with failures: {}",
            counts.join(", "),
            said.failed_hosts.len()
        );
    }
    if let Some(why) = &said.first_failure {
        println!("  first failure: {why}");
    }
    if !run.status.success() {
        for line in run.stderr.lines().take(8) {
            println!("  stderr | {line}");
        }
    }
    println!();
}

fn main() {
    let scale = Scale::from_env();
    // The stand-in serves every engine from this process: a listener per engine and the
    // server side of each of jdeploy's connections.
    let needed = scale.hosts as u64 + JDEPLOY_NOFILE + 256;
    let nofile = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(0);
    if nofile < needed {
        eprintln!("warning: this process may open {nofile} files, {needed} are wanted");
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let engine = EngineConfig::default().latency(scale.latency).image(IMAGE);
    let standin = runtime
        .block_on(StandIn::start(StandInConfig::uniform(scale.hosts, engine)))
        .expect("the stand-in listens");
    let hosts: Vec<String> = standin
        .addresses()
        .iter()
        .map(ToString::to_string)
        .collect();
    let dir = workspace(&hosts, &scale);

    println!(
        "bench-scale: {} hosts x {} containers = {} containers, {} ms per request, connection.parallel P = {}, jdeploy under prlimit --nofile={JDEPLOY_NOFILE}",
        scale.hosts,
        scale.containers,
        scale.hosts * scale.containers,
        scale.latency.as_millis(),
        scale.parallel
    );
    println!(
        "ideal = round trips on one host's critical path x latency (hosts run at once). A phase where each of a host's n containers makes k calls, d in a row, at most P at once: max(d, ceil(n*k/P)) round trips.\n"
    );

    let group = ["--group", GROUP];
    let steps = [
        Step {
            name: "create",
            args: [&["create"][..], &group].concat(),
            ideal: ideal_create(&scale, true),
            ratio_target: Some(1.5),
            memory_target_mb: 100,
        },
        Step {
            name: "create again (nothing to change)",
            args: [&["create"][..], &group].concat(),
            ideal: ideal_create(&scale, false),
            ratio_target: Some(1.5),
            memory_target_mb: 100,
        },
        Step {
            name: "status",
            args: [&["status"][..], &group].concat(),
            ideal: ideal_status(&scale),
            ratio_target: Some(1.5),
            memory_target_mb: 100,
        },
        Step {
            name: "deploy (gates off)",
            args: [&["deploy"][..], &group, &["--yes", "--min-healthy", "0"]].concat(),
            ideal: ideal_deploy(&scale),
            ratio_target: None,
            memory_target_mb: 150,
        },
        Step {
            name: "deploy --force (gates off, every release in place)",
            args: [
                &["deploy"][..],
                &group,
                &["--yes", "--force", "--min-healthy", "0"],
            ]
            .concat(),
            ideal: ideal_deploy(&scale),
            ratio_target: None,
            memory_target_mb: 150,
        },
    ];
    for step in &steps {
        standin.reset_counters();
        let run = jdeploy(dir.path(), &step.args);
        let counted = standin.counters();
        report(step, &run, &counted, &scale);
    }
    runtime.block_on(standin.stop());
}
