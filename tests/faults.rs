//! Faults on real engines: an engine killed during create, deploy and rollback, and one
//! that stops answering during a deploy. The other hosts finish, jdeploy exits 1 naming
//! the host, and a re-run once the engine is back converges with nothing lost.
//!
//! Engine 6 stands behind a proxy (`127.0.0.1:PORT` in groups.yaml) that kills it, or
//! stops answering, on a chosen request; re-runs reach it directly at 127.0.0.6.

mod common;

use common::engines::{
    docker, engine_pid, ensure_engines, names_on, read_file, unique_group, Cleanup, RUN_SH,
};
use common::inventory::Fleet;
use common::proxy::{request, Fault, Proxy};
use common::{Output, Test};

/// The tests take turns: each kills or silences the one engine 6.
static ENGINE_6: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct Faulty {
    group: String,
    proxy: Proxy,
    state: tempfile::TempDir,
    _cleanup: Cleanup,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Faulty {
    fn new(stem: &str) -> Self {
        let turn = ENGINE_6
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        ensure_engines(&[2, 6]);
        let group = unique_group(stem);
        Self {
            _cleanup: Cleanup::new(&group, &[2, 6]),
            proxy: Proxy::start("127.0.0.6:2375"),
            state: tempfile::tempdir().unwrap(),
            group,
            _turn: turn,
        }
    }

    /// `<group>_core` and `<group>_a` on engine 2, `<group>_k1` and `<group>_k2` on engine 6
    /// at `far` (the proxy or the engine itself). Two failures are tolerated: the far
    /// host's, so the near one is not rolled back for them.
    fn yaml(&self, far: &str) -> String {
        let group = &self.group;
        Fleet::new()
            .image(group, "jdeploy-demo:latest")
            .defaults("stop_timeout: 1\nrollout:\n  max_failures: 2\n  min_healthy: 0s")
            .unit("127.0.0.2", &[&format!("{group}_core")], group.as_str())
            .core()
            .unit("127.0.0.2", &[&format!("{group}_a")], group.as_str())
            .unit(
                far,
                &[&format!("{group}_k1"), &format!("{group}_k2")],
                group.as_str(),
            )
            .to_yaml()
            + "connection:\n  request_timeout: 3\n  timeout: 3\n"
    }

    fn run(&self, far: &str, args: &[&str], status: i32) -> Output {
        let state = self.state.path().join("history.db");
        Test::new()
            .file("run.sh.j2", RUN_SH)
            .groups(&self.yaml(far))
            .args(["--state", state.to_str().unwrap()])
            .args(args)
            .status(status)
            .run()
    }

    /// Through the proxy, which turns into `fault` on the request `trigger` matches.
    fn faulted(
        &self,
        args: &[&str],
        trigger: impl Fn(&[u8]) -> bool + Send + Sync + 'static,
        fault: Fault,
    ) -> Output {
        self.proxy.arm(trigger, fault);
        let output = self.run(self.proxy.address(), args, 1);
        assert!(
            self.proxy.tripped(),
            "the fault never fired:\n{}",
            output.stdout
        );
        output
    }

    fn direct(&self, args: &[&str], status: i32) -> Output {
        self.run("127.0.0.6", args, status)
    }

    fn name(&self, container: &str) -> String {
        format!("{}_{container}", self.group)
    }

    /// Which engine each container is on.
    fn containers(&self) -> [(u8, String); 4] {
        [
            (2, self.name("core")),
            (2, self.name("a")),
            (6, self.name("k1")),
            (6, self.name("k2")),
        ]
    }

    fn mode_of(&self, engine: u8, container: &str) -> String {
        let run_sh = read_file(engine, container, "/run.sh");
        run_sh
            .lines()
            .find(|line| line.contains("RUNTIME_MODE="))
            .unwrap_or_default()
            .to_string()
    }

    fn deploy_id(&self, nth_deploy: usize) -> String {
        let history = self.direct(&["history", "--group", &self.group, "--json"], 0);
        let history: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
        let mut deploys: Vec<String> = history["runs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|run| run["command"] == "deploy")
            .map(|run| run["deploy"].as_str().unwrap().to_string())
            .collect();
        deploys.reverse();
        deploys[nth_deploy].clone()
    }

    /// The near host finished, the far one failed and is named.
    fn assert_far_failed(&self, output: &Output, done: &str) {
        let far = format!("{}: ", self.proxy.address());
        for container in ["core", "a"] {
            let line = row(&output.stdout, &self.name(container));
            assert!(line.contains(done), "{line}\n{}", output.stdout);
        }
        for container in ["k1", "k2"] {
            let line = row(&output.stdout, &self.name(container));
            assert!(line.contains("failed"), "{line}\n{}", output.stdout);
        }
        assert!(
            output.stdout.contains(self.proxy.address()) || output.stdout.contains(&far),
            "{}",
            output.stdout
        );
    }
}

/// The line of `container` in a CI-lines or table output.
fn row<'a>(output: &'a str, container: &str) -> &'a str {
    output
        .lines()
        .rev()
        .find(|line| line.split_whitespace().any(|word| word == container))
        .unwrap_or_else(|| panic!("no line for {container} in:\n{output}"))
}

