//! Bodies as each format has them, and sending against a server on 127.0.0.1 that answers
//! as told: only loopback is ever contacted.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::rollout::{Outcome, Status, UnitKey};

const SECRET: &str = "s3cr3t-token";

fn unit(container: &str, host: &str) -> UnitKey {
    UnitKey {
        group: "product".into(),
        container: container.into(),
        host: host.into(),
        core: false,
    }
}

fn report(outcomes: Vec<Outcome>) -> RunReport {
    RunReport::new("deploy", "product", outcomes, Duration::from_millis(4213))
}

/// Two deployed, one failed with text from the container, one skipped.
fn failure() -> Event {
    let report = report(vec![
        Outcome::new(unit("core_1", "127.0.0.2"), Status::Deployed, "deployed"),
        Outcome::new(
            unit("web_1", "127.0.0.3"),
            Status::Failed,
            "exited (3) 0.4s after restart: \x1b[31mboom\r\n<!channel> & co",
        ),
        Outcome::new(unit("web_2", "127.0.0.3"), Status::Deployed, "deployed"),
        Outcome::new(
            unit("web_3", "127.0.0.4"),
            Status::Skipped,
            "not started: the deploy halted",
        ),
    ]);
    Event::from_report(
        EventKind::Failure,
        &report,
        Some("5e0c0a1b2c3d4e5f60718293a4b5c6d7".into()),
        "alice@laptop".into(),
    )
}

fn target(url: &str, format: NotifyFormat, on: &[EventKind]) -> NotifyTarget {
    NotifyTarget {
        url: url.parse().unwrap(),
        format,
        on: on.to_vec(),
    }
}

fn quick() -> Sender {
    Sender {
        timeout: Duration::from_millis(300),
        retry_pause: Duration::from_millis(20),
        use_proxy_env: false,
    }
}

#[test]
fn an_event_counts_statuses_and_lists_what_failed() {
    let event = failure();
    assert_eq!(event.result, "failed");
    assert_eq!(event.counts["deployed"], 2);
    assert_eq!(event.counts["failed"], 1);
    assert_eq!(event.counts["skipped"], 1);
    let failed: Vec<&str> = event.failed.iter().map(|f| f.container.as_str()).collect();
    assert_eq!(failed, ["web_1", "web_3"]);
    assert_eq!(event.elapsed_secs, 4.213);

    let mut rolled = report(vec![Outcome::new(
        unit("web_1", "127.0.0.3"),
        Status::RolledBack,
        "back on 1a2b",
    )]);
    rolled.rolled_back = true;
    let rolled = Event::from_report(EventKind::Rollback, &rolled, None, "bob@ci".into());
    assert_eq!(rolled.result, "rolled back");
    let ok = Event::from_report(EventKind::Success, &report(vec![]), None, "bob@ci".into());
    assert_eq!(ok.result, "ok");
    let hook = Outcome::failed(
        unit("web_2", "127.0.0.3"),
        crate::engine::ErrorKind::Hook,
        "post_start hook exited 4: DB_PASSWORD=hunter2",
    );
    let told = Event::from_report(
        EventKind::Failure,
        &report(vec![hook]),
        None,
        "bob@ci".into(),
    );
    assert_eq!(told.failed[0].reason, "post_start hook exited 4");
    let started = Event::started("product", "deploy", "bob@ci".into());
    assert_eq!(
        (started.kind, started.result.as_str()),
        (EventKind::Start, "started")
    );
}

/// The body for `failure()`, as the project's other JSON snapshots are kept.
fn pretty(format: NotifyFormat) -> String {
    serde_json::to_string_pretty(&body(format, &failure())).unwrap()
}

#[test]
fn json_body() {
    insta::assert_snapshot!(pretty(NotifyFormat::Json));
}

#[test]
fn slack_body() {
    insta::assert_snapshot!(pretty(NotifyFormat::Slack));
}

#[test]
fn dingtalk_body() {
    insta::assert_snapshot!(pretty(NotifyFormat::Dingtalk));
}

