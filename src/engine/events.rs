//! What happened to a container, from the engine's event log.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::query_parameters::EventsOptionsBuilder;
use futures::StreamExt;

use super::docker::DockerEngine;
use super::error::EngineError;

/// The most the replay of past events may take: an engine whose clock is behind would
/// otherwise hold the stream open until its `until`.
const REPLAY: Duration = Duration::from_millis(500);

impl DockerEngine {
    pub(super) async fn died_since(
        &self,
        name: &str,
        since: &str,
    ) -> Result<Vec<i64>, EngineError> {
        let since = humantime::parse_rfc3339_weak(since)
            .ok()
            .and_then(event_time)
            .ok_or_else(|| EngineError::Other(format!("`{since}` is not a time")))?;
        let filters = HashMap::from([
            ("type", vec!["container"]),
            ("container", vec![name]),
            ("event", vec!["die"]),
        ]);
        // Up to now: the engine then ends the stream once the past is replayed, rather
        // than waiting for events to come.
        let until = event_time(SystemTime::now()).unwrap_or_default();
        let options = EventsOptionsBuilder::default()
            .since(&since)
            .until(&until)
            .filters(&filters)
            .build();
        let mut events = self.client.events(Some(options));
        let mut codes = Vec::new();
        let replay = async {
            while let Some(event) = events.next().await {
                let event = event.map_err(|err| self.fail(err, name))?;
                let code = event
                    .actor
                    .and_then(|actor| actor.attributes)
                    .and_then(|attributes| attributes.get("exitCode")?.parse::<i64>().ok());
                codes.extend(code);
            }
            Ok::<(), EngineError>(())
        };
        // Past the replay the stream only waits for new events: time out is the end.
        if let Ok(result) = tokio::time::timeout(REPLAY, replay).await {
            result?;
        }
        Ok(codes)
    }
}

/// A time as the events API takes it: seconds since the epoch, with nanoseconds.
fn event_time(at: SystemTime) -> Option<String> {
    let since_epoch = at.duration_since(UNIX_EPOCH).ok()?;
    Some(format!(
        "{}.{:09}",
        since_epoch.as_secs(),
        since_epoch.subsec_nanos()
    ))
}
