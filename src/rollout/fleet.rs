//! The engines of a rollout: connected once each, all at once, with a cap per host.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures::future::join_all;
use tokio::sync::Semaphore;

use crate::engine::{Connector, EngineError};
use crate::inventory::Host;

struct Slot<E> {
    engine: Result<Arc<E>, EngineError>,
    permits: Semaphore,
}

pub struct Fleet<E> {
    slots: HashMap<String, Slot<E>>,
}

impl<E> Fleet<E> {
    /// Connects to every distinct engine among `hosts` concurrently.
    pub async fn connect<C>(connector: &C, hosts: &[&Host], parallel: u32) -> Self
    where
        C: Connector<Engine = E>,
    {
        let distinct = distinct_hosts(hosts);
        let connected = join_all(distinct.iter().map(|host| connector.connect(host))).await;
        let slots = distinct
            .iter()
            .zip(connected)
            .map(|(host, engine)| {
                let slot = Slot {
                    engine: engine.map(Arc::new),
                    permits: Semaphore::new(parallel.max(1) as usize),
                };
                (host.identity.clone(), slot)
            })
            .collect();
        Self { slots }
    }

    /// Runs one API call on `host`'s engine once one of its permits is free.
    pub async fn call<'a, T, F, Fut>(&'a self, host: &Host, call: F) -> Result<T, EngineError>
    where
        F: FnOnce(Arc<E>) -> Fut,
        Fut: Future<Output = Result<T, EngineError>> + 'a,
    {
        let slot = self.slot(host);
        let engine = slot.engine.as_ref().map_err(Clone::clone)?;
        let _permit = slot
            .permits
            .acquire()
            .await
            .expect("permits are never closed");
        call(Arc::clone(engine)).await
    }

    /// The engine itself, for long-lived streams (a command's output, a log) that must
    /// not hold one of the host's permits for as long as they run.
    pub fn engine(&self, host: &Host) -> Result<Arc<E>, EngineError> {
        self.slot(host)
            .engine
            .as_ref()
            .map(Arc::clone)
            .map_err(Clone::clone)
    }

    fn slot(&self, host: &Host) -> &Slot<E> {
        &self.slots[&host.identity]
    }
}

/// One host per engine, in first-seen order, however its `host` values are spelled.
pub fn distinct_hosts<'a>(hosts: &[&'a Host]) -> Vec<&'a Host> {
    let mut distinct: Vec<&Host> = Vec::new();
    for host in hosts {
        if !distinct.iter().any(|known| known.identity == host.identity) {
            distinct.push(host);
        }
    }
    distinct
}
