//! The archive deploy unpacks at `/` in a container, and its content address.
//!
//! Rendered files are written under `/.jdeploy/releases/<id>/` and then hard-linked into
//! place by later entries of the same archive. A link entry carries no data: once the
//! engine has read it, it unlinks the old file and links the new one at once, so an upload
//! cut short leaves each destination with its old content or its new content, never part
//! of a file.

mod tree;

pub use tree::{read_tree, CopyTree, ReadError, TreeEntry};

use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tar::{EntryType, Header};

use crate::inventory::JDEPLOY_DIR;
use crate::render::RenderedContainer;

/// A symlink to the directory of the release a container runs, written last: its target
/// can be read without reading a file (`HEAD /containers/{id}/archive`).
pub const CURRENT_LINK: &str = "/.jdeploy/current";

/// What deploy uploads into one container. The archive is made only when it is about to
/// be sent, so memory holds the few in flight, not one per container.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// SHA-256 over every path, mode and byte the bundle writes.
    pub release: String,
    rendered: RenderedContainer,
    /// Read once, shared by every container of the group.
    copies: Arc<[CopyTree]>,
    /// Seconds since the epoch, stamped on the files written; not part of `release`.
    mtime: u64,
}

impl Bundle {
    pub fn new(rendered: RenderedContainer, copies: Arc<[CopyTree]>, mtime: u64) -> Self {
        Self {
            release: release_id(&rendered, &copies),
            rendered,
            copies,
            mtime,
        }
    }

    /// Where this bundle's rendered files live inside the container.
    pub fn release_dir(&self) -> String {
        format!("{JDEPLOY_DIR}/releases/{}", self.release)
    }

    /// The tar archive to unpack at `/`.
    pub fn archive(&self) -> Bytes {
        let mut archive = Archive::new(self.mtime);
        for copy in self.copies.iter() {
            let dest = relative(&copy.dest);
            if copy.clean {
                // Docker replaces an existing directory by a non-directory of the same
                // name, so a symlink entry followed by a directory entry empties `dest`.
                archive.symlink(&dest, ".");
                archive.dir(&dest, 0o755);
            }
            for entry in &copy.entries {
                match entry {
                    TreeEntry::Dir { path, mode } => archive.dir(&join(&dest, path), *mode),
                    TreeEntry::File { path, mode, data } => {
                        archive.file(&join(&dest, path), *mode, data)
                    }
                    TreeEntry::Symlink { path, target } => {
                        archive.symlink(&join(&dest, path), target)
                    }
                }
            }
        }
        let release_dir = relative(&self.release_dir());
        for file in &self.rendered.files {
            let staged = join(&release_dir, &relative(&file.dest));
            archive.file(&staged, file.mode, file.content.as_bytes());
            archive.hard_link(&relative(&file.dest), &staged, file.mode);
        }
        archive.symlink(&relative(CURRENT_LINK), &current_target(&self.release));
        archive.finish().into()
    }
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

fn release_id(rendered: &RenderedContainer, copies: &[CopyTree]) -> String {
    let mut hash = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    for file in &rendered.files {
        field(b"file");
        field(file.dest.as_bytes());
        field(&file.mode.to_le_bytes());
        field(file.content.as_bytes());
    }
    for copy in copies {
        field(b"copy");
        field(copy.dest.as_bytes());
        field(&[u8::from(copy.clean)]);
        for entry in &copy.entries {
            match entry {
                TreeEntry::Dir { path, mode } => {
                    field(b"dir");
                    field(path.as_bytes());
                    field(&mode.to_le_bytes());
                }
                TreeEntry::File { path, mode, data } => {
                    field(b"file");
                    field(path.as_bytes());
                    field(&mode.to_le_bytes());
                    field(data);
                }
                TreeEntry::Symlink { path, target } => {
                    field(b"symlink");
                    field(path.as_bytes());
                    field(target.as_bytes());
                }
            }
        }
    }
    format!("{:x}", hash.finalize())
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
struct Archive {
    builder: tar::Builder<Vec<u8>>,
    /// Seconds since the epoch, stamped on every entry; not part of the release id.
    mtime: u64,
}

impl Archive {
    fn new(mtime: u64) -> Self {
        Self {
            builder: tar::Builder::new(Vec::new()),
            mtime,
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
        self.builder
            .append_link(&mut header, path, target)
            .expect("writing to memory cannot fail");
    }

    /// Docker applies a link entry's mode to the file it links, so it repeats the file's.
    fn hard_link(&mut self, path: &str, target: &str, mode: u32) {
        let mut header = self.header(EntryType::Link, mode, 0);
        self.builder
            .append_link(&mut header, path, target)
            .expect("writing to memory cannot fail");
    }

    fn append(&mut self, header: &mut Header, path: &str, data: &[u8]) {
        self.builder
            .append_data(header, path, data)
            .expect("writing to memory cannot fail");
    }

    fn finish(self) -> Vec<u8> {
        self.builder
            .into_inner()
            .expect("writing to memory cannot fail")
    }
}

#[cfg(test)]
mod tests;
