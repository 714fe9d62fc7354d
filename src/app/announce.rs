//! Telling a group's `notify` targets what a deploy or rollback did. What cannot be sent
//! is a warning: it never changes the run's result.

use super::{Frontend, RunReport};
use crate::inventory::Group;
use crate::notify::{notify, Event, EventKind};

/// A deploy or rollback of `group` starts.
pub(super) async fn announce_start(group: &Group, command: &str, frontend: &dyn Frontend) {
    if group.notify.is_empty() {
        return;
    }
    let event = Event::started(&group.name, command, frontend.operator());
    for warning in notify(&group.notify, &event).await {
        frontend.warning(&warning);
    }
}

/// What `report` says, to each target once, as the first event it asks for of those
/// that fit: a deploy put back is a rollback and a failure.
pub(super) async fn announce(
    group: &Group,
    report: &RunReport,
    deploy: Option<String>,
    frontend: &dyn Frontend,
) {
    let kinds: &[EventKind] = match (report.command.as_str(), report.ok()) {
        ("rollback", true) => &[EventKind::Rollback],
        (_, true) => &[EventKind::Success],
        (_, false) if report.rolled_back => &[EventKind::Rollback, EventKind::Failure],
        (_, false) => &[EventKind::Failure],
    };
    let operator = frontend.operator();
    let sends = group.notify.iter().filter_map(|target| {
        let kind = kinds.iter().copied().find(|kind| target.wants(*kind))?;
        let event = Event::from_report(kind, report, deploy.clone(), operator.clone());
        Some(async move { notify(std::slice::from_ref(target), &event).await })
    });
    for warning in futures::future::join_all(sends).await.into_iter().flatten() {
        frontend.warning(&warning);
    }
}
