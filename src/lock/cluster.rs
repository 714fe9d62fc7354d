//! Taking, reading, renewing and breaking a group's lock on its engine.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use super::lease::{Lease, LEASE_FILE};
use super::{lock_name, parse_time, rfc3339_seconds, Holder, LockError, LockInfo, MAX_TTL};
use crate::engine::{Engine, EngineError};
use crate::labels;

/// Rounds of finding a lapsed lock, removing it and trying again, before giving up to
/// whoever keeps taking it first.
const TAKEOVER_ROUNDS: usize = 3;
/// A lock seen lapsed is looked at again this much later before it is taken over: the
/// engine replaces a lease file by removing it first, so one look can fall between.
const LAPSE_CONFIRM: Duration = Duration::from_millis(700);

/// A lock this process holds.
#[derive(Debug, Clone)]
pub struct Acquired {
    pub group: String,
    pub host: String,
    /// The lock container's id: a later lock under the same name is someone else's.
    pub container: String,
    pub id: String,
    pub ttl: Duration,
    /// The engine's clock when the lock was taken, and this machine's at the same moment.
    engine_at: SystemTime,
    local_at: Instant,
}

impl Acquired {
    fn engine_now(&self) -> SystemTime {
        self.engine_at + self.local_at.elapsed()
    }

    /// Pushes the lapse a full `ttl` ahead. `NoSuchContainer` means someone broke it.
    pub async fn renew<E: Engine>(&self, engine: &E) -> Result<(), EngineError> {
        let lease = Lease::new(&self.id, self.engine_now() + self.ttl);
        let archive = lease
            .archive()
            .map_err(|err| EngineError::Other(err.to_string()))?;
        engine.upload(&self.container, archive).await
    }

    /// Removes this lock, and only it: a lock someone took after breaking it stays.
    pub async fn release<E: Engine>(&self, engine: &E) -> Result<(), EngineError> {
        match engine.remove(&self.container, 0).await {
            Err(EngineError::NoSuchContainer { .. }) => Ok(()),
            other => other,
        }
    }
}

/// Takes `group`'s lock on `engine` (the host named `host`), taking over a lapsed one.
pub async fn acquire<E: Engine>(
    engine: &E,
    group: &str,
    host: &str,
    holder: &Holder,
    ttl: Duration,
) -> Result<Acquired, LockError> {
    let fail = |error| LockError::Engine {
        group: group.to_string(),
        host: host.to_string(),
        error,
    };
    let name = lock_name(group);
    for _ in 0..TAKEOVER_ROUNDS {
        let local_at = Instant::now();
        let id = lock_id(holder, SystemTime::now());
        let lock_labels = BTreeMap::from([
            (labels::LOCK.to_string(), group.to_string()),
            (labels::LOCK_BY.to_string(), holder.by.clone()),
            (labels::LOCK_COMMAND.to_string(), holder.command.clone()),
            (
                labels::LOCK_TTL.to_string(),
                humantime::format_duration(ttl).to_string(),
            ),
            (labels::LOCK_ID.to_string(), id.clone()),
        ]);
        match engine.create_marker(&name, &lock_labels, &[]).await {
            Ok(container) => {
                // The engine's clock, from when it made the lock: renewals are in it.
                let engine_at = match created_at(engine, &container).await {
                    Ok(at) => at,
                    Err(error) => {
                        let _ = engine.remove(&container, 0).await;
                        return Err(fail(error));
                    }
                };
                return Ok(Acquired {
                    group: group.to_string(),
                    host: host.to_string(),
                    container,
                    id,
                    ttl,
                    engine_at,
                    local_at,
                });
            }
            Err(EngineError::NameConflict { .. }) => {}
            Err(error) => return Err(fail(error)),
        }
        match inspect(engine, group, host).await.map_err(fail)? {
            // Released in the meantime.
            None => continue,
            Some(lock) if lock.expired => {
                tokio::time::sleep(LAPSE_CONFIRM).await;
                match inspect(engine, group, host).await.map_err(fail)? {
                    Some(again) if again.expired && again.container == lock.container => {}
                    // Renewed, released or taken meanwhile: look again from the start.
                    _ => continue,
                }
                // By id: if someone else took the lapsed lock over first, theirs stays.
                match engine.remove(&lock.container, 0).await {
                    Ok(()) | Err(EngineError::NoSuchContainer { .. }) => continue,
                    Err(error) => return Err(fail(error)),
                }
            }
            Some(lock) => return Err(LockError::Held(Box::new(lock))),
        }
    }
    match inspect(engine, group, host).await.map_err(fail)? {
        Some(lock) => Err(LockError::Held(Box::new(lock))),
        None => Err(fail(EngineError::Other(
            "others kept taking the lock first".into(),
        ))),
    }
}

