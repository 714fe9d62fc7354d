//! `make bench`: create+start, deploy and status of 40 containers over 4 local engines, by
//! jdeploy, by the same Docker API calls made directly (the floor) and by the `docker`
//! CLI, all in one run; prints medians and ratios against the floor.

mod common;

use common::{median, row};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use bollard::query_parameters::{
    CreateContainerOptions, DownloadFromContainerOptions, ListContainersOptions,
    RemoveContainerOptions, RestartContainerOptions, TopOptions, UploadToContainerOptions,
};
use bollard::{body_full, Docker, API_DEFAULT_VERSION};
use futures::future::join_all;
use futures::StreamExt;
use jdeploy::bundle::{Bundle, Record};
use jdeploy::copies::read_tree;
use jdeploy::engine::create_body;
use jdeploy::inventory::{self, LoadOptions};
use jdeploy::layout::STATE_FILE;
use jdeploy::plan::desired_containers;
use jdeploy::release::{Kept, KeptRelease, State};
use jdeploy::render::{file_loader, Flags, Renderer};
use tokio::sync::Semaphore;

const ENGINES: [u8; 4] = [2, 3, 4, 5];
const PER_ENGINE: usize = 10;
const ROUNDS: usize = 3;
const GROUP: &str = "bench";
/// jdeploy's default per-host cap; the floor runs its calls with the same concurrency.
const PARALLEL: usize = 8;
const IMAGE: &str = "jdeploy-demo:latest";

/// Waits for the first deploy instead of failing and being restarted in a loop, which
/// would load the engines while they are being measured.
const COMMAND: &str =
    "trap 'exit 0' TERM; while [ ! -e /run.sh ]; do sleep 1; done; exec sh /run.sh";

const RUN_SH: &str =
    "#!/bin/sh\n{{ env_set }}\ntrap 'exit 0' TERM INT\nwhile :; do sleep 3600 & wait $!; done\n";

fn names() -> Vec<(u8, String)> {
    ENGINES
        .iter()
        .flat_map(|&engine| (0..PER_ENGINE).map(move |n| (engine, format!("bench_{engine}_{n}"))))
        .collect()
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut units = String::new();
    for &engine in &ENGINES {
        let containers: Vec<String> = (0..PER_ENGINE)
            .map(|n| format!("bench_{engine}_{n}"))
            .collect();
        let core = engine == 2;
        // The first engine's first container is the group's core unit.
        let (core_units, rest) = if core {
            containers.split_at(1)
        } else {
            containers.split_at(0)
        };
        if !core_units.is_empty() {
            units += &format!("  - host: 127.0.0.{engine}\n    dockers: [{}]\n    group: {GROUP}\n    core: true\n", core_units.join(", "));
        }
        units += &format!(
            "  - host: 127.0.0.{engine}\n    dockers: [{}]\n    group: {GROUP}\n",
            rest.join(", ")
        );
    }
    let yaml = format!(
        "images:\n  {GROUP}: {IMAGE}\ndefaults:\n  command: [sh, -c, \"{COMMAND}\"]\n  stop_timeout: 1\n  copy:\n    - src: code\n      dest: /srv/app\n      clean: true\nunits:\n{units}"
    );
    std::fs::write(dir.path().join("groups.yaml"), yaml).unwrap();
    std::fs::write(dir.path().join("run.sh.j2"), RUN_SH).unwrap();
    std::fs::create_dir_all(dir.path().join("code/lib")).unwrap();
    for n in 0..20 {
        std::fs::write(
            dir.path().join(format!("code/lib/mod{n}.sh")),
            "echo module\n".repeat(50),
        )
        .unwrap();
    }
    dir
}

