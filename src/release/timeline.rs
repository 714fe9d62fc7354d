//! Which release each container goes back to. Containers of a group line up by their
//! deploys' times: one deploy stamps every container it changes with the same time, so
//! "one step back" means the state before the group's last deploy, also for containers
//! that deploy left unchanged. Deploys a rollback went back past do not count as steps.

use super::kept::{Kept, KeptRelease};

/// A container's releases, as its host keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    pub current: Option<String>,
    pub kept: Kept,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackTarget<'a> {
    /// The deploy, or a container's release, whose id starts with this.
    To(&'a str),
    /// This many of the group's deploys back from the one in place.
    Steps(usize),
}

/// Where a container goes: the release, and the deploy whose state it restores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub release: KeptRelease,
    /// The time of the deploy the group goes back to.
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("never deployed, so there is no release to go back to")]
    NeverDeployed,
    #[error("no kept release or deploy of the selected containers starts with `{0}`")]
    Unknown(String),
    #[error(
        "`{prefix}` starts the ids of releases from {count} different deploys; give more digits"
    )]
    Ambiguous { prefix: String, count: usize },
    #[error("the hosts keep {available} earlier deploy(s) of these containers, not {steps}")]
    PastKept { steps: usize, available: usize },
    #[error("keeps no release from the deploy at {at} or before (it keeps {kept}, the oldest from {oldest}); --container narrows the rollback to the containers that have one")]
    NotKept {
        at: String,
        kept: usize,
        oldest: String,
    },
}

/// For each timeline, the release to put back; a group-wide error when the target itself
/// cannot be found.
pub fn resolve(
    timelines: &[Timeline],
    target: RollbackTarget,
) -> Result<Vec<Result<Resolved, TargetError>>, TargetError> {
    let at = match target {
        RollbackTarget::To(prefix) => deploy_matching(timelines, prefix)?,
        RollbackTarget::Steps(steps) => deploy_steps_back(timelines, steps)?,
    };
    Ok(timelines
        .iter()
        .map(|timeline| {
            release_at(timeline, &at).map(|release| Resolved {
                release,
                at: at.clone(),
            })
        })
        .collect())
}

/// The distinct deploy times among `entries`, oldest first. RFC 3339 times with
/// nanoseconds, all in UTC, sort as text.
fn times<'a>(entries: impl Iterator<Item = &'a KeptRelease>) -> Vec<&'a str> {
    let mut times: Vec<&str> = entries.map(|kept| kept.deployed_at.as_str()).collect();
    times.sort_unstable();
    times.dedup();
    times
}

fn all_entries(timelines: &[Timeline]) -> impl Iterator<Item = &KeptRelease> {
    timelines
        .iter()
        .flat_map(|timeline| &timeline.kept.releases)
}

/// The time of the deploy `prefix` names: a deploy id's prefix, or a release id's, which
/// means that release's newest deploy.
fn deploy_matching(timelines: &[Timeline], prefix: &str) -> Result<String, TargetError> {
    // What the prefix names, each with the newest time it was deployed.
    let mut named: Vec<(&str, &str)> = Vec::new();
    for kept in all_entries(timelines) {
        let name = if kept.deploy.starts_with(prefix) {
            kept.deploy.as_str()
        } else if kept.release.starts_with(prefix) {
            kept.release.as_str()
        } else {
            continue;
        };
        match named.iter_mut().find(|(known, _)| *known == name) {
            Some((_, at)) => *at = (*at).max(kept.deployed_at.as_str()),
            None => named.push((name, &kept.deployed_at)),
        }
    }
    let mut times: Vec<&str> = named.iter().map(|(_, at)| *at).collect();
    times.sort_unstable();
    times.dedup();
    match times.as_slice() {
        [] => Err(TargetError::Unknown(prefix.to_string())),
        [at] => Ok(at.to_string()),
        many => Err(TargetError::Ambiguous {
            prefix: prefix.to_string(),
            count: many.len(),
        }),
    }
}

fn deploy_steps_back(timelines: &[Timeline], steps: usize) -> Result<String, TargetError> {
    let live = times(all_entries(timelines).filter(|kept| !kept.undone));
    // Where the group stands: the latest deploy in place on any of its containers.
    let in_place = timelines
        .iter()
        .filter_map(|timeline| {
            let current = timeline.current.as_deref()?;
            timeline
                .kept
                .find(current)
                .map(|kept| kept.deployed_at.as_str())
        })
        .max()
        .ok_or(TargetError::NeverDeployed)?;
    let index = live.iter().filter(|time| **time <= in_place).count();
    match index.checked_sub(steps + 1) {
        Some(back) => Ok(live[back].to_string()),
        None => Err(TargetError::PastKept {
            steps,
            available: index.saturating_sub(1),
        }),
    }
}

/// The release the container ran right after the deploy at `at`.
fn release_at(timeline: &Timeline, at: &str) -> Result<KeptRelease, TargetError> {
    let releases = &timeline.kept.releases;
    let oldest = releases.first().ok_or(TargetError::NeverDeployed)?;
    releases
        .iter()
        .filter(|kept| kept.deployed_at.as_str() <= at)
        .max_by(|one, other| one.deployed_at.cmp(&other.deployed_at))
        .cloned()
        .ok_or_else(|| TargetError::NotKept {
            at: at.to_string(),
            kept: releases.len(),
            oldest: oldest.deployed_at.clone(),
        })
}

/// How far ahead of this machine's clock an engine's may be and its deploys still count.
pub const CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(600);

/// What one container claims about the group's deploys that the others, or the clock,
/// contradict: a deploy in the future, or a deploy id another container dates otherwise.
/// A container's word must not move the whole group, so it is reported, not followed.
pub fn contradictions(timelines: &[Timeline], now: &str) -> Vec<Option<String>> {
    // Per deploy id, how many containers give each date.
    let mut dates: Vec<(&str, Vec<(&str, usize)>)> = Vec::new();
    for kept in all_entries(timelines) {
        let at = kept.deployed_at.as_str();
        match dates.iter_mut().find(|(deploy, _)| *deploy == kept.deploy) {
            Some((_, seen)) => match seen.iter_mut().find(|(date, _)| *date == at) {
                Some((_, count)) => *count += 1,
                None => seen.push((at, 1)),
            },
            None => dates.push((&kept.deploy, vec![(at, 1)])),
        }
    }
    // The date most containers give, unless no date has a majority of its own.
    let agreed = |deploy: &str| {
        let (_, seen) = dates.iter().find(|(known, _)| *known == deploy)?;
        let most = seen.iter().map(|(_, count)| *count).max()?;
        let mut top = seen.iter().filter(|(_, count)| *count == most);
        let (date, _) = top.next()?;
        top.next().is_none().then_some(*date)
    };
    timelines
        .iter()
        .map(|timeline| {
            timeline.kept.releases.iter().find_map(|kept| {
                if kept.deployed_at.as_str() > now {
                    return Some(format!(
                        "its releases.json dates a deploy at {}, after now",
                        kept.deployed_at
                    ));
                }
                (agreed(&kept.deploy) != Some(kept.deployed_at.as_str())).then(|| {
                    format!(
                        "its releases.json dates deploy {} at {}, which the other containers do not",
                        super::short(&kept.deploy),
                        kept.deployed_at
                    )
                })
            })
        })
        .collect()
}
