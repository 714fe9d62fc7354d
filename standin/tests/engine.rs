//! The stand-in answered through bollard, as jdeploy asks it: containers, files, execs,
//! logs, stats, images and events.

use std::collections::HashMap;
use std::time::Duration;

use bollard::body_full;
use bollard::container::LogOutput;
use bollard::errors::Error;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    ContainerArchiveInfoOptions, CreateContainerOptions, CreateImageOptionsBuilder,
    DownloadFromContainerOptions, EventsOptions, ListContainersOptions, LogsOptions,
    RemoveContainerOptions, RenameContainerOptions, StatsOptions, TopOptions,
    UploadToContainerOptions,
};
use bollard::{Docker, API_DEFAULT_VERSION};
use futures::StreamExt;
use jdeploy_standin::{EngineConfig, ExecRule, StandIn, StandInConfig};

async fn one_engine(config: EngineConfig) -> (StandIn, Docker) {
    let standin = StandIn::start(StandInConfig::uniform(1, config))
        .await
        .unwrap();
    let address = standin.addresses()[0].to_string();
    let client = Docker::connect_with_http(&address, 5, API_DEFAULT_VERSION)
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();
    (standin, client)
}

fn body(image: &str, labels: &[(&str, &str)]) -> ContainerCreateBody {
    ContainerCreateBody {
        image: Some(image.into()),
        cmd: Some(vec!["sh".into(), "-c".into(), "sleep 1d".into()]),
        env: Some(vec!["TZ=UTC".into()]),
        labels: Some(
            labels
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
        ),
        ..Default::default()
    }
}

async fn create(client: &Docker, name: &str, image: &str) -> Result<String, Error> {
    let options = CreateContainerOptions {
        name: Some(name.into()),
        ..Default::default()
    };
    let labels = [("io.jdeploy.group", "web"), ("role", name)];
    let created = client
        .create_container(Some(options), body(image, &labels))
        .await?;
    Ok(created.id)
}

fn server_error(err: Error) -> (u16, String) {
    match err {
        Error::DockerResponseServerError {
            status_code,
            message,
        } => (status_code, message),
        other => panic!("not an answer from the engine: {other:?}"),
    }
}

#[tokio::test]
async fn containers_live_through_the_api() {
    let (standin, client) = one_engine(EngineConfig::default().image("app:1")).await;
    assert_eq!(client.client_version().to_string(), "1.47");
    let id = create(&client, "web_1", "app:1").await.unwrap();
    create(&client, "web_2", "app:1").await.unwrap();
    let taken = server_error(create(&client, "web_1", "app:1").await.unwrap_err());
    assert_eq!(taken.0, 409);
    assert!(taken.1.contains("is already in use"), "{}", taken.1);
    let missing = server_error(create(&client, "web_3", "other:2").await.unwrap_err());
    assert_eq!(missing, (404, "No such image: other:2".into()));

    client.start_container("web_1", None).await.unwrap();
    // Started twice, stopped twice: Docker's 304, which is no error.
    client.start_container("web_1", None).await.unwrap();
    let details = client.inspect_container(&id[..12], None).await.unwrap();
    let state = details.state.unwrap();
    assert_eq!(state.status.unwrap().to_string(), "running");
    assert!(!state.started_at.unwrap().starts_with("0001"));
    assert_eq!(details.config.unwrap().labels.unwrap()["role"], "web_1");

    let filters = HashMap::from([("label".to_string(), vec!["role=web_2".to_string()])]);
    let listed = client
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        }))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].names.as_ref().unwrap()[0], "/web_2");
    let running = client.list_containers(None).await.unwrap();
    assert_eq!(running.len(), 1, "only web_1 runs");

    client.stop_container("web_1", None).await.unwrap();
    client.stop_container("web_1", None).await.unwrap();
    client.restart_container("web_1", None).await.unwrap();
    assert!(standin.engine(0).is_running("web_1"));
    let rename = RenameContainerOptions {
        name: "web_2".into(),
    };
    let conflict = client.rename_container("web_1", rename).await.unwrap_err();
    assert_eq!(server_error(conflict).0, 409);
    let running = server_error(client.remove_container("web_1", None).await.unwrap_err());
    assert_eq!(running.0, 409);
    let force = RemoveContainerOptions {
        force: true,
        ..Default::default()
    };
    client.remove_container("web_1", Some(force)).await.unwrap();
    let gone = server_error(client.inspect_container("web_1", None).await.unwrap_err());
    assert_eq!(gone, (404, "No such container: web_1".into()));
    assert_eq!(standin.engine(0).containers().len(), 1);
    standin.stop().await;
}