fn jdeploy(dir: &Path, args: &[&str]) -> Duration {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_jdeploy"));
    let started = Instant::now();
    let output = Command::new(binary)
        .current_dir(dir)
        .args(args)
        .arg("-q")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "jdeploy {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

fn docker_cli(engine: u8, args: &[&str]) {
    let output = Command::new("docker")
        .env_remove("DOCKER_HOST")
        .args(["-H", &format!("tcp://127.0.0.{engine}:2375")])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn clients() -> Vec<(u8, Docker)> {
    ENGINES
        .iter()
        .map(|&engine| {
            let address = format!("127.0.0.{engine}:2375");
            (
                engine,
                Docker::connect_with_http(&address, 120, API_DEFAULT_VERSION).unwrap(),
            )
        })
        .collect()
}

async fn negotiated() -> Vec<(u8, Docker)> {
    let mut out = Vec::new();
    for (engine, client) in clients() {
        out.push((engine, client.negotiate_version().await.unwrap()));
    }
    out
}

/// Removes every bench container; not timed.
async fn clear(clients: &[(u8, Docker)]) {
    for (_, client) in clients {
        let listed = client
            .list_containers(Some(ListContainersOptions {
                all: true,
                ..Default::default()
            }))
            .await
            .unwrap();
        let doomed = listed
            .into_iter()
            .filter_map(|c| c.names?.first().cloned())
            .filter(|n| n.starts_with("/bench_"));
        join_all(doomed.map(|name| async move {
            let options = RemoveContainerOptions {
                force: true,
                ..Default::default()
            };
            client
                .remove_container(name.trim_start_matches('/'), Some(options))
                .await
                .unwrap();
        }))
        .await;
    }
}

fn client_for(clients: &[(u8, Docker)], engine: u8) -> &Docker {
    &clients.iter().find(|(e, _)| *e == engine).unwrap().1
}

/// One container's calls for the floor: its create body and its deploy archive, exactly
/// as jdeploy builds them, prepared before any clock starts.
struct Work {
    engine: u8,
    name: String,
    core: bool,
    body: bollard::models::ContainerCreateBody,
    /// The release's files with the state naming it pending.
    archive: bytes::Bytes,
}

fn prepare(dir: &Path) -> Vec<Work> {
    let inventory = inventory::load(
        &dir.join("groups.yaml"),
        &LoadOptions::default(),
        inventory::Sources::Checked,
    )
    .unwrap();
    let group = inventory.group(GROUP).unwrap();
    let renderer = Renderer::new(file_loader(&inventory.base_dir));
    let copies: std::sync::Arc<[_]> = group
        .copies
        .iter()
        .map(|copy| read_tree(copy).unwrap())
        .collect();
    let desired = desired_containers(&inventory, group, IMAGE, &Default::default());
    inventory
        .members(GROUP)
        .zip(desired)
        .map(|(member, desired)| {
            let rendered = renderer
                .render(&inventory, group, member, &Flags::default())
                .unwrap();
            let bundle = Bundle::first(rendered, copies.clone(), IMAGE, 0);
            let entry = KeptRelease {
                release: bundle.release().to_string(),
                deploy: "bench".into(),
                deployed_at: "2026-11-22T10:00:00.000000000Z".into(),
                by: "bench@localhost".into(),
                undone: false,
            };
            let (kept, _) = Kept::default().deployed(entry, 3, None);
            let state = State::pending(None, Kept::default(), bundle.release(), None, kept);
            Work {
                engine: desired
                    .host
                    .name
                    .rsplit('.')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap(),
                name: desired.name.clone(),
                core: member.is_core(),
                body: create_body(&desired),
                archive: bundle.archive(&Record::state(&state)).unwrap(),
            }
        })
        .collect()
}

fn limits() -> Vec<(u8, Semaphore)> {
    ENGINES
        .iter()
        .map(|&e| (e, Semaphore::new(PARALLEL)))
        .collect()
}

fn limit(limits: &[(u8, Semaphore)], engine: u8) -> &Semaphore {
    &limits.iter().find(|(e, _)| *e == engine).unwrap().1
}

/// The floor: create then start each container, every engine at once, `PARALLEL` per engine.
async fn floor_create(clients: &[(u8, Docker)], work: &[Work]) -> Duration {
    let limits = limits();
    let started = Instant::now();
    join_all(work.iter().map(|work| {
        let client = client_for(clients, work.engine);
        let limit = limit(&limits, work.engine);
        async move {
            let options = CreateContainerOptions {
                name: Some(work.name.clone()),
                ..Default::default()
            };
            {
                let _permit = limit.acquire().await.unwrap();
                client
                    .create_container(Some(options), work.body.clone())
                    .await
                    .unwrap();
            }
            let _permit = limit.acquire().await.unwrap();
            client.start_container(&work.name, None).await.unwrap();
        }
    }))
    .await;
    started.elapsed()
}

/// The floor: the calls status makes for each running container (inspect, then the
/// process list and its state file), every engine at once, `PARALLEL` per engine.
async fn floor_status(clients: &[(u8, Docker)], work: &[Work]) -> Duration {
    let limits = limits();
    let started = Instant::now();
    join_all(work.iter().map(|work| {
        let client = client_for(clients, work.engine);
        let limit = limit(&limits, work.engine);
        async move {
            {
                let _permit = limit.acquire().await.unwrap();
                client.inspect_container(&work.name, None).await.unwrap();
            }
            let top = async {
                let _permit = limit.acquire().await.unwrap();
                let options = TopOptions {
                    ps_args: "-e -o pid,rss,pcpu".into(),
                };
                client
                    .top_processes(&work.name, Some(options))
                    .await
                    .unwrap();
            };
            let release = read_state(client, limit, &work.name);
            futures::join!(top, release);
        }
    }))
    .await;
    started.elapsed()
}

/// A GET of the container's state file, as jdeploy reads it; a file not there yet
/// (before the first deploy) is an answer too.
async fn read_state(client: &Docker, limit: &Semaphore, name: &str) {
    let _permit = limit.acquire().await.unwrap();
    let options = DownloadFromContainerOptions {
        path: STATE_FILE.into(),
    };
    let _: Vec<_> = client
        .download_from_container(name, Some(options))
        .collect()
        .await;
}

/// `docker stats --no-stream` on every engine at once, as a status script would run it.
fn cli_stats() -> Duration {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for engine in ENGINES {
            scope.spawn(move || docker_cli(engine, &["stats", "--no-stream"]));
        }
    });
    started.elapsed()
}

