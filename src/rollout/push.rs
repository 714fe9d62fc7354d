//! `image push`: one image, read once from its source, streamed to every host that lacks
//! it at once, each host's share of the stream bounded; hosts that hold it cost one
//! request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::join_all;
use futures::StreamExt;
use tokio::sync::mpsc;

use super::fleet::Fleet;
use super::outcome::{Outcome, Status, UnitKey};
use super::reporter::Reporter;
use crate::engine::{ByteStream, Engine, ErrorKind};
use crate::inventory::Host;

/// Chunks queued per host: with 256 KiB chunks, at most 1 MiB per host in flight.
const QUEUED: usize = 4;
/// How often the bytes sent are shown.
const TICK: Duration = Duration::from_millis(500);

/// A host to send the image to, as the report names it.
#[derive(Debug, Clone)]
pub struct PushTarget {
    pub key: UnitKey,
    pub host: Host,
}

/// Sends `image` (whose id is `id`) to every target that lacks it. `source` is opened
/// only if some host needs it.
pub async fn push<E: Engine>(
    fleet: &Fleet<E>,
    targets: &[PushTarget],
    image: &str,
    id: &str,
    source: impl FnOnce() -> ByteStream,
    reporter: &dyn Reporter,
) -> Vec<Outcome> {
    let keys: Vec<UnitKey> = targets.iter().map(|target| target.key.clone()).collect();
    reporter.begin(&keys);
    let started = Instant::now();
    let held = join_all(targets.iter().map(|target| async move {
        reporter.step(&target.key, "comparing");
        fleet
            .call(&target.host, |engine| async move {
                engine.image_id(image).await
            })
            .await
    }))
    .await;
    let mut outcomes: Vec<Option<Outcome>> = vec![None; targets.len()];
    let mut needed = Vec::new();
    for (at, held) in held.into_iter().enumerate() {
        let key = targets[at].key.clone();
        match held {
            Ok(Some(found)) if found == id => {
                outcomes[at] = Some(Outcome::new(key, Status::Unchanged, "already there"));
            }
            Ok(_) => needed.push(at),
            Err(err) => outcomes[at] = Some(Outcome::engine_failed(key, &err)),
        }
    }
    if !needed.is_empty() {
        let sent = send(fleet, targets, &needed, image, id, source(), reporter).await;
        for (at, outcome) in needed.into_iter().zip(sent) {
            outcomes[at] = Some(outcome);
        }
    }
    outcomes
        .into_iter()
        .map(|outcome| {
            let mut outcome = outcome.expect("every target has an outcome");
            if outcome.elapsed.is_zero() {
                outcome.elapsed = started.elapsed();
            }
            reporter.finish(&outcome);
            outcome
        })
        .collect()
}

/// Streams the source to every needed host at once; the slowest host paces the rest,
/// so memory stays within the chunks queued per host.
async fn send<E: Engine>(
    fleet: &Fleet<E>,
    targets: &[PushTarget],
    needed: &[usize],
    image: &str,
    id: &str,
    mut source: ByteStream,
    reporter: &dyn Reporter,
) -> Vec<Outcome> {
    let started = Instant::now();
    let counters: Vec<Arc<AtomicU64>> = needed.iter().map(|_| Arc::default()).collect();
    let mut senders = Vec::new();
    let mut loads = Vec::new();
    for (&at, counter) in needed.iter().zip(&counters) {
        let (sender, receiver) = mpsc::channel::<std::io::Result<Bytes>>(QUEUED);
        senders.push(Some(sender));
        let counter = Arc::clone(counter);
        let stream: ByteStream =
            Box::pin(futures::stream::unfold(receiver, move |mut receiver| {
                let counter = Arc::clone(&counter);
                async move {
                    let chunk = receiver.recv().await?;
                    if let Ok(bytes) = &chunk {
                        counter.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    }
                    Some((chunk, receiver))
                }
            }));
        let target = &targets[at];
        reporter.step(&target.key, "sending");
        loads.push(async move {
            fleet
                .call(&target.host, |engine| async move {
                    engine.load_image(stream).await
                })
                .await
        });
    }
    let pump = async {
        while let Some(chunk) = source.next().await {
            let failed = chunk.is_err();
            let chunk = chunk.map_err(|err| std::io::Error::other(err.to_string()));
            for slot in senders.iter_mut() {
                let Some(sender) = slot else { continue };
                let copy = match &chunk {
                    Ok(bytes) => Ok(bytes.clone()),
                    Err(err) => Err(std::io::Error::other(err.to_string())),
                };
                // A host that stopped reading failed; the others go on.
                if sender.send(copy).await.is_err() {
                    *slot = None;
                }
            }
            if failed || senders.iter().all(Option::is_none) {
                break;
            }
        }
        senders.clear();
    };
    let done = join_all(loads);
    let ticking = async {
        loop {
            tokio::time::sleep(TICK).await;
            for (&at, counter) in needed.iter().zip(&counters) {
                let sent = counter.load(Ordering::Relaxed);
                reporter.progress(&targets[at].key, &format!("sent {}", megabytes(sent)));
            }
        }
    };
    let (loaded, ()) = tokio::select! {
        both = async { futures::join!(done, pump) } => both,
        () = ticking => unreachable!("ticking never ends"),
    };
    let verified = join_all(needed.iter().map(|&at| async move {
        fleet
            .call(&targets[at].host, |engine| async move {
                engine.image_id(image).await
            })
            .await
    }))
    .await;
    needed
        .iter()
        .zip(loaded)
        .zip(verified)
        .zip(&counters)
        .map(|(((&at, loaded), verified), counter)| {
            let key = targets[at].key.clone();
            let bytes = counter.load(Ordering::Relaxed);
            let mut outcome = match (loaded, verified) {
                (Err(err), _) => Outcome::engine_failed(key, &err),
                (Ok(()), Ok(Some(found))) if found == id => Outcome::new(
                    key,
                    Status::Pushed,
                    format!(
                        "sent {} in {:.1}s",
                        megabytes(bytes),
                        started.elapsed().as_secs_f64()
                    ),
                ),
                (Ok(()), Ok(found)) => Outcome::failed(
                    key,
                    ErrorKind::Engine,
                    format!(
                        "loaded, but {image} there is {}",
                        found.as_deref().unwrap_or("missing")
                    ),
                ),
                (Ok(()), Err(err)) => Outcome::engine_failed(key, &err),
            };
            outcome.bytes = Some(bytes);
            outcome.elapsed = started.elapsed();
            outcome
        })
        .collect()
}

/// `52.4 MB`.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