fn restart_engine_6() {
    ensure_engines(&[6]);
}

fn running(engine: u8, container: &str) -> bool {
    docker(
        engine,
        &["inspect", "--format", "{{.State.Status}}", container],
    )
    .trim()
        == "running"
}

#[test]
fn an_engine_killed_during_create_fails_its_units_and_a_rerun_converges() {
    let faulty = Faulty::new("killed_create");
    let group = faulty.group.clone();
    let output = faulty.faulted(
        &["create", "--group", &group],
        request("POST", "/containers/create"),
        Fault::Kill(engine_pid(6)),
    );
    faulty.assert_far_failed(&output, "created");
    restart_engine_6();
    faulty.direct(&["create", "--group", &group], 0);
    for (engine, container) in faulty.containers() {
        assert!(running(engine, &container), "{container}");
    }
    // Nothing left over from the cut create.
    let leftovers = names_on(6, &group);
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}

#[test]
fn an_engine_killed_during_deploy_fails_its_units_and_a_rerun_converges() {
    let faulty = Faulty::new("killed_deploy");
    let group = faulty.group.clone();
    faulty.direct(&["create", "--group", &group], 0);
    faulty.direct(&["deploy", "--group", &group, "--mode", "one", "--yes"], 0);
    let output = faulty.faulted(
        &["deploy", "--group", &group, "--mode", "two", "--yes"],
        request("PUT", "/archive"),
        Fault::Kill(engine_pid(6)),
    );
    faulty.assert_far_failed(&output, "deployed");
    for container in ["core", "a"] {
        assert!(faulty.mode_of(2, &faulty.name(container)).contains("two"));
    }
    restart_engine_6();
    faulty.direct(&["deploy", "--group", &group, "--mode", "two", "--yes"], 0);
    for (engine, container) in faulty.containers() {
        assert!(running(engine, &container), "{container}");
        assert!(
            faulty.mode_of(engine, &container).contains("two"),
            "{container}"
        );
    }
    // Each far container still keeps the release it had before the cut deploy.
    let state = read_file(6, &faulty.name("k1"), "/.jdeploy/releases.json");
    let state = jdeploy::release::State::parse(state.as_bytes()).unwrap();
    assert_eq!(state.releases.len(), 2, "{state:?}");
}

#[test]
fn an_engine_killed_during_rollback_fails_its_units_and_a_rerun_converges() {
    let faulty = Faulty::new("killed_rollback");
    let group = faulty.group.clone();
    faulty.direct(&["create", "--group", &group], 0);
    faulty.direct(&["deploy", "--group", &group, "--mode", "one", "--yes"], 0);
    faulty.direct(&["deploy", "--group", &group, "--mode", "two", "--yes"], 0);
    let first = faulty.deploy_id(0);
    let output = faulty.faulted(
        &["rollback", "--group", &group, "--to", &first[..12], "--yes"],
        request("PUT", "/archive"),
        Fault::Kill(engine_pid(6)),
    );
    faulty.assert_far_failed(&output, "rolled_back");
    for container in ["core", "a"] {
        assert!(faulty.mode_of(2, &faulty.name(container)).contains("one"));
    }
    restart_engine_6();
    faulty.direct(
        &["rollback", "--group", &group, "--to", &first[..12], "--yes"],
        0,
    );
    for (engine, container) in faulty.containers() {
        assert!(running(engine, &container), "{container}");
        assert!(
            faulty.mode_of(engine, &container).contains("one"),
            "{container}"
        );
    }
}

#[test]
fn an_engine_that_stops_answering_during_deploy_fails_its_units_after_the_request_timeout() {
    let faulty = Faulty::new("hung_deploy");
    let group = faulty.group.clone();
    faulty.direct(&["create", "--group", &group], 0);
    let started = std::time::Instant::now();
    let output = faulty.faulted(
        &["deploy", "--group", &group, "--mode", "one", "--yes"],
        request("POST", "/restart"),
        Fault::Hang,
    );
    let elapsed = started.elapsed();
    faulty.assert_far_failed(&output, "deployed");
    assert!(
        output.stdout.contains("did not answer")
            || output.stdout.contains("timed out")
            || output.stdout.contains("within"),
        "{}",
        output.stdout
    );
    // request_timeout 3 s plus the stop timeout, not the default two minutes.
    assert!(elapsed.as_secs() < 40, "{elapsed:?}");
    for container in ["core", "a"] {
        assert!(faulty.mode_of(2, &faulty.name(container)).contains("one"));
    }
    // Reached directly, the engine answers: a re-run converges.
    faulty.direct(&["deploy", "--group", &group, "--mode", "one", "--yes"], 0);
    for (engine, container) in faulty.containers() {
        assert!(
            faulty.mode_of(engine, &container).contains("one"),
            "{container}"
        );
    }
}