/// The floor: the reads deploy makes, then upload the archive and restart, core units
/// first, as deploy does. With `minimal`, only the upload and the restart: what no deploy
/// can do without.
async fn floor_deploy(clients: &[(u8, Docker)], work: &[Work], minimal: bool) -> Duration {
    let limits = limits();
    let started = Instant::now();
    if !minimal {
        // What deploy asks each container first, at once: its state, and its state file.
        join_all(work.iter().map(|work| {
            let client = client_for(clients, work.engine);
            let limit = limit(&limits, work.engine);
            async move {
                let inspect = async {
                    let _permit = limit.acquire().await.unwrap();
                    client.inspect_container(&work.name, None).await.unwrap();
                };
                futures::join!(inspect, read_state(client, limit, &work.name));
            }
        }))
        .await;
    }
    for core in [true, false] {
        join_all(
            work.iter()
                .filter(|work| work.core == core)
                .map(|work| upload_and_restart(clients, &limits, work)),
        )
        .await;
    }
    started.elapsed()
}

/// One container's deploy: its archive, then its restart.
async fn upload_and_restart(clients: &[(u8, Docker)], limits: &[(u8, Semaphore)], work: &Work) {
    let client = client_for(clients, work.engine);
    let limit = limit(limits, work.engine);
    {
        let _permit = limit.acquire().await.unwrap();
        let options = UploadToContainerOptions {
            path: "/".into(),
            ..Default::default()
        };
        client
            .upload_to_container(&work.name, Some(options), body_full(work.archive.clone()))
            .await
            .unwrap();
    }
    let _permit = limit.acquire().await.unwrap();
    let options = RestartContainerOptions {
        t: Some(1),
        ..Default::default()
    };
    client
        .restart_container(&work.name, Some(options))
        .await
        .unwrap();
}

fn cli_create() -> Duration {
    let started = Instant::now();
    for (engine, name) in names() {
        docker_cli(
            engine,
            &[
                "run",
                "-d",
                "--restart",
                "unless-stopped",
                "--name",
                &name,
                IMAGE,
                "sh",
                "-c",
                COMMAND,
            ],
        );
    }
    started.elapsed()
}

