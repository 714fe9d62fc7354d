//! The releases a container keeps, one entry per deploy that put one in place, oldest
//! first. A rollback marks the deploys it went back past as undone, so going back again
//! goes further back instead of returning to them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    pub releases: Vec<KeptRelease>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptRelease {
    pub release: String,
    /// The deploy that put it there, shared by every container that deploy changed.
    pub deploy: String,
    /// When that deploy ran (RFC 3339 with nanoseconds, UTC): the same for every
    /// container of one deploy, and later than every deploy the group had before it, so
    /// containers line up by it.
    pub deployed_at: String,
    /// user@machine.
    pub by: String,
    /// A rollback went back past this deploy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undone: bool,
}

impl Kept {
    /// The list once `entry` is deployed, keeping the newest `keep` distinct releases and
    /// always `in_place`, the release it replaces. Also returns the releases dropped.
    pub fn deployed(
        &self,
        entry: KeptRelease,
        keep: usize,
        in_place: Option<&str>,
    ) -> (Kept, Vec<String>) {
        let mut releases = self.releases.clone();
        releases.push(entry);
        // Newest first, each release once.
        let mut newest: Vec<&str> = Vec::new();
        for kept in releases.iter().rev() {
            if !newest.contains(&kept.release.as_str()) {
                newest.push(&kept.release);
            }
        }
        let pruned: Vec<String> = newest
            .iter()
            .skip(keep.max(1))
            .filter(|release| Some(**release) != in_place)
            .map(|release| release.to_string())
            .collect();
        releases.retain(|kept| !pruned.contains(&kept.release));
        (Kept { releases }, pruned)
    }

    /// The list once the container is rolled back to the state of the deploy at `at`:
    /// every later deploy is undone, every other one not.
    pub fn rolled_back_to(&self, at: &str) -> Kept {
        let releases = self
            .releases
            .iter()
            .map(|kept| KeptRelease {
                undone: kept.deployed_at.as_str() > at,
                ..kept.clone()
            })
            .collect();
        Kept { releases }
    }

    /// The newest deploy of `release`, undone or not.
    pub fn find(&self, release: &str) -> Option<&KeptRelease> {
        self.releases
            .iter()
            .rev()
            .find(|kept| kept.release == release)
    }

    /// The latest time of any deploy the container had.
    pub fn latest(&self) -> Option<&str> {
        self.releases
            .iter()
            .map(|kept| kept.deployed_at.as_str())
            .max()
    }
}
