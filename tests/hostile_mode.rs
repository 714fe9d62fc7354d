//! `--mode` and other values reach `/run.sh` as values: a shell runs them as data, never as
//! commands.

mod common;

use std::process::Command;

use common::inventory::Fleet;
use common::Test;

const HOSTILE: &[&str] = &[
    "x; touch pwned",
    "$(touch pwned)",
    "`touch pwned`",
    "x' ; touch pwned; echo '",
    "x\" ; touch pwned; echo \"",
    "a\ntouch pwned",
    "&& touch pwned ||",
    "${IFS}touch${IFS}pwned",
    "",
    "-n",
    "späce and ünïcode",
];

/// A `vars.start` that prints the mode and the monitor flag.
const START: &str = r#"start: printf '%s|%s' "$RUNTIME_MODE" "$MONITOR_ENABLED""#;

/// The core unit of `product`, with `vars` (one entry a line).
fn inventory(vars: &[&str]) -> String {
    Fleet::new()
        .section(&format!("vars:\n  {}", vars.join("\n  ")))
        .unit("127.0.0.2", &["core_1"], &["product"])
        .core()
        .to_yaml()
}

/// Renders with the shipped run.sh.j2 and runs the script with `sh`.
fn run_rendered(mode: &str) -> (String, bool) {
    let shipped =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/run.sh.j2")).unwrap();
    let output = Test::new()
        .groups(&inventory(&[START]))
        .file("run.sh.j2", &shipped)
        .args([
            "render",
            "--group",
            "product",
            "--monitor",
            &format!("--mode={mode}"),
        ])
        .run();
    let dir = output.dir.path();
    let script = dir.join("run.sh");
    std::fs::write(&script, &output.stdout).unwrap();
    let ran = Command::new("sh")
        .arg(&script)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "sh failed on:\n{}\n{}",
        output.stdout,
        String::from_utf8_lossy(&ran.stderr)
    );
    (
        String::from_utf8(ran.stdout).unwrap(),
        dir.join("pwned").exists(),
    )
}

#[test]
fn a_hostile_mode_is_exported_verbatim_and_never_runs() {
    for mode in HOSTILE {
        let (stdout, pwned) = run_rendered(mode);
        assert!(!pwned, "--mode {mode:?} ran a command");
        assert_eq!(stdout, format!("{mode}|1"), "--mode {mode:?}");
    }
}

#[test]
fn the_quote_filter_round_trips_through_sh() {
    for value in HOSTILE {
        let output = Test::new()
            .groups(&inventory(&[
                &format!("value: {}", serde_json::to_string(value).unwrap()),
                START,
            ]))
            .file("run.sh.j2", "printf '%s' {{ vars.value | quote }}\n")
            .args(["render", "--group", "product"])
            .run();
        let ran = Command::new("sh")
            .arg("-c")
            .arg(&output.stdout)
            .current_dir(output.dir.path())
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(ran.stdout).unwrap(),
            *value,
            "{}",
            output.stdout
        );
        assert!(
            !output.dir.path().join("pwned").exists(),
            "{value:?} ran a command"
        );
    }
}
