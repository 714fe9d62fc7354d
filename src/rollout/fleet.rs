//! The engines of a rollout: each connected once, on first use, with a cap on the calls
//! in flight per host and one on the connections open across the fleet, so a thousand
//! hosts never need more files than the machine running jdeploy can open. A host keeps
//! its connections for its next call until another host needs them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use tokio::sync::{OnceCell, Semaphore, SemaphorePermit};

use super::env_key::engine_key;
use super::ledger::{Keeper, Lease, Ledger};
use crate::engine::{Connector, Engine, EngineError};
use crate::inventory::Host;
use crate::secrets::EnvKey;

type Connect<E> = dyn Fn(Host) -> BoxFuture<'static, Result<E, EngineError>> + Send + Sync;

struct Slot<E> {
    host: Host,
    /// Every unit of the host waits on the one connection attempt, so an unreachable
    /// host fails once, not once per container.
    engine: OnceCell<Result<Arc<E>, EngineError>>,
    permits: Semaphore,
    /// The engine's key for sealing environment values, read once per command.
    key: OnceCell<Result<Option<EnvKey>, EngineError>>,
}

pub struct Fleet<E> {
    connect: Box<Connect<E>>,
    parallel: usize,
    /// Connections open across every host, in use or kept for the host's next call.
    connections: Arc<Ledger<Arc<Slot<E>>>>,
    slots: Mutex<HashMap<String, Arc<Slot<E>>>>,
}

impl<E> Slot<E> {
    /// The engine, once connected.
    fn engine_now(&self) -> Option<&E> {
        match self.engine.get() {
            Some(Ok(engine)) => Some(engine),
            _ => None,
        }
    }
}

impl<E: Engine> Keeper for Arc<Slot<E>> {
    fn close_idle(&self) {
        if let Some(engine) = self.engine_now() {
            engine.close_idle();
        }
    }

    fn open(&self) -> usize {
        self.engine_now().map_or(0, Engine::open_connections)
    }
}

impl<E: Engine> Fleet<E> {
    /// Connects to each engine the first time a call needs it; hosts are reached
    /// concurrently as their units start. `parallel` calls at most per host, `max_open`
    /// connections across all of them.
    pub fn new<C>(connector: C, parallel: u32, max_open: u32) -> Self
    where
        C: Connector<Engine = E>,
    {
        let connector = Arc::new(connector);
        Self {
            connect: Box::new(move |host: Host| {
                let connector = Arc::clone(&connector);
                Box::pin(async move { connector.connect(&host).await })
            }),
            parallel: parallel.max(1) as usize,
            connections: Ledger::new(max_open.max(1) as usize),
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// Runs one API call on `host`'s engine once one of its permits is free.
    pub async fn call<'a, T, F, Fut>(&'a self, host: &Host, call: F) -> Result<T, EngineError>
    where
        F: FnOnce(Arc<E>) -> Fut,
        Fut: Future<Output = Result<T, EngineError>> + 'a,
    {
        let slot = self.slot(host);
        let engine = self.connected(&slot).await?;
        let _permits = self.permits(&slot).await;
        call(engine).await
    }

    /// The host's permit first: waiting on a busy host holds nothing of the fleet's.
    async fn permits<'a>(
        &'a self,
        slot: &'a Arc<Slot<E>>,
    ) -> (SemaphorePermit<'a>, Lease<Arc<Slot<E>>>) {
        let host = slot.permits.acquire().await;
        let connection = self
            .connections
            .acquire(&slot.host.identity, || Arc::clone(slot))
            .await;
        (host.expect("permits are never closed"), connection)
    }

    /// The engine itself, for long-lived streams (a command's output, a log) that must
    /// not hold one of the host's permits for as long as they run.
    pub async fn engine(&self, host: &Host) -> Result<Arc<E>, EngineError> {
        let slot = self.slot(host);
        self.connected(&slot).await
    }

    /// `host`'s key for sealing environment values, read once; with `create` (a command
    /// that changes the host), made first if the engine has none.
    pub async fn env_key(&self, host: &Host, create: bool) -> Result<Option<EnvKey>, EngineError> {
        let slot = self.slot(host);
        slot.key
            .get_or_init(|| async {
                let engine = self.connected(&slot).await?;
                let _permits = self.permits(&slot).await;
                engine_key(engine.as_ref(), create).await
            })
            .await
            .clone()
    }

    async fn connected(&self, slot: &Arc<Slot<E>>) -> Result<Arc<E>, EngineError> {
        // Connecting opens the connection the host's first call then reuses. It counts
        // as a call until the engine is in the slot, where the fleet can close it.
        let mut permits = None;
        let engine = slot
            .engine
            .get_or_init(|| async {
                permits = Some(self.permits(slot).await);
                (self.connect)(slot.host.clone()).await.map(Arc::new)
            })
            .await
            .clone();
        drop(permits);
        engine
    }

    fn slot(&self, host: &Host) -> Arc<Slot<E>> {
        let mut slots = self.slots.lock().expect("no slot lookup panics");
        let slot = slots.entry(host.identity.clone()).or_insert_with(|| {
            Arc::new(Slot {
                host: host.clone(),
                engine: OnceCell::new(),
                permits: Semaphore::new(self.parallel),
                key: OnceCell::new(),
            })
        });
        Arc::clone(slot)
    }
}

/// One host per engine, in first-seen order, however its `host` values are spelled.
pub fn distinct_hosts<'a>(hosts: &[&'a Host]) -> Vec<&'a Host> {
    let mut seen = std::collections::HashSet::new();
    hosts
        .iter()
        .copied()
        .filter(|host| seen.insert(host.identity.as_str()))
        .collect()
}
