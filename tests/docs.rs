//! Shell completions and man pages, generated from the command line's definition.

mod common;

use std::process::Command;

use common::Test;

#[test]
fn bash_completion_parses_and_knows_every_command() {
    let output = Test::new().args(["completions", "bash"]).run();
    for command in [
        "status", "exec", "logs", "start", "stop", "restart", "rm", "deploy",
    ] {
        assert!(output.stdout.contains(command), "{command}");
    }
    let script = output.dir.path().join("jdeploy.bash");
    std::fs::write(&script, &output.stdout).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn zsh_and_fish_completions_are_theirs() {
    let zsh = Test::new().args(["completions", "zsh"]).run();
    assert!(zsh.stdout.starts_with("#compdef jdeploy"), "{}", zsh.stdout);
    let fish = Test::new().args(["completions", "fish"]).run();
    assert!(
        fish.stdout.contains("complete -c jdeploy"),
        "{}",
        fish.stdout
    );
    let wrong = Test::new().args(["completions", "tcsh"]).status(2).run();
    assert!(wrong.stderr.contains("possible values"), "{}", wrong.stderr);
}

#[test]
fn man_prints_a_page_or_writes_one_per_command() {
    let page = Test::new().args(["man"]).run();
    assert!(
        page.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        page.stdout
    );
    assert!(page.stdout.contains(".TH jdeploy 1"), "{}", page.stdout);
    let written = Test::new().args(["man", "--dir", "man1"]).run();
    let dir = written.dir.path().join("man1");
    for page in [
        "jdeploy.1",
        "jdeploy-status.1",
        "jdeploy-exec.1",
        "jdeploy-rm.1",
    ] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap_or_else(|_| panic!("{page}"));
        assert!(text.contains(".TH"), "{page}");
    }
}
