//! Group locks held while a command changes groups, renewed in the background, and the
//! `lock status` and `lock release` commands.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;

use super::frontend::ask;
use super::{App, AppError, Backend, EngineOf, Frontend, Question};
use crate::engine::{ConnectOptions, Connector, Engine};
use crate::inventory::{Host, Inventory};
use crate::lock::{self, Acquired, Holder, LockError, LockInfo};
use crate::rollout::Fleet;

/// How long to wait for locks, how long a lease lasts, and what holders say they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockSettings {
    /// Zero: fail at once when a group is locked.
    pub wait: Duration,
    /// How long a lock outlives its holder, at most [`lock::MAX_TTL`].
    pub ttl: Duration,
    /// What a lock says its holder is doing: the command as typed
    /// (`deploy --group product --mode dev_new`).
    pub purpose: String,
}

impl Default for LockSettings {
    fn default() -> Self {
        Self {
            wait: Duration::ZERO,
            ttl: lock::MAX_TTL,
            purpose: String::new(),
        }
    }
}

/// How often a locked group is looked at again while waiting.
const WAIT_POLL: Duration = Duration::from_millis(500);

/// The locks a command holds; [`Locks::release`] gives them back.
pub(super) struct Locks<E> {
    held: Vec<(Arc<E>, Acquired)>,
    /// Someone broke one of them while the command ran.
    lost: Arc<AtomicBool>,
    renewer: Option<JoinHandle<()>>,
}

impl<E: Engine> Locks<E> {
    /// Whether a lock was broken under the command: it must start nothing more.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    pub async fn release(mut self, frontend: &dyn Frontend) {
        if let Some(renewer) = self.renewer.take() {
            renewer.abort();
        }
        if self.lost() {
            frontend.warning("a group's lock was broken (`jdeploy lock release`) or lapsed while this command ran; it started nothing more after that");
        }
        for (engine, acquired) in &self.held {
            if let Err(err) = acquired.release(engine.as_ref()).await {
                frontend.warning(&format!(
                    "the lock on group {} could not be removed from {} ({err}); it lapses within {}",
                    acquired.group,
                    acquired.host,
                    humantime::format_duration(acquired.ttl)
                ));
            }
        }
    }
}

/// Where a group's lock lives: the host of its first core unit, else of its first unit.
pub(super) fn lock_host<'a>(inventory: &'a Inventory, group: &str) -> Option<&'a Host> {
    let units: Vec<_> = inventory.units_of(group).collect();
    units
        .iter()
        .find(|unit| unit.core)
        .or(units.first())
        .map(|unit| &unit.host)
}

impl<B: Backend> App<B> {
    /// Takes the lock of every group in `groups` (in name order, so two commands waiting
    /// for the same groups cannot wait for each other), waiting as the context says.
    pub(super) async fn lock<'a>(
        &self,
        inventory: &Inventory,
        fleet: &Fleet<EngineOf<B>>,
        groups: impl IntoIterator<Item = &'a str>,
        frontend: &dyn Frontend,
    ) -> Result<Locks<EngineOf<B>>, AppError> {
        let names: BTreeSet<&str> = groups.into_iter().collect();
        let holder = Holder {
            by: frontend.operator(),
            // A server has no one command line: each job says what it was asked.
            command: if self.context.lock.purpose.is_empty() {
                frontend.command_line()
            } else {
                self.context.lock.purpose.clone()
            },
        };
        let deadline = Instant::now() + self.context.lock.wait;
        let mut held = Vec::new();
        for group in names {
            let Some(host) = lock_host(inventory, group) else {
                continue;
            };
            match self
                .acquire(fleet, host, group, &holder, deadline, frontend)
                .await
            {
                Ok(acquired) => held.push(acquired),
                Err(err) => {
                    let taken = Locks {
                        held,
                        lost: Arc::default(),
                        renewer: None,
                    };
                    taken.release(frontend).await;
                    return Err(err);
                }
            }
        }
        let lost = Arc::new(AtomicBool::new(false));
        let renewer = (!held.is_empty()).then(|| renew(held.clone(), Arc::clone(&lost)));
        Ok(Locks {
            held,
            lost,
            renewer,
        })
    }

    async fn acquire(
        &self,
        fleet: &Fleet<EngineOf<B>>,
        host: &Host,
        group: &str,
        holder: &Holder,
        deadline: Instant,
        frontend: &dyn Frontend,
    ) -> Result<(Arc<EngineOf<B>>, Acquired), AppError> {
        // The command's own connection to the host: one version check, not two.
        let engine = fleet
            .engine(host)
            .await
            .map_err(|error| cannot_lock(group, host, error))?;
        let mut told: Option<String> = None;
        loop {
            match lock::acquire(
                engine.as_ref(),
                group,
                &host.name,
                holder,
                self.context.lock.ttl,
            )
            .await
            {
                Ok(acquired) => return Ok((engine, acquired)),
                Err(LockError::Held(lock)) if Instant::now() < deadline => {
                    if told.as_deref() != Some(lock.id.as_str()) {
                        frontend.warning(&format!("waiting: {lock}"));
                        told = Some(lock.id.clone());
                    }
                    tokio::time::sleep(WAIT_POLL.min(deadline - Instant::now())).await;
                }
                Err(LockError::Held(lock)) => {
                    let waited = if self.context.lock.wait.is_zero() {
                        " (--lock-wait DUR waits for it)".to_string()
                    } else {
                        format!(
                            " after waiting {}",
                            humantime::format_duration(self.context.lock.wait)
                        )
                    };
                    return Err(AppError::Locked(format!(
                        "{lock}; nothing was changed{waited}"
                    )));
                }
                Err(err) => return Err(AppError::Locked(format!("{err}; nothing was changed"))),
            }
        }
    }

    async fn lock_engine(
        &self,
        inventory: &Inventory,
        host: &Host,
        group: &str,
    ) -> Result<EngineOf<B>, AppError> {
        self.backend
            .connector(ConnectOptions {
                connect_timeout: inventory.connection.timeout_secs,
                request_timeout: inventory.connection.request_timeout_secs.into(),
                idle_per_host: 1,
            })
            .connect(host)
            .await
            .map_err(|error| cannot_lock(group, host, error))
    }
}