/// Removes the lock `seen` showed, whoever holds it, and only that one: a lock taken
/// since stays. Returns whether it was still there.
pub async fn release_by_force<E: Engine>(engine: &E, seen: &LockInfo) -> Result<bool, EngineError> {
    if !seen.is_lock() {
        return Err(EngineError::Other(format!(
            "{} is not a lock jdeploy made; remove it with docker if it is not needed",
            lock_name(&seen.group)
        )));
    }
    match engine.remove(&seen.container, 0).await {
        Ok(()) => Ok(true),
        Err(EngineError::NoSuchContainer { .. }) => Ok(false),
        Err(error) => Err(error),
    }
}

/// `group`'s lock on `engine`, if there is one.
pub async fn inspect<E: Engine>(
    engine: &E,
    group: &str,
    host: &str,
) -> Result<Option<LockInfo>, EngineError> {
    let Some(details) = engine.inspect(&lock_name(group)).await? else {
        return Ok(None);
    };
    let now = engine.clock().await?;
    let label = |key: &str| details.labels.get(key).cloned();
    if label(labels::LOCK).as_deref() != Some(group) {
        // Someone else's container under the lock's name: never taken over.
        let lock = LockInfo {
            group: group.to_string(),
            host: host.to_string(),
            by: "unknown".into(),
            command: format!("a container named {} that is not a lock", lock_name(group)),
            since: details.created.clone().unwrap_or_default(),
            held_for: Duration::ZERO,
            expires_in: Duration::ZERO,
            expired: false,
            id: String::new(),
            container: details.id.clone(),
        };
        return Ok(Some(lock));
    }
    let id = label(labels::LOCK_ID).unwrap_or_default();
    let since = details
        .created
        .as_deref()
        .and_then(parse_time)
        .unwrap_or(now);
    let ttl = label(labels::LOCK_TTL)
        .and_then(|ttl| humantime::parse_duration(&ttl).ok())
        .map_or(MAX_TTL, |ttl| ttl.min(MAX_TTL));
    let lease = match engine.read_file(&details.id, LEASE_FILE).await {
        Ok(content) => content.and_then(|content| Lease::expiry(&content, &id)),
        // Removed between the two calls: it lapsed as we looked.
        Err(EngineError::NoSuchContainer { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    // Before its first renewal, the lease is the one it was taken with, never longer
    // than MAX_TTL.
    let expires_at = lease.unwrap_or(since + ttl);
    let lock = LockInfo {
        group: group.to_string(),
        host: host.to_string(),
        by: label(labels::LOCK_BY).unwrap_or_else(|| "unknown".into()),
        command: label(labels::LOCK_COMMAND).unwrap_or_default(),
        since: rfc3339_seconds(since),
        held_for: now.duration_since(since).unwrap_or_default(),
        expires_in: expires_at.duration_since(now).unwrap_or_default(),
        expired: expires_at <= now,
        id,
        container: details.id.clone(),
    };
    Ok(Some(lock))
}

/// When the engine made `container`, by its own clock; asked of the engine when the
/// container does not say.
async fn created_at<E: Engine>(engine: &E, container: &str) -> Result<SystemTime, EngineError> {
    let created = engine
        .inspect(container)
        .await?
        .and_then(|details| details.created)
        .and_then(|created| parse_time(&created));
    match created {
        Some(at) => Ok(at),
        None => engine.clock().await,
    }
}

/// Unique to this taking of the lock; not a secret.
fn lock_id(holder: &Holder, at: SystemTime) -> String {
    let nanos = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let seed = format!(
        "{}\n{}\n{}\n{nanos}",
        holder.by,
        holder.command,
        std::process::id()
    );
    crate::release::sha256(seed.as_bytes())[..16].to_string()
}