fn cli_deploy(run_sh: &Path, code: &Path) -> Duration {
    let started = Instant::now();
    for (engine, name) in names() {
        docker_cli(
            engine,
            &[
                "cp",
                &run_sh.display().to_string(),
                &format!("{name}:/run.sh"),
            ],
        );
        docker_cli(
            engine,
            &[
                "cp",
                &code.display().to_string(),
                &format!("{name}:/tmp/app"),
            ],
        );
        docker_cli(engine, &["restart", "-t", "1", &name]);
    }
    started.elapsed()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let up = Command::new(root.join("scripts/engines.sh"))
        .arg("up")
        .args(ENGINES.map(|e| e.to_string()))
        .status()
        .unwrap();
    assert!(up.success(), "engines did not start");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let clients = runtime.block_on(negotiated());
    let dir = workspace();
    let path = dir.path();
    let work = prepare(path);

    let (mut create, mut create_floor, mut create_cli) = (vec![], vec![], vec![]);
    let (mut deploy, mut deploy_floor, mut deploy_cli, mut rerun) =
        (vec![], vec![], vec![], vec![]);
    let (mut gated, mut minimal_floor) = (vec![], vec![]);
    let (mut status, mut status_floor, mut status_cli) = (vec![], vec![], vec![]);
    for round in 1..=ROUNDS {
        eprintln!("bench: round {round} of {ROUNDS}");
        runtime.block_on(clear(&clients));
        create_floor.push(runtime.block_on(floor_create(&clients, &work)));
        // The first deploy starts containers that could not run yet; deploys that count
        // are into running containers, as on a live fleet.
        runtime.block_on(floor_deploy(&clients, &work, false));
        deploy_floor.push(runtime.block_on(floor_deploy(&clients, &work, false)));
        minimal_floor.push(runtime.block_on(floor_deploy(&clients, &work, true)));
        runtime.block_on(clear(&clients));
        create.push(jdeploy(path, &["create", "--group", GROUP]));
        jdeploy(path, &["deploy", "--group", GROUP]);
        // Forced, so every container is deployed again, as the floor does; without the
        // gate, which the floor does not wait for either.
        let forced = ["deploy", "--group", GROUP, "--force", "--min-healthy"];
        deploy.push(jdeploy(path, &[&forced[..], &["0"]].concat()));
        // Gated: every container must stay up a second; one batch waits it out once.
        gated.push(jdeploy(path, &[&forced[..], &["1s"]].concat()));
        rerun.push(jdeploy(path, &["create", "--group", GROUP]));
        status.push(jdeploy(path, &["status", "--group", GROUP]));
        status_floor.push(runtime.block_on(floor_status(&clients, &work)));
        status_cli.push(cli_stats());
        runtime.block_on(clear(&clients));
        create_cli.push(cli_create());
        cli_deploy(&path.join("run.sh.j2"), &path.join("code"));
        deploy_cli.push(cli_deploy(&path.join("run.sh.j2"), &path.join("code")));
    }
    runtime.block_on(clear(&clients));

    let n = names().len();
    println!(
        "jdeploy bench: {n} containers on {} engines, median of {ROUNDS} rounds",
        ENGINES.len()
    );
    let floor = median(create_floor);
    println!("create + start");
    row("floor (direct API)", floor, floor, "");
    row("jdeploy create", median(create), floor, "target <= 1.10x");
    row("docker CLI loop", median(create_cli), floor, "");
    let floor = median(deploy_floor);
    let minimal = median(minimal_floor);
    println!("deploy --force (inspect and state read, upload, restart)");
    row("floor (direct API)", floor, floor, "");
    row(
        "jdeploy deploy",
        median(deploy.clone()),
        floor,
        "target <= 1.10x",
    );
    row("docker CLI loop", median(deploy_cli), floor, "");
    println!("deploy --force against the minimal floor (one upload + one restart each)");
    row("minimal floor", minimal, minimal, "");
    row("jdeploy deploy", median(deploy), minimal, "target <= 1.10x");
    let floor = floor + Duration::from_secs(1);
    println!("deploy gated: every container up 1s after its restart, one batch");
    row("floor + 1s", floor, floor, "");
    row("jdeploy deploy", median(gated), floor, "target <= 1.10x");
    println!("create re-run, nothing to change");
    println!(
        "  {:<22} {:>7.3} s  target < 0.200 s",
        "jdeploy create",
        median(rerun).as_secs_f64()
    );
    let floor = median(status_floor);
    println!("status of every container (state, uptime, memory, CPU, release)");
    row("floor (direct API)", floor, floor, "");
    row("jdeploy status", median(status), floor, "target < 1.000 s");
    row("docker stats CLI", median(status_cli), floor, "");
}