/// Renews every held lock a quarter of its lease apart, all hosts at once, each call
/// bounded so one hung host delays no other. Marks `lost` once a lock is gone (broken)
/// or was not renewed for a whole lease: others may have taken it over since.
fn renew<E: Engine>(held: Vec<(Arc<E>, Acquired)>, lost: Arc<AtomicBool>) -> JoinHandle<()> {
    let every = held
        .iter()
        .map(|(_, acquired)| acquired.ttl / 4)
        .min()
        .unwrap_or(lock::MAX_TTL / 4);
    tokio::spawn(async move {
        let mut renewed: Vec<Instant> = vec![Instant::now(); held.len()];
        loop {
            tokio::time::sleep(every).await;
            let attempts = held.iter().map(|(engine, acquired)| async move {
                tokio::time::timeout(every, acquired.renew(engine.as_ref())).await
            });
            let results = futures::future::join_all(attempts).await;
            for ((result, (_, acquired)), last) in results.iter().zip(&held).zip(&mut renewed) {
                match result {
                    Ok(Ok(())) => *last = Instant::now(),
                    Ok(Err(crate::engine::EngineError::NoSuchContainer { .. })) => {
                        lost.store(true, Ordering::SeqCst);
                    }
                    // A host that does not answer now may later, while the lease lasts.
                    _ if last.elapsed() >= acquired.ttl => lost.store(true, Ordering::SeqCst),
                    _ => {}
                }
            }
        }
    })
}

/// `lock status`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LockStatusRequest {
    /// One group; every group when none.
    pub group: Option<String>,
}

/// One group's lock, or why it could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct LockRow {
    pub group: String,
    pub host: String,
    /// None: the group is not locked.
    pub lock: Option<LockInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LockStatusReport {
    pub groups: Vec<LockRow>,
}

impl LockStatusReport {
    /// Every lock host answered.
    pub fn ok(&self) -> bool {
        self.groups.iter().all(|row| row.error.is_none())
    }
}

/// `lock release`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LockReleaseRequest {
    pub group: String,
    /// Do not ask first.
    pub yes: bool,
}

impl<B: Backend> App<B> {
    pub async fn lock_status(
        &self,
        request: &LockStatusRequest,
        frontend: &dyn Frontend,
    ) -> Result<LockStatusReport, AppError> {
        let inventory = self.fleet_inventory(frontend)?;
        let groups: Vec<&str> = match &request.group {
            Some(name) => vec![inventory.select_group(name)?.name.as_str()],
            None => inventory.group_names().collect(),
        };
        let inventory = &inventory;
        let rows = groups.into_iter().filter_map(|group| {
            let host = lock_host(inventory, group)?;
            Some(async move {
                let read = async {
                    let engine = self
                        .lock_engine(inventory, host, group)
                        .await
                        .map_err(|err| err.to_string())?;
                    lock::inspect(&engine, group, &host.name)
                        .await
                        .map_err(|err| {
                            format!(
                                "cannot read the lock of group {group} on {}: {err}",
                                host.name
                            )
                        })
                };
                let (lock, error) = match read.await {
                    Ok(lock) => (lock, None),
                    Err(error) => (None, Some(error)),
                };
                LockRow {
                    group: group.to_string(),
                    host: host.name.clone(),
                    lock,
                    error,
                }
            })
        });
        let groups = futures::future::join_all(rows).await;
        Ok(LockStatusReport { groups })
    }

    /// Breaks `group`'s lock whoever holds it; returns what it was, none if unlocked.
    pub async fn lock_release(
        &self,
        request: &LockReleaseRequest,
        frontend: &dyn Frontend,
    ) -> Result<Option<LockInfo>, AppError> {
        let inventory = self.fleet_inventory(frontend)?;
        let group = inventory.select_group(&request.group)?;
        let Some(host) = lock_host(&inventory, &group.name) else {
            return Ok(None);
        };
        let engine = self.lock_engine(&inventory, host, &group.name).await?;
        let failed = |err| {
            AppError::Locked(format!(
                "cannot release the lock of group {} on {}: {err}",
                group.name, host.name
            ))
        };
        let Some(found) = lock::inspect(&engine, &group.name, &host.name)
            .await
            .map_err(failed)?
        else {
            return Ok(None);
        };
        if !found.is_lock() {
            return Err(AppError::Refused(format!(
                "{found}: not a lock jdeploy made, left in place; remove it with docker if it is not needed"
            )));
        }
        if !request.yes {
            if !frontend.can_answer() {
                return Err(AppError::Refused(format!(
                    "{found}; breaking it needs --yes without a terminal to confirm on"
                )));
            }
            let question = Question::BreakLock { lock: &found };
            ask(frontend, &question, "the lock was left in place")?;
        }
        // Only the lock shown: one taken since the question was asked stays.
        let removed = lock::release_by_force(&engine, &found)
            .await
            .map_err(failed)?;
        Ok(removed.then_some(found))
    }
}

fn cannot_lock(group: &str, host: &Host, error: impl std::fmt::Display) -> AppError {
    AppError::Locked(format!(
        "cannot lock group {group} on {}: {error}; nothing was changed",
        host.name
    ))
}
