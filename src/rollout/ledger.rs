//! The fleet's connections: at most a budget of them open at once, each kept by the host
//! that used it last for that host's next call, and given up by the host idle longest
//! when another host needs one. Kept connections spare a connect and a close per call;
//! the budget keeps a thousand hosts within the machine's open files.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

/// What holds a host's kept connections.
pub trait Keeper: Clone + Send + Sync + 'static {
    /// Closes the connections kept for the next call; calls in flight finish on theirs.
    fn close_idle(&self);
    /// Connections really open, in use or kept.
    fn open(&self) -> usize;
}

pub struct Ledger<K> {
    state: Mutex<State<K>>,
}

struct State<K> {
    /// Connections no host holds: below zero while hosts hold more than the budget,
    /// having opened more than they were granted.
    free: isize,
    /// Orders idle hosts, the longest idle first.
    clock: u64,
    hosts: HashMap<String, Holder<K>>,
    /// Hosts that hold connections and have no call in flight, by when they became idle.
    idle: BTreeMap<u64, String>,
    /// Hosts with calls waiting for a connection, first come first served. Only
    /// non-empty while nothing is free and no host is idle.
    waiting: VecDeque<String>,
}

struct Holder<K> {
    keeper: K,
    /// Connections this host may have open, in use or kept: those granted, or more if
    /// its client opened more.
    held: usize,
    /// Calls in flight; never more than `held`.
    busy: usize,
    idle_since: Option<u64>,
    waiters: VecDeque<oneshot::Sender<()>>,
    queued: bool,
}

/// One call's right to a connection of its host; given back when dropped.
pub struct Lease<K: Keeper> {
    ledger: Arc<Ledger<K>>,
    host: String,
}

impl<K: Keeper> Drop for Lease<K> {
    fn drop(&mut self) {
        self.ledger.release(&self.host);
    }
}

impl<K: Keeper> Ledger<K> {
    pub fn new(budget: usize) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                free: budget.max(1) as isize,
                clock: 0,
                hosts: HashMap::new(),
                idle: BTreeMap::new(),
                waiting: VecDeque::new(),
            }),
        })
    }

    /// A connection for one call on `host`: one the host holds, else a free one, else one
    /// the longest idle host gives up; else waits for one.
    pub async fn acquire(self: &Arc<Self>, host: &str, keeper: impl FnOnce() -> K) -> Lease<K> {
        let waiting = {
            let mut closing = Vec::new();
            let mut state = self.lock();
            // Looked up before inserting: a key is made once per host, not once per call.
            if !state.hosts.contains_key(host) {
                state.hosts.insert(host.to_string(), Holder::new(keeper()));
            }
            let taken = state.take(host, &mut closing);
            let waiting = (!taken).then(|| state.wait(host));
            drop(state);
            close(closing);
            waiting
        };
        if let Some(granted) = waiting {
            // The sender lives as long as the ledger, which this lease's `self` keeps.
            let _ = granted.await;
        }
        Lease {
            ledger: Arc::clone(self),
            host: host.to_string(),
        }
    }

    fn release(&self, host: &str) {
        let mut closing = Vec::new();
        let mut state = self.lock();
        let holder = state.hosts.get_mut(host).expect("a lease's host is known");
        holder.busy -= 1;
        // A connection goes back to its client's pool a moment after the call that used
        // it ends: a call right after it may have opened another.
        let opened = holder.keeper.open().saturating_sub(holder.held);
        holder.held += opened;
        state.free -= opened as isize;
        state.settle(host, &mut closing);
        drop(state);
        close(closing);
    }

    fn lock(&self) -> MutexGuard<'_, State<K>> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    #[cfg(test)]
    fn held(&self, host: &str) -> usize {
        self.lock().hosts.get(host).map_or(0, |holder| holder.held)
    }
}

/// Closed outside the ledger's lock: closing drops sockets.
fn close<K: Keeper>(keepers: Vec<K>) {
    for keeper in keepers {
        keeper.close_idle();
    }
}

impl<K: Keeper> State<K> {
    /// Takes a connection for `host` now if one can be had without waiting.
    fn take(&mut self, host: &str, closing: &mut Vec<K>) -> bool {
        let holder = &self.hosts[host];
        if holder.busy < holder.held {
            self.start_call(host);
            return true;
        }
        if !self.make_room(host, closing) {
            return false;
        }
        self.free -= 1;
        self.hosts.get_mut(host).expect("known host").held += 1;
        self.start_call(host);
        true
    }

    fn start_call(&mut self, host: &str) {
        let holder = self.hosts.get_mut(host).expect("known host");
        holder.busy += 1;
        if let Some(since) = holder.idle_since.take() {
            self.idle.remove(&since);
        }
    }

    /// Frees connections, from idle hosts other than `host`, until one is free.
    fn make_room(&mut self, host: &str, closing: &mut Vec<K>) -> bool {
        while self.free <= 0 {
            if !self.reclaim(host, closing) {
                return false;
            }
        }
        true
    }

    /// Frees the connections of the longest idle host other than `host`, if any.
    fn reclaim(&mut self, host: &str, closing: &mut Vec<K>) -> bool {
        let Some((&since, _)) = self.idle.iter().find(|(_, idle)| *idle != host) else {
            return false;
        };
        let victim = self.idle.remove(&since).expect("just found");
        let holder = self.hosts.get_mut(&victim).expect("idle hosts are known");
        holder.idle_since = None;
        self.free += std::mem::take(&mut holder.held) as isize;
        closing.push(holder.keeper.clone());
        true
    }

    fn wait(&mut self, host: &str) -> oneshot::Receiver<()> {
        let (sender, receiver) = oneshot::channel();
        let holder = self.hosts.get_mut(host).expect("known host");
        holder.waiters.push_back(sender);
        if !std::mem::replace(&mut holder.queued, true) {
            self.waiting.push_back(host.to_string());
        }
        receiver
    }

    /// After a call on `host` ended: its own waiters take its connection first; then, if
    /// it went idle, hosts waiting for a connection take it over.
    fn settle(&mut self, host: &str, closing: &mut Vec<K>) {
        self.serve_own(host);
        while let Some(next) = self.waiting.front().cloned() {
            if self.hosts[&next].waiters.is_empty() {
                self.waiting.pop_front();
                self.hosts.get_mut(&next).expect("known host").queued = false;
                continue;
            }
            if !self.make_room(&next, closing) {
                break;
            }
            self.free -= 1;
            self.hosts.get_mut(&next).expect("known host").held += 1;
            self.serve_own(&next);
        }
    }

    /// Hands `host`'s spare connections to its waiting calls; marks it idle if none is
    /// in flight after that.
    fn serve_own(&mut self, host: &str) {
        let holder = self.hosts.get_mut(host).expect("known host");
        while holder.busy < holder.held {
            let Some(waiter) = holder.waiters.pop_front() else {
                break;
            };
            // A waiter that gave up no longer wants it.
            if waiter.send(()).is_ok() {
                holder.busy += 1;
            }
        }
        if holder.busy > 0 {
            if let Some(since) = holder.idle_since.take() {
                self.idle.remove(&since);
            }
        } else if holder.held > 0 && holder.idle_since.is_none() {
            self.clock += 1;
            holder.idle_since = Some(self.clock);
            self.idle.insert(self.clock, host.to_string());
        }
    }
}

impl<K> Holder<K> {
    fn new(keeper: K) -> Self {
        Self {
            keeper,
            held: 0,
            busy: 0,
            idle_since: None,
            waiters: VecDeque::new(),
            queued: false,
        }
    }
}

#[cfg(test)]
mod tests;
