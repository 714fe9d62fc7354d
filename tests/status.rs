//! `jdeploy status` on real engines, with an unreachable host among reachable ones.

mod common;

use common::engines::{docker, unique_group};
use common::fleet::{deployed, jdeploy, row, test, UNREACHABLE};

/// The release deploy put in place, as the container itself says.
fn current_release(container: &str) -> String {
    let release = common::engines::current_release(2, container).expect("a release in place");
    assert_eq!(release.len(), 64, "{release}");
    release
}

#[test]
fn status_shows_every_container_with_the_unreachable_host_as_its_own_row() {
    let group = unique_group("status");
    let _cleanup = deployed(&group);
    docker(3, &["stop", "-t", "1", &format!("{group}_b")]);

    let output = jdeploy(&group, &["status", "--group", &group], 1);
    let table = &output.stdout;
    let header = table.lines().next().unwrap();
    for column in [
        "GROUP",
        "CONTAINER",
        "HOST",
        "CORE",
        "STATE",
        "HEALTH",
        "UPTIME",
        "MEMORY",
        "CPU",
        "RESTARTS",
        "CONFIG",
        "RELEASE",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let release = current_release(&format!("{group}_core"));
    let core = row(table, &format!("{group}_core"));
    assert!(core.contains("yes") && core.contains("running"), "{core}");
    assert!(core.contains(&release[..12]), "{core}\n{release}");
    assert!(core.contains("KiB") || core.contains("MiB"), "{core}");
    let stopped = row(table, &format!("{group}_b"));
    assert!(stopped.contains("exited (0)"), "{stopped}");
    let gone = row(table, &format!("{group}_gone"));
    assert!(
        gone.contains("unknown") && gone.contains(UNREACHABLE),
        "{gone}"
    );
    assert!(
        table.contains("status: 4 containers: 1 exited, 2 running, 1 unknown"),
        "{table}"
    );
    // Quiet: only what could not be asked.
    let quiet = jdeploy(&group, &["status", "--group", &group, "-q"], 1);
    assert_eq!(quiet.stdout, "");
    assert!(
        quiet
            .stderr
            .contains(&format!("error: {group}_gone@127.0.0.8:1: {UNREACHABLE}")),
        "{}",
        quiet.stderr
    );
}

#[test]
fn status_json_gives_plain_values_and_names_a_changed_configuration() {
    let group = unique_group("status_json");
    let _cleanup = deployed(&group);
    // groups.yaml now asks for another environment than the containers were created with.
    let output = test(&group)
        .groups(&common::fleet::groups_yaml(&group, "two"))
        .args(["status", "--group", &group, "--host", "127.0.0.2", "--json"])
        .run();
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json["ok"], true);
    let rows = json["containers"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{json:#}");
    let core = &rows[0];
    assert_eq!(core["container"], format!("{group}_core"));
    assert_eq!(core["core"], true);
    assert_eq!(core["state"], "running");
    assert_eq!(core["restart_count"], 0);
    assert!(core["memory_bytes"].as_u64().unwrap() > 0, "{core}");
    assert!(core["cpu_percent"].as_f64().is_some(), "{core}");
    assert!(core["uptime_secs"].as_u64().is_some(), "{core}");
    let release = current_release(&format!("{group}_core"));
    assert_eq!(core["release"], release);
    let label = docker(
        2,
        &[
            "inspect",
            "-f",
            "{{index .Config.Labels \"io.jdeploy.config-hash\"}}",
            &format!("{group}_core"),
        ],
    );
    assert_eq!(core["config_hash"], label.trim());
    assert_eq!(core["config_differs"], true);
    assert!(
        core["note"].as_str().unwrap().contains("--recreate"),
        "{core}"
    );
}

#[test]
fn status_live_measures_as_docker_stats_does() {
    let group = unique_group("status_live");
    let _cleanup = deployed(&group);
    let output = jdeploy(
        &group,
        &[
            "status", "--group", &group, "-c", "*_core", "--live", "--json",
        ],
        0,
    );
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let core = &json["containers"][0];
    let memory = core["memory_bytes"].as_u64().unwrap() as f64;
    assert!(core["cpu_percent"].as_f64().is_some(), "{core}");
    // The same counters `docker stats` shows: memory used and its limit, in bytes.
    let stats = docker(
        2,
        &[
            "stats",
            "--no-stream",
            "--format",
            "{{.MemUsage}}",
            &format!("{group}_core"),
        ],
    );
    let (used, limit) = stats.trim().split_once(" / ").expect("used / limit");
    let (used, limit) = (bytes(used), bytes(limit));
    // docker stats rounds to two decimals of its unit.
    let our_limit = core["memory_limit_bytes"].as_u64().unwrap() as f64;
    assert!(
        (our_limit - limit).abs() <= limit * 0.01,
        "{our_limit} vs {stats}"
    );
    // Read a moment apart: a small shell's memory barely moves.
    assert!(
        (memory - used).abs() <= used * 0.5 + 1024.0 * 1024.0,
        "jdeploy {memory}, docker stats {used}"
    );
}

/// `1.5MiB`, `512KiB`, `7.6GiB`, as `docker stats` prints sizes, in bytes.
fn bytes(text: &str) -> f64 {
    let text = text.trim();
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => panic!("unknown unit {other} in {text}"),
    };
    number.parse::<f64>().unwrap() * scale
}
