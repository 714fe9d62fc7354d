//! The listeners: one per engine on 127.0.0.1, each connection served by hyper, each
//! request delayed by the engine's latency and failed when one of its faults says so.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::body::{self, Answer};
use crate::config::{EngineConfig, Fault, FaultKind, StandInConfig, When};
use crate::counters::{CounterSnapshot, Counters, Tally};
use crate::route::{route, unversioned};
use crate::state::{ApiError, EngineState, LogLine, RunState};

/// Stand-in engines, serving until [`StandIn::stop`] (or until dropped).
pub struct StandIn {
    engines: Vec<EngineHandle>,
    global: Arc<Counters>,
    shutdown: watch::Sender<bool>,
    listeners: Vec<JoinHandle<()>>,
}

/// One engine: its address, its counters, and its state to look at or change.
#[derive(Clone)]
pub struct EngineHandle {
    engine: Arc<Engine>,
    address: SocketAddr,
}

pub(crate) struct Engine {
    pub state: Mutex<EngineState>,
    pub config: EngineConfig,
    latency_micros: AtomicU64,
    faults: Mutex<Vec<Armed>>,
    rng: Mutex<fastrand::Rng>,
    tally: Tally,
    pub shutdown: watch::Receiver<bool>,
}

/// A fault and how many requests matched it so far.
struct Armed {
    fault: Fault,
    seen: u64,
}

impl StandIn {
    /// Binds one listener per engine on 127.0.0.1, ports chosen by the system.
    pub async fn start(config: StandInConfig) -> std::io::Result<Self> {
        let (shutdown, watching) = watch::channel(false);
        let global = Arc::new(Counters::default());
        let mut engines = Vec::with_capacity(config.engines.len());
        let mut listeners = Vec::with_capacity(config.engines.len());
        for (index, config) in config.engines.into_iter().enumerate() {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
            let address = listener.local_addr()?;
            let engine = Arc::new(Engine::new(index, config, &global, watching.clone()));
            listeners.push(tokio::spawn(accept(listener, Arc::clone(&engine))));
            engines.push(EngineHandle { engine, address });
        }
        Ok(Self {
            engines,
            global,
            shutdown,
            listeners,
        })
    }

    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.engines.iter().map(|engine| engine.address).collect()
    }

    pub fn engine(&self, index: usize) -> &EngineHandle {
        &self.engines[index]
    }

    pub fn engines(&self) -> &[EngineHandle] {
        &self.engines
    }

    /// Every engine together; peaks are of all engines at once.
    pub fn counters(&self) -> CounterSnapshot {
        self.global.snapshot()
    }

    /// Zeroes the counters of the stand-in and of every engine.
    pub fn reset_counters(&self) {
        self.global.reset();
        for engine in &self.engines {
            engine.engine.tally.engine.reset();
        }
    }

    /// Closes every listener and connection, answered or not.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        for listener in std::mem::take(&mut self.listeners) {
            let _ = listener.await;
        }
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Resolves once the stand-in stops, or its handle is gone.
pub(crate) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

async fn accept(listener: TcpListener, engine: Arc<Engine>) {
    let mut shutdown = engine.shutdown.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve(stream, Arc::clone(&engine)));
                }
                // Out of descriptors, say: wait for some to close rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = stopped(&mut shutdown) => return,
        }
    }
}

async fn serve(stream: TcpStream, engine: Arc<Engine>) {
    let _open = engine.tally.connection();
    let _ = stream.set_nodelay(true);
    let fd = stream.as_raw_fd();
    let reset = Arc::new(Notify::new());
    let service = {
        let engine = Arc::clone(&engine);
        let reset = Arc::clone(&reset);
        service_fn(move |request| {
            let engine = Arc::clone(&engine);
            let reset = Arc::clone(&reset);
            async move { Ok::<_, Infallible>(engine.answer(request, &reset).await) }
        })
    };
    let connection = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    let mut connection = std::pin::pin!(connection);
    let mut shutdown = engine.shutdown.clone();
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = reset.notified() => reset_on_close(fd),
        _ = stopped(&mut shutdown) => {}
    }
}

/// A zero linger makes the close that follows an RST: the client sees a reset, not an
/// orderly end.
fn reset_on_close(fd: RawFd) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `fd` is the connection's socket, still open: the connection owning it is
    // dropped only after this returns.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

