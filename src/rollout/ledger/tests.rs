use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Keeper, Ledger};

/// Records which hosts were told to close their kept connections, and says how many
/// connections every host has open (none, unless a test says otherwise).
#[derive(Clone)]
struct Closed {
    host: &'static str,
    log: Arc<Mutex<Vec<&'static str>>>,
    open: Arc<std::sync::atomic::AtomicUsize>,
}

impl Keeper for Closed {
    fn close_idle(&self) {
        self.log.lock().unwrap().push(self.host);
    }

    fn open(&self) -> usize {
        self.open.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Fixture {
    ledger: Arc<Ledger<Closed>>,
    log: Arc<Mutex<Vec<&'static str>>>,
    open: Arc<std::sync::atomic::AtomicUsize>,
}

impl Fixture {
    fn new(budget: usize) -> Self {
        Self {
            ledger: Ledger::new(budget),
            log: Arc::default(),
            open: Arc::default(),
        }
    }

    async fn acquire(&self, host: &'static str) -> super::Lease<Closed> {
        let (log, open) = (Arc::clone(&self.log), Arc::clone(&self.open));
        self.ledger
            .acquire(host, || Closed { host, log, open })
            .await
    }

    /// A call on `host` that may have to wait, in a task of its own.
    fn spawn(&self, host: &'static str) -> tokio::task::JoinHandle<super::Lease<Closed>> {
        let fixture = self.clone();
        tokio::spawn(async move { fixture.acquire(host).await })
    }

    fn closed(&self) -> Vec<&'static str> {
        self.log.lock().unwrap().clone()
    }
}

/// Whether `future` finishes within a moment: a lease that must wait does not.
async fn soon<F: std::future::Future>(future: F) -> Option<F::Output> {
    tokio::time::timeout(Duration::from_millis(50), future)
        .await
        .ok()
}

#[tokio::test]
async fn a_host_keeps_its_connection_for_its_next_call() {
    let fixture = Fixture::new(1);
    drop(fixture.acquire("a").await);
    drop(fixture.acquire("a").await);
    assert!(fixture.closed().is_empty());
    assert_eq!(fixture.ledger.held("a"), 1);
}

#[tokio::test]
async fn an_idle_host_gives_its_connections_up_at_once_the_longest_idle_first() {
    let fixture = Fixture::new(2);
    drop(fixture.acquire("a").await);
    drop(fixture.acquire("b").await);
    let lease = soon(fixture.acquire("c")).await;
    assert!(lease.is_some(), "c did not need to wait");
    assert_eq!(fixture.closed(), ["a"]);
    assert_eq!(fixture.ledger.held("b"), 1);
}

#[tokio::test]
async fn a_busy_host_is_never_reclaimed_and_the_waiter_gets_its_connection_once_it_ends() {
    let fixture = Fixture::new(1);
    let busy = fixture.acquire("a").await;
    let waiting = fixture.spawn("b");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished(), "b waits while a's only call runs");
    drop(busy);
    soon(waiting).await.expect("b got a's connection").unwrap();
    assert_eq!(fixture.closed(), ["a"]);
}

#[tokio::test]
async fn a_hosts_own_waiting_calls_come_before_other_hosts() {
    let fixture = Fixture::new(1);
    let first = fixture.acquire("a").await;
    let other = fixture.spawn("b");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let own = fixture.spawn("a");
    tokio::time::sleep(Duration::from_millis(20)).await;
    drop(first);
    let own = soon(own).await.expect("a's second call went on").unwrap();
    assert!(!other.is_finished(), "b waits for a to go idle");
    assert!(fixture.closed().is_empty());
    drop(own);
    soon(other)
        .await
        .expect("b went on once a was idle")
        .unwrap();
    assert_eq!(fixture.closed(), ["a"]);
}

#[tokio::test]
async fn a_waiter_that_gave_up_takes_nothing() {
    let fixture = Fixture::new(1);
    let busy = fixture.acquire("a").await;
    assert!(soon(fixture.acquire("b")).await.is_none());
    drop(busy);
    assert!(soon(fixture.acquire("c")).await.is_some());
    assert_eq!(fixture.ledger.held("b"), 0);
}

#[tokio::test]
async fn calls_in_flight_never_exceed_the_budget() {
    let fixture = Arc::new(Fixture::new(3));
    let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let calls = (0..60).map(|n| {
        let (fixture, in_flight, most) = (
            Arc::clone(&fixture),
            Arc::clone(&in_flight),
            Arc::clone(&most),
        );
        tokio::spawn(async move {
            let hosts = ["a", "b", "c", "d", "e"];
            let _lease = fixture.acquire(hosts[n % hosts.len()]).await;
            let now = in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(2)).await;
            in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap();
    }
    assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test]
async fn connections_a_host_opened_beyond_its_grant_count_against_the_budget() {
    let fixture = Fixture::new(3);
    // `a`'s client opened three connections for one call: none is left for `b` until
    // `a` is idle and gives them up.
    let call = fixture.acquire("a").await;
    fixture.open.store(3, std::sync::atomic::Ordering::SeqCst);
    let other = fixture.acquire("a").await;
    drop(call);
    assert_eq!(fixture.ledger.held("a"), 3);
    fixture.open.store(0, std::sync::atomic::Ordering::SeqCst);
    assert!(soon(fixture.acquire("b")).await.is_none(), "b waits");
    drop(other);
    assert!(soon(fixture.acquire("b")).await.is_some());
    assert_eq!(fixture.closed(), ["a"]);
}
