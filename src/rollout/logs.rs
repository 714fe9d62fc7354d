//! `logs`: every selected container's log, interleaved. Following outlives restarts: when
//! a container stops, its log is picked up again once it runs, without repeating lines.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::future::join_all;

use super::fleet::Fleet;
use super::lines::LineBuffer;
use super::outcome::{FleetUnit, UnitKey};
use crate::engine::{Connector, Engine, EngineError, LogQuery, OutputStream};
use crate::inventory::Host;
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
    fn line(&self, line: LogLine<'_>);
    /// Following a container changed course: it stopped, or runs again.
    fn note(&self, unit: &UnitKey, message: &str);
    /// The container's log cannot be read; told as soon as it is known.
    fn failed(&self, unit: &UnitKey, err: &EngineError);
}

/// Reads every unit's log; with `query.follow` this only ends if every unit failed.
pub async fn logs<C: Connector>(
    connector: &C,
    units: Vec<FleetUnit>,
    query: LogQuery,
    parallel: u32,
    output: &dyn LogOutput,
) -> Vec<(UnitKey, Result<(), EngineError>)> {
    let hosts: Vec<&Host> = units.iter().map(|unit| &unit.host).collect();
    let fleet = Fleet::connect(connector, &hosts, parallel).await;
    join_all(units.iter().map(|unit| async {
        let result = read(&fleet, unit, query, output).await;
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
    /// The newest line passed on; on resuming, lines up to it are not repeated.
    last: Option<SystemTime>,
}

async fn read<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    mut query: LogQuery,
    output: &dyn LogOutput,
) -> Result<(), EngineError> {
    let engine = fleet.engine(&unit.host)?;
    let name = unit.key.container.as_str();
    let reader = Mutex::new(Reader::default());
    let sink = |stream: OutputStream, data: Bytes| {
        let mut reader = reader.lock().expect("no sink call panics");
        for line in reader.lines.push(stream, &data) {
            pass_on(&mut reader, &unit.key, stream, &line, output);
        }
    };
    loop {
        let result = engine.logs(name, query, &sink).await;
        {
            let mut reader = reader.lock().expect("no sink call panics");
            for (stream, line) in reader.lines.finish() {
                pass_on(&mut reader, &unit.key, stream, &line, output);
            }
        }
        if !query.follow {
            return result;
        }
        let why = match result {
            Ok(()) => "stopped".to_string(),
            Err(err) => err.to_string(),
        };
        output.note(&unit.key, &format!("{why}; following again once it runs"));
        wait_until_running(fleet, unit).await;
        output.note(&unit.key, "running again");
        let last = reader.lock().expect("no sink call panics").last;
        query = LogQuery {
            follow: true,
            tail: None,
            since: last.map(seconds).or(query.since),
        };
    }
}

fn pass_on(
    reader: &mut Reader,
    unit: &UnitKey,
    stream: OutputStream,
    line: &[u8],
    output: &dyn LogOutput,
) {
    let (timestamp, text) = split_timestamp(line);
    let at = humantime::parse_rfc3339(timestamp).ok();
    if let (Some(at), Some(last)) = (at, reader.last) {
        if at <= last {
            return;
        }
    }
    if at.is_some() {
        reader.last = at;
    }
    output.line(LogLine {
        unit,
        stream,
        timestamp,
        at,
        text,
    });
}

/// The engine puts `2026-11-22T10:04:05.123456789Z ` before every line.
fn split_timestamp(line: &[u8]) -> (&str, &[u8]) {
    match line.iter().position(|&byte| byte == b' ') {
        Some(space) => match std::str::from_utf8(&line[..space]) {
            Ok(timestamp) => (timestamp, &line[space + 1..]),
            Err(_) => ("", line),
        },
        None => ("", line),
    }
}

fn seconds(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64)
}

async fn wait_until_running<E: Engine>(fleet: &Fleet<E>, unit: &FleetUnit) {
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
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_timestamp_is_split_off() {
        let (timestamp, text) = split_timestamp(b"2026-11-22T10:04:05.5Z hello world");
        assert_eq!(timestamp, "2026-11-22T10:04:05.5Z");
        assert_eq!(text, b"hello world");
        assert!(humantime::parse_rfc3339(timestamp).is_ok());
        assert_eq!(split_timestamp(b"bare"), ("", &b"bare"[..]));
    }
}
