use std::io::Read;

use super::*;

use crate::copies::{CopyTree, TreeEntry};
use crate::layout::release_of_target;
use crate::release::{copy_manifests, Kept, KeptRelease, ReleaseFlags};

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

/// The state of a first deploy of `release`.
fn first_state(release: &str) -> State {
    let kept = Kept {
        releases: vec![entry(release)],
    };
    State::pending(None, Kept::default(), release, None, kept)
}

/// (path, kind, link target, mode, content) of every entry, in order.
fn entries(bundle: &Bundle) -> Vec<(String, char, String, u32, String)> {
    let state = first_state(bundle.release());
    archive_entries(&bundle.archive(&Record::state(&state)).unwrap())
}

fn reinstated(manifest: &Manifest) -> Result<Bytes, ArchiveError> {
    let state = first_state(&manifest.release);
    reinstate_archive(manifest, &Record::state(&state), 1)
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
    let state = format!("{dir}/.jdeploy/releases.json");
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
        // Names the release pending and held before any file moves.
        (format!("{dir}/.jdeploy/releases.json"), 'f', String::new()),
        (".jdeploy/releases.json".into(), 'h', state.clone()),
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
        // Pending alone once every file is linked.
        (state.clone(), 'f', String::new()),
        (".jdeploy/releases.json".into(), 'h', state),
    ];
    assert_eq!(shown, expected);
    let run_sh = &entries(&bundle)[13];
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
    // The release is pending, held while its files are linked into place, then in
    // place once its container started on them.
    let mut states = all
        .iter()
        .filter(|e| e.1 == 'f' && e.0.ends_with("/releases.json"))
        .map(|e| State::parse(e.4.as_bytes()).unwrap());
    let held = states.next().unwrap();
    assert_eq!(held, first_state(bundle.release()).placing());
    let reading = held.read(Some("t1"));
    assert_eq!(reading.pending.as_deref(), Some(bundle.release()));
    let state = states.next().unwrap();
    assert_eq!(state, first_state(bundle.release()));
    assert_eq!(state.read(None).timeline.current, None);
    let started = state.read(Some("t1")).timeline.current;
    assert_eq!(started.as_deref(), Some(bundle.release()));
    assert!(!all.iter().any(|e| e.0.starts_with(".jdeploy/current")));
}

#[test]
fn a_record_states_prunes_and_retires_the_links_of_earlier_versions() {
    let release = "ab".repeat(32);
    let kept = Kept {
        releases: vec![entry(&release)],
    };
    let state = State::settled(&release, kept);
    let old = "cd".repeat(32);
    let record = Record {
        state: &state,
        pruned: std::slice::from_ref(&old),
        legacy_links: true,
    };
    let written = archive_entries(&record_archive(&record, 1).unwrap());
    let shown: Vec<(String, char, String)> = written
        .iter()
        .map(|(path, kind, target, ..)| (path.clone(), *kind, target.clone()))
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
                format!(".jdeploy/releases/{old}"),
                's',
                "pruned".to_string()
            ),
            // Earlier versions read no release from them.
            (
                ".jdeploy/current".to_string(),
                's',
                "releases.json".to_string()
            ),
            (
                ".jdeploy/pending".to_string(),
                's',
                "releases.json".to_string()
            ),
        ]
    );
    assert_eq!(State::parse(written[0].4.as_bytes()).unwrap(), state);
    assert_eq!(release_of_target("releases.json"), None);
}

#[test]
fn reinstating_sends_links_only() {
    let bundle = build(&rendered("#!/bin/sh\n"), &[code(true)], 1);
    let written = archive_entries(&reinstated(&bundle.manifest).unwrap());
    let dir = format!(".jdeploy/releases/{}", bundle.release());
    // The states around the links: no file data.
    let state = format!("{dir}/.jdeploy/releases.json");
    assert_eq!(written[0].0, state);
    assert_eq!(written[written.len() - 2].0, state);
    let links = &written[1..written.len() - 2];
    assert!(links.iter().all(|(.., content)| content.is_empty()));
    let kinds: Vec<(String, char)> = links.iter().map(|e| (e.0.clone(), e.1)).collect();
    assert_eq!(
        kinds,
        [
            (".jdeploy/releases.json", 'h'),
            ("workspace", 's'),
            ("workspace", 'd'),
            ("workspace/lib", 'd'),
            ("workspace/lib/app.sh", 'h'),
            ("workspace/current", 's'),
            ("run.sh", 'h'),
        ]
        .map(|(p, k)| (p.to_string(), k))
    );
    assert_eq!(links[6].2, format!("{dir}/run.sh"));
}

#[test]
fn a_copy_into_the_root_writes_relative_paths() {
    let mut root = code(false);
    root.dest = "/".into();
    let bundle = build(&rendered("x"), &[root], 1);
    let placed: Vec<String> = archive_entries(&reinstated(&bundle.manifest).unwrap())
        .into_iter()
        .map(|e| e.0)
        .skip(2)
        .take(3)
        .collect();
    assert_eq!(placed, ["lib", "lib/app.sh", "current"]);
}

#[test]
fn a_legacy_link_names_its_release() {
    let release = "ab12".repeat(16);
    assert_eq!(
        release_of_target(&format!("releases/{release}")),
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
    let err = reinstated(&forged).unwrap_err();
    assert!(
        err.to_string().starts_with("cannot make its archive"),
        "{err}"
    );
}
