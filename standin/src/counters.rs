//! What an engine (and the whole stand-in) was asked: requests per route, connections,
//! and the most that were open or in flight at once.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    connections: AtomicU64,
    open: AtomicU64,
    peak_open: AtomicU64,
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
    routes: Mutex<BTreeMap<&'static str, u64>>,
}

/// The counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CounterSnapshot {
    pub requests: u64,
    /// Connections accepted.
    pub connections: u64,
    /// Connections open now.
    pub open_connections: u64,
    pub peak_connections: u64,
    /// The most requests received and not yet answered at once.
    pub peak_in_flight: u64,
    /// Requests per route, `GET /containers/{id}/json`.
    pub routes: BTreeMap<String, u64>,
}

impl CounterSnapshot {
    /// Requests made to `route`, 0 if none.
    pub fn route(&self, route: &str) -> u64 {
        self.routes.get(route).copied().unwrap_or(0)
    }
}

impl Counters {
    pub fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
            open_connections: self.open.load(Ordering::Relaxed),
            peak_connections: self.peak_open.load(Ordering::Relaxed),
            peak_in_flight: self.peak_in_flight.load(Ordering::Relaxed),
            routes: self
                .routes
                .lock()
                .expect("no counter update panics")
                .iter()
                .map(|(route, count)| (route.to_string(), *count))
                .collect(),
        }
    }

    /// Zero, but for what is open or in flight now, which is where peaks start again.
    pub fn reset(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.connections.store(0, Ordering::Relaxed);
        let open = self.open.load(Ordering::Relaxed);
        self.peak_open.store(open, Ordering::Relaxed);
        let in_flight = self.in_flight.load(Ordering::Relaxed);
        self.peak_in_flight.store(in_flight, Ordering::Relaxed);
        self.routes
            .lock()
            .expect("no counter update panics")
            .clear();
    }

    fn request(&self, route: &'static str) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        *self
            .routes
            .lock()
            .expect("no counter update panics")
            .entry(route)
            .or_default() += 1;
    }
}

/// An engine's counters and the stand-in's, counted together.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    pub engine: Arc<Counters>,
    pub global: Arc<Counters>,
}

impl Tally {
    fn both(&self) -> [&Counters; 2] {
        [&self.engine, &self.global]
    }

    /// Counts a connection as open until the guard is dropped.
    pub fn connection(&self) -> Open {
        for counters in self.both() {
            counters.connections.fetch_add(1, Ordering::Relaxed);
            let open = counters.open.fetch_add(1, Ordering::Relaxed) + 1;
            counters.peak_open.fetch_max(open, Ordering::Relaxed);
        }
        Open {
            tally: self.clone(),
            field: Field::Connection,
        }
    }

    /// Counts a request to `route` as in flight until the guard is dropped.
    pub fn request(&self, route: &'static str) -> Open {
        for counters in self.both() {
            counters.request(route);
            let in_flight = counters.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
            counters
                .peak_in_flight
                .fetch_max(in_flight, Ordering::Relaxed);
        }
        Open {
            tally: self.clone(),
            field: Field::Request,
        }
    }
}

enum Field {
    Connection,
    Request,
}

pub(crate) struct Open {
    tally: Tally,
    field: Field,
}

impl Drop for Open {
    fn drop(&mut self) {
        for counters in self.tally.both() {
            let gauge = match self.field {
                Field::Connection => &counters.open,
                Field::Request => &counters.in_flight,
            };
            gauge.fetch_sub(1, Ordering::Relaxed);
        }
    }
}
