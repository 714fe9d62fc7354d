use std::io::Read;

use super::*;

use crate::copies::{CopyTree, TreeEntry};
use crate::layout::{current_target, release_of_target};
use crate::release::{copy_manifests, KeptRelease, ReleaseFlags};

fn entry(release: &str) -> KeptRelease {
    KeptRelease {
        release: release.into(),
        deploy: "d".into(),
        deployed_at: "t".into(),
        by: "ops@box".into(),
        undone: false,
    }
}

fn build(rendered: &RenderedContainer, copies: &[CopyTree], mtime: u64) -> Bundle {
    let manifest = Manifest::new(
        rendered,
        &copy_manifests(copies),
        "sha256:image",
        &["A=1".to_string()],
        ReleaseFlags::default(),
    );
    Bundle::new(rendered.clone(), copies.to_vec().into(), manifest, mtime)
}

fn rendered(run_sh: &str) -> RenderedContainer {
    RenderedContainer::with_run_sh(run_sh)
}

fn code(clean: bool) -> CopyTree {
    CopyTree {
        dest: "/workspace".into(),
        clean,
        entries: vec![
            TreeEntry::Dir {
                path: "lib".into(),
                mode: 0o755,
            },
            TreeEntry::File {
                path: "lib/app.sh".into(),
                mode: 0o644,
                data: b"echo hi\n".to_vec().into(),
            },
            TreeEntry::Symlink {
                path: "current".into(),
                target: "lib".into(),
            },
        ],
    }
}

/// (path, kind, link target, mode, content) of every entry, in order.
fn entries(bundle: &Bundle) -> Vec<(String, char, String, u32, String)> {
    archive_entries(&bundle.archive().unwrap())
}

fn archive_entries(bytes: &[u8]) -> Vec<(String, char, String, u32, String)> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            let mut content = String::new();
            entry.read_to_string(&mut content).unwrap();
            let kind = match header.entry_type() {
                EntryType::Directory => 'd',
                EntryType::Symlink => 's',
                EntryType::Link => 'h',
                _ => 'f',
            };
            // The entry's, not the header's: long targets come in a GNU extension entry.
            let target = entry
                .link_name()
                .unwrap()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let path = entry.path().unwrap().display().to_string();
            (path, kind, target, header.mode().unwrap(), content)
        })
        .collect()
}

#[test]
fn a_release_is_written_under_its_directory_then_linked_into_place() {
    let bundle = build(&rendered("#!/bin/sh\n"), &[code(true)], 1);
    let dir = format!(".jdeploy/releases/{}", bundle.release());
    let shown: Vec<(String, char, String)> = entries(&bundle)
        .into_iter()
        .map(|(path, kind, target, ..)| (path, kind, target))
        .collect();
    let expected = [
        (dir.clone(), 'd', String::new()),
        (format!("{dir}/workspace/lib"), 'd', String::new()),
        (format!("{dir}/workspace/lib/app.sh"), 'f', String::new()),
        (format!("{dir}/workspace/current"), 's', "lib".into()),
        (format!("{dir}/run.sh"), 'f', String::new()),
        (format!("{dir}/.jdeploy/manifest.json"), 'f', String::new()),
        // A clean copy empties its destination: a symlink, then a directory, replace it.
        ("workspace".into(), 's', ".".into()),
        ("workspace".into(), 'd', String::new()),
        ("workspace/lib".into(), 'd', String::new()),
        (
            "workspace/lib/app.sh".into(),
            'h',
            format!("{dir}/workspace/lib/app.sh"),
        ),
        ("workspace/current".into(), 's', "lib".into()),
        ("run.sh".into(), 'h', format!("{dir}/run.sh")),
        // Names the files in place, until the container restarted on them.
        (
            ".jdeploy/pending".into(),
            's',
            format!("releases/{}", bundle.release()),
        ),
    ];
    assert_eq!(shown, expected);
    let run_sh = &entries(&bundle)[11];
    assert_eq!(run_sh.3, 0o755, "a link entry carries its file's mode");
}

