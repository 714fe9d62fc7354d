//! `notify`: webhooks told when a command starts, succeeds, fails or rolls back.

use serde::{Serialize, Serializer};
use url::Url;

use super::checker::Checker;
use super::raw::RawNotify;
use super::suggest::did_you_mean;

/// What happened, as a target's `on` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Start,
    Success,
    Failure,
    Rollback,
    /// `jdeploy serve` saw a container change state behind jdeploy's back.
    Watch,
    /// `jdeploy serve` restarted a container of a `heal: true` group.
    Heal,
}

impl EventKind {
    pub const NAMES: [&'static str; 6] =
        ["start", "success", "failure", "rollback", "watch", "heal"];
    /// What a target is told when its `on` is left out: what needs someone's eyes.
    pub const DEFAULT_ON: [EventKind; 4] = [
        EventKind::Failure,
        EventKind::Rollback,
        EventKind::Watch,
        EventKind::Heal,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "start" => Some(EventKind::Start),
            "success" => Some(EventKind::Success),
            "failure" => Some(EventKind::Failure),
            "rollback" => Some(EventKind::Rollback),
            "watch" => Some(EventKind::Watch),
            "heal" => Some(EventKind::Heal),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// The body a target expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyFormat {
    /// jdeploy's own JSON document.
    #[default]
    Json,
    /// A Slack incoming webhook: `{"text": ...}`.
    Slack,
    /// A DingTalk robot: `{"msgtype": "text", ...}`.
    Dingtalk,
}

impl NotifyFormat {
    pub const NAMES: [&'static str; 3] = ["json", "slack", "dingtalk"];

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "json" => Some(NotifyFormat::Json),
            "slack" => Some(NotifyFormat::Slack),
            "dingtalk" => Some(NotifyFormat::Dingtalk),
            _ => None,
        }
    }
}

/// One webhook of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotifyTarget {
    /// Shown (and serialized) only as [`NotifyTarget::name`]: the rest may hold a token.
    #[serde(serialize_with = "named")]
    pub url: Url,
    pub format: NotifyFormat,
    /// The events it is told of, each once.
    pub on: Vec<EventKind>,
}

impl NotifyTarget {
    /// The URL without what often holds a secret: user and password, query and fragment
    /// (`?…` marks a query left out), and path segments of 16 characters or more (`…`),
    /// as Slack and Discord put their tokens in the path.
    pub fn name(&self) -> String {
        url_name(&self.url)
    }

    pub fn wants(&self, kind: EventKind) -> bool {
        self.on.contains(&kind)
    }
}

fn url_name(url: &Url) -> String {
    let mut name = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        name.push_str(&format!(":{port}"));
    }
    for segment in url.path().split('/').skip(1) {
        name.push('/');
        name.push_str(if segment.chars().count() >= 16 {
            "…"
        } else {
            segment
        });
    }
    if url.query().is_some() {
        name.push_str("?…");
    }
    name
}

fn named<S: Serializer>(url: &Url, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&url_name(url))
}

/// Checks `notify` written at `key`; a target with an error is left out.
pub fn parse_notify(raw: Vec<RawNotify>, key: &str, checker: &mut Checker) -> Vec<NotifyTarget> {
    let mut targets = Vec::new();
    for (index, raw) in raw.into_iter().enumerate() {
        let at = |field: &str| format!("{key}[{index}].{field}");
        let url = parse_url(&raw.url, &at("url"), checker);
        let format = match raw.format {
            None => Some(NotifyFormat::default()),
            Some(text) => {
                let format = NotifyFormat::parse(&text);
                if format.is_none() {
                    let help = did_you_mean(&text, NotifyFormat::NAMES).unwrap_or_else(|| {
                        format!("use one of: {}", NotifyFormat::NAMES.join(", "))
                    });
                    let message = format!("`{text}` is not a notification format");
                    checker.error(&at("format"), message, Some(help));
                }
                format
            }
        };
        let on = match raw.on {
            None => Some(EventKind::DEFAULT_ON.to_vec()),
            Some(names) => parse_on(names, &at("on"), checker),
        };
        if let (Some(url), Some(format), Some(on)) = (url, format, on) {
            targets.push(NotifyTarget { url, format, on });
        }
    }
    targets
}

/// The message never repeats the URL: it may hold a token, and CI logs are read widely.
fn parse_url(text: &str, key: &str, checker: &mut Checker) -> Option<Url> {
    let help = || Some("write it like https://hooks.example.com/path?token=...".to_string());
    match Url::parse(text.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
        Ok(url) => {
            let message = format!(
                "`{}:` URLs cannot be posted to; use http or https",
                url.scheme()
            );
            checker.error(key, message, None);
            None
        }
        Err(err) => {
            checker.error(key, format!("not a URL: {err}"), help());
            None
        }
    }
}

fn parse_on(names: Vec<String>, key: &str, checker: &mut Checker) -> Option<Vec<EventKind>> {
    if names.is_empty() {
        let help = "leave `on` out to be told of failure, rollback, watch and heal".to_string();
        checker.error(key, "no event to be told of", Some(help));
        return None;
    }
    let mut kinds = Vec::new();
    let mut valid = true;
    for (index, name) in names.iter().enumerate() {
        match EventKind::parse(name) {
            Some(kind) if kinds.contains(&kind) => {}
            Some(kind) => kinds.push(kind),
            None => {
                valid = false;
                let help = did_you_mean(name, EventKind::NAMES)
                    .unwrap_or_else(|| format!("use one of: {}", EventKind::NAMES.join(", ")));
                let message = format!("`{name}` is not an event");
                checker.error(&format!("{key}[{index}]"), message, Some(help));
            }
        }
    }
    valid.then_some(kinds)
}
