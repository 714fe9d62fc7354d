//! A container's files in memory, changed and read through tar archives as the Engine
//! API's archive calls do: parents' symlinks are followed, a path's own is not.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use tar::{EntryType, Header};

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Dir { mode: u32, mtime: u64 },
    File { data: Bytes, mode: u32, mtime: u64 },
    Symlink { target: String, mtime: u64 },
}

/// Every path of a container, absolute and clean, to what is there.
#[derive(Debug, Clone)]
pub(crate) struct Files {
    nodes: BTreeMap<String, Node>,
}

/// Symlinks one lookup follows before it gives up, as Linux does.
const MAX_LINKS: usize = 40;
/// Go's `os.ModeDir` and `os.ModeSymlink`, which the path stat header carries.
const GO_MODE_DIR: u32 = 1 << 31;
const GO_MODE_SYMLINK: u32 = 1 << 27;

impl Default for Files {
    fn default() -> Self {
        let root = Node::Dir {
            mode: 0o755,
            mtime: 0,
        };
        Self {
            nodes: BTreeMap::from([("/".to_string(), root)]),
        }
    }
}

impl Files {
    /// Unpacks a tar archive into the directory `at`, as `PUT /containers/{id}/archive`.
    pub fn unpack(&mut self, at: &str, archive: &[u8]) -> Result<(), String> {
        let base = match self.lookup(at, true) {
            Some((path, Node::Dir { .. })) => path,
            Some(_) => return Err(format!("{at} is not a directory")),
            None => return Err(format!("Could not find the file {at}")),
        };
        let failed = |err: std::io::Error| format!("cannot read the archive: {err}");
        let mut archive = tar::Archive::new(archive);
        for entry in archive.entries().map_err(failed)? {
            let mut entry = entry.map_err(failed)?;
            let header = entry.header();
            let kind = header.entry_type();
            let mode = header.mode().unwrap_or(0o644) & 0o7777;
            let mtime = header.mtime().unwrap_or(0);
            let raw = entry.path().map_err(failed)?.to_string_lossy().into_owned();
            let link = entry
                .link_name()
                .map_err(failed)?
                .map(|link| link.to_string_lossy().into_owned());
            let Some(path) = self.place(&join(&base, &raw))? else {
                continue;
            };
            let node = match kind {
                EntryType::Directory => {
                    if let Some(Node::Dir { mode: kept, .. }) = self.nodes.get_mut(&path) {
                        *kept = mode;
                        continue;
                    }
                    Node::Dir { mode, mtime }
                }
                EntryType::Regular | EntryType::Continuous => {
                    let mut data = Vec::new();
                    entry.read_to_end(&mut data).map_err(failed)?;
                    Node::File {
                        data: data.into(),
                        mode,
                        mtime,
                    }
                }
                EntryType::Symlink => Node::Symlink {
                    target: link.unwrap_or_default(),
                    mtime,
                },
                EntryType::Link => {
                    let target = link.unwrap_or_default();
                    let source = self.lookup(&join(&base, &target), false);
                    let Some((source, Node::File { data, .. })) = source else {
                        return Err(format!("hard link target {target} is not a file"));
                    };
                    let data = data.clone();
                    // One inode: the link's mode is the file's.
                    if let Some(Node::File { mode: shared, .. }) = self.nodes.get_mut(&source) {
                        *shared = mode;
                    }
                    Node::File { data, mode, mtime }
                }
                _ => continue,
            };
            self.remove(&path);
            self.nodes.insert(path, node);
        }
        Ok(())
    }

    /// Where an entry for `path` goes once its parents exist, made as directories where
    /// missing; none for the root itself.
    fn place(&mut self, path: &str) -> Result<Option<String>, String> {
        let path = clean(path);
        let Some((parent, name)) = path.rsplit_once('/').filter(|(_, name)| !name.is_empty())
        else {
            return Ok(None);
        };
        let mut at = "/".to_string();
        for part in parent.split('/').filter(|part| !part.is_empty()) {
            let next = join(&at, part);
            match self.nodes.get(&next) {
                None => {
                    let dir = Node::Dir {
                        mode: 0o755,
                        mtime: 0,
                    };
                    self.nodes.insert(next.clone(), dir);
                    at = next;
                }
                Some(Node::Dir { .. }) => at = next,
                Some(Node::Symlink { .. }) => match self.lookup(&next, true) {
                    Some((real, Node::Dir { .. })) => at = real,
                    _ => return Err(format!("{next} is not a directory")),
                },
                Some(Node::File { .. }) => return Err(format!("{next} is not a directory")),
            }
        }
        Ok(Some(join(&at, name)))
    }

