//! `logs`: every selected container's log, interleaved. Following outlives restarts: when
//! a container stops, its log is picked up again once it runs, without repeating lines.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::future::join_all;

use super::fleet::Fleet;
use super::lines::LineBuffer;
use super::outcome::{FleetUnit, UnitKey};
use crate::engine::{Engine, EngineError, LogQuery, OutputStream};
use crate::plan::ContainerState;

/// How often a followed container that stopped is asked whether it runs again.
const POLL: Duration = Duration::from_millis(500);

/// One line of a container's log.
#[derive(Debug, Clone, Copy)]
pub struct LogLine<'a> {
    pub unit: &'a UnitKey,
    pub stream: OutputStream,
    /// When the engine logged it, as it says (RFC 3339), and parsed.
    pub timestamp: &'a str,
    pub at: Option<SystemTime>,
    pub text: &'a [u8],
}

pub trait LogOutput: Send + Sync {
    /// The containers whose logs will be read, before any line.
    fn begin(&self, units: &[UnitKey]);
    fn line(&self, line: LogLine<'_>);
    /// Following a container changed course: it stopped, or runs again.
    fn note(&self, unit: &UnitKey, message: &str);
    /// The container's log cannot be read; told as soon as it is known.
    fn failed(&self, unit: &UnitKey, err: &EngineError);
}

/// Reads every unit's log; with `query.follow` this only ends if every unit failed.
pub async fn logs<E: Engine>(
    fleet: &Fleet<E>,
    units: &[FleetUnit],
    query: LogQuery,
    output: &dyn LogOutput,
) -> Vec<(UnitKey, Result<(), EngineError>)> {
    let keys: Vec<UnitKey> = units.iter().map(|unit| unit.key.clone()).collect();
    output.begin(&keys);
    join_all(units.iter().map(|unit| async {
        let result = read(fleet, unit, query, output).await;
        if let Err(err) = &result {
            output.failed(&unit.key, err);
        }
        (unit.key.clone(), result)
    }))
    .await
}

#[derive(Default)]
struct Reader {
    lines: LineBuffer,
    /// The newest line passed on.
    last: Option<SystemTime>,
    /// After a resume: lines logged before this were shown already, or belong to the run
    /// before the restart.
    cutoff: Option<SystemTime>,
}

async fn read<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    mut query: LogQuery,
    output: &dyn LogOutput,
) -> Result<(), EngineError> {
    let engine = fleet.engine(&unit.host).await?;
    let name = unit.key.container.as_str();
    let reader = Mutex::new(Reader::default());
    let sink = |stream: OutputStream, data: Bytes| {
        let mut reader = reader.lock().expect("no sink call panics");
        for line in reader.lines.push(stream, &data) {
            pass_on(&mut reader, &unit.key, stream, &line, output);
        }
    };
    let mut resumed = false;
    loop {
        let result = engine.logs(name, query, &sink).await;
        {
            let mut reader = reader.lock().expect("no sink call panics");
            for (stream, line) in reader.lines.finish() {
                pass_on(&mut reader, &unit.key, stream, &line, output);
            }
        }
        match result {
            // A container that never was is a mistake, not something to wait for.
            Err(err @ EngineError::NoSuchContainer { .. }) if !resumed => return Err(err),
            result if !query.follow => return result,
            Ok(()) => output.note(&unit.key, "stopped; following again once it runs"),
            Err(err) => output.note(&unit.key, &format!("{err}; following again once it runs")),
        }
        let ended = wait_until_running(fleet, unit).await;
        output.note(&unit.key, "running again");
        let mut reader = reader.lock().expect("no sink call panics");
        // What was shown is not shown again; if nothing was, neither is the run that ended.
        reader.cutoff = reader.last.or(ended);
        query = LogQuery {
            follow: true,
            tail: None,
            since: reader.cutoff.map(seconds).or(query.since),
        };
        resumed = true;
    }
}

