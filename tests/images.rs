//! `image push` and `image ls` on real engines: an image that only the source engine has
//! reaches three engines by id, runs there, costs one request per host the second time,
//! and bad archives or an unreachable host are told apart.

mod common;

use common::engines::{docker, docker_output, ensure_engines, inspect, unique_group, Cleanup};
use common::inventory::Fleet;
use common::{Output, Test};

/// The engine standing in for this machine's own: images are pushed from it.
const SOURCE: u8 = 5;
const TARGETS: [u8; 3] = [2, 3, 4];

/// An image only the source engine has: the demo image with a file of its own, so its
/// id is new. Removed from every engine when dropped.
struct Image {
    name: String,
}

impl Image {
    fn build(stem: &str) -> Self {
        let name = format!("{stem}:1");
        let maker = format!("{stem}-maker");
        let _ = docker_output(SOURCE, &["rm", "-f", &maker]);
        docker(
            SOURCE,
            &[
                "run",
                "--name",
                &maker,
                "jdeploy-demo:latest",
                "sh",
                "-c",
                &format!("echo {stem} > /marker && head -c 3000000 /dev/urandom > /blob"),
            ],
        );
        docker(SOURCE, &["commit", &maker, &name]);
        docker(SOURCE, &["rm", "-f", &maker]);
        Self { name }
    }

    fn id_on(&self, engine: u8) -> Option<String> {
        let output = docker_output(engine, &["image", "inspect", "-f", "{{.Id}}", &self.name]);
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        for engine in TARGETS.iter().chain(&[SOURCE]) {
            let _ = docker_output(*engine, &["rmi", "-f", &self.name]);
        }
    }
}

fn inventory(group: &str, image: &str, extra_host: Option<&str>) -> String {
    let mut fleet = Fleet::new()
        .image(group, image)
        .defaults("stop_timeout: 1")
        .unit("127.0.0.2", &[&format!("{group}_a")], group)
        .unit("127.0.0.3", &[&format!("{group}_b")], group)
        .unit("127.0.0.4", &[&format!("{group}_c")], group);
    if let Some(host) = extra_host {
        fleet = fleet.unit(host, &[&format!("{group}_gone")], group);
    }
    fleet.to_yaml()
}

fn jdeploy(yaml: &str, args: &[&str], status: i32) -> Output {
    Test::new()
        .file("run.sh.j2", common::engines::RUN_SH)
        .groups(yaml)
        .env("DOCKER_HOST", &format!("tcp://127.0.0.{SOURCE}:2375"))
        .args(args)
        .status(status)
        .run()
}

fn results(json: &str) -> Vec<(String, String)> {
    let json: serde_json::Value = serde_json::from_str(json).unwrap();
    json["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|unit| {
            (
                unit["host"].as_str().unwrap().to_string(),
                unit["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn an_image_reaches_every_host_by_id_and_runs_there() {
    ensure_engines(&[2, 3, 4, SOURCE]);
    let group = unique_group("img");
    let _cleanup = Cleanup::new(&group, &TARGETS);
    let image = Image::build(&group);
    let source_id = image.id_on(SOURCE).expect("built");
    for engine in TARGETS {
        assert_eq!(image.id_on(engine), None);
    }
    let yaml = inventory(&group, &image.name, None);
    // Without it, create names the way out.
    let missing = jdeploy(&yaml, &["create", "--group", &group], 1);
    assert!(
        missing.stdout.contains(&format!(
            "`jdeploy image push {} --group {group}`",
            image.name
        )),
        "{}",
        missing.stdout
    );
    let pushed = jdeploy(
        &yaml,
        &["image", "push", &image.name, "--group", &group, "--json"],
        0,
    );
    assert_eq!(
        results(&pushed.stdout),
        [
            ("127.0.0.2".into(), "pushed".into()),
            ("127.0.0.3".into(), "pushed".into()),
            ("127.0.0.4".into(), "pushed".into())
        ]
    );
    for engine in TARGETS {
        assert_eq!(image.id_on(engine).as_deref(), Some(source_id.as_str()));
    }
    // The second time, one question per host and nothing sent.
    let again = jdeploy(
        &yaml,
        &["image", "push", &image.name, "--group", &group, "--json"],
        0,
    );
    assert!(results(&again.stdout)
        .iter()
        .all(|(_, status)| status == "unchanged"));
    jdeploy(&yaml, &["create", "--group", &group], 0);
    jdeploy(
        &yaml,
        &["deploy", "--group", &group, "--min-healthy", "1s"],
        0,
    );
    assert_eq!(
        inspect(3, &format!("{group}_b"), "{{.State.Status}}"),
        "running"
    );
    let listed = jdeploy(&yaml, &["image", "ls", "--group", &group], 0);
    assert_eq!(
        listed.stdout.matches(&source_id[7..19]).count(),
        3,
        "{}",
        listed.stdout
    );
}

#[test]
fn an_unreachable_host_fails_alone_and_bad_archives_are_refused() {
    ensure_engines(&[2, 3, 4, SOURCE]);
    let group = unique_group("imgbad");
    let _cleanup = Cleanup::new(&group, &TARGETS);
    let image = Image::build(&group);
    let yaml = inventory(&group, &image.name, Some("127.0.0.8:1"));
    let pushed = jdeploy(&yaml, &["image", "push", &image.name, "--all", "--json"], 1);
    let results = results(&pushed.stdout);
    assert_eq!(results.len(), 4);
    assert_eq!(results[3], ("127.0.0.8:1".into(), "failed".into()));
    assert!(
        results[..3].iter().all(|(_, status)| status == "pushed"),
        "{results:?}"
    );

    // A whole archive, then the same cut short, and a file that is none.
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("image.tar");
    let saved = docker_output(
        SOURCE,
        &["save", "-o", &whole.display().to_string(), &image.name],
    );
    assert!(saved.status.success());
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let junk = dir.path().join("junk.tar");
    std::fs::write(&junk, b"not an archive").unwrap();
    let yaml = inventory(&group, &image.name, None);
    for (file, message) in [
        (&cut, "cut short"),
        (&junk, "is not a `docker save` archive"),
    ] {
        let refused = jdeploy(
            &yaml,
            &[
                "image",
                "push",
                "--from-file",
                &file.display().to_string(),
                "--group",
                &group,
            ],
            2,
        );
        assert!(refused.stderr.contains(message), "{}", refused.stderr);
    }
    for engine in TARGETS {
        docker(engine, &["rmi", "-f", &image.name]);
    }
    let from_file = jdeploy(
        &yaml,
        &[
            "image",
            "push",
            "--from-file",
            &whole.display().to_string(),
            "--group",
            &group,
            "--json",
        ],
        0,
    );
    assert!(
        statuses_of(&from_file.stdout)
            .iter()
            .all(|status| status == "pushed"),
        "{}",
        from_file.stdout
    );
}

fn statuses_of(json: &str) -> Vec<String> {
    results(json)
        .into_iter()
        .map(|(_, status)| status)
        .collect()
}

#[test]
fn create_push_images_sends_the_image_first() {
    ensure_engines(&[2, 3, 4, SOURCE]);
    let group = unique_group("imgcreate");
    let _cleanup = Cleanup::new(&group, &TARGETS);
    let image = Image::build(&group);
    let yaml = inventory(&group, &image.name, None);
    let created = jdeploy(&yaml, &["create", "--group", &group, "--push-images"], 0);
    assert!(created.stdout.contains("3 created"), "{}", created.stdout);
    for engine in TARGETS {
        assert_eq!(image.id_on(engine), image.id_on(SOURCE));
    }
}
