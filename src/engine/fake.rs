//! An engine held in memory, for tests of rollouts and commands without Docker: hosts
//! with containers, their files (archives are unpacked as an engine would), faults on
//! demand, and a log of every call. The real engines are exercised by the integration
//! tests.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;

use super::{
    Connector, ContainerDetails, Engine, EngineError, LogQuery, OutputSink, OutputStream,
    ProcessUsage, StatsSample,
};
use crate::inventory::Host;
use crate::plan::{ContainerState, DesiredContainer, ObservedContainer};

/// Every host of a test, shared by every connection to it.
#[derive(Clone, Default)]
pub struct FakeFleet {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

type RunShTest = Arc<dyn Fn(&str) -> bool + Send + Sync>;

#[derive(Default)]
struct State {
    /// Host name to its containers by name.
    hosts: BTreeMap<String, BTreeMap<String, FakeContainer>>,
    unreachable: HashSet<String>,
    /// Hosts that lack every image.
    imageless: HashSet<String>,
    /// Host name to image name to id; `local` is this machine's own engine.
    images: BTreeMap<String, BTreeMap<String, String>>,
    /// `op container` calls that fail.
    failing: HashSet<String>,
    /// A container whose `/run.sh` this says yes to exits with the code once started.
    crashing: Option<(RunShTest, i64)>,
    /// A container whose `/run.sh` this says yes to reports itself unhealthy.
    unhealthy: Option<RunShTest>,
    calls: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FakeContainer {
    /// Unique to this container: a later one of the same name has another.
    pub id: String,
    /// When it was made, RFC 3339.
    pub created: String,
    pub state: ContainerState,
    pub labels: BTreeMap<String, String>,
    pub image: String,
    pub env: Vec<String>,
    /// Absolute paths to what is there.
    pub files: BTreeMap<String, Node>,
    /// Starts and restarts so far.
    pub starts: u32,
    pub exit_code: i64,
    pub health: Option<String>,
}

impl FakeContainer {
    /// Another with every start, as an engine reports it.
    fn started_at(&self) -> String {
        format!(
            "2026-12-01T00:{:02}:{:02}Z",
            self.starts / 60 % 60,
            self.starts % 60
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    File(Vec<u8>),
    Symlink(String),
    Dir,
}

impl FakeFleet {
    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().expect("no fake call panics")
    }

    /// A running container with no release, as if created by another tool.
    pub fn with_container(self, host: &str, name: &str) -> Self {
        let container = FakeContainer {
            id: format!("id-{name}"),
            created: now_rfc3339(),
            state: ContainerState::Running,
            labels: BTreeMap::from([(crate::labels::GROUP.to_string(), "g".to_string())]),
            image: "sha256:image".into(),
            env: vec!["A=1".into()],
            files: BTreeMap::new(),
            starts: 1,
            exit_code: 0,
            health: None,
        };
        self.state()
            .hosts
            .entry(host.to_string())
            .or_default()
            .insert(name.to_string(), container);
        self
    }

    pub fn unreachable(self, host: &str) -> Self {
        self.state().unreachable.insert(host.to_string());
        self
    }

    /// `host` holds the image `name` with `id`.
    pub fn with_image(self, host: &str, name: &str, id: &str) -> Self {
        self.state()
            .images
            .entry(host.to_string())
            .or_default()
            .insert(name.to_string(), id.to_string());
        self
    }

    pub fn image_on(&self, host: &str, name: &str) -> Option<String> {
        self.state().images.get(host)?.get(name).cloned()
    }

    pub fn without_images(self, host: &str) -> Self {
        self.state().imageless.insert(host.to_string());
        self
    }

    /// `call` ("restart core") fails from now on.
    pub fn failing(self, call: &str) -> Self {
        self.state().failing.insert(call.to_string());
        self
    }

    /// Containers whose `/run.sh` `test` says yes to exit with `code` as soon as they
    /// start.
    pub fn crashing_when(
        self,
        test: impl Fn(&str) -> bool + Send + Sync + 'static,
        code: i64,
    ) -> Self {
        self.state().crashing = Some((Arc::new(test), code));
        self
    }

    /// Containers whose `/run.sh` `test` says yes to fail their health check.
    pub fn unhealthy_when(self, test: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.state().unhealthy = Some(Arc::new(test));
        self
    }

    /// Every call made, in order, as `op container`.
    pub fn calls(&self) -> Vec<String> {
        self.state().calls.clone()
    }

    /// The calls that change something, leaving out reads, a group's lock and the
    /// engine's key.
    pub fn writes(&self) -> Vec<String> {
        let reads = [
            "clock",
            "inspect",
            "stat",
            "read",
            "list",
            "processes",
            "stats",
            "events",
            "logs",
        ];
        self.calls()
            .into_iter()
            .filter(|call| {
                let (op, target) = call.split_once(' ').unwrap_or((call, ""));
                !reads.contains(&op)
                    && !target.contains("jdeploy-lock.")
                    && !target.contains("jdeploy-env-key")
            })
            .collect()
    }

    pub fn most_in_flight(&self) -> usize {
        self.shared.most_in_flight.load(Ordering::SeqCst)
    }

    /// The start time the container's inspect reports now.
    pub fn started_at(&self, host: &str, name: &str) -> String {
        self.container(host, name)
            .expect("the container exists")
            .started_at()
    }

    pub fn container(&self, host: &str, name: &str) -> Option<FakeContainer> {
        self.state().hosts.get(host)?.get(name).cloned()
    }

    /// Writes a file into a container, as a process inside it could.
    pub fn put_file(&self, host: &str, name: &str, path: &str, content: &str) {
        let mut state = self.state();
        let container = state
            .hosts
            .get_mut(host)
            .and_then(|containers| containers.get_mut(name))
            .expect("the container exists");
        container
            .files
            .insert(path.to_string(), Node::File(content.as_bytes().to_vec()));
    }

    /// Writes a symlink into a container, as a process inside it could.
    pub fn put_link(&self, host: &str, name: &str, path: &str, target: &str) {
        let mut state = self.state();
        let container = state
            .hosts
            .get_mut(host)
            .and_then(|containers| containers.get_mut(name))
            .expect("the container exists");
        container
            .files
            .insert(path.to_string(), Node::Symlink(target.to_string()));
    }

    /// The content of a regular file in a container.
    pub fn file(&self, host: &str, name: &str, path: &str) -> Option<String> {
        match self.container(host, name)?.files.get(path)? {
            Node::File(data) => Some(String::from_utf8_lossy(data).into_owned()),
            _ => None,
        }
    }
}

impl Connector for FakeFleet {
    type Engine = FakeEngine;
    async fn connect(&self, host: &Host) -> Result<FakeEngine, EngineError> {
        if self.state().unreachable.contains(&host.name) {
            return Err(EngineError::Unreachable {
                endpoint: host.endpoint.to_string(),
                cause: "Connection refused".into(),
            });
        }
        Ok(FakeEngine {
            fleet: self.clone(),
            host: host.name.clone(),
        })
    }
}

/// One host's engine.
pub struct FakeEngine {
    fleet: FakeFleet,
    host: String,
}

impl FakeEngine {
    /// Records the call, takes a little time as an engine would, then acts on the
    /// container unless the call was made to fail.
    async fn call<T>(
        &self,
        op: &str,
        name: &str,
        act: impl FnOnce(&mut BTreeMap<String, FakeContainer>) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        self.call_with(op, name, |containers, _| act(containers))
            .await
    }

