//! Jobs as the database keeps them, beside the history runs they record.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

use super::jobs::{JobEvent, JobState, JobView};
use super::watch::WatchEvent;
use crate::history::{History, HistoryError};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    grp TEXT NOT NULL,
    user TEXT NOT NULL,
    approved_by TEXT,
    command TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    run_id INTEGER,
    error TEXT,
    report TEXT,
    events TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_group ON jobs (grp, id);
CREATE TABLE IF NOT EXISTS watch_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    grp TEXT NOT NULL,
    container TEXT NOT NULL,
    host TEXT NOT NULL,
    condition TEXT NOT NULL,
    detail TEXT NOT NULL,
    job_id INTEGER
);
CREATE INDEX IF NOT EXISTS watch_events_by_group ON watch_events (grp, id);
";

pub struct JobStore {
    connection: Mutex<Connection>,
}

impl JobStore {
    /// Opens the history database at `path`; jobs a server left running when it stopped
    /// are marked interrupted.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let connection = History::open(path)?.into_connection();
        let fail = |source| HistoryError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        connection.execute_batch(SCHEMA).map_err(fail)?;
        connection
            .execute(
                "UPDATE jobs SET state = 'interrupted', error = 'the server stopped' WHERE state = 'running'",
                [],
            )
            .map_err(fail)?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    pub fn insert(&self, view: &JobView) -> rusqlite::Result<i64> {
        let connection = self.connection.lock().expect("job store");
        connection.execute(
            "INSERT INTO jobs (kind, grp, user, approved_by, command, state, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                view.kind,
                view.group,
                view.user,
                view.approved_by,
                view.command,
                view.state.as_str(),
                view.created_at
            ],
        )?;
        Ok(connection.last_insert_rowid())
    }

    pub fn finish(&self, view: &JobView, events: &[JobEvent]) -> rusqlite::Result<()> {
        let report = view.report.as_ref().map(serde_json::Value::to_string);
        let lines: Vec<&str> = events.iter().map(|event| event.line.as_str()).collect();
        let events = serde_json::to_string(&lines).expect("lines serialize");
        self.connection.lock().expect("job store").execute(
            "UPDATE jobs SET state = ?2, finished_at = ?3, run_id = ?4, error = ?5, report = ?6,
             events = ?7 WHERE id = ?1",
            params![
                view.id,
                view.state.as_str(),
                view.finished_at,
                view.run_id,
                view.error,
                report,
                events
            ],
        )?;
        Ok(())
    }

    pub fn get(&self, id: i64) -> rusqlite::Result<Option<(JobView, Vec<JobEvent>)>> {
        let connection = self.connection.lock().expect("job store");
        connection
            .query_row(
                &format!("SELECT {COLUMNS}, events FROM jobs WHERE id = ?1"),
                [id],
                |row| {
                    let view = view_of(row)?;
                    let events: Option<String> = row.get(12)?;
                    let lines: Vec<String> = events
                        .and_then(|text| serde_json::from_str(&text).ok())
                        .unwrap_or_default();
                    let events = lines
                        .into_iter()
                        .enumerate()
                        .map(|(seq, line)| JobEvent { seq, line })
                        .collect();
                    Ok((view, events))
                },
            )
            .optional()
    }

    /// Newest first.
    pub fn list(&self, group: Option<&str>, limit: usize) -> rusqlite::Result<Vec<JobView>> {
        let connection = self.connection.lock().expect("job store");
        let mut statement = connection.prepare(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE ?1 IS NULL OR grp = ?1 ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = statement.query_map(params![group, limit as i64], view_of)?;
        rows.collect()
    }
}

impl JobStore {
    /// Keeps `event`; returns it with its id.
    pub fn insert_watch_event(&self, mut event: WatchEvent) -> rusqlite::Result<WatchEvent> {
        let connection = self.connection.lock().expect("job store");
        connection.execute(
            "INSERT INTO watch_events (at, kind, grp, container, host, condition, detail, job_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                event.at,
                event.kind,
                event.group,
                event.container,
                event.host,
                event.condition,
                event.detail,
                event.job_id
            ],
        )?;
        event.id = connection.last_insert_rowid();
        Ok(event)
    }

    /// Newest first.
    pub fn watch_events(
        &self,
        group: Option<&str>,
        limit: usize,
    ) -> rusqlite::Result<Vec<WatchEvent>> {
        let connection = self.connection.lock().expect("job store");
        let mut statement = connection.prepare(
            "SELECT id, at, kind, grp, container, host, condition, detail, job_id FROM watch_events
             WHERE ?1 IS NULL OR grp = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(params![group, limit as i64], |row| {
            Ok(WatchEvent {
                id: row.get(0)?,
                at: row.get(1)?,
                kind: row.get(2)?,
                group: row.get(3)?,
                container: row.get(4)?,
                host: row.get(5)?,
                condition: row.get(6)?,
                detail: row.get(7)?,
                job_id: row.get(8)?,
            })
        })?;
        rows.collect()
    }
}

const COLUMNS: &str = "id, kind, grp, user, approved_by, command, state, created_at, finished_at, run_id, error, report";

fn view_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<JobView> {
    let state: String = row.get(6)?;
    let report: Option<String> = row.get(11)?;
    Ok(JobView {
        id: row.get(0)?,
        kind: row.get(1)?,
        group: row.get(2)?,
        user: row.get(3)?,
        approved_by: row.get(4)?,
        command: row.get(5)?,
        state: JobState::parse(&state),
        created_at: row.get(7)?,
        finished_at: row.get(8)?,
        run_id: row.get(9)?,
        error: row.get(10)?,
        report: report.and_then(|text| serde_json::from_str(&text).ok()),
    })
}
