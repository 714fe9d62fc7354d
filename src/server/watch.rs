//! The fleet watch: every interval, one look at every container; each change of state
//! is kept, shown and sent to the group's `notify` targets, and a `heal: true` group's
//! exited or unhealthy containers are restarted (a job like any other), backing off.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::frontend::RequestFrontend;
use super::jobs::NewJob;
use super::state::Shared;
use crate::app::{FleetLook, LifecycleRequest, LockStatusRequest};
use crate::history::now;
use crate::inventory::Selection;
use crate::notify::{notify, Event, EventKind};
use crate::rollout::{Lifecycle, UnitKey};
use crate::watch::{Change, Condition, HealDecision, HealPolicy, Healer, Watcher};

/// Who the watch acts as, in history, locks and notifications.
pub const WATCHER: &str = "jdeploy-watch";

/// A change the watch saw, or a heal it started.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WatchEvent {
    pub id: i64,
    pub at: String,
    /// `watch` (a change of state) or `heal` (a restart the watch started).
    pub kind: String,
    pub group: String,
    pub container: String,
    pub host: String,
    /// running, unhealthy, restarting, exited, stopped, missing or unreachable.
    pub condition: String,
    /// In words: `exited (code 137)`, `back to running`, `exited (code 137): restarting (job 12)`.
    pub detail: String,
    /// The restart job of a heal.
    pub job_id: Option<i64>,
}

/// Looks every `interval` until the server stops.
pub async fn run(server: Shared, interval: Duration, policy: HealPolicy) {
    let mut watcher = Watcher::default();
    let mut healer = Healer::new(policy);
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if server.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let look = server
            .answer(|server| async move { server.app.look(&RequestFrontend::default()).await })
            .await;
        let look = match look {
            Ok(look) => look,
            Err(err) => {
                tracing::warn!("the fleet watch could not look: {}", err.message);
                continue;
            }
        };
        let locked = locked_groups(&server, &look, &watcher).await;
        let held = |unit: &UnitKey| locked.contains(unit.first_group());
        let changes = watcher.observe_holding(look.units.clone(), held);
        for change in &changes {
            tell(
                &server,
                &look,
                change_event(change),
                EventKind::Watch,
                &change.unit,
            )
            .await;
        }
        heal(&server, &look, &mut healer, &locked).await;
    }
}

/// The groups with something to tell or heal whose lock someone holds: a command is
/// acting on them (restarting what the look saw down), so the watch waits for it. Only
/// those groups' locks are read, and only when there is something to tell.
async fn locked_groups(server: &Shared, look: &FleetLook, watcher: &Watcher) -> BTreeSet<String> {
    let candidates: BTreeSet<String> = look
        .units
        .iter()
        .filter(|(unit, condition)| {
            let heals = look.heals(unit.first_group());
            watcher.differs(unit, condition) || (heals && condition.is_healable())
        })
        .map(|(unit, _)| unit.first_group().to_string())
        .collect();
    let mut locked = BTreeSet::new();
    for group in candidates {
        let request = LockStatusRequest {
            group: Some(group.clone()),
        };
        let status = server
            .answer(|server| async move {
                server
                    .app
                    .lock_status(&request, &RequestFrontend::default())
                    .await
            })
            .await;
        // A lock that cannot be read is no reason to stay silent.
        if let Ok(status) = status {
            if status.groups.iter().any(|row| row.lock.is_some()) {
                locked.insert(group);
            }
        }
    }
    locked
}

fn change_event(change: &Change) -> WatchEvent {
    event(
        "watch",
        &change.unit,
        &change.to,
        change.to.describe(),
        None,
    )
}

fn event(
    kind: &str,
    unit: &UnitKey,
    condition: &Condition,
    detail: String,
    job: Option<i64>,
) -> WatchEvent {
    WatchEvent {
        id: 0,
        at: now(),
        kind: kind.into(),
        group: unit.first_group().to_string(),
        container: unit.container.clone(),
        host: unit.host.clone(),
        condition: condition.name().into(),
        detail,
        job_id: job,
    }
}

/// Keeps `event` and sends it to its group's targets.
async fn tell(
    server: &Shared,
    look: &FleetLook,
    event: WatchEvent,
    kind: EventKind,
    unit: &UnitKey,
) {
    let detail = event.detail.clone();
    if let Err(err) = server.jobs.store.insert_watch_event(event) {
        tracing::warn!("a watch event was not kept: {err}");
    }
    let Some(targets) = look.notify.get(unit.first_group()) else {
        return;
    };
    let message = Event::watched(kind, unit, &detail, WATCHER.to_string());
    for warning in notify(targets, &message).await {
        tracing::warn!("{warning}");
    }
}

/// Restarts what a `heal: true` group has exited or unhealthy, each when its backoff
/// allows.
async fn heal(server: &Shared, look: &FleetLook, healer: &mut Healer, locked: &BTreeSet<String>) {
    for (unit, condition) in &look.units {
        let group = unit.first_group();
        if !condition.is_healable() || !look.heals(group) || locked.contains(group) {
            continue;
        }
        let now = Instant::now();
        if healer.decide(unit, now) != HealDecision::Now {
            continue;
        }
        healer.healed(unit, now);
        let request = LifecycleRequest {
            selection: Selection {
                group: Some(group.to_string()),
                hosts: vec![unit.host.clone()],
                containers: vec![unit.container.clone()],
            },
            action: Lifecycle::Restart,
            stop_timeout: None,
            yes: true,
            no_hooks: false,
            groups: Vec::new(),
        };
        let job = NewJob {
            kind: "heal".into(),
            group: group.to_string(),
            user: WATCHER.into(),
            approved_by: None,
            command: format!(
                "jdeploy restart --group {group} --host {} --container {}",
                unit.host, unit.container
            ),
        };
        let started = server.spawn_job(job, |server, frontend| async move {
            server.app.lifecycle(&request, &frontend).await
        });
        let (detail, job) = match started {
            Ok(view) => (
                format!("{}: restarting (job {})", condition.describe(), view.id),
                Some(view.id),
            ),
            Err(err) => (
                format!("{}: not restarted: {}", condition.describe(), err.message),
                None,
            ),
        };
        let event = event("heal", unit, condition, detail, job);
        tell(server, look, event, EventKind::Heal, unit).await;
    }
}