    /// Removes `path` and, for a directory, all it holds.
    fn remove(&mut self, path: &str) {
        if path == "/" {
            return;
        }
        self.nodes.remove(path);
        let below: Vec<String> = self.under(path).map(|(key, _)| key.clone()).collect();
        for key in below {
            self.nodes.remove(&key);
        }
    }

    /// Everything below the directory `path`, parents before children.
    fn under<'a>(&'a self, path: &str) -> impl Iterator<Item = (&'a String, &'a Node)> {
        let prefix = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        self.nodes
            .range(prefix.clone()..)
            .take_while(move |(key, _)| key.starts_with(&prefix))
            .filter(|(key, _)| key.as_str() != "/")
    }

    /// The real path of `path` and what is there; symlinks on the way are followed, and
    /// the last one too with `follow`.
    fn lookup(&self, path: &str, follow: bool) -> Option<(String, &Node)> {
        let mut budget = MAX_LINKS;
        let real = self.walk(&clean(path), follow, &mut budget)?;
        let node = self.nodes.get(&real)?;
        Some((real, node))
    }

    fn walk(&self, path: &str, follow: bool, budget: &mut usize) -> Option<String> {
        let parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
        let mut at = "/".to_string();
        for (index, part) in parts.iter().enumerate() {
            let next = join(&at, part);
            let last = index + 1 == parts.len();
            match self.nodes.get(&next)? {
                Node::Symlink { target, .. } if !last || follow => {
                    *budget = budget.checked_sub(1)?;
                    at = self.walk(&clean(&join(&at, target)), true, budget)?;
                }
                _ => at = next,
            }
        }
        Some(at)
    }

    /// A regular file's content, symlinks followed.
    pub fn read(&self, path: &str) -> Option<Bytes> {
        match self.lookup(path, true)? {
            (_, Node::File { data, .. }) => Some(data.clone()),
            _ => None,
        }
    }

    /// Where the symlink at `path` points, as written.
    pub fn link(&self, path: &str) -> Option<String> {
        match self.lookup(path, false)? {
            (_, Node::Symlink { target, .. }) => Some(target.clone()),
            _ => None,
        }
    }

    /// What `HEAD /containers/{id}/archive` says of `path`: Docker's path stat, with a
    /// symlink's target resolved to an absolute path.
    pub fn stat(&self, path: &str) -> Option<serde_json::Value> {
        let (real, node) = self.lookup(path, false)?;
        let (size, mode, mtime, link_target) = match node {
            Node::Dir { mode, mtime } => (4096, mode | GO_MODE_DIR, *mtime, String::new()),
            Node::File { data, mode, mtime } => (data.len(), *mode, *mtime, String::new()),
            Node::Symlink { target, mtime } => {
                let parent = real.rsplit_once('/').map_or("/", |(parent, _)| parent);
                let lexical = clean(&join(parent, target));
                let resolved = self
                    .lookup(&lexical, true)
                    .map_or(lexical, |(real, _)| real);
                (target.len(), 0o777 | GO_MODE_SYMLINK, *mtime, resolved)
            }
        };
        Some(serde_json::json!({
            "name": base_name(&clean(path)),
            "size": size,
            "mode": mode,
            "mtime": rfc3339(mtime),
            "linkTarget": link_target,
        }))
    }

    /// `path` as `GET /containers/{id}/archive` sends it: a tar holding it under its own
    /// name, and a directory's contents below it.
    pub fn archive(&self, path: &str) -> Option<Vec<u8>> {
        let (real, node) = self.lookup(path, false)?;
        let name = match base_name(&clean(path)).as_str() {
            "/" => ".".to_string(),
            name => name.to_string(),
        };
        let mut builder = tar::Builder::new(Vec::new());
        append(&mut builder, &name, node).ok()?;
        if matches!(node, Node::Dir { .. }) {
            for (key, node) in self.under(&real) {
                let relative = if real == "/" {
                    key[1..].to_string()
                } else {
                    format!("{name}{}", &key[real.len()..])
                };
                append(&mut builder, &relative, node).ok()?;
            }
        }
        builder.into_inner().ok()
    }
}