    /// As [`FakeEngine::call`], with what containers do once started.
    async fn call_with<T>(
        &self,
        op: &str,
        name: &str,
        act: impl FnOnce(&mut BTreeMap<String, FakeContainer>, &Behaviour) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let shared = &self.fleet.shared;
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.most_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        let mut state = self.fleet.state();
        let call = format!("{op} {name}");
        state.calls.push(call.clone());
        if state.failing.contains(&call) {
            return Err(EngineError::Other(format!("{op} failed")));
        }
        let behaviour = Behaviour {
            crashing: state.crashing.clone(),
            unhealthy: state.unhealthy.clone(),
        };
        act(
            state.hosts.entry(self.host.clone()).or_default(),
            &behaviour,
        )
    }

    fn imageless(&self) -> bool {
        self.fleet.state().imageless.contains(&self.host)
    }
}

/// What a container does once it starts, by what its `/run.sh` says.
struct Behaviour {
    crashing: Option<(RunShTest, i64)>,
    unhealthy: Option<RunShTest>,
}

impl Behaviour {
    fn start(&self, container: &mut FakeContainer) {
        let run_sh = match container.files.get("/run.sh") {
            Some(Node::File(data)) => String::from_utf8_lossy(data).into_owned(),
            _ => String::new(),
        };
        container.starts += 1;
        container.state = ContainerState::Running;
        container.exit_code = 0;
        container.health = self.unhealthy.as_ref().map(|_| "healthy".to_string());
        if let Some((crashes, code)) = &self.crashing {
            if crashes(&run_sh) {
                container.state = ContainerState::Exited;
                container.exit_code = *code;
            }
        }
        if self.unhealthy.as_ref().is_some_and(|sick| sick(&run_sh)) {
            container.health = Some("unhealthy".into());
        }
    }
}

/// The container named `name`, or whose id it is, as the Engine API finds them.
fn found<'a>(
    containers: &'a mut BTreeMap<String, FakeContainer>,
    name: &str,
) -> Result<&'a mut FakeContainer, EngineError> {
    let key = key_of(containers, name)
        .ok_or_else(|| EngineError::NoSuchContainer { name: name.into() })?;
    Ok(containers.get_mut(&key).expect("just found"))
}

fn key_of(containers: &BTreeMap<String, FakeContainer>, name: &str) -> Option<String> {
    if containers.contains_key(name) {
        return Some(name.to_string());
    }
    containers
        .iter()
        .find(|(_, container)| container.id == name)
        .map(|(key, _)| key.clone())
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_nanos(std::time::SystemTime::now()).to_string()
}

/// A fresh container id.
fn new_id(name: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("id-{name}-{}", NEXT.fetch_add(1, Ordering::SeqCst))
}

impl Engine for FakeEngine {
    async fn list(&self) -> Result<Vec<ObservedContainer>, EngineError> {
        self.call("list", "-", |containers| {
            Ok(containers
                .iter()
                .map(|(name, container)| ObservedContainer {
                    name: name.clone(),
                    state: container.state,
                    labels: container.labels.clone(),
                })
                .collect())
        })
        .await
    }

