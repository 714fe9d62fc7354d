use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::*;

fn copy_of(src: &Path) -> Copy {
    Copy {
        src: src.to_path_buf(),
        dest: "/workspace".into(),
        clean: false,
        key: "defaults.copy[0].src".into(),
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn setuid_setgid_and_sticky_bits_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("bin")).unwrap();
    std::fs::write(dir.path().join("bin/tool"), "x").unwrap();
    chmod(&dir.path().join("bin"), 0o3775);
    chmod(&dir.path().join("bin/tool"), 0o7755);
    let tree = read_tree(&copy_of(dir.path())).unwrap();
    let modes: Vec<u32> = tree
        .entries
        .iter()
        .map(|entry| match entry {
            TreeEntry::Dir { mode, .. } | TreeEntry::File { mode, .. } => *mode,
            TreeEntry::Symlink { .. } => 0,
        })
        .collect();
    assert_eq!(modes, [0o1775, 0o755]);
}

#[test]
fn a_name_that_is_not_utf8_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join(OsStr::from_bytes(b"caf\xe9"));
    std::fs::write(&name, "x").unwrap();
    let err = read_tree(&copy_of(dir.path())).unwrap_err();
    assert_eq!(err.path, name);
    assert_eq!(err.source.to_string(), "the name is not valid UTF-8");
}

#[test]
fn a_source_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.sh");
    std::fs::write(&file, "x").unwrap();
    let err = read_tree(&copy_of(&file)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot read {}: not a directory", file.display())
    );
}
