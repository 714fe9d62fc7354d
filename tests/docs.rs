//! Shell completions and man pages, generated from the command line's definition.

mod common;

use std::process::Command;

use clap::CommandFactory;
use common::Test;
use jdeploy::cli::Cli;

/// Every command the command line defines, from its definition.
fn commands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|command| command.get_name().to_string())
        .filter(|name| name != "help")
        .collect()
}

#[test]
fn bash_completion_parses_and_knows_every_command() {
    let output = Test::new().args(["completions", "bash"]).run();
    let commands = commands();
    assert!(commands.len() >= 17, "{commands:?}");
    for command in commands {
        // The case clap's bash script has for each command.
        let case = format!("jdeploy,{command})");
        assert!(output.stdout.contains(&case), "{command}");
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
    let pages = commands()
        .into_iter()
        .map(|command| format!("jdeploy-{command}.1"))
        .chain(["jdeploy.1".to_string()]);
    for page in pages {
        let text = std::fs::read_to_string(dir.join(&page)).unwrap_or_else(|_| panic!("{page}"));
        assert!(text.contains(".TH"), "{page}");
    }
}