    async fn create(&self, name: &str, desired: &DesiredContainer) -> Result<(), EngineError> {
        let imageless = self.imageless();
        self.call("create", name, |containers| {
            if imageless {
                return Err(EngineError::NoSuchImage {
                    image: desired.spec.image.clone(),
                });
            }
            if containers.contains_key(name) {
                return Err(EngineError::NameConflict { name: name.into() });
            }
            let container = FakeContainer {
                id: new_id(name),
                created: now_rfc3339(),
                state: ContainerState::Created,
                labels: desired.all_labels(),
                image: format!(
                    "sha256:{}",
                    crate::release::sha256(desired.spec.image.as_bytes())
                ),
                env: desired.env_lines(),
                files: BTreeMap::new(),
                starts: 0,
                exit_code: 0,
                health: None,
            };
            containers.insert(name.to_string(), container);
            Ok(())
        })
        .await
    }

    async fn rename(&self, from: &str, to: &str) -> Result<(), EngineError> {
        self.call("rename", &format!("{from}->{to}"), |containers| {
            if containers.contains_key(to) {
                return Err(EngineError::NameConflict { name: to.into() });
            }
            let container = containers
                .remove(from)
                .ok_or_else(|| EngineError::NoSuchContainer { name: from.into() })?;
            containers.insert(to.to_string(), container);
            Ok(())
        })
        .await
    }

    async fn start(&self, name: &str) -> Result<(), EngineError> {
        self.call_with("start", name, |containers, behaviour| {
            behaviour.start(found(containers, name)?);
            Ok(())
        })
        .await
    }

    async fn remove(&self, name: &str, _: u32) -> Result<(), EngineError> {
        self.call("remove", name, |containers| {
            key_of(containers, name)
                .and_then(|key| containers.remove(&key))
                .map(drop)
                .ok_or_else(|| EngineError::NoSuchContainer { name: name.into() })
        })
        .await
    }

    async fn restart(&self, name: &str, _: u32) -> Result<(), EngineError> {
        self.call_with("restart", name, |containers, behaviour| {
            behaviour.start(found(containers, name)?);
            Ok(())
        })
        .await
    }

    async fn upload(&self, name: &str, archive: Bytes) -> Result<(), EngineError> {
        self.call("upload", name, |containers| {
            unpack(&mut found(containers, name)?.files, &archive)
        })
        .await
    }

    async fn stop(&self, name: &str, _: u32) -> Result<(), EngineError> {
        self.call("stop", name, |containers| {
            found(containers, name)?.state = ContainerState::Exited;
            Ok(())
        })
        .await
    }

