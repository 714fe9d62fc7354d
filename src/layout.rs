//! Where jdeploy keeps its own files inside every container, in one place:
//!
//! ```text
//! /.jdeploy/releases/<id>/          every file a release wrote, at its path
//! /.jdeploy/releases/<id>/.jdeploy/manifest.json   what that release wrote
//! /.jdeploy/releases.json           the kept releases, oldest first
//! /.jdeploy/current -> releases/<id>   the release the container restarted on
//! /.jdeploy/pending -> releases/<id>   the release whose files were put in place last
//! ```

/// jdeploy's own directory in every container; no template or copy may write there.
pub const JDEPLOY_DIR: &str = "/.jdeploy";

/// A symlink to the directory of the release a container runs, written last: its target
/// can be read without reading a file (`HEAD /containers/{id}/archive`).
pub const CURRENT_LINK: &str = "/.jdeploy/current";

/// A symlink to the release whose files were put in place last, written with them: when
/// it differs from [`CURRENT_LINK`], the container did not restart on those files.
pub const PENDING_LINK: &str = "/.jdeploy/pending";

/// Where a container's kept releases are listed.
pub const KEPT_FILE: &str = "/.jdeploy/releases.json";

/// A release's manifest, relative to its directory.
pub const MANIFEST_IN_RELEASE: &str = ".jdeploy/manifest.json";

/// The kept list as a release writes it, relative to its directory, linked to
/// [`KEPT_FILE`].
pub const KEPT_IN_RELEASE: &str = ".jdeploy/releases.json";

/// Where a release keeps its files inside the container.
pub fn release_dir(release: &str) -> String {
    format!("{JDEPLOY_DIR}/releases/{release}")
}

/// Where [`CURRENT_LINK`] points for `release`.
pub fn current_target(release: &str) -> String {
    format!("releases/{release}")
}

/// The release a [`CURRENT_LINK`] target names.
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
