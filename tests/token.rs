//! `jdeploy token`: made, shown once, listed and revoked, in a history database of its
//! own. No engine is involved.

mod common;

use std::path::{Path, PathBuf};

use common::{Output, Test};

const GROUPS: &str =
    "units:\n  - host: 127.0.0.2\n    dockers: [web_1]\n    group: [product, product_2]\n";

/// `jdeploy --state STATE ARGS...` beside a groups.yaml of two groups.
fn token(state: &Path, args: &[&str]) -> Test {
    let state = state.to_str().unwrap();
    Test::new()
        .groups(GROUPS)
        .args(["--state", state, "token"])
        .args(args)
}

fn state() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("access.db");
    (dir, path)
}

fn created(output: &Output) -> String {
    let token = output.stdout.trim_end().to_string();
    assert_eq!(output.stdout, format!("{token}\n"), "one line, the token");
    assert!(token.starts_with("jdp_"), "{token}");
    assert_eq!(token.len(), 4 + 64, "{token}");
    assert!(token[4..].chars().all(|c| c.is_ascii_hexdigit()), "{token}");
    token
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn create_prints_the_token_once_and_keeps_only_its_hash() {
    let (_dir, db) = state();
    let output = token(
        &db,
        &[
            "create", "--user", "alice", "--role", "deployer", "--group", "product",
        ],
    )
    .run();
    let secret = created(&output);
    assert_eq!(
        output.stderr,
        "warning: token 1 for alice (deployer of product) is shown only once: keep it now, it cannot be read back\n"
    );
    let bytes = std::fs::read(&db).unwrap();
    assert!(
        !contains(&bytes, &secret),
        "the token is not in the database"
    );
    assert!(!contains(&bytes, &secret[4..]));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A second token is another token.
    let again = token(
        &db,
        &[
            "create", "--user", "alice", "--role", "deployer", "-g", "product",
        ],
    )
    .run();
    assert_ne!(created(&again), secret);
}

#[test]
fn create_as_json_carries_the_token_and_its_row() {
    let (_dir, db) = state();
    let output = token(
        &db,
        &["create", "--user", "root", "--role", "admin", "--json"],
    )
    .run();
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["id"], 1);
    assert_eq!(json["user"], "root");
    assert_eq!(json["role"], "admin");
    assert_eq!(json["groups"], "*", "an admin has every group");
    assert!(json["token"].as_str().unwrap().starts_with("jdp_"));
    assert!(
        output.stderr.contains("is shown only once"),
        "{}",
        output.stderr
    );
}

#[test]
fn ls_lists_tokens_without_their_secrets() {
    let (_dir, db) = state();
    let viewer = created(
        &token(
            &db,
            &[
                "create",
                "--user",
                "bob",
                "--role",
                "viewer",
                "-g",
                "product",
                "-g",
                "product_2",
            ],
        )
        .run(),
    );
    let every = created(
        &token(
            &db,
            &[
                "create",
                "--user",
                "ci",
                "--role",
                "deployer",
                "--all-groups",
            ],
        )
        .run(),
    );
    let listed = token(&db, &["ls"]).stderr("").run();
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", listed.stdout);
    let words = |line: &str| {
        line.split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        words(lines[0]),
        ["ID", "USER", "ROLE", "GROUPS", "CREATED", "BY", "LAST", "USED", "REVOKED"]
    );
    assert_eq!(
        words(lines[1])[..4],
        ["1", "bob", "viewer", "product,product_2"]
    );
    assert_eq!(words(lines[2])[..4], ["2", "ci", "deployer", "*"]);
    assert_eq!(words(lines[2])[6..], ["-", "-"], "never used, not revoked");
    let json = token(&db, &["ls", "--json"]).run();
    for output in [&listed.stdout, &json.stdout] {
        for secret in [&viewer, &every] {
            assert!(!output.contains(&secret[4..]), "{output}");
        }
        assert!(!output.contains("sha256"), "{output}");
    }
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        json["tokens"][0]["groups"],
        serde_json::json!(["product", "product_2"])
    );
    assert_eq!(json["tokens"][1]["groups"], "*");
    assert!(json["tokens"][0].get("token").is_none());
}

#[test]
fn ls_without_a_database_creates_none() {
    let (_dir, db) = state();
    let output = token(&db, &["ls"]).run();
    assert_eq!(output.stdout, format!("no tokens in {}\n", db.display()));
    assert!(!db.exists());
}

#[test]
fn revoke_by_id_or_by_user() {
    let (_dir, db) = state();
    for user in ["alice", "alice", "bob"] {
        token(
            &db,
            &["create", "--user", user, "--role", "viewer", "--all-groups"],
        )
        .run();
    }
    token(&db, &["revoke", "3"])
        .stdout("revoked token 3\n")
        .run();
    token(&db, &["revoke", "3"])
        .stdout("token 3 was already revoked\n")
        .run();
    token(&db, &["revoke", "--user", "alice"])
        .stdout("revoked 2 tokens of alice\n")
        .run();
    token(&db, &["revoke", "--user", "alice"])
        .stdout("alice has no token left to revoke\n")
        .run();
    let listed = token(&db, &["ls", "--json"]).run();
    let json: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    for row in json["tokens"].as_array().unwrap() {
        assert!(row["revoked_at"].is_string(), "{row}");
    }
    let path = db.display();
    token(&db, &["revoke", "9"])
        .status(2)
        .stderr(&format!(
            "error: no token 9 in {path}; `jdeploy token ls` lists them\n"
        ))
        .run();
    token(&db, &["revoke", "--user", "zed"])
        .status(2)
        .stderr(&format!(
            "error: no token of user zed in {path}; `jdeploy token ls` lists them\n"
        ))
        .run();
}

#[test]
fn bad_requests_exit_2_and_make_nothing() {
    let (_dir, db) = state();
    let bad_role = token(
        &db,
        &[
            "create", "--user", "alice", "--role", "boss", "-g", "product",
        ],
    )
    .status(2)
    .run();
    assert!(
        bad_role.stderr.contains(
            "invalid value 'boss' for '--role <ROLE>': use one of: viewer, deployer, admin"
        ),
        "{}",
        bad_role.stderr
    );
    token(&db, &["create", "--user", "alice", "--role", "deployer"])
        .status(2)
        .stderr("error: a deployer needs the groups it is for: --group G (repeatable), or --all-groups\n")
        .run();
    token(
        &db,
        &[
            "create", "--user", "alice", "--role", "admin", "-g", "product",
        ],
    )
    .status(2)
    .stderr("error: an admin has every group; leave out --group\n")
    .run();
    token(&db, &["create", "--user", "alice", "--role", "viewer", "-g", "prodcut"])
        .status(2)
        .stderr("error: groups.yaml: no unit is in group `prodcut`\n  help: did you mean `product`? (known groups: product, product_2)\n")
        .run();
    token(
        &db,
        &["create", "--user", "", "--role", "viewer", "--all-groups"],
    )
    .status(2)
    .stderr("error: \"\" is not a user name: write one word, such as alice or ci-bot\n")
    .run();
    token(
        &db,
        &[
            "create",
            "--user",
            "a",
            "--role",
            "viewer",
            "-g",
            "product",
            "--all-groups",
        ],
    )
    .status(2)
    .run();
    token(&db, &["revoke"]).status(2).run();
    assert!(!db.exists(), "nothing was written");
}