    async fn inspect(&self, name: &str) -> Result<Option<ContainerDetails>, EngineError> {
        self.call("inspect", name, |containers| {
            let key = key_of(containers, name);
            Ok(key
                .and_then(|key| containers.get(&key))
                .map(|container| ContainerDetails {
                    id: container.id.clone(),
                    created: Some(container.created.clone()),
                    state: container.state,
                    exit_code: Some(container.exit_code),
                    health: container.health.clone(),
                    health_output: (container.health.as_deref() == Some("unhealthy"))
                        .then(|| "not ready".to_string()),
                    started_at: Some(container.started_at()),
                    finished_at: None,
                    restart_count: 0,
                    labels: container.labels.clone(),
                    image: container.image.clone(),
                    env: container.env.clone(),
                }))
        })
        .await
    }

    async fn processes(&self, name: &str) -> Result<ProcessUsage, EngineError> {
        self.call("processes", name, |containers| {
            found(containers, name).map(|_| ProcessUsage::default())
        })
        .await
    }

    async fn stats(&self, name: &str) -> Result<(StatsSample, StatsSample), EngineError> {
        self.call("stats", name, |containers| {
            found(containers, name).map(|_| Default::default())
        })
        .await
    }

    async fn read_file(&self, name: &str, path: &str) -> Result<Option<Vec<u8>>, EngineError> {
        self.call("read", name, |containers| {
            Ok(match found(containers, name)?.files.get(path) {
                Some(Node::File(data)) => Some(data.clone()),
                _ => None,
            })
        })
        .await
    }

    async fn link_target(&self, name: &str, path: &str) -> Result<Option<String>, EngineError> {
        self.call("stat", name, |containers| {
            Ok(match found(containers, name)?.files.get(path) {
                Some(Node::Symlink(target)) => Some(target.clone()),
                _ => None,
            })
        })
        .await
    }

    async fn exec_create(&self, name: &str, _: &[String]) -> Result<String, EngineError> {
        self.call("exec", name, |containers| {
            match found(containers, name)?.state {
                ContainerState::Running => Ok(name.to_string()),
                _ => Err(EngineError::NotRunning { name: name.into() }),
            }
        })
        .await
    }

    async fn exec_run(
        &self,
        _: &str,
        id: &str,
        sink: OutputSink<'_>,
    ) -> Result<Option<i64>, EngineError> {
        self.call("run", id, |_| Ok(())).await?;
        let output = format!("hello from {id}\n");
        sink(OutputStream::Stdout, Bytes::from(output));
        Ok(Some(0))
    }

    async fn image_id(&self, name: &str) -> Result<Option<String>, EngineError> {
        self.call("image", name, |_| Ok(())).await?;
        Ok(self.fleet.image_on(&self.host, name))
    }

    fn export_image(&self, name: &str) -> super::ByteStream {
        let id = self.fleet.image_on(&self.host, name).unwrap_or_default();
        let digest = id.trim_start_matches("sha256:").to_string();
        let manifest =
            format!(r#"[{{"Config":"blobs/sha256/{digest}","RepoTags":["{name}"],"Layers":[]}}]"#);
        let mut builder = tar::Builder::new(Vec::new());
        for (path, data) in [
            (format!("blobs/sha256/{digest}"), b"{}".to_vec()),
            ("manifest.json".to_string(), manifest.into_bytes()),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, path, data.as_slice())
                .expect("an archive in memory");
        }
        let archive = builder.into_inner().expect("an archive in memory");
        let chunks: Vec<std::io::Result<Bytes>> = archive
            .chunks(100)
            .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
            .collect();
        Box::pin(futures::stream::iter(chunks))
    }

    async fn load_image(&self, mut archive: super::ByteStream) -> Result<(), EngineError> {
        use futures::StreamExt;
        let mut data = Vec::new();
        while let Some(chunk) = archive.next().await {
            let chunk = chunk.map_err(|err| EngineError::Other(err.to_string()))?;
            data.extend_from_slice(&chunk);
        }
        let loaded = loaded_images(&data)
            .ok_or_else(|| EngineError::Other("the archive is not an image archive".into()))?;
        self.call("load", "-", |_| Ok(())).await?;
        let mut state = self.fleet.state();
        let images = state.images.entry(self.host.clone()).or_default();
        for (name, id) in loaded {
            images.insert(name, id);
        }
        Ok(())
    }

