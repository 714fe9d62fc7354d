//! Latency, injected faults, and the counters a bench reads.

use std::time::{Duration, Instant};

use bollard::errors::Error;
use bollard::{Docker, API_DEFAULT_VERSION};
use futures::future::join_all;
use jdeploy_standin::{EngineConfig, Fault, FaultKind, StandIn, StandInConfig, When};

async fn client(standin: &StandIn, engine: usize, timeout: u64) -> Docker {
    let address = standin.addresses()[engine].to_string();
    Docker::connect_with_http(&address, timeout, API_DEFAULT_VERSION)
        .unwrap()
        .negotiate_version()
        .await
        .unwrap()
}

#[tokio::test]
async fn status_faults_hit_the_calls_they_name() {
    let fault = Fault::on(
        "GET /containers/*/json",
        FaultKind::status(500, "disk on fire"),
    )
    .when(When::Nth(2));
    let standin = StandIn::start(StandInConfig::uniform(
        1,
        EngineConfig::default().fault(fault),
    ))
    .await
    .unwrap();
    let docker = client(&standin, 0, 5).await;
    let answers: Vec<u16> = {
        let mut answers = Vec::new();
        for _ in 0..3 {
            match docker.inspect_container("web_1", None).await {
                Err(Error::DockerResponseServerError {
                    status_code,
                    message,
                }) => {
                    if status_code == 500 {
                        assert_eq!(message, "disk on fire");
                    }
                    answers.push(status_code);
                }
                other => panic!("{other:?}"),
            }
        }
        answers
    };
    assert_eq!(answers, [404, 500, 404]);
    // Other calls are untouched.
    docker.version().await.unwrap();
    standin.stop().await;
}

#[tokio::test]
async fn resets_hangs_and_slow_bodies() {
    let engine = EngineConfig::default()
        .fault(Fault::on("GET /containers/json", FaultKind::Reset))
        .fault(Fault::on("GET /info", FaultKind::Hang))
        .fault(Fault::on(
            "GET /images/json",
            FaultKind::SlowBody {
                chunk: 1,
                every: Duration::from_millis(20),
            },
        ));
    let standin = StandIn::start(StandInConfig::uniform(1, engine))
        .await
        .unwrap();
    let docker = client(&standin, 0, 1).await;

    let reset = docker
        .list_containers(None::<bollard::query_parameters::ListContainersOptions>)
        .await
        .unwrap_err();
    // An RST, not an orderly close.
    assert!(
        format!("{reset:?}").contains("ConnectionReset"),
        "{reset:?}"
    );
    let hung = docker.info().await.unwrap_err();
    assert!(matches!(hung, Error::RequestTimeoutError), "{hung:?}");

    // `[]` in two bytes, each 20 ms apart.
    let started = Instant::now();
    let images = docker
        .list_images(None::<bollard::query_parameters::ListImagesOptions>)
        .await
        .unwrap();
    assert!(images.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(40));
    tokio::time::timeout(Duration::from_secs(5), standin.stop())
        .await
        .expect("stopping ends hung requests too");
}

#[tokio::test]
async fn latency_and_counters() {
    let engine = EngineConfig::default().latency(Duration::from_millis(100));
    let standin = StandIn::start(StandInConfig::uniform(2, engine))
        .await
        .unwrap();
    let docker = client(&standin, 0, 5).await;
    let started = Instant::now();
    let pings = join_all((0..6).map(|_| docker.ping())).await;
    let elapsed = started.elapsed();
    assert!(pings.iter().all(Result::is_ok));
    // Each answered after the latency, all of them in flight together.
    assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");

    let counted = standin.engine(0).counters();
    assert_eq!(counted.requests, 7);
    assert_eq!(counted.route("GET /_ping"), 6);
    assert_eq!(counted.route("GET /version"), 1);
    // bollard opens a connection per request.
    assert_eq!(counted.connections, 7);
    assert_eq!(counted.peak_in_flight, 6);
    assert!(counted.peak_connections >= 6);
    assert_eq!(standin.engine(1).counters().requests, 0);
    assert_eq!(standin.counters().requests, 7);

    standin.engine(1).set_latency(Duration::ZERO);
    client(&standin, 1, 5).await;
    standin.reset_counters();
    assert_eq!(standin.counters().requests, 0);
    assert_eq!(standin.engine(0).counters().route("GET /_ping"), 0);
    standin.stop().await;
}
