//! The bodies posted: jdeploy's own JSON, or a chat message for Slack and DingTalk.

use std::fmt::Write;

use serde_json::{json, Value};

use super::{Event, EventKind, NotifyFormat};
use crate::report::visible;

/// Failed containers listed one a line in chat messages; the rest are counted.
const MAX_FAILED_LINES: usize = 20;
/// Characters of a reason shown in a chat message.
const MAX_REASON_CHARS: usize = 300;

/// The JSON document posted to a target of `format`.
pub fn body(format: NotifyFormat, event: &Event) -> Value {
    match format {
        NotifyFormat::Json => {
            let mut document = json!({ "source": "jdeploy" });
            if let (Value::Object(document), Ok(Value::Object(fields))) =
                (&mut document, serde_json::to_value(event))
            {
                document.extend(fields);
            }
            document
        }
        NotifyFormat::Slack => json!({ "text": slack_escape(&text(event)) }),
        NotifyFormat::Dingtalk => json!({
            "msgtype": "text",
            "text": { "content": text(event) },
        }),
    }
}

/// The chat message: a headline, then one line per failed container. Control characters
/// in it are escaped, so a container's text cannot forge lines of its own.
pub fn text(event: &Event) -> String {
    let verb = match event.kind {
        EventKind::Start => "started",
        EventKind::Success => "succeeded",
        EventKind::Failure => "failed",
        EventKind::Rollback => "rolled back",
        EventKind::Watch | EventKind::Heal => return watch_text(event),
    };
    let mut who = visible(&event.by).into_owned();
    if let Some(deploy) = &event.deploy {
        write!(who, ", deploy {}", visible(crate::release::short(deploy))).unwrap();
    }
    let mut text = format!(
        "jdeploy {} of {} {verb} ({who})",
        visible(&event.command),
        visible(&event.group)
    );
    if event.kind != EventKind::Start {
        write!(text, ": {} in {:.1}s", tally(event), event.elapsed_secs).unwrap();
    }
    for unit in event.failed.iter().take(MAX_FAILED_LINES) {
        let reason = visible(&unit.reason);
        let reason = match reason.char_indices().nth(MAX_REASON_CHARS) {
            Some((at, _)) => format!("{}…", &reason[..at]),
            None => reason.into_owned(),
        };
        let (container, host) = (visible(&unit.container), visible(&unit.host));
        write!(text, "\n• {container} on {host}: {reason}").unwrap();
    }
    if event.failed.len() > MAX_FAILED_LINES {
        write!(text, "\nand {} more", event.failed.len() - MAX_FAILED_LINES).unwrap();
    }
    text
}

/// `jdeploy watch: jl_5_1 on 127.0.0.3 of product exited (code 137)`.
fn watch_text(event: &Event) -> String {
    let mut text = format!("jdeploy {}", visible(&event.command));
    for unit in event.failed.iter().take(MAX_FAILED_LINES) {
        write!(
            text,
            ": {} on {} of {} {}",
            visible(&unit.container),
            visible(&unit.host),
            visible(&event.group),
            visible(&unit.reason)
        )
        .unwrap();
    }
    text
}

/// `2 ok, 1 failed, 1 skipped`: what did its job, then what did not, by status.
fn tally(event: &Event) -> String {
    let count = |status: &str| event.counts.get(status).copied().unwrap_or(0);
    let (failed, skipped) = (count("failed"), count("skipped"));
    let ok = event.counts.values().sum::<usize>() - failed - skipped;
    let mut parts = vec![format!("{ok} ok")];
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if skipped > 0 {
        parts.push(format!("{skipped} skipped"));
    }
    parts.join(", ")
}

/// Slack reads `<...>` as links and mentions (`<!channel>`), so `&`, `<` and `>` are
/// escaped as its API asks.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
