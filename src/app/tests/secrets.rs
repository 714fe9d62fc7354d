//! Secrets through the application: values reach containers, and nothing jdeploy
//! writes (labels, reports, manifests, history) holds one.

use std::path::Path;

use super::*;
use crate::secrets::{Environment, SecretSources, SecretValue};

const VALUE: &str = "s3cr3t-Value-7f1c";

const GROUPS: &str = "\
images:
  web: app:1
defaults:
  rollout:
    min_healthy: 50ms
groups:
  web:
    env:
      TZ: UTC
    secrets: [DB_PASSWORD]
units:
  - host: 127.0.0.2
    dockers: [web_a]
    group: web
  - host: 127.0.0.3
    dockers: [web_b]
    group: web
";

fn env(vars: &[(&str, &str)]) -> Environment {
    let vars = vars
        .iter()
        .map(|(k, v)| (k.to_string(), SecretValue::new(*v)));
    Environment::Fixed(vars.collect())
}

/// The application over `fake`, with `groups` and secret values from `environment`.
fn setup_secrets(fake: FakeFleet, groups: &str, environment: Environment) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("groups.yaml"), groups).unwrap();
    std::fs::write(dir.path().join("run.sh.j2"), RUN_SH).unwrap();
    let context = Context {
        file: dir.path().join("groups.yaml"),
        load: Default::default(),
        state: dir.path().join("history.db"),
        lock: Default::default(),
        secrets: SecretSources {
            file: None,
            environment,
        },
    };
    Setup {
        _dir: dir,
        app: App::new(fake.clone(), context),
        fake,
    }
}

fn with_environment(setup: &Setup, environment: Environment) -> App<FakeFleet> {
    let mut context = setup.app.context.clone();
    context.secrets.environment = environment;
    App::new(setup.fake.clone(), context)
}

/// Every file under `dir` that holds `needle`, by path.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter(|entry| {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        })
        .map(|entry| entry.path().display().to_string())
        .collect()
}

#[tokio::test]
async fn create_gives_containers_the_value_and_writes_it_nowhere() {
    let setup = setup_secrets(FakeFleet::default(), GROUPS, env(&[("DB_PASSWORD", VALUE)]));
    let Setup { app, fake, _dir } = &setup;
    let created = app.create(&create_request(), &Unattended).await.unwrap();
    assert!(created.ok(), "{created:?}");
    let container = fake.container("127.0.0.2", "web_a").unwrap();
    assert!(container.env.contains(&format!("DB_PASSWORD={VALUE}")));
    assert!(container.env.contains(&"TZ=UTC".to_string()));
    for (name, value) in &container.labels {
        assert!(!value.contains(VALUE), "label {name} holds the value");
    }
    let config = &container.labels[crate::labels::CONFIG];
    assert!(
        config.contains("\"secrets\":{\"DB_PASSWORD\":\""),
        "{config}"
    );
    assert!(!serde_json::to_string(&created).unwrap().contains(VALUE));

    // Deploy, plan and status read the environment back: they record fingerprints.
    let deployed = app
        .deploy(&deploy_request("one"), &Unattended)
        .await
        .unwrap();
    assert!(deployed.ok(), "{deployed:?}");
    assert!(!serde_json::to_string(&deployed).unwrap().contains(VALUE));
    let container = fake.container("127.0.0.2", "web_a").unwrap();
    let manifests: Vec<String> = container
        .files
        .keys()
        .filter(|path| path.ends_with("manifest.json"))
        .map(|path| fake.file("127.0.0.2", "web_a", path).unwrap())
        .collect();
    assert!(!manifests.is_empty());
    for manifest in &manifests {
        assert!(!manifest.contains(VALUE), "{manifest}");
        assert!(manifest.contains("DB_PASSWORD=secret:"), "{manifest}");
    }
    let plan = PlanRequest {
        group: "web".into(),
        flags: deploy_request("two").flags,
        rollout: Default::default(),
    };
    let plan = app.plan(&plan, &Unattended).await.unwrap();
    assert!(!serde_json::to_string(&plan).unwrap().contains(VALUE));
    assert_eq!(files_holding(_dir.path(), VALUE), Vec::<String>::new());
}

#[tokio::test]
async fn a_changed_value_is_named_never_shown() {
    let setup = setup_secrets(FakeFleet::default(), GROUPS, env(&[("DB_PASSWORD", VALUE)]));
    setup
        .app
        .create(&create_request(), &Unattended)
        .await
        .unwrap();
    let app = with_environment(&setup, env(&[("DB_PASSWORD", "an0ther-Value-99")]));
    let differs = app.create(&create_request(), &Unattended).await.unwrap();
    for outcome in &differs.outcomes {
        assert_eq!(outcome.status, Status::Differs);
        assert!(
            outcome.detail.contains("secret DB_PASSWORD changed"),
            "{outcome:?}"
        );
    }
    let text = serde_json::to_string(&differs).unwrap();
    assert!(
        !text.contains(VALUE) && !text.contains("an0ther-Value-99"),
        "{text}"
    );
    let recreate = CreateRequest {
        recreate: true,
        ..create_request()
    };
    let replaced = app.create(&recreate, &Unattended).await.unwrap();
    assert!(replaced.ok(), "{replaced:?}");
    let container = setup.fake.container("127.0.0.3", "web_b").unwrap();
    assert!(container
        .env
        .contains(&"DB_PASSWORD=an0ther-Value-99".to_string()));
    // The same value again is no change.
    let again = app.create(&create_request(), &Unattended).await.unwrap();
    assert!(again.outcomes.iter().all(|o| o.status == Status::Unchanged));
}

