//! What a release writes into a container, described well enough to put it back in place
//! from the container's own copy, with no source directory and no re-rendering.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::copies::{CopyTree, TreeEntry};
use crate::render::RenderedContainer;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// SHA-256 of this manifest with the release left empty; names the release.
    pub release: String,
    pub group: String,
    pub container: String,
    /// The image id the container runs.
    pub image: String,
    /// The container's environment.
    pub env: Vec<String>,
    pub flags: ReleaseFlags,
    pub files: Vec<ManifestFile>,
    pub copies: Vec<ManifestCopy>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseFlags {
    pub monitor: bool,
    pub mode: Option<String>,
}

/// A rendered file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub dest: String,
    pub mode: u32,
    pub sha256: String,
}

/// A copied directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestCopy {
    pub dest: String,
    pub clean: bool,
    pub entries: Vec<ManifestEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    Dir,
    File,
    Symlink,
}

/// One entry of a copied directory, its path relative to the copy's `dest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub path: String,
    pub kind: EntryKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl Manifest {
    /// The manifest of `rendered` and `copies` deployed into a container running `image`
    /// with `env`; its release id is the hash of all of it.
    pub fn new(
        rendered: &RenderedContainer,
        copies: &[ManifestCopy],
        image: &str,
        env: &[String],
        flags: ReleaseFlags,
    ) -> Self {
        let mut manifest = Self {
            release: String::new(),
            group: rendered.group.clone(),
            container: rendered.container.clone(),
            image: image.to_string(),
            env: env.to_vec(),
            flags,
            files: rendered
                .files
                .iter()
                .map(|file| ManifestFile {
                    dest: file.dest.clone(),
                    mode: file.mode,
                    sha256: sha256(file.content.as_bytes()),
                })
                .collect(),
            copies: copies.to_vec(),
        };
        manifest.release = manifest.content_hash();
        manifest
    }

    /// The hash of everything but the release id itself.
    pub fn content_hash(&self) -> String {
        let unnamed = Self {
            release: String::new(),
            ..self.clone()
        };
        sha256(&serde_json::to_vec(&unnamed).expect("a manifest serializes"))
    }

    pub fn file(&self, dest: &str) -> Option<&ManifestFile> {
        self.files.iter().find(|file| file.dest == dest)
    }
}

/// The copies' manifests, made once per group: hashing is the costly part.
pub fn copy_manifests(trees: &[CopyTree]) -> Vec<ManifestCopy> {
    trees
        .iter()
        .map(|tree| ManifestCopy {
            dest: tree.dest.clone(),
            clean: tree.clean,
            entries: tree
                .entries
                .iter()
                .map(|entry| match entry {
                    TreeEntry::Dir { path, mode } => ManifestEntry {
                        path: path.clone(),
                        kind: EntryKind::Dir,
                        mode: Some(*mode),
                        target: None,
                        sha256: None,
                    },
                    TreeEntry::File { path, mode, data } => ManifestEntry {
                        path: path.clone(),
                        kind: EntryKind::File,
                        mode: Some(*mode),
                        target: None,
                        sha256: Some(sha256(data)),
                    },
                    TreeEntry::Symlink { path, target } => ManifestEntry {
                        path: path.clone(),
                        kind: EntryKind::Symlink,
                        mode: None,
                        target: Some(target.clone()),
                        sha256: None,
                    },
                })
                .collect(),
        })
        .collect()
}

pub fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

impl Manifest {
    /// The first path jdeploy would never have written: not a plain absolute path, `/`
    /// itself, under `/.jdeploy`, or an entry that climbs out of its copy. Only a manifest
    /// a container forged names one.
    pub fn unsafe_path(&self) -> Option<&str> {
        let destinations = self
            .files
            .iter()
            .map(|file| file.dest.as_str())
            .chain(self.copies.iter().map(|copy| copy.dest.as_str()));
        for dest in destinations {
            let plain = dest
                .strip_prefix('/')
                .is_some_and(|rest| !rest.is_empty() && plain_parts(rest));
            if !plain || crate::layout::is_reserved(dest) {
                return Some(dest);
            }
        }
        self.copies
            .iter()
            .flat_map(|copy| &copy.entries)
            .map(|entry| entry.path.as_str())
            .find(|path| path.starts_with('/') || !plain_parts(path))
    }
}

/// Every `/`-separated part is a name: no empty part, no `.` or `..`.
fn plain_parts(path: &str) -> bool {
    path.split('/')
        .all(|part| !part.is_empty() && part != "." && part != "..")
}
