//! An upload cut short at any byte leaves `/run.sh` whole: the old file or the new one.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::engines::{docker, ensure_engines, unique_group, Cleanup};
use jdeploy::bundle::{Bundle, Record};
use jdeploy::release::{Kept, State};
use jdeploy::render::{RenderedContainer, RenderedFile};

fn rendered(content: &str) -> RenderedContainer {
    RenderedContainer {
        group: "g".into(),
        host: "127.0.0.2".into(),
        container: "c".into(),
        core: false,
        files: vec![RenderedFile {
            dest: "/run.sh".into(),
            mode: 0o755,
            template: "run.sh.j2".into(),
            content: content.into(),
        }],
    }
}

/// The archive a first deploy of `content` as `/run.sh` sends.
fn first_deploy(content: &str) -> bytes::Bytes {
    let bundle = Bundle::first(rendered(content), Vec::new().into(), "image", 0);
    let state = State::pending(
        None,
        Kept::default(),
        bundle.release(),
        None,
        Kept::default(),
    );
    bundle.archive(&Record::state(&state)).unwrap()
}

/// `docker cp -`: unpacks a tar from stdin at `/`, as deploy's upload does.
fn upload(name: &str, archive: &[u8]) {
    let mut child = Command::new("docker")
        .env_remove("DOCKER_HOST")
        .args([
            "-H",
            "tcp://127.0.0.2:2375",
            "cp",
            "-",
            &format!("{name}:/"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The engine refuses a cut archive part way; what it wrote before stays.
    let _ = child.stdin.take().unwrap().write_all(archive);
    let _ = child.wait();
}

#[test]
fn a_cut_upload_leaves_the_old_or_the_new_run_sh() {
    ensure_engines(&[2]);
    let name = unique_group("cut");
    let _cleanup = Cleanup::new(&name, &[2]);
    docker(2, &["create", "--name", &name, "jdeploy-demo:latest", "sh"]);
    let old = format!("#!/bin/sh\n# old\n{}", "echo old\n".repeat(300));
    let new = format!("#!/bin/sh\n# new\n{}", "echo new\n".repeat(300));
    upload(&name, &first_deploy(&old));
    assert_eq!(read_file_stopped(&name), old);

    let archive = first_deploy(&new);
    let mut seen_new = false;
    for cut in (0..archive.len())
        .step_by(512)
        .chain([archive.len() - 1, archive.len()])
    {
        upload(&name, &archive[..cut]);
        let now = read_file_stopped(&name);
        assert!(
            now == old || now == new,
            "cut at byte {cut} left a broken /run.sh:\n{now}"
        );
        seen_new |= now == new;
        if now == new && cut < archive.len() {
            // Once linked, the new file stays; go back to the old one for the next cut.
            upload(&name, &first_deploy(&old));
            assert_eq!(read_file_stopped(&name), old, "the old file came back");
        }
    }
    assert!(
        seen_new,
        "the whole archive never put the new file in place"
    );
    docker(2, &["rm", "-f", &name]);
}

/// Reads a file from a stopped container, by copying it out.
fn read_file_stopped(name: &str) -> String {
    let output = Command::new("docker")
        .env_remove("DOCKER_HOST")
        .args([
            "-H",
            "tcp://127.0.0.2:2375",
            "cp",
            &format!("{name}:/run.sh"),
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut archive = tar::Archive::new(&output.stdout[..]);
    let mut entry = archive.entries().unwrap().next().unwrap().unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
    text
}
