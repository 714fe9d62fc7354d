//! The archives deploy and rollback unpack at `/` in a container.
//!
//! A deploy first writes every file of the release under `/.jdeploy/releases/<id>/`, at
//! its path there, with the release's manifest; later entries of the same archive then
//! hard-link each file into place. A link entry carries no data: once the engine has read
//! it, it unlinks the old file and links the new one at once, so an upload cut short
//! leaves each destination with its old content or its new content, never part of a file.
//! The container's state is written twice around the links: before them naming the
//! release pending and held (no start puts it in place), after them pending alone. An
//! upload cut short before the links leaves the old release settled; cut among them, the
//! release stays pending until a deploy writes it again. A release the container already
//! keeps, and a rollback, send only the states and the link entries: the files put back
//! are the very bytes that release wrote. No archive follows the restart: the state
//! records the container's start time, and a later one puts the pending release in
//! place. Only a container that failed on the release gets one more, small archive
//! saying so, so the next deploy retries it instead of taking it for done.

use std::sync::Arc;

use bytes::Bytes;
use tar::{EntryType, Header};

use crate::copies::{CopyTree, TreeEntry};
use crate::layout::{
    release_dir, LEGACY_CURRENT_LINK, LEGACY_LINK_TARGET, LEGACY_PENDING_LINK, MANIFEST_IN_RELEASE,
    STATE_FILE, STATE_IN_RELEASE,
};
use crate::release::{copy_manifests, EntryKind, Manifest, ReleaseFlags, State};
use crate::render::RenderedContainer;

/// A release's files as deploy uploads them into one container. The archive is made
/// only when it is about to be sent, so memory holds the few in flight, not one per
/// container.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub manifest: Manifest,
    rendered: RenderedContainer,
    /// Read once, shared by every container of the group.
    copies: Arc<[CopyTree]>,
    /// Seconds since the epoch, stamped on the files written; not part of the release.
    mtime: u64,
}

impl Bundle {
    pub fn new(
        rendered: RenderedContainer,
        copies: Arc<[CopyTree]>,
        manifest: Manifest,
        mtime: u64,
    ) -> Self {
        Self {
            manifest,
            rendered,
            copies,
            mtime,
        }
    }

    /// A release with no environment and no flags, for tools that build archives
    /// outside a deploy.
    pub fn first(
        rendered: RenderedContainer,
        copies: Arc<[CopyTree]>,
        image: &str,
        mtime: u64,
    ) -> Self {
        let manifest = Manifest::new(
            &rendered,
            &copy_manifests(&copies),
            image,
            &[],
            ReleaseFlags::default(),
        );
        Self::new(rendered, copies, manifest, mtime)
    }

    pub fn release(&self) -> &str {
        &self.manifest.release
    }

    /// The tar archive to unpack at `/`: the release's files under its directory, the
    /// container's state, then the files linked into place.
    pub fn archive(&self, record: &Record) -> Result<Bytes, ArchiveError> {
        let mut archive = Archive::new(self.mtime);
        let staging = relative(&release_dir(self.release()));
        // Replaces what pruning a release of the same id left at its path.
        archive.dir(&staging, 0o755);
        for copy in self.copies.iter() {
            let staged = join(&staging, &relative(&copy.dest));
            for entry in &copy.entries {
                match entry {
                    TreeEntry::Dir { path, mode } => archive.dir(&join(&staged, path), *mode),
                    TreeEntry::File { path, mode, data } => {
                        archive.file(&join(&staged, path), *mode, data)
                    }
                    TreeEntry::Symlink { path, target } => {
                        archive.symlink(&join(&staged, path), target)
                    }
                }
            }
        }
        for file in &self.rendered.files {
            let staged = join(&staging, &relative(&file.dest));
            archive.file(&staged, file.mode, file.content.as_bytes());
        }
        // Last of the release's own files: a manifest means the files before it are whole.
        let manifest = serde_json::to_vec_pretty(&self.manifest).expect("a manifest serializes");
        archive.file(&join(&staging, MANIFEST_IN_RELEASE), 0o644, &manifest);
        record.write_placed(&mut archive, &self.manifest);
        archive.finish()
    }
}

/// What an upload records besides files: the container's state, the releases whose
/// files go, and whether the links earlier versions read are still to be made to name no
/// release.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub state: &'a State,
    pub pruned: &'a [String],
    pub legacy_links: bool,
}

impl<'a> Record<'a> {
    /// Only the state.
    pub fn state(state: &'a State) -> Self {
        Self {
            state,
            pruned: &[],
            legacy_links: false,
        }
    }

    /// The links of `manifest`'s files between the state held and the state itself.
    fn write_placed(&self, archive: &mut Archive, manifest: &Manifest) {
        write_state(archive, &self.state.placing());
        place(archive, manifest);
        write_state(archive, self.state);
        self.write_rest(archive);
    }

    fn write_rest(&self, archive: &mut Archive) {
        for release in self.pruned {
            // A non-directory entry replaces a directory, contents and all.
            archive.symlink(&relative(&release_dir(release)), "pruned");
        }
        if self.legacy_links {
            for link in [LEGACY_CURRENT_LINK, LEGACY_PENDING_LINK] {
                archive.symlink(&relative(link), LEGACY_LINK_TARGET);
            }
        }
    }
}