    async fn exit_codes_since(&self, name: &str, _: &str) -> Result<Vec<i64>, EngineError> {
        self.call("events", name, |containers| {
            let container = found(containers, name)?;
            Ok((container.exit_code != 0)
                .then_some(container.exit_code)
                .into_iter()
                .collect())
        })
        .await
    }

    async fn logs(&self, name: &str, _: LogQuery, sink: OutputSink<'_>) -> Result<(), EngineError> {
        let exit_code = self
            .call("logs", name, |containers| {
                found(containers, name).map(|container| container.exit_code)
            })
            .await?;
        let line = format!("2026-12-01T00:00:01.000000000Z {name} started\n");
        sink(OutputStream::Stdout, Bytes::from(line));
        if exit_code != 0 {
            let line = format!("2026-12-01T00:00:02.000000000Z {name} failed: code {exit_code}\n");
            sink(OutputStream::Stderr, Bytes::from(line));
        }
        Ok(())
    }

    async fn clock(&self) -> Result<std::time::SystemTime, EngineError> {
        self.call("clock", "-", |_| Ok(std::time::SystemTime::now()))
            .await
    }

    async fn create_marker(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
        env: &[String],
    ) -> Result<String, EngineError> {
        self.call("create_marker", name, |containers| {
            if containers.contains_key(name) {
                return Err(EngineError::NameConflict { name: name.into() });
            }
            let id = new_id(name);
            let marker = FakeContainer {
                id: id.clone(),
                created: now_rfc3339(),
                state: ContainerState::Created,
                labels: labels.clone(),
                image: super::MARKER_IMAGE.into(),
                env: env.to_vec(),
                files: BTreeMap::new(),
                starts: 0,
                exit_code: 0,
                health: None,
            };
            containers.insert(name.to_string(), marker);
            Ok(id)
        })
        .await
    }
}

/// Tag to id of every image a `docker save` archive in memory holds.
fn loaded_images(data: &[u8]) -> Option<Vec<(String, String)>> {
    let mut archive = tar::Archive::new(data);
    for entry in archive.entries().ok()? {
        let mut entry = entry.ok()?;
        if entry.path().ok()?.to_str()? != "manifest.json" {
            continue;
        }
        let mut text = String::new();
        entry.read_to_string(&mut text).ok()?;
        let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
        let mut loaded = Vec::new();
        for image in manifest.as_array()? {
            let config = image["Config"].as_str()?;
            let id = format!("sha256:{}", config.rsplit('/').next()?);
            for tag in image["RepoTags"].as_array()? {
                loaded.push((tag.as_str()?.to_string(), id.clone()));
            }
        }
        return Some(loaded);
    }
    None
}

/// Unpacks `archive` at `/` as an engine does: a symlink or file replaces what stood at
/// its path, a directory replaces a symlink, a hard link copies its target's content.
fn unpack(files: &mut BTreeMap<String, Node>, archive: &[u8]) -> Result<(), EngineError> {
    let bad = |err: std::io::Error| EngineError::Other(format!("a bad archive: {err}"));
    let mut archive = tar::Archive::new(archive);
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let path = format!("/{}", entry.path().map_err(bad)?.display());
        let path = path.trim_end_matches('/').to_string();
        let link = |entry: &tar::Entry<'_, &[u8]>| -> Result<String, EngineError> {
            let target = entry.link_name().map_err(bad)?.unwrap_or_default();
            Ok(target.display().to_string())
        };
        let node = match entry.header().entry_type() {
            tar::EntryType::Directory => {
                if matches!(files.get(&path), Some(Node::Dir)) {
                    continue;
                }
                Node::Dir
            }
            tar::EntryType::Symlink => Node::Symlink(link(&entry)?),
            tar::EntryType::Link => {
                let target = format!("/{}", link(&entry)?);
                match files.get(&target) {
                    Some(Node::File(data)) => Node::File(data.clone()),
                    _ => return Err(EngineError::Other(format!("no file {target} to link"))),
                }
            }
            _ => {
                let mut data = Vec::new();
                entry.read_to_end(&mut data).map_err(bad)?;
                Node::File(data)
            }
        };
        let under = format!("{path}/");
        files.retain(|known, _| !known.starts_with(&under));
        files.insert(path, node);
    }
    Ok(())
}
