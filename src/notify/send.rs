//! Posting bodies: every target at once, each attempt bounded, one retry when the target
//! may answer next time.

use std::error::Error as _;
use std::time::Duration;

use futures::future::join_all;
use reqwest::{Client, StatusCode};

use super::{body, Event, NotifyFormat, NotifyTarget};
use crate::report::visible;

/// How notifications are sent.
#[derive(Debug, Clone)]
pub struct Sender {
    /// Longest one attempt may take, connecting included.
    pub timeout: Duration,
    /// Wait before the one retry after a connection error, a timeout, a 5xx or a 429.
    pub retry_pause: Duration,
    /// Go through the proxy that HTTP_PROXY, HTTPS_PROXY and NO_PROXY name, if any.
    pub use_proxy_env: bool,
}

impl Default for Sender {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            retry_pause: Duration::from_millis(500),
            use_proxy_env: true,
        }
    }
}

/// Bytes of a DingTalk answer read to find whether it took the message.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Why one attempt failed, and whether another may do better.
struct Failure {
    why: String,
    retry: bool,
}

impl Sender {
    /// Posts `event` to each of `targets` whose `on` names its kind, all at once.
    /// Returns a warning per target not reached, naming it without its secrets.
    pub async fn send(&self, targets: &[NotifyTarget], event: &Event) -> Vec<String> {
        let wanted: Vec<&NotifyTarget> = targets.iter().filter(|t| t.wants(event.kind)).collect();
        if wanted.is_empty() {
            return Vec::new();
        }
        let mut builder = Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("jdeploy/", env!("CARGO_PKG_VERSION")));
        if !self.use_proxy_env {
            builder = builder.no_proxy();
        }
        let client = match builder.build() {
            Ok(client) => client,
            Err(err) => return vec![format!("cannot send notifications: {}", reason(&err))],
        };
        let sends = wanted
            .into_iter()
            .map(|target| self.send_one(&client, target, event));
        join_all(sends).await.into_iter().flatten().collect()
    }

    async fn send_one(
        &self,
        client: &Client,
        target: &NotifyTarget,
        event: &Event,
    ) -> Option<String> {
        let name = target.name();
        let body = body(target.format, event);
        let mut tries = 1;
        let mut outcome = self.attempt(client, target, &body).await;
        if let Err(failure) = &outcome {
            if failure.retry {
                let why = scrub(failure.why.clone(), target);
                tracing::debug!(target = %name, %why, "notification failed; retrying");
                tokio::time::sleep(self.retry_pause).await;
                tries = 2;
                outcome = self.attempt(client, target, &body).await;
            }
        }
        match outcome {
            Ok(()) => {
                tracing::debug!(target = %name, tries, "notification sent");
                None
            }
            Err(failure) => {
                let again = if tries > 1 { " (tried twice)" } else { "" };
                let warning = format!("notification to {name} failed: {}{again}", failure.why);
                Some(scrub(warning, target))
            }
        }
    }

    async fn attempt(
        &self,
        client: &Client,
        target: &NotifyTarget,
        body: &serde_json::Value,
    ) -> Result<(), Failure> {
        let response = client
            .post(target.url.clone())
            .json(body)
            .send()
            .await
            .map_err(|err| self.failure(err))?;
        let status = response.status();
        if !status.is_success() {
            return Err(Failure {
                why: format!("HTTP {}", status.as_u16()),
                retry: status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS,
            });
        }
        if target.format == NotifyFormat::Dingtalk {
            dingtalk_answer(response).await?;
        }
        Ok(())
    }

    fn failure(&self, err: reqwest::Error) -> Failure {
        let why = if err.is_timeout() {
            format!(
                "timed out after {}",
                humantime::format_duration(self.timeout)
            )
        } else {
            reason(&err)
        };
        Failure {
            why,
            retry: err.is_timeout() || err.is_connect(),
        }
    }
}

/// DingTalk answers 200 to a message it refuses (a wrong token, a missing keyword), with
/// `errcode` other than 0 in its body.
async fn dingtalk_answer(mut response: reqwest::Response) -> Result<(), Failure> {
    let mut answer = Vec::new();
    while answer.len() < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => answer.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let Ok(answer) = serde_json::from_slice::<serde_json::Value>(&answer) else {
        return Ok(());
    };
    match answer["errcode"].as_i64() {
        Some(code) if code != 0 => {
            let message = answer["errmsg"].as_str().unwrap_or_default();
            let message: String = visible(message).chars().take(200).collect();
            Err(Failure {
                why: format!("DingTalk refused it: errcode {code}: {message}"),
                retry: false,
            })
        }
        _ => Ok(()),
    }
}

/// What went wrong, from the innermost cause; reqwest's own text names the URL.
fn reason(err: &reqwest::Error) -> String {
    let mut innermost = None;
    let mut cause = err.source();
    while let Some(source) = cause {
        if let Some(io) = source.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return "connection refused".to_string();
            }
        }
        innermost = Some(source);
        cause = source.source();
    }
    match innermost {
        Some(cause) => visible(&cause.to_string()).into_owned(),
        None if err.is_connect() => "cannot connect".to_string(),
        None => "the request failed".to_string(),
    }
}

/// `warning` with whatever of the URL's secrets it might hold replaced by the target's name.
pub(super) fn scrub(warning: String, target: &NotifyTarget) -> String {
    let url = &target.url;
    let mut warning = warning.replace(url.as_str(), &target.name());
    let long_segments = url.path().split('/').filter(|s| s.chars().count() >= 16);
    let secrets = [url.query(), url.password(), Some(url.username())];
    for secret in secrets.into_iter().flatten().chain(long_segments) {
        if secret.len() >= 4 {
            warning = warning.replace(secret, "…");
        }
    }
    warning
}