/// Staged in the directory of the release it names, then linked over the file in place,
/// so it is replaced whole.
fn write_state(archive: &mut Archive, state: &State) {
    let json = serde_json::to_vec_pretty(state).expect("a state serializes");
    let Some(release) = state.release() else {
        archive.file(&relative(STATE_FILE), 0o644, &json);
        return;
    };
    let staged = join(&relative(&release_dir(release)), STATE_IN_RELEASE);
    archive.file(&staged, 0o644, &json);
    archive.hard_link(&relative(STATE_FILE), &staged, 0o644);
}

/// The archive that puts a kept release back in place from the container's own copy of
/// it: the states and links only, no file data.
pub fn reinstate_archive(
    manifest: &Manifest,
    record: &Record,
    mtime: u64,
) -> Result<Bytes, ArchiveError> {
    let mut archive = Archive::new(mtime);
    record.write_placed(&mut archive, manifest);
    archive.finish()
}

/// The archive that records a state and nothing else: what a rollback that moves no file
/// changes, or that a container failed on its pending release.
pub fn record_archive(record: &Record, mtime: u64) -> Result<Bytes, ArchiveError> {
    let mut archive = Archive::new(mtime);
    write_state(&mut archive, record.state);
    record.write_rest(&mut archive);
    archive.finish()
}

/// Links every file of the release into place from where the release keeps it.
fn place(archive: &mut Archive, manifest: &Manifest) {
    let release_dir = relative(&release_dir(&manifest.release));
    for copy in &manifest.copies {
        let dest = relative(&copy.dest);
        if copy.clean {
            // Docker replaces an existing directory by a non-directory of the same
            // name, so a symlink entry followed by a directory entry empties `dest`.
            archive.symlink(&dest, ".");
            archive.dir(&dest, 0o755);
        }
        let staged = join(&release_dir, &dest);
        for entry in &copy.entries {
            let path = join(&dest, &entry.path);
            match entry.kind {
                EntryKind::Dir => archive.dir(&path, entry.mode.unwrap_or(0o755)),
                EntryKind::File => archive.hard_link(
                    &path,
                    &join(&staged, &entry.path),
                    entry.mode.unwrap_or(0o644),
                ),
                EntryKind::Symlink => archive.symlink(&path, entry.target.as_deref().unwrap_or("")),
            }
        }
    }
    for file in &manifest.files {
        let dest = relative(&file.dest);
        archive.hard_link(&dest, &join(&release_dir, &dest), file.mode);
    }
}

/// Archive paths are relative to `/`, where the engine unpacks them.
fn relative(path: &str) -> String {
    path.trim_start_matches('/')
        .trim_end_matches('/')
        .to_string()
}

fn join(dir: &str, path: &str) -> String {
    if dir.is_empty() {
        path.to_string()
    } else {
        format!("{dir}/{path}")
    }
}

/// A tar archive in memory; owned by root, as files written by the engine would be.
/// Why an archive could not be made: a path tar will not write (`..`, absolute), which
/// only a manifest a container forged can hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot make its archive: {0}")]
pub struct ArchiveError(String);

struct Archive {
    builder: tar::Builder<Vec<u8>>,
    /// Seconds since the epoch, stamped on every entry; not part of the release id.
    mtime: u64,
    /// The first entry that could not be written; the archive is refused whole.
    error: Option<String>,
}

impl Archive {
    fn new(mtime: u64) -> Self {
        Self {
            builder: tar::Builder::new(Vec::new()),
            mtime,
            error: None,
        }
    }

    fn keep(&mut self, path: &str, written: std::io::Result<()>) {
        if let (Err(err), None) = (written, &self.error) {
            self.error = Some(format!("{path}: {err}"));
        }
    }

    fn header(&self, kind: EntryType, mode: u32, size: u64) -> Header {
        let mut header = Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_size(size);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(self.mtime);
        header
    }

    fn dir(&mut self, path: &str, mode: u32) {
        let mut header = self.header(EntryType::Directory, mode, 0);
        self.append(&mut header, path, &[][..]);
    }

    fn file(&mut self, path: &str, mode: u32, data: &[u8]) {
        let mut header = self.header(EntryType::Regular, mode, data.len() as u64);
        self.append(&mut header, path, data);
    }

    fn symlink(&mut self, path: &str, target: &str) {
        let mut header = self.header(EntryType::Symlink, 0o777, 0);
        let written = self.builder.append_link(&mut header, path, target);
        self.keep(path, written);
    }

    /// Docker applies a link entry's mode to the file it links, so it repeats the file's.
    fn hard_link(&mut self, path: &str, target: &str, mode: u32) {
        let mut header = self.header(EntryType::Link, mode, 0);
        let written = self.builder.append_link(&mut header, path, target);
        self.keep(path, written);
    }

    fn append(&mut self, header: &mut Header, path: &str, data: &[u8]) {
        let written = self.builder.append_data(header, path, data);
        self.keep(path, written);
    }

    fn finish(self) -> Result<Bytes, ArchiveError> {
        if let Some(error) = self.error {
            return Err(ArchiveError(error));
        }
        self.builder
            .into_inner()
            .map(Bytes::from)
            .map_err(|err| ArchiveError(err.to_string()))
    }
}

#[cfg(test)]
mod tests;
