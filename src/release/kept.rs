//! The releases a container keeps, one entry per deploy that put one in place, oldest
//! first. A rollback marks the deploys it went back past as undone, so going back again
//! goes further back instead of returning to them.

use serde::{Deserialize, Serialize};

/// Entries kept per kept release, at most: redeploying the same releases over and over
/// must not grow the list without end.
const ENTRIES_PER_RELEASE: usize = 4;

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
    /// always `in_place`, the release it replaces. Entries are dropped oldest first, so
    /// what remains is an unbroken stretch of the container's recent history. Also
    /// returns the releases no entry names any more, whose files can go.
    pub fn deployed(
        &self,
        entry: KeptRelease,
        keep: usize,
        in_place: Option<&str>,
    ) -> (Kept, Vec<String>) {
        let keep = keep.max(1);
        let mut all = self.releases.clone();
        all.push(entry);
        // The newest `keep` distinct releases, newest first.
        let mut keepers: Vec<&str> = Vec::new();
        for kept in all.iter().rev() {
            if keepers.len() < keep && !keepers.contains(&kept.release.as_str()) {
                keepers.push(&kept.release);
            }
        }
        // Cut before the newest entry of a release not kept, and bound the length
        // however often the same releases come back.
        let cut = all
            .iter()
            .rposition(|kept| !keepers.contains(&kept.release.as_str()))
            .map_or(0, |index| index + 1)
            .max(all.len().saturating_sub(keep * ENTRIES_PER_RELEASE));
        let mut releases: Vec<KeptRelease> = all[cut..].to_vec();
        if let Some(in_place) = in_place {
            let missing = !releases.iter().any(|kept| kept.release == in_place);
            if let Some(older) = all[..cut]
                .iter()
                .rev()
                .find(|kept| kept.release == in_place)
            {
                if missing {
                    releases.insert(0, older.clone());
                }
            }
        }
        let mut pruned: Vec<String> = Vec::new();
        for kept in &all {
            let gone = !releases.iter().any(|left| left.release == kept.release);
            if gone && !pruned.contains(&kept.release) {
                pruned.push(kept.release.clone());
            }
        }
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

    /// Whether every entry names a release by a full SHA-256, as jdeploy writes them:
    /// the ids become paths in the container.
    pub fn is_well_formed(&self) -> bool {
        self.releases
            .iter()
            .all(|kept| super::state::is_release_id(&kept.release))
    }

    /// The list without the entries of `pruned` releases, whose files are gone.
    pub fn without(&self, pruned: &[String]) -> Kept {
        let releases = self
            .releases
            .iter()
            .filter(|kept| !pruned.contains(&kept.release))
            .cloned()
            .collect();
        Kept { releases }
    }

    /// The latest time of any deploy the container had.
    pub fn latest(&self) -> Option<&str> {
        self.releases
            .iter()
            .map(|kept| kept.deployed_at.as_str())
            .max()
    }
}
