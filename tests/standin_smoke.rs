//! The jdeploy binary against three stand-in engines on loopback (no Docker needed):
//! create, deploy and status, then a deploy where one host's restarts fail.

mod common;

use common::fleet::{row, RUN_SH};
use common::inventory::Fleet;
use common::{Output, Test};
use jdeploy::release::{Held, State};
use jdeploy_standin::{EngineConfig, EngineHandle, Fault, FaultKind, StandIn, StandInConfig};
use tokio::runtime::Runtime;

const GROUP: &str = "web";
const IMAGE: &str = "jdeploy-demo:latest";
/// The containers on each engine; the first is the group's core unit.
const CONTAINERS: [[&str; 2]; 3] = [
    ["web_core", "web_a"],
    ["web_b", "web_c"],
    ["web_d", "web_e"],
];

/// Three engines that have the group's image, served from a runtime of their own while
/// the test waits for jdeploy.
fn engines() -> (Runtime, StandIn) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let config = StandInConfig::uniform(3, EngineConfig::default().image(IMAGE));
    let standin = runtime
        .block_on(StandIn::start(config))
        .expect("the stand-in listens");
    (runtime, standin)
}

fn hosts(standin: &StandIn) -> Vec<String> {
    standin
        .addresses()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn groups_yaml(hosts: &[String]) -> String {
    let [core, rest] = CONTAINERS[0];
    let mut fleet = Fleet::new()
        .image(GROUP, IMAGE)
        .defaults("stop_timeout: 1")
        .unit(&hosts[0], &[core], GROUP)
        .core()
        .unit(&hosts[0], &[rest], GROUP);
    for (host, containers) in hosts.iter().zip(CONTAINERS).skip(1) {
        fleet = fleet.unit(host, &containers, GROUP);
    }
    fleet.to_yaml()
}

fn jdeploy(standin: &StandIn, args: &[&str], status: i32) -> Output {
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&groups_yaml(&hosts(standin)))
        .args(args)
        .status(status)
        .run()
}

fn every_container() -> impl Iterator<Item = (usize, &'static str)> {
    CONTAINERS
        .iter()
        .enumerate()
        .flat_map(|(engine, names)| names.iter().map(move |name| (engine, *name)))
}

/// The state file a deploy left in a container.
fn state_of(engine: &EngineHandle, name: &str) -> State {
    let state = engine
        .file(name, "/.jdeploy/releases.json")
        .expect("a state file");
    State::parse(&state).expect("jdeploy's state")
}

/// The short release id a deploy row names: `release 5e0c0a1b2c3d ...`.
fn release_in(line: &str) -> &str {
    line.split_whitespace()
        .skip_while(|word| *word != "release")
        .nth(1)
        .unwrap_or_else(|| panic!("no release in {line}"))
        .trim_end_matches(':')
}

#[test]
fn create_deploy_and_status_on_three_engines() {
    let (_runtime, standin) = engines();
    let created = jdeploy(&standin, &["create", "--group", GROUP], 0);
    for (engine, name) in every_container() {
        assert!(
            row(&created.stdout, name).contains("created"),
            "{}",
            created.stdout
        );
        let container = standin.engine(engine).container(name).expect("created");
        assert_eq!(container.state, "running");
        assert_eq!(container.labels["io.jdeploy.group"], GROUP);
    }
    // The lock lived on the core unit's engine, which imported the marker image for it.
    let first = standin.engine(0);
    assert_eq!(first.counters().route("POST /images/create"), 1);
    assert!(first.images().contains(&"jdeploy-marker:1".to_string()));
    assert!(first.container("jdeploy-lock.web").is_none(), "released");

    let again = jdeploy(&standin, &["create", "--group", GROUP], 0);
    assert!(again.stdout.contains("6 unchanged"), "{}", again.stdout);

    let deployed = jdeploy(
        &standin,
        &["deploy", "--group", GROUP, "--min-healthy", "300ms"],
        0,
    );
    for (engine, name) in every_container() {
        let line = row(&deployed.stdout, name);
        assert!(line.contains("deployed"), "{}", deployed.stdout);
        let engine = standin.engine(engine);
        let run_sh = String::from_utf8(engine.file(name, "/run.sh").expect("/run.sh")).unwrap();
        assert!(run_sh.contains(&format!("started {name}")), "{run_sh}");
        // Pending with the start time before its restart: in place now it restarted.
        let state = state_of(engine, name);
        let pending = state.pending.as_ref().expect("a pending release");
        assert!(pending.release.starts_with(release_in(line)));
        assert_eq!(pending.held, None);
    }

    let status = jdeploy(&standin, &["status", "--group", GROUP], 0);
    for (_, name) in every_container() {
        let line = row(&status.stdout, name);
        assert!(line.contains("running"), "{}", status.stdout);
        assert!(
            line.contains(release_in(row(&deployed.stdout, name))),
            "{line}"
        );
    }
    let unchanged = jdeploy(&standin, &["deploy", "--group", GROUP], 0);
    assert!(
        unchanged.stdout.contains("6 unchanged"),
        "{}",
        unchanged.stdout
    );
}

#[test]
fn a_host_whose_restarts_fail_fails_only_its_containers() {
    let (_runtime, standin) = engines();
    jdeploy(&standin, &["create", "--group", GROUP], 0);
    let broken = standin.engine(2);
    let refused = FaultKind::status(500, "restart refused by the stand-in");
    broken.add_fault(Fault::on("POST /containers/*/restart", refused));

    let args = [
        "deploy",
        "--group",
        GROUP,
        "--min-healthy",
        "0",
        "--on-failure",
        "continue",
    ];
    let output = jdeploy(&standin, &args, 1);
    let host = broken.address().to_string();
    for (engine, name) in every_container() {
        let line = row(&output.stdout, name);
        if engine == 2 {
            assert!(line.contains("failed"), "{}", output.stdout);
            assert!(line.contains(&host), "{line}");
            assert!(line.contains("restart refused by the stand-in"), "{line}");
            // Never recorded as running a release it did not restart on.
            let state = state_of(broken, name);
            assert_eq!(state.current, None);
            let held = state.pending.as_ref().and_then(|pending| pending.held);
            assert_eq!(held, Some(Held::Failed));
        } else {
            assert!(line.contains("deployed"), "{}", output.stdout);
        }
    }
    assert!(
        output.stdout.contains("4 deployed, 2 failed"),
        "{}",
        output.stdout
    );
    assert_eq!(broken.counters().route("POST /containers/{id}/restart"), 2);
}
