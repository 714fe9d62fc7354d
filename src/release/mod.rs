//! Releases as containers keep them: what each release wrote (its manifest), which ones a
//! container keeps, and which earlier one a rollback goes back to. Pure.
//!
//! In a container, `/.jdeploy/releases/<id>/` holds every file a release wrote, at its
//! path, with `.jdeploy/manifest.json` describing them; `/.jdeploy/releases.json` lists
//! the kept releases, oldest first, with the release in place and the one pending (its
//! state).

mod kept;
mod manifest;
mod state;
mod timeline;

pub use kept::{Kept, KeptRelease};
pub use manifest::{
    copy_manifests, sha256, EntryKind, Manifest, ManifestCopy, ManifestEntry, ManifestFile,
    ReleaseFlags,
};
pub use state::{is_release_id, Held, Pending, Reading, State, StateError, LAYOUT};
pub use timeline::{
    contradictions, resolve, Resolved, RollbackTarget, TargetError, Timeline, CLOCK_SKEW,
};

/// Release ids are shown by their first 12 hex digits, as Docker shows image ids.
pub fn short(release: &str) -> &str {
    let end = release
        .char_indices()
        .nth(12)
        .map_or(release.len(), |(index, _)| index);
    &release[..end]
}

#[cfg(test)]
mod tests;