fn pass_on(
    reader: &mut Reader,
    unit: &UnitKey,
    stream: OutputStream,
    line: &[u8],
    output: &dyn LogOutput,
) {
    let (timestamp, at, text) = split_timestamp(line);
    if let (Some(at), Some(cutoff)) = (at, reader.cutoff) {
        if at <= cutoff {
            return;
        }
    }
    if at.is_some() {
        reader.last = reader.last.max(at);
    }
    output.line(LogLine {
        unit,
        stream,
        timestamp,
        at,
        text,
    });
}

/// The engine puts `2026-11-22T10:04:05.123456789Z ` before every line; a line without
/// one is passed on whole.
pub(super) fn split_timestamp(line: &[u8]) -> (&str, Option<SystemTime>, &[u8]) {
    let Some(space) = line.iter().position(|&byte| byte == b' ') else {
        return ("", None, line);
    };
    let parsed = std::str::from_utf8(&line[..space])
        .ok()
        .and_then(|timestamp| Some((timestamp, humantime::parse_rfc3339(timestamp).ok()?)));
    match parsed {
        Some((timestamp, at)) => (timestamp, Some(at), &line[space + 1..]),
        None => ("", None, line),
    }
}

fn seconds(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64)
}

/// Waits until the container runs again; returns when its previous run ended, as its
/// engine says.
async fn wait_until_running<E: Engine>(fleet: &Fleet<E>, unit: &FleetUnit) -> Option<SystemTime> {
    let name = unit.key.container.as_str();
    loop {
        tokio::time::sleep(POLL).await;
        let details = fleet
            .call(
                &unit.host,
                |engine| async move { engine.inspect(name).await },
            )
            .await;
        if let Ok(Some(details)) = details {
            if details.state == ContainerState::Running {
                return details
                    .finished_at
                    .and_then(|finished| humantime::parse_rfc3339(&finished).ok());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Recorded(Mutex<Vec<String>>);

    impl LogOutput for Recorded {
        fn begin(&self, _: &[UnitKey]) {}
        fn line(&self, line: LogLine<'_>) {
            let text = String::from_utf8_lossy(line.text).into_owned();
            self.0.lock().unwrap().push(text);
        }
        fn note(&self, _: &UnitKey, _: &str) {}
        fn failed(&self, _: &UnitKey, _: &EngineError) {}
    }

    #[test]
    fn after_a_resume_only_lines_past_the_cutoff_pass() {
        let unit = UnitKey {
            group: "g".into(),
            container: "c".into(),
            host: "h".into(),
            core: false,
        };
        let output = Recorded(Mutex::new(Vec::new()));
        let mut reader = Reader::default();
        let line = |reader: &mut Reader, text: &str| {
            pass_on(
                reader,
                &unit,
                OutputStream::Stdout,
                text.as_bytes(),
                &output,
            )
        };
        // Before any resume, lines pass whatever their order.
        line(&mut reader, "2026-11-22T10:00:02Z two");
        line(&mut reader, "2026-11-22T10:00:01Z one");
        reader.cutoff = reader.last;
        // Resuming from the second repeats it and what came before in that second.
        line(&mut reader, "2026-11-22T10:00:01Z one");
        line(&mut reader, "2026-11-22T10:00:02Z two");
        line(&mut reader, "2026-11-22T10:00:02.5Z three");
        line(&mut reader, "no timestamp");
        assert_eq!(
            *output.0.lock().unwrap(),
            ["two", "one", "three", "no timestamp"]
        );
    }

    #[test]
    fn the_engine_timestamp_is_split_off() {
        let (timestamp, at, text) = split_timestamp(b"2026-11-22T10:04:05.5Z hello world");
        assert_eq!(timestamp, "2026-11-22T10:04:05.5Z");
        assert_eq!(text, b"hello world");
        assert!(at.is_some());
        assert_eq!(split_timestamp(b"bare"), ("", None, &b"bare"[..]));
        assert_eq!(split_timestamp(b"two words"), ("", None, &b"two words"[..]));
    }
}
