//! The releases a container keeps, oldest first.

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
    /// When that deploy ran (RFC 3339, the deploying machine's clock): the same for
    /// every container of one deploy, so containers can be lined up by it.
    pub deployed_at: String,
    /// user@machine.
    pub by: String,
}

impl Kept {
    /// The list once `entry` is deployed: it goes last (dropping an earlier deploy of the
    /// same release), and only the newest `keep` stay. Also returns the releases dropped.
    pub fn deployed(&self, entry: KeptRelease, keep: usize) -> (Kept, Vec<String>) {
        let mut releases: Vec<KeptRelease> = self
            .releases
            .iter()
            .filter(|kept| kept.release != entry.release)
            .cloned()
            .collect();
        releases.push(entry);
        let excess = releases.len().saturating_sub(keep.max(1));
        let pruned = releases.drain(..excess).map(|kept| kept.release).collect();
        (Kept { releases }, pruned)
    }

    pub fn find(&self, release: &str) -> Option<&KeptRelease> {
        self.releases.iter().find(|kept| kept.release == release)
    }
}