#[tokio::test]
async fn a_missing_value_is_an_input_error_and_no_engine_is_called() {
    let setup = setup_secrets(FakeFleet::default(), GROUPS, env(&[]));
    let err = setup
        .app
        .create(&create_request(), &Unattended)
        .await
        .unwrap_err();
    let AppError::Input(diagnostics) = &err else {
        panic!("an input error: {err}")
    };
    let text = diagnostics.to_string();
    assert!(text.contains("groups.yaml:10:"), "{text}");
    for part in [
        "group `web`",
        "secret `DB_PASSWORD`",
        "environment",
        ".jdeploy/secrets",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert!(setup.fake.calls().is_empty());
    let validated = setup.app.validate(&Default::default(), &Unattended).await;
    assert!(matches!(validated, Err(AppError::Input(_))));
}

#[tokio::test]
async fn commands_that_need_no_value_run_without_one() {
    let fake = FakeFleet::default()
        .with_container("127.0.0.2", "web_a")
        .with_container("127.0.0.3", "web_b");
    let setup = setup_secrets(fake, GROUPS, env(&[]));
    let deployed = setup.app.deploy(&deploy_request("one"), &Unattended).await;
    assert!(deployed.unwrap().ok());
    let status = StatusRequest {
        selection: Selection::default(),
        usage: Usage::Processes,
    };
    assert!(setup.app.status(&status, &Unattended).await.is_ok());
}

#[tokio::test]
async fn the_environment_wins_over_the_secrets_file() {
    let groups = GROUPS.replace("[DB_PASSWORD]", "[DB_PASSWORD, API_KEY]");
    let setup = setup_secrets(
        FakeFleet::default(),
        &groups,
        env(&[("DB_PASSWORD", VALUE)]),
    );
    let dir = setup._dir.path().join(".jdeploy");
    std::fs::create_dir(&dir).unwrap();
    let file = "DB_PASSWORD=from-the-file\nAPI_KEY='k3y from the file'\n";
    std::fs::write(dir.join("secrets"), file).unwrap();
    let created = setup
        .app
        .create(&create_request(), &Unattended)
        .await
        .unwrap();
    assert!(created.ok(), "{created:?}");
    let container = setup.fake.container("127.0.0.2", "web_a").unwrap();
    assert!(container.env.contains(&format!("DB_PASSWORD={VALUE}")));
    assert!(container
        .env
        .contains(&"API_KEY=k3y from the file".to_string()));

    // A file named on purpose must be there, even when the environment has every value.
    let mut context = setup.app.context.clone();
    context.secrets.file = Some(setup._dir.path().join("prod.env"));
    let app = App::new(setup.fake.clone(), context);
    let err = app
        .create(&create_request(), &Unattended)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("prod.env: no such file"), "{err}");
}

#[tokio::test]
async fn status_sees_no_difference_without_the_values() {
    let setup = setup_secrets(FakeFleet::default(), GROUPS, env(&[("DB_PASSWORD", VALUE)]));
    setup
        .app
        .create(&create_request(), &Unattended)
        .await
        .unwrap();
    let app = with_environment(&setup, env(&[]));
    let status = StatusRequest {
        selection: Selection::default(),
        usage: Usage::Processes,
    };
    let report = app.status(&status, &Unattended).await.unwrap();
    assert!(
        report.rows.iter().all(|row| !row.config_differs),
        "{report:?}"
    );
    assert!(!serde_json::to_string(&report).unwrap().contains(VALUE));
}

#[tokio::test]
async fn rollback_compares_environments_by_fingerprint() {
    let setup = setup_secrets(FakeFleet::default(), GROUPS, env(&[("DB_PASSWORD", VALUE)]));
    let app = &setup.app;
    app.create(&create_request(), &Unattended).await.unwrap();
    for mode in ["one", "two"] {
        let deployed = app
            .deploy(&deploy_request(mode), &Unattended)
            .await
            .unwrap();
        assert!(deployed.ok(), "{deployed:?}");
    }
    let back = app.rollback(&one_step_back(), &Unattended).await.unwrap();
    assert!(back.ok(), "{back:?}");
    assert!(!serde_json::to_string(&back).unwrap().contains(VALUE));
    assert_eq!(
        files_holding(setup._dir.path(), VALUE),
        Vec::<String>::new()
    );
}
