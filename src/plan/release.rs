//! What a deploy would change in one container: its release in place against the one
//! groups.yaml and the sources make now.

use serde::Serialize;
use similar::TextDiff;

use crate::release::{EntryKind, Kept, Manifest, ManifestCopy};

/// What deploy does to one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseStep {
    /// The release in place is the one it would deploy.
    Unchanged,
    /// Deploy puts another release in place; none was there before when `from` is none.
    Change { from: Option<String> },
}

/// Whether `desired` is the release in place. A release whose directory the container no
/// longer keeps, or whose files were replaced by another's that never ran (`settled`
/// false), counts as changed, so deploy writes it again.
pub fn release_step(
    current: Option<&str>,
    settled: bool,
    kept: &Kept,
    desired: &Manifest,
) -> ReleaseStep {
    match current {
        Some(current) if settled && current == desired.release && kept.find(current).is_some() => {
            ReleaseStep::Unchanged
        }
        _ => ReleaseStep::Change {
            from: current.map(str::to_string),
        },
    }
}

/// Everything that differs between two releases of one container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReleaseChanges {
    /// Rendered files whose content or mode differ, with a unified diff.
    pub files: Vec<FileChange>,
    /// Copied files, as paths in the container.
    pub copied_added: Vec<String>,
    pub copied_changed: Vec<String>,
    pub copied_removed: Vec<String>,
    /// The image id, old then new.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<(String, String)>,
    /// Environment variables by name only: values may be secrets, and plans end up in
    /// CI logs.
    pub env_added: Vec<String>,
    pub env_changed: Vec<String>,
    pub env_removed: Vec<String>,
    /// `--monitor` and `--mode`, old then new, when they differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    pub dest: String,
    /// A unified diff; empty when only the mode changed.
    pub diff: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<(u32, u32)>,
}

impl ReleaseChanges {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The changes from `old` (none before a first deploy) to `new`. `old_text` and
/// `new_text` give a rendered file's content by its destination, where known.
pub fn release_changes(
    old: Option<&Manifest>,
    new: &Manifest,
    old_text: impl Fn(&str) -> Option<String>,
    new_text: impl Fn(&str) -> Option<String>,
) -> ReleaseChanges {
    let mut changes = ReleaseChanges::default();
    for file in &new.files {
        let before = old.and_then(|old| old.file(&file.dest));
        if before.is_some_and(|before| before.sha256 == file.sha256 && before.mode == file.mode) {
            continue;
        }
        let old_content = before
            .and_then(|_| old_text(&file.dest))
            .unwrap_or_default();
        let new_content = new_text(&file.dest).unwrap_or_default();
        let diff = if before.is_some_and(|before| before.sha256 == file.sha256) {
            String::new()
        } else {
            unified_diff(&file.dest, &old_content, &new_content, before.is_some())
        };
        changes.files.push(FileChange {
            dest: file.dest.clone(),
            diff,
            mode: before
                .filter(|before| before.mode != file.mode)
                .map(|before| (before.mode, file.mode)),
        });
    }
    let old_copies = old.map_or(&[][..], |old| &old.copies[..]);
    let old_files = copied_files(old_copies);
    let new_files = copied_files(&new.copies);
    for (path, hash) in &new_files {
        match old_files.iter().find(|(old_path, _)| old_path == path) {
            None => changes.copied_added.push(path.clone()),
            Some((_, old_hash)) if old_hash != hash => changes.copied_changed.push(path.clone()),
            Some(_) => {}
        }
    }
    for (path, _) in &old_files {
        if !new_files.iter().any(|(new_path, _)| new_path == path) {
            changes.copied_removed.push(path.clone());
        }
    }
    if let Some(old) = old {
        if old.image != new.image {
            changes.image = Some((old.image.clone(), new.image.clone()));
        }
        let (old_env, new_env) = (env_map(&old.env), env_map(&new.env));
        for (name, value) in &new_env {
            match old_env.get(name) {
                None => changes.env_added.push(name.to_string()),
                Some(old_value) if old_value != value => changes.env_changed.push(name.to_string()),
                Some(_) => {}
            }
        }
        changes.env_removed = old_env
            .keys()
            .filter(|name| !new_env.contains_key(*name))
            .map(|name| name.to_string())
            .collect();
        let flags = |manifest: &Manifest| {
            let mode = manifest.flags.mode.as_deref().unwrap_or("none");
            format!("monitor={} mode={mode}", u8::from(manifest.flags.monitor))
        };
        if old.flags != new.flags {
            changes.flags = Some((flags(old), flags(new)));
        }
    }
    changes
}

fn unified_diff(dest: &str, old: &str, new: &str, existed: bool) -> String {
    let from = if existed {
        format!("{dest} (in place)")
    } else {
        "/dev/null".to_string()
    };
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&from, &format!("{dest} (new)"))
        .to_string()
}

/// Every copied file (and symlink) by its path in the container, with what identifies
/// its content.
fn copied_files(copies: &[ManifestCopy]) -> Vec<(String, String)> {
    copies
        .iter()
        .flat_map(|copy| {
            copy.entries
                .iter()
                .filter(|entry| entry.kind != EntryKind::Dir)
                .map(move |entry| {
                    let path = format!("{}/{}", copy.dest.trim_end_matches('/'), entry.path);
                    let identity = match entry.kind {
                        EntryKind::Symlink => {
                            format!("-> {}", entry.target.clone().unwrap_or_default())
                        }
                        _ => format!(
                            "{} {:o}",
                            entry.sha256.clone().unwrap_or_default(),
                            entry.mode.unwrap_or(0)
                        ),
                    };
                    (path, identity)
                })
        })
        .collect()
}

/// `NAME=value` entries by name.
fn env_map(env: &[String]) -> std::collections::BTreeMap<&str, &str> {
    env.iter()
        .map(|entry| entry.split_once('=').unwrap_or((entry.as_str(), "")))
        .collect()
}