fn release_archive() -> bytes::Bytes {
    let mut builder = tar::Builder::new(Vec::new());
    let data = b"#!/bin/sh\necho hi\n";
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o755);
    builder
        .append_data(&mut header, ".jdeploy/releases/ab12/run.sh", &data[..])
        .unwrap();
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Link);
    link.set_mode(0o755);
    link.set_size(0);
    builder
        .append_link(&mut link, "run.sh", ".jdeploy/releases/ab12/run.sh")
        .unwrap();
    let mut symlink = tar::Header::new_gnu();
    symlink.set_entry_type(tar::EntryType::Symlink);
    symlink.set_size(0);
    builder
        .append_link(&mut symlink, ".jdeploy/current", "releases/ab12")
        .unwrap();
    builder.into_inner().unwrap().into()
}

#[tokio::test]
async fn files_go_in_and_come_out_as_archives() {
    let (standin, client) = one_engine(EngineConfig::default().image("app:1")).await;
    create(&client, "web_1", "app:1").await.unwrap();
    let upload = UploadToContainerOptions {
        path: "/".into(),
        ..Default::default()
    };
    client
        .upload_to_container("web_1", Some(upload), body_full(release_archive()))
        .await
        .unwrap();
    let stat = client
        .get_container_archive_info(
            "web_1",
            Some(ContainerArchiveInfoOptions {
                path: "/.jdeploy/current".into(),
            }),
        )
        .await
        .unwrap();
    assert_eq!(stat.link_target, "/.jdeploy/releases/ab12");
    let absent = client
        .get_container_archive_info(
            "web_1",
            Some(ContainerArchiveInfoOptions {
                path: "/.jdeploy/pending".into(),
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(server_error(absent).0, 404);

    let download = |path: &str| {
        let options = DownloadFromContainerOptions { path: path.into() };
        client.download_from_container("web_1", Some(options))
    };
    let chunks: Vec<_> = download("/run.sh").collect().await;
    let archive: Vec<u8> = chunks
        .into_iter()
        .flat_map(|chunk| chunk.unwrap().to_vec())
        .collect();
    let mut archive = tar::Archive::new(archive.as_slice());
    let mut entry = archive.entries().unwrap().next().unwrap().unwrap();
    assert_eq!(entry.path().unwrap().to_str(), Some("run.sh"));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
    assert_eq!(text, "#!/bin/sh\necho hi\n");
    let missing: Vec<_> = download("/nope").collect().await;
    let (status, message) = server_error(missing.into_iter().next().unwrap().unwrap_err());
    assert_eq!(status, 404);
    assert!(
        message.contains("Could not find the file /nope"),
        "{message}"
    );
    assert_eq!(
        standin.engine(0).file("web_1", "/.jdeploy/current/run.sh"),
        Some(b"#!/bin/sh\necho hi\n".to_vec())
    );
    standin.stop().await;
}

#[tokio::test]
async fn execs_logs_stats_and_processes() {
    let config = EngineConfig::default()
        .image("app:1")
        .exec(ExecRule::new("exit 3", 3).stderr("failing\n"));
    let (standin, client) = one_engine(config).await;
    create(&client, "web_1", "app:1").await.unwrap();
    let exec = |command: &str| CreateExecOptions {
        cmd: Some(vec![
            "sh".to_string(),
            "-c".to_string(),
            command.to_string(),
        ]),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        ..Default::default()
    };
    let stopped = server_error(client.create_exec("web_1", exec("true")).await.unwrap_err());
    assert_eq!(stopped.0, 409);
    assert!(stopped.1.contains("is not running"));
    client.start_container("web_1", None).await.unwrap();

    for (command, code, output) in [("true", 0, ""), ("echo x; exit 3", 3, "failing\n")] {
        let id = client.create_exec("web_1", exec(command)).await.unwrap().id;
        let started = client
            .start_exec(&id, Some(StartExecOptions::default()))
            .await
            .unwrap();
        let StartExecResults::Attached {
            output: mut stream, ..
        } = started
        else {
            panic!("attached");
        };
        let mut printed = String::new();
        while let Some(chunk) = stream.next().await {
            if let LogOutput::StdErr { message } = chunk.unwrap() {
                printed += &String::from_utf8_lossy(&message);
            }
        }
        assert_eq!(printed, output);
        assert_eq!(
            client.inspect_exec(&id).await.unwrap().exit_code,
            Some(code)
        );
    }

    let engine = standin.engine(0);
    engine.log("web_1", false, "one");
    engine.log("web_1", true, "two");
    let logs = LogsOptions {
        stdout: true,
        stderr: true,
        timestamps: true,
        tail: "1".into(),
        ..Default::default()
    };
    let lines: Vec<_> = client.logs("web_1", Some(logs)).collect().await;
    assert_eq!(lines.len(), 1);
    let LogOutput::StdErr { message } = lines[0].as_ref().unwrap() else {
        panic!("stderr");
    };
    assert!(message.ends_with(b"Z two\n"), "{message:?}");

    let stats = StatsOptions {
        stream: false,
        one_shot: false,
    };
    let sample = client
        .stats("web_1", Some(stats))
        .next()
        .await
        .unwrap()
        .unwrap();
    let cpu = sample
        .cpu_stats
        .unwrap()
        .cpu_usage
        .unwrap()
        .total_usage
        .unwrap();
    let before = sample
        .precpu_stats
        .unwrap()
        .cpu_usage
        .unwrap()
        .total_usage
        .unwrap();
    assert!(cpu > before, "{before} then {cpu}");
    assert!(sample.memory_stats.unwrap().usage.unwrap() > 0);

    let top = TopOptions {
        ps_args: "-e -o pid,rss,pcpu".into(),
    };
    let top = client.top_processes("web_1", Some(top)).await.unwrap();
    assert_eq!(top.titles.unwrap(), ["PID", "RSS", "%CPU"]);
    assert_eq!(top.processes.unwrap().len(), 1);
    standin.stop().await;
}

#[tokio::test]
async fn images_are_imported_and_events_replayed() {
    let (standin, client) = one_engine(EngineConfig::default()).await;
    let missing = server_error(
        create(&client, "lock", "jdeploy-marker:1")
            .await
            .unwrap_err(),
    );
    assert_eq!(missing.0, 404);
    let options = CreateImageOptionsBuilder::new()
        .from_src("-")
        .repo("jdeploy-marker")
        .tag("1")
        .changes(vec!["LABEL io.jdeploy.marker=true".to_string()])
        .build();
    let empty = tar::Builder::new(Vec::new()).into_inner().unwrap();
    let mut answers = client.create_image(Some(options), Some(body_full(empty.into())), None);
    while let Some(answer) = answers.next().await {
        answer.unwrap();
    }
    let image = client.inspect_image("jdeploy-marker:1").await.unwrap();
    assert!(image.id.unwrap().starts_with("sha256:"));
    create(&client, "lock", "jdeploy-marker:1").await.unwrap();

    create(&client, "web_1", "jdeploy-marker:1").await.unwrap();
    client.start_container("web_1", None).await.unwrap();
    assert!(standin.engine(0).exit("web_1", 3));
    let filters = HashMap::from([
        ("container".to_string(), vec!["web_1".to_string()]),
        ("event".to_string(), vec!["die".to_string()]),
    ]);
    let options = EventsOptions {
        since: Some("0".into()),
        until: Some(format!(
            "{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                + 1
        )),
        filters: Some(filters),
    };
    let events: Vec<_> = client.events(Some(options)).collect().await;
    assert_eq!(events.len(), 1);
    let attributes = events[0]
        .as_ref()
        .unwrap()
        .actor
        .clone()
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(attributes["exitCode"], "3");

    let info = client.info().await.unwrap();
    assert!(info
        .system_time
        .unwrap()
        .parse::<humantime::Timestamp>()
        .is_ok());
    client.ping().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), standin.stop())
        .await
        .unwrap();
}