#[test]
fn start_text() {
    let event = Event::started("product", "deploy", "alice@laptop".into());
    insta::assert_snapshot!(text(&event), @"jdeploy deploy of product started (alice@laptop)");
}

#[test]
fn a_long_failed_list_is_cut_and_long_reasons_too() {
    let outcomes = (0..25)
        .map(|i| {
            Outcome::new(
                unit(&format!("web_{i}"), "127.0.0.3"),
                Status::Failed,
                "x".repeat(1000),
            )
        })
        .collect();
    let event = Event::from_report(EventKind::Failure, &report(outcomes), None, "a@b".into());
    let text = text(&event);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 20 + 1, "{text}");
    assert!(
        lines[0].ends_with(": 0 ok, 25 failed in 4.2s"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[21], "and 5 more");
    assert!(lines[1].ends_with("x…") && lines[1].chars().count() < 340);
}

/// One request as the server read it.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        let found = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map(|(_, value)| value.as_str())
    }
}

#[derive(Debug, Clone, Copy)]
enum Reply {
    Status(u16, &'static str),
    /// Read the request, never answer.
    Hang,
}

/// A server on 127.0.0.1 giving the nth request the nth reply (the last one from then on).
struct Server {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    async fn start(replies: &[Reply]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (seen, replies) = (requests.clone(), replies.to_vec());
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let (seen, replies) = (seen.clone(), replies.clone());
                tokio::spawn(async move { serve(stream, &seen, &replies).await });
            }
        });
        Self { addr, requests }
    }

    /// `http://127.0.0.1:PORT{path}?access_token=SECRET`
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}?access_token={SECRET}", self.addr)
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(mut stream: tokio::net::TcpStream, seen: &Mutex<Vec<Request>>, replies: &[Reply]) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (method, path) = (
        first.next().unwrap_or_default(),
        first.next().unwrap_or_default(),
    );
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    let mut request = Request {
        method: method.into(),
        path: path.into(),
        headers,
        body: String::new(),
    };
    let length: usize = request
        .header("content-length")
        .map_or(0, |n| n.parse().unwrap());
    while data.len() < head_end + 4 + length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    request.body = String::from_utf8_lossy(&data[head_end + 4..]).into_owned();
    let reply = {
        let mut seen = seen.lock().unwrap();
        seen.push(request);
        replies[(seen.len() - 1).min(replies.len() - 1)]
    };
    match reply {
        Reply::Status(code, body) => {
            let response = format!(
                "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        }
        Reply::Hang => tokio::time::sleep(Duration::from_secs(60)).await,
    }
}

#[tokio::test]
async fn each_format_is_posted_as_json() {
    let server = Server::start(&[Reply::Status(200, "")]).await;
    let on = [EventKind::Failure];
    let targets = [
        target(&server.url("/json"), NotifyFormat::Json, &on),
        target(&server.url("/slack"), NotifyFormat::Slack, &on),
        target(&server.url("/dingtalk"), NotifyFormat::Dingtalk, &on),
    ];
    let event = failure();
    assert_eq!(quick().send(&targets, &event).await, Vec::<String>::new());
    let mut requests = server.requests();
    requests.sort_by(|a, b| a.path.cmp(&b.path));
    let formats = [
        NotifyFormat::Dingtalk,
        NotifyFormat::Json,
        NotifyFormat::Slack,
    ];
    assert_eq!(requests.len(), 3);
    for (request, format) in requests.iter().zip(formats) {
        assert_eq!(request.method, "POST");
        assert!(request.path.ends_with(&format!("?access_token={SECRET}")));
        assert_eq!(request.header("content-type"), Some("application/json"));
        let sent: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(sent, body(format, &event), "{}", request.path);
    }
}

#[tokio::test]
async fn only_targets_whose_on_names_the_event_are_told() {
    let server = Server::start(&[Reply::Status(200, "")]).await;
    let targets = [
        target(
            &server.url("/start"),
            NotifyFormat::Json,
            &[EventKind::Start],
        ),
        target(
            &server.url("/failures"),
            NotifyFormat::Json,
            &EventKind::DEFAULT_ON,
        ),
        target(
            &server.url("/success"),
            NotifyFormat::Json,
            &[EventKind::Success],
        ),
    ];
    assert!(quick().send(&targets, &failure()).await.is_empty());
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, [format!("/failures?access_token={SECRET}")]);
    let none = quick().send(&targets[2..], &failure()).await;
    assert!(none.is_empty() && server.requests().len() == 1);
}