impl Engine {
    fn new(
        index: usize,
        config: EngineConfig,
        global: &Arc<Counters>,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let faults = config
            .faults
            .iter()
            .map(|fault| Armed {
                fault: fault.clone(),
                seen: 0,
            })
            .collect();
        Self {
            state: Mutex::new(EngineState::new(index, &config.images)),
            latency_micros: AtomicU64::new(config.latency.as_micros() as u64),
            faults: Mutex::new(faults),
            rng: Mutex::new(fastrand::Rng::with_seed(config.seed ^ index as u64)),
            tally: Tally {
                engine: Arc::default(),
                global: Arc::clone(global),
            },
            config,
            shutdown,
        }
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, EngineState> {
        self.state.lock().expect("no state change panics")
    }

    async fn answer(self: &Arc<Self>, request: Request<Incoming>, reset: &Notify) -> Answer {
        let method = request.method().clone();
        let path = unversioned(request.uri().path()).to_string();
        let (called, label) = route(&method, &path);
        let _in_flight = self.tally.request(label);
        let fault = self.fault(method.as_str(), &path);
        let latency = Duration::from_micros(self.latency_micros.load(Ordering::Relaxed));
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match fault {
            None => crate::api::handle(self, called, request).await,
            Some(FaultKind::Status { code, message }) => body::error(&ApiError::new(code, message)),
            Some(FaultKind::Reset) => {
                reset.notify_one();
                std::future::pending().await
            }
            Some(FaultKind::Hang) => std::future::pending().await,
            Some(FaultKind::SlowBody { chunk, every }) => {
                let answer = crate::api::handle(self, called, request).await;
                body::trickle(answer, chunk, every)
            }
        }
    }

    /// The fault to inject into this request, if one hits it.
    fn fault(&self, method: &str, path: &str) -> Option<FaultKind> {
        let mut faults = self.faults.lock().expect("no fault check panics");
        for armed in faults.iter_mut() {
            if !armed.fault.matches(method, path) {
                continue;
            }
            armed.seen += 1;
            let hit = match armed.fault.when {
                When::Always => true,
                When::Nth(n) => armed.seen == n,
                When::First(n) => armed.seen <= n,
                When::Probability(p) => self.rng.lock().expect("no draw panics").f64() < p,
            };
            if hit {
                return Some(armed.fault.kind.clone());
            }
        }
        None
    }
}

/// A container as a test or bench sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerView {
    pub id: String,
    pub name: String,
    pub image: String,
    /// `created`, `running` or `exited`.
    pub state: String,
    pub exit_code: i64,
    pub restart_count: i64,
    pub labels: BTreeMap<String, String>,
    pub env: Vec<String>,
}

impl EngineHandle {
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn counters(&self) -> CounterSnapshot {
        self.engine.tally.engine.snapshot()
    }

    pub fn set_latency(&self, latency: Duration) {
        self.engine
            .latency_micros
            .store(latency.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn add_fault(&self, fault: Fault) {
        let mut faults = self.engine.faults.lock().expect("no fault check panics");
        faults.push(Armed { fault, seen: 0 });
    }

    pub fn clear_faults(&self) {
        self.engine
            .faults
            .lock()
            .expect("no fault check panics")
            .clear();
    }

    /// Every container, by name.
    pub fn containers(&self) -> Vec<ContainerView> {
        let state = self.engine.state();
        let mut views: Vec<ContainerView> = state
            .containers
            .values()
            .map(|container| ContainerView {
                id: container.id.clone(),
                name: container.name.clone(),
                image: container.image.clone(),
                state: container.state.name().to_string(),
                exit_code: container.exit_code,
                restart_count: container.restart_count,
                labels: container.body["Labels"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(key, value)| (key.clone(), value.as_str().unwrap_or("").to_string()))
                    .collect(),
                env: container.body["Env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|line| line.as_str().map(str::to_string))
                    .collect(),
            })
            .collect();
        views.sort_by(|a, b| a.name.cmp(&b.name));
        views
    }

    pub fn container(&self, name: &str) -> Option<ContainerView> {
        self.containers()
            .into_iter()
            .find(|container| container.name == name)
    }

    /// A regular file's content in a container, symlinks followed.
    pub fn file(&self, container: &str, path: &str) -> Option<Vec<u8>> {
        let state = self.engine.state();
        let found = state.get(container).ok()?;
        found.files.read(path).map(|data| data.to_vec())
    }

    /// Where a symlink in a container points, as written.
    pub fn link(&self, container: &str, path: &str) -> Option<String> {
        let state = self.engine.state();
        state.get(container).ok()?.files.link(path)
    }

    /// Ends a running container's process with `code`, as a crash would; false if it
    /// was not running.
    pub fn exit(&self, container: &str, code: i64) -> bool {
        let mut state = self.engine.state();
        match state.find(container) {
            Ok(id) => state.exit(&id, code),
            Err(_) => false,
        }
    }

    /// Adds a line to a container's log: `stderr` or stdout.
    pub fn log(&self, container: &str, stderr: bool, line: &str) -> bool {
        let mut state = self.engine.state();
        let Ok(found) = state.get_mut(container) else {
            return false;
        };
        found.logs.push(LogLine {
            at: std::time::SystemTime::now(),
            stream: if stderr { 2 } else { 1 },
            text: format!("{}\n", line.trim_end_matches('\n')).into(),
        });
        true
    }

    /// The image tags the engine has.
    pub fn images(&self) -> Vec<String> {
        let state = self.engine.state();
        state
            .images
            .all()
            .iter()
            .flat_map(|image| image.tags.clone())
            .collect()
    }

    /// Whether `name` runs.
    pub fn is_running(&self, name: &str) -> bool {
        let state = self.engine.state();
        state
            .get(name)
            .is_ok_and(|container| container.state == RunState::Running)
    }
}
