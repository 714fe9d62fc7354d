use std::io::Read;

use super::*;

fn build(rendered: &RenderedContainer, copies: &[CopyTree], mtime: u64) -> Bundle {
    Bundle::new(rendered.clone(), copies.to_vec().into(), mtime)
}
use crate::render::RenderedFile;

fn rendered(run_sh: &str) -> RenderedContainer {
    RenderedContainer {
        group: "g".into(),
        host: "h".into(),
        container: "c".into(),
        core: false,
        files: vec![RenderedFile {
            dest: "/run.sh".into(),
            mode: 0o755,
            template: "run.sh.j2".into(),
            content: run_sh.into(),
        }],
    }
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
    let bytes = bundle.archive();
    let mut archive = tar::Archive::new(&bytes[..]);
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
            let target = header
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
fn rendered_files_are_staged_then_linked_into_place_and_the_release_pointed_at_last() {
    let bundle = build(&rendered("#!/bin/sh\n"), &[], 1);
    let staged = format!(".jdeploy/releases/{}/run.sh", bundle.release);
    assert_eq!(
        entries(&bundle),
        [
            (
                staged.clone(),
                'f',
                String::new(),
                0o755,
                "#!/bin/sh\n".to_string()
            ),
            ("run.sh".to_string(), 'h', staged, 0o755, String::new()),
            (
                ".jdeploy/current".to_string(),
                's',
                format!("releases/{}", bundle.release),
                0o777,
                String::new()
            ),
        ]
    );
    assert_eq!(
        bundle.release_dir(),
        format!("/.jdeploy/releases/{}", bundle.release)
    );
}

#[test]
fn a_clean_copy_replaces_its_destination_before_filling_it() {
    let bundle = build(&rendered("x"), &[code(true)], 1);
    let paths: Vec<(String, char)> = entries(&bundle)
        .into_iter()
        .map(|(p, k, ..)| (p, k))
        .take(5)
        .collect();
    let expected = [
        ("workspace", 's'),
        ("workspace", 'd'),
        ("workspace/lib", 'd'),
        ("workspace/lib/app.sh", 'f'),
        ("workspace/current", 's'),
    ];
    assert_eq!(paths, expected.map(|(p, k)| (p.to_string(), k)));
    let kept = build(&rendered("x"), &[code(false)], 1);
    assert_eq!(entries(&kept)[0].0, "workspace/lib");
}

#[test]
fn the_release_id_is_the_content_not_the_time() {
    let one = build(&rendered("a"), &[code(true)], 1);
    assert_eq!(
        one.release,
        build(&rendered("a"), &[code(true)], 999).release
    );
    assert_ne!(one.release, build(&rendered("b"), &[code(true)], 1).release);
    assert_ne!(
        one.release,
        build(&rendered("a"), &[code(false)], 1).release
    );
    let mut other_mode = code(true);
    other_mode.entries[1] = TreeEntry::File {
        path: "lib/app.sh".into(),
        mode: 0o755,
        data: b"echo hi\n".to_vec().into(),
    };
    assert_ne!(one.release, build(&rendered("a"), &[other_mode], 1).release);
    assert_eq!(one.release.len(), 64);
}

#[test]
fn a_copy_into_the_root_writes_relative_paths() {
    let mut root = code(false);
    root.dest = "/".into();
    let paths: Vec<String> = entries(&build(&rendered("x"), &[root], 1))
        .into_iter()
        .map(|e| e.0)
        .take(3)
        .collect();
    assert_eq!(paths, ["lib", "lib/app.sh", "current"]);
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
