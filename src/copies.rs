//! A local directory read once, to be copied into every container of a group.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::inventory::Copy;

/// Copied files belong to root in the container: setuid and setgid bits would hand root to
/// whoever runs them, so they are dropped, and the sticky bit on files with them.
const FILE_MODE_BITS: u32 = 0o777;
const DIR_MODE_BITS: u32 = 0o1777;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeEntry {
    Dir {
        path: String,
        mode: u32,
    },
    File {
        path: String,
        mode: u32,
        data: Arc<[u8]>,
    },
    Symlink {
        path: String,
        target: String,
    },
}

/// A copy source's contents, paths relative to it, parents before children, sorted.
#[derive(Debug, Clone)]
pub struct CopyTree {
    pub dest: String,
    pub clean: bool,
    pub entries: Vec<TreeEntry>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", path.display())]
pub struct ReadError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

pub fn read_tree(copy: &Copy) -> Result<CopyTree, ReadError> {
    let root = std::fs::metadata(&copy.src).map_err(|source| ReadError {
        path: copy.src.clone(),
        source,
    })?;
    if !root.is_dir() {
        return Err(ReadError {
            path: copy.src.clone(),
            source: io::Error::other("not a directory"),
        });
    }
    let mut entries = Vec::new();
    for entry in WalkDir::new(&copy.src)
        .sort_by_file_name()
        .follow_links(false)
    {
        let entry = entry.map_err(|err| {
            let path = err.path().unwrap_or(&copy.src).to_path_buf();
            ReadError {
                path,
                source: err
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("file system loop")),
            }
        })?;
        if entry.depth() == 0 {
            continue;
        }
        let fail = |source| ReadError {
            path: entry.path().to_path_buf(),
            source,
        };
        let path = relative(&copy.src, entry.path()).ok_or_else(|| fail(not_utf8()))?;
        let metadata = entry.metadata().map_err(|err| fail(err.into()))?;
        let mode = metadata.permissions().mode();
        let file_type = entry.file_type();
        if file_type.is_dir() {
            let mode = mode & DIR_MODE_BITS;
            entries.push(TreeEntry::Dir { path, mode });
        } else if file_type.is_symlink() {
            let target = std::fs::read_link(entry.path()).map_err(fail)?;
            let target = target.to_str().ok_or_else(|| fail(not_utf8()))?.to_string();
            entries.push(TreeEntry::Symlink { path, target });
        } else if file_type.is_file() {
            let mode = mode & FILE_MODE_BITS;
            let data = std::fs::read(entry.path()).map_err(fail)?;
            entries.push(TreeEntry::File {
                path,
                mode,
                data: data.into(),
            });
        } else {
            return Err(fail(io::Error::other(
                "only files, directories and symlinks can be copied",
            )));
        }
    }
    Ok(CopyTree {
        dest: copy.dest.clone(),
        clean: copy.clean,
        entries,
    })
}

/// Names are kept as text: converting a name that is not UTF-8 could give two files one name.
fn relative(root: &Path, path: &Path) -> Option<String> {
    path.strip_prefix(root)
        .expect("walkdir yields paths under its root")
        .to_str()
        .map(str::to_string)
}

fn not_utf8() -> io::Error {
    io::Error::other("the name is not valid UTF-8")
}

#[cfg(test)]
mod tests;
