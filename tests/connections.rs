//! The fleet's connection budget against twenty stand-in engines (no Docker needed):
//! `connection.max_open` bounds what is open at once, and hosts reuse their connections.

mod common;

use std::time::Duration;

use common::fleet::{row, RUN_SH};
use common::inventory::Fleet;
use common::{Output, Test};
use jdeploy_standin::{EngineConfig, StandIn, StandInConfig};

const GROUP: &str = "web";
const IMAGE: &str = "jdeploy-demo:latest";
const ENGINES: usize = 20;
const PER_ENGINE: usize = 3;
const MAX_OPEN: u64 = 6;

fn groups_yaml(standin: &StandIn) -> String {
    let mut fleet = Fleet::new()
        .image(GROUP, IMAGE)
        .section(&format!(
            "connection:\n  parallel: 2\n  max_open: {MAX_OPEN}"
        ))
        .defaults("stop_timeout: 1");
    for (at, address) in standin.addresses().iter().enumerate() {
        let names: Vec<String> = (0..PER_ENGINE).map(|n| format!("web_{at}_{n}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        fleet = fleet.unit(&address.to_string(), &names, GROUP);
        if at == 0 {
            fleet = fleet.core();
        }
    }
    fleet.to_yaml()
}

fn jdeploy(standin: &StandIn, args: &[&str]) -> Output {
    Test::new()
        .file("run.sh.j2", RUN_SH)
        .groups(&groups_yaml(standin))
        .args(args)
        .status(0)
        .run()
}

#[test]
fn connections_stay_within_max_open_and_each_host_reuses_its_own() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    // Latency keeps calls in flight long enough for hosts to contend for connections.
    let engine = EngineConfig::default()
        .image(IMAGE)
        .latency(Duration::from_millis(5));
    let standin = runtime
        .block_on(StandIn::start(StandInConfig::uniform(ENGINES, engine)))
        .expect("the stand-in listens");

    for command in ["create", "deploy", "status"] {
        let output = jdeploy(&standin, &[command, "--group", GROUP]);
        for at in 0..ENGINES {
            let line = row(&output.stdout, &format!("web_{at}_0"));
            assert!(
                ["created", "deployed", "running"]
                    .iter()
                    .any(|word| line.contains(word)),
                "{command}: {}",
                output.stdout
            );
        }
    }
    let counted = standin.counters();
    // Unbounded, 20 hosts at 2 calls each would hold 40. A connection goes back to its
    // host's pool a moment after its answer is read, so a call right after it may open
    // one more before the budget counts it; the group's lock has one of its own.
    assert!(
        counted.peak_connections <= 2 * MAX_OPEN + 2,
        "{} connections open at once, max_open {MAX_OPEN}",
        counted.peak_connections
    );
    assert!(
        counted.connections * 4 <= counted.requests * 3,
        "{} connections for {} requests: hosts did not reuse theirs",
        counted.connections,
        counted.requests
    );
}
