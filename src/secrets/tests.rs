use std::collections::BTreeMap;
use std::path::Path;

use super::store::Problem;
use super::*;
use crate::labels;

const VALUE: &str = "s3cr3t-Value-7f1c";

fn fixed(vars: &[(&str, &str)]) -> Environment {
    Environment::Fixed(
        vars.iter()
            .map(|(name, value)| (name.to_string(), SecretValue::new(*value)))
            .collect(),
    )
}

fn store(dir: &Path, file: Option<&str>, environment: Environment) -> SecretStore {
    let sources = SecretSources {
        file: file.map(|file| dir.join(file)),
        environment,
    };
    SecretStore::new(&sources, dir)
}

#[test]
fn fingerprints_agree_everywhere_but_differ_by_group_name_and_value() {
    let one = fingerprint("web", "DB_PASSWORD", VALUE);
    assert_eq!(one, fingerprint("web", "DB_PASSWORD", VALUE));
    assert_eq!(one.len(), 64);
    assert!(one.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(one, fingerprint("api", "DB_PASSWORD", VALUE));
    assert_ne!(one, fingerprint("web", "API_KEY", VALUE));
    assert_ne!(one, fingerprint("web", "DB_PASSWORD", "other"));
    assert!(!one.contains(VALUE));
}

#[test]
fn values_never_print() {
    let secrets = GroupSecrets::new("web", [("DB_PASSWORD".into(), SecretValue::new(VALUE))]);
    assert!(!format!("{secrets:?}").contains(VALUE));
    assert!(!format!("{:?}", fixed(&[("DB_PASSWORD", VALUE)])).contains(VALUE));
    let lines: Vec<String> = secrets.env_lines().collect();
    assert_eq!(lines, [format!("DB_PASSWORD={VALUE}")]);
}

#[test]
fn the_environment_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".jdeploy")).unwrap();
    let text = "# secrets\nDB_PASSWORD=from-file\nAPI_KEY='k$y with spaces'\n";
    std::fs::write(dir.path().join(DEFAULT_SECRETS_FILE), text).unwrap();
    let store = store(dir.path(), None, fixed(&[("DB_PASSWORD", VALUE)]));
    assert_eq!(store.lookup("DB_PASSWORD").unwrap().expose(), VALUE);
    assert_eq!(store.lookup("API_KEY").unwrap().expose(), "k$y with spaces");
    let missing = store.lookup("OTHER").unwrap_err();
    assert_eq!(missing, Problem::NotFound { file_exists: true });
}

#[test]
fn the_default_file_may_be_absent_but_a_given_one_may_not() {
    let dir = tempfile::tempdir().unwrap();
    let default = store(dir.path(), None, fixed(&[("DB_PASSWORD", VALUE)]));
    assert!(default.lookup("DB_PASSWORD").is_ok());
    assert_eq!(
        default.lookup("API_KEY").unwrap_err(),
        Problem::NotFound { file_exists: false }
    );
    let given = store(
        dir.path(),
        Some("prod.env"),
        fixed(&[("DB_PASSWORD", VALUE)]),
    );
    assert_eq!(given.lookup("DB_PASSWORD").unwrap_err(), Problem::NoFile);
}

#[test]
fn a_broken_file_is_named_by_line_without_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("API_KEY=fine\n\nDB_PASSWORD=\"{VALUE}\n");
    std::fs::write(dir.path().join("prod.env"), text).unwrap();
    let store = store(dir.path(), Some("prod.env"), fixed(&[]));
    let problem = store.lookup("API_KEY").unwrap_err();
    assert_eq!(problem, Problem::Unparsable { line: Some(3) });
    assert!(!format!("{problem} {problem:?}").contains(VALUE));
}

#[test]
fn masks_secrets_with_the_recorded_fingerprint_or_a_computed_one() {
    let config = serde_json::json!({ "secrets": { "DB_PASSWORD": "recorded" } });
    let labels = BTreeMap::from([(labels::CONFIG.to_string(), config.to_string())]);
    let mask = EnvMask {
        group: "web".into(),
        names: ["API_KEY".to_string()].into(),
        computed: Default::default(),
    };
    let env = [
        format!("DB_PASSWORD={VALUE}"),
        format!("API_KEY={VALUE}"),
        "TZ=UTC".to_string(),
    ];
    let masked = mask.apply(&env, &labels);
    let computed = fingerprint("web", "API_KEY", VALUE);
    assert_eq!(
        masked,
        [
            format!("DB_PASSWORD={MASK_PREFIX}recorded"),
            format!("API_KEY={MASK_PREFIX}{computed}"),
            "TZ=UTC".to_string(),
        ]
    );
    // Without secrets anywhere, the environment is left as it is.
    assert_eq!(EnvMask::default().apply(&env, &BTreeMap::new()), env);
}