#[test]
fn the_manifest_travels_with_the_release() {
    let bundle = build(&rendered("x"), &[code(false)], 1);
    let all = entries(&bundle);
    let manifest = all.iter().find(|e| e.0.ends_with("manifest.json")).unwrap();
    let manifest: Manifest = serde_json::from_str(&manifest.4).unwrap();
    assert_eq!(manifest, bundle.manifest);
    assert_eq!(manifest.copies[0].entries.len(), 3);
    // Without `clean`, the destination is not emptied first.
    assert!(!all.iter().any(|e| e.0 == "workspace" && e.1 == 's'));
    // The release is not named in place until its container restarted on it.
    assert!(!all.iter().any(|e| e.0 == ".jdeploy/current"));
}

#[test]
fn activation_names_the_release_records_what_is_kept_and_prunes() {
    let release = "ab".repeat(32);
    let kept = Kept {
        releases: vec![entry(&release)],
    };
    let old = "cd".repeat(32);
    let shown: Vec<(String, char, String)> = archive_entries(
        &activation_archive(&release, &kept, std::slice::from_ref(&old), 1).unwrap(),
    )
    .into_iter()
    .map(|(path, kind, target, ..)| (path, kind, target))
    .collect();
    let dir = format!(".jdeploy/releases/{release}");
    assert_eq!(
        shown,
        [
            (format!("{dir}/.jdeploy/releases.json"), 'f', String::new()),
            (
                ".jdeploy/releases.json".to_string(),
                'h',
                format!("{dir}/.jdeploy/releases.json")
            ),
            (
                ".jdeploy/current".to_string(),
                's',
                format!("releases/{release}")
            ),
            (
                ".jdeploy/pending".to_string(),
                's',
                format!("releases/{release}")
            ),
            (
                format!(".jdeploy/releases/{old}"),
                's',
                "pruned".to_string()
            ),
        ]
    );
}

#[test]
fn reinstating_sends_links_only() {
    let bundle = build(&rendered("#!/bin/sh\n"), &[code(true)], 1);
    let links = archive_entries(&reinstate_archive(&bundle.manifest, 1).unwrap());
    assert!(links.iter().all(|(.., content)| content.is_empty()));
    assert!(!links.iter().any(|e| e.0 == ".jdeploy/current"));
    let dir = format!(".jdeploy/releases/{}", bundle.release());
    let kinds: Vec<(String, char)> = links.iter().map(|e| (e.0.clone(), e.1)).collect();
    assert_eq!(
        kinds,
        [
            ("workspace", 's'),
            ("workspace", 'd'),
            ("workspace/lib", 'd'),
            ("workspace/lib/app.sh", 'h'),
            ("workspace/current", 's'),
            ("run.sh", 'h'),
            (".jdeploy/pending", 's'),
        ]
        .map(|(p, k)| (p.to_string(), k))
    );
    assert_eq!(links[5].2, format!("{dir}/run.sh"));
}

#[test]
fn a_copy_into_the_root_writes_relative_paths() {
    let mut root = code(false);
    root.dest = "/".into();
    let bundle = build(&rendered("x"), &[root], 1);
    let placed: Vec<String> = archive_entries(&reinstate_archive(&bundle.manifest, 1).unwrap())
        .into_iter()
        .map(|e| e.0)
        .take(3)
        .collect();
    assert_eq!(placed, ["lib", "lib/app.sh", "current"]);
}

#[test]
fn the_current_link_names_its_release() {
    let release = "ab12".repeat(16);
    assert_eq!(
        release_of_target(&current_target(&release)),
        Some(release.as_str())
    );
    assert_eq!(release_of_target("/.jdeploy/releases/ab12/"), Some("ab12"));
    assert_eq!(release_of_target("elsewhere/not-a-release"), None);
}

#[test]
fn a_path_tar_will_not_write_is_an_error_not_a_panic() {
    let bundle = build(&rendered("#!/bin/sh\n"), &[], 1);
    let mut forged = bundle.manifest.clone();
    forged.files[0].dest = "/../../etc/cron.d/x".into();
    let err = reinstate_archive(&forged, 1).unwrap_err();
    assert!(
        err.to_string().starts_with("cannot make its archive"),
        "{err}"
    );
}
