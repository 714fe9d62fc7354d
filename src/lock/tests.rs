use std::time::{Duration, SystemTime};

use super::*;
use crate::engine::fake::{FakeEngine, FakeFleet};
use crate::engine::{Connector, Engine};
use crate::plan::tests::host;

const HOST: &str = "127.0.0.2";

async fn engine(fleet: &FakeFleet) -> FakeEngine {
    fleet.connect(&host(HOST)).await.unwrap()
}

fn alice() -> Holder {
    Holder {
        by: "alice@laptop".into(),
        command: "deploy --group product --mode dev_new".into(),
    }
}

fn bob() -> Holder {
    Holder {
        by: "bob@ci-7".into(),
        command: "restart --group product".into(),
    }
}

#[tokio::test]
async fn a_second_holder_is_refused_and_told_who_holds_it() {
    let fleet = FakeFleet::default();
    let engine = engine(&fleet).await;
    let held = acquire(&engine, "product", HOST, &alice(), MAX_TTL)
        .await
        .unwrap();
    let refused = acquire(&engine, "product", HOST, &bob(), MAX_TTL).await;
    let Err(LockError::Held(lock)) = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(lock.by, "alice@laptop");
    assert_eq!(lock.id, held.id);
    assert!(!lock.expired);
    let message = lock.to_string();
    assert!(
        message.starts_with(
            "group product is locked by alice@laptop (deploy --group product --mode dev_new) since "
        ),
        "{message}"
    );
    assert!(message.ends_with("0s ago"), "{message}");
    // Released, it is free for the next.
    held.release(&engine).await.unwrap();
    assert!(inspect(&engine, "product", HOST).await.unwrap().is_none());
    acquire(&engine, "product", HOST, &bob(), MAX_TTL)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_lapsed_lease_is_taken_over() {
    let fleet = FakeFleet::default();
    let engine = engine(&fleet).await;
    let dead = acquire(&engine, "product", HOST, &alice(), MAX_TTL)
        .await
        .unwrap();
    // Its holder renewed it last long ago, then died.
    let lapsed = Lease::new(&dead.id, SystemTime::now() - Duration::from_secs(1));
    engine
        .upload(&dead.container, lapsed.archive().unwrap())
        .await
        .unwrap();
    let seen = inspect(&engine, "product", HOST).await.unwrap().unwrap();
    assert!(seen.expired && seen.expires_in.is_zero(), "{seen:?}");
    let taken = acquire(&engine, "product", HOST, &bob(), MAX_TTL)
        .await
        .unwrap();
    let now = inspect(&engine, "product", HOST).await.unwrap().unwrap();
    assert_eq!(
        (now.by.as_str(), now.id.as_str()),
        ("bob@ci-7", taken.id.as_str())
    );
    // The dead holder, back, cannot renew what is no longer its lock.
    assert!(matches!(
        dead.renew(&engine).await,
        Err(EngineError::NoSuchContainer { .. })
    ));
}

#[tokio::test]
async fn renewing_pushes_the_lapse_ahead_and_a_broken_lock_cannot_be_renewed() {
    let fleet = FakeFleet::default();
    let engine = engine(&fleet).await;
    let held = acquire(&engine, "product", HOST, &alice(), MIN_TTL)
        .await
        .unwrap();
    held.renew(&engine).await.unwrap();
    let lease = fleet
        .file(HOST, &lock_name("product"), LEASE_FILE)
        .expect("a lease");
    assert!(lease.contains(&held.id), "{lease}");
    let seen = inspect(&engine, "product", HOST).await.unwrap().unwrap();
    assert_eq!(seen.by, "alice@laptop");
    assert!(release_by_force(&engine, &seen).await.unwrap());
    // Seen before, gone now: nothing more to remove.
    assert!(!release_by_force(&engine, &seen).await.unwrap());
    assert!(matches!(
        held.renew(&engine).await,
        Err(EngineError::NoSuchContainer { .. })
    ));
    // Releasing a lock someone broke and someone else took leaves theirs alone.
    let theirs = acquire(&engine, "product", HOST, &bob(), MAX_TTL)
        .await
        .unwrap();
    held.release(&engine).await.unwrap();
    let still = inspect(&engine, "product", HOST).await.unwrap().unwrap();
    assert_eq!(still.id, theirs.id);
}

#[tokio::test]
async fn a_container_under_the_locks_name_that_is_not_a_lock_is_never_taken_over() {
    let fleet = FakeFleet::default().with_container(HOST, &lock_name("product"));
    let engine = engine(&fleet).await;
    let refused = acquire(&engine, "product", HOST, &alice(), MAX_TTL).await;
    let Err(LockError::Held(lock)) = refused else {
        panic!("{refused:?}");
    };
    assert!(lock.command.contains("is not a lock"), "{lock:?}");
    assert!(release_by_force(&engine, &lock).await.is_err());
    assert!(fleet.container(HOST, &lock_name("product")).is_some());
}

#[test]
fn a_lease_for_another_lock_or_too_large_is_no_lease() {
    let lease = Lease::new("abc", SystemTime::UNIX_EPOCH + Duration::from_secs(60));
    let text = serde_json::to_vec(&lease).unwrap();
    assert!(Lease::expiry(&text, "abc").is_some());
    assert!(Lease::expiry(&text, "other").is_none());
    assert!(Lease::expiry(&vec![b' '; 5000], "abc").is_none());
}
