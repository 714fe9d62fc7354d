//! Where jdeploy keeps its own files inside every container, in one place:
//!
//! ```text
//! /.jdeploy/releases/<id>/          every file a release wrote, at its path
//! /.jdeploy/releases/<id>/.jdeploy/manifest.json   what that release wrote
//! /.jdeploy/releases.json           the container's state: the kept releases, oldest
//!                                   first, the release in place and the one pending
//! ```
//!
//! Versions before the state file kept the release in place and the pending one in the
//! symlinks `/.jdeploy/current` and `/.jdeploy/pending`: they are read where the state
//! file has no layout, and the next upload makes them name no release.

/// jdeploy's own directory in every container; no template or copy may write there.
pub const JDEPLOY_DIR: &str = "/.jdeploy";

/// The container's state ([`crate::release::State`]), read in one request.
pub const STATE_FILE: &str = "/.jdeploy/releases.json";

/// The state as an upload writes it, relative to the directory of the release it names
/// (the pending one, else the one in place), then linked to [`STATE_FILE`]: a link
/// replaces the file whole.
pub const STATE_IN_RELEASE: &str = ".jdeploy/releases.json";

/// Earlier versions' symlink to the directory of the release in place.
pub const LEGACY_CURRENT_LINK: &str = "/.jdeploy/current";

/// Earlier versions' symlink to the release whose files were put in place last.
pub const LEGACY_PENDING_LINK: &str = "/.jdeploy/pending";

/// Where the legacy links point once the state file holds what they said: no release,
/// so an earlier version sees none in place rather than a stale one.
pub const LEGACY_LINK_TARGET: &str = "releases.json";

/// A release's manifest, relative to its directory.
pub const MANIFEST_IN_RELEASE: &str = ".jdeploy/manifest.json";

/// Where a release keeps its files inside the container.
pub fn release_dir(release: &str) -> String {
    format!("{JDEPLOY_DIR}/releases/{release}")
}

/// The release a legacy link's target names.
pub fn release_of_target(target: &str) -> Option<&str> {
    target
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|release| !release.is_empty() && release.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A destination jdeploy keeps for itself.
pub fn is_reserved(dest: &str) -> bool {
    let dest = dest.trim_end_matches('/');
    dest == JDEPLOY_DIR || dest.starts_with(&format!("{JDEPLOY_DIR}/"))
}