fn append(builder: &mut tar::Builder<Vec<u8>>, path: &str, node: &Node) -> std::io::Result<()> {
    let mut header = Header::new_gnu();
    header.set_uid(0);
    header.set_gid(0);
    match node {
        Node::Dir { mode, mtime } => {
            header.set_entry_type(EntryType::Directory);
            header.set_mode(*mode);
            header.set_mtime(*mtime);
            header.set_size(0);
            builder.append_data(&mut header, format!("{path}/"), std::io::empty())
        }
        Node::File { data, mode, mtime } => {
            header.set_entry_type(EntryType::Regular);
            header.set_mode(*mode);
            header.set_mtime(*mtime);
            header.set_size(data.len() as u64);
            builder.append_data(&mut header, path, data.as_ref())
        }
        Node::Symlink { target, mtime } => {
            header.set_entry_type(EntryType::Symlink);
            header.set_mode(0o777);
            header.set_mtime(*mtime);
            header.set_size(0);
            builder.append_link(&mut header, path, target)
        }
    }
}

/// `path` made absolute with `.` and `..` worked out; `..` stops at the root.
pub(crate) fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

fn join(dir: &str, path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{path}", dir.trim_end_matches('/'))
    }
}

fn base_name(path: &str) -> String {
    match path.rsplit('/').next() {
        Some("") | None => "/".to_string(),
        Some(name) => name.to_string(),
    }
}

fn rfc3339(secs: u64) -> String {
    humantime::format_rfc3339(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        build(&mut builder);
        builder.into_inner().unwrap()
    }

    fn file(builder: &mut tar::Builder<Vec<u8>>, path: &str, data: &str) {
        let mut header = Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, path, data.as_bytes())
            .unwrap();
    }

    fn link(builder: &mut tar::Builder<Vec<u8>>, kind: EntryType, path: &str, target: &str) {
        let mut header = Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(0o755);
        header.set_size(0);
        builder.append_link(&mut header, path, target).unwrap();
    }

    #[test]
    fn releases_are_linked_into_place_and_pruned() {
        let mut files = Files::default();
        let first = archive(|b| {
            file(b, ".jdeploy/releases/aa/run.sh", "one");
            link(b, EntryType::Link, "run.sh", ".jdeploy/releases/aa/run.sh");
            link(b, EntryType::Symlink, ".jdeploy/current", "releases/aa");
        });
        files.unpack("/", &first).unwrap();
        assert_eq!(files.read("/run.sh").unwrap(), "one");
        assert_eq!(files.link("/.jdeploy/current").unwrap(), "releases/aa");
        let stat = files.stat("/.jdeploy/current").unwrap();
        assert_eq!(stat["linkTarget"], "/.jdeploy/releases/aa");
        assert_eq!(stat["name"], "current");
        // Through the link, the release's own directory.
        assert!(files.read("/.jdeploy/current/run.sh").is_some());

        let prune = archive(|b| link(b, EntryType::Symlink, ".jdeploy/releases/aa", "pruned"));
        files.unpack("/", &prune).unwrap();
        assert!(files.read("/.jdeploy/releases/aa/run.sh").is_none());
        // The hard link keeps its content.
        assert_eq!(files.read("/run.sh").unwrap(), "one");
    }

    #[test]
    fn a_directory_after_a_symlink_empties_it() {
        let mut files = Files::default();
        files
            .unpack("/", &archive(|b| file(b, "srv/app/old.txt", "x")))
            .unwrap();
        let clean = archive(|b| {
            link(b, EntryType::Symlink, "srv/app", ".");
            let mut header = Header::new_gnu();
            header.set_entry_type(EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            b.append_data(&mut header, "srv/app/", std::io::empty())
                .unwrap();
            file(b, "srv/app/new.txt", "y");
        });
        files.unpack("/", &clean).unwrap();
        assert!(files.read("/srv/app/old.txt").is_none());
        assert_eq!(files.read("/srv/app/new.txt").unwrap(), "y");
    }

    #[test]
    fn archives_hold_a_path_under_its_name() {
        let mut files = Files::default();
        files
            .unpack("/", &archive(|b| file(b, "etc/app/conf", "c")))
            .unwrap();
        let tar = files.archive("/etc/app/conf").unwrap();
        let mut read = tar::Archive::new(tar.as_slice());
        let names: Vec<String> = read
            .entries()
            .unwrap()
            .map(|entry| entry.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["conf"]);
        let tar = files.archive("/etc").unwrap();
        let mut read = tar::Archive::new(tar.as_slice());
        let names: Vec<String> = read
            .entries()
            .unwrap()
            .map(|entry| entry.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["etc/", "etc/app/", "etc/app/conf"]);
        assert!(files.archive("/nothing").is_none());
        assert!(files.stat("/nothing").is_none());
    }
}