#[tokio::test]
async fn a_500_is_retried_once_and_then_succeeds() {
    let server = Server::start(&[Reply::Status(500, ""), Reply::Status(200, "")]).await;
    let targets = [target(
        &server.url("/hook"),
        NotifyFormat::Json,
        &[EventKind::Failure],
    )];
    assert!(quick().send(&targets, &failure()).await.is_empty());
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
}

#[tokio::test]
async fn failing_twice_warns_once_and_a_404_is_not_retried() {
    let failing = Server::start(&[Reply::Status(503, "")]).await;
    let missing = Server::start(&[Reply::Status(404, "")]).await;
    let on = [EventKind::Failure];
    let targets = [
        target(&failing.url("/robot/send"), NotifyFormat::Json, &on),
        target(&missing.url("/robot/send"), NotifyFormat::Slack, &on),
    ];
    let warnings = quick().send(&targets, &failure()).await;
    assert_eq!(
        warnings,
        [
            format!(
                "notification to http://{}/robot/send?… failed: HTTP 503 (tried twice)",
                failing.addr
            ),
            format!(
                "notification to http://{}/robot/send?… failed: HTTP 404",
                missing.addr
            ),
        ]
    );
    assert_eq!((failing.requests().len(), missing.requests().len()), (2, 1));
}

#[tokio::test]
async fn a_hanging_server_times_out_within_the_bound() {
    let server = Server::start(&[Reply::Hang]).await;
    let targets = [target(
        &server.url("/hook"),
        NotifyFormat::Json,
        &[EventKind::Failure],
    )];
    let began = Instant::now();
    let warnings = quick().send(&targets, &failure()).await;
    let took = began.elapsed();
    assert_eq!(
        warnings,
        [format!(
            "notification to http://{}/hook?… failed: timed out after 300ms (tried twice)",
            server.addr
        )]
    );
    assert_eq!(server.requests().len(), 2);
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn a_refused_port_gives_a_warning() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://user:hunter22@127.0.0.1:{port}/hook?access_token={SECRET}");
    let targets = [target(&url, NotifyFormat::Dingtalk, &[EventKind::Failure])];
    let warnings = quick().send(&targets, &failure()).await;
    assert_eq!(
        warnings,
        [format!("notification to http://127.0.0.1:{port}/hook?… failed: connection refused (tried twice)")]
    );
}

#[tokio::test]
async fn dingtalk_refusing_with_a_200_is_a_warning() {
    let answer = r#"{"errcode":310000,"errmsg":"keywords not in content\u001b[2J"}"#;
    let server = Server::start(&[Reply::Status(200, answer)]).await;
    let targets = [target(
        &server.url("/robot/send"),
        NotifyFormat::Dingtalk,
        &[EventKind::Failure],
    )];
    let warnings = quick().send(&targets, &failure()).await;
    assert_eq!(
        warnings,
        [format!(
            "notification to http://{}/robot/send?… failed: DingTalk refused it: errcode 310000: keywords not in content\\x1b[2J",
            server.addr
        )]
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn no_warning_holds_a_secret() {
    let target = target(
        &format!("https://u:p4ssw0rd@hooks.example.com/services/T1/B2/XXXXXXXXXXXXXXXXXXXX?access_token={SECRET}"),
        NotifyFormat::Slack,
        &[EventKind::Failure],
    );
    let warning = send::scrub(
        format!(
            "failed: error sending request for url ({}) p4ssw0rd XXXXXXXXXXXXXXXXXXXX",
            target.url
        ),
        &target,
    );
    assert!(
        !warning.contains(SECRET) && !warning.contains("p4ssw0rd") && !warning.contains("XXXX"),
        "{warning}"
    );
}
