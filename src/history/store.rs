//! The SQLite file behind [`History`].

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{Run, UnitRecord};

/// Bumped whenever the schema changes, so an older file is upgraded, not misread.
const SCHEMA_VERSION: i32 = 3;

/// Version 2: how a run moved through its group, whether it stopped or went back, and
/// each container's batch.
const UPGRADE_TO_2: &str = "
ALTER TABLE runs ADD COLUMN strategy TEXT;
ALTER TABLE runs ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN rolled_back INTEGER NOT NULL DEFAULT 0;
ALTER TABLE units ADD COLUMN batch TEXT;
";

/// Version 3: what the server keeps: tokens (their hashes only), the audit log and
/// deploy requests.
const UPGRADE_TO_3: &str = "
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    groups TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX tokens_by_user ON tokens (user);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    grp TEXT,
    detail TEXT NOT NULL,
    result TEXT NOT NULL,
    job_id TEXT
);
CREATE TABLE deploy_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    grp TEXT NOT NULL,
    flags TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT,
    job_id TEXT
);
CREATE INDEX deploy_requests_by_state ON deploy_requests (state, id);
";

/// The first version's tables, as older files have them.
#[cfg(test)]
pub(super) const SCHEMA_V1_FOR_TESTS: &str = SCHEMA;

/// What version 2 added to them.
#[cfg(test)]
pub(super) const UPGRADE_TO_2_FOR_TESTS: &str = UPGRADE_TO_2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    elapsed REAL NOT NULL,
    by_whom TEXT NOT NULL,
    command_line TEXT NOT NULL,
    command TEXT NOT NULL,
    grp TEXT NOT NULL,
    flags TEXT NOT NULL,
    deploy TEXT,
    ok INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_group ON runs (grp, id);
CREATE TABLE IF NOT EXISTS units (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    container TEXT NOT NULL,
    host TEXT NOT NULL,
    core INTEGER NOT NULL,
    status TEXT NOT NULL,
    release TEXT,
    detail TEXT NOT NULL,
    elapsed REAL NOT NULL,
    PRIMARY KEY (run_id, position)
);
";

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history {}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create {}: {source}", path.display())]
    Directory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("history {} was written by a newer jdeploy (schema {found}, this one reads {SCHEMA_VERSION})", path.display())]
    Newer { path: PathBuf, found: i32 },
    #[error(transparent)]
    Random(#[from] super::tokens::NoRandom),
}

pub struct History {
    pub(super) path: PathBuf,
    /// The tables beside `runs` (tokens, audit, requests) have files of their own.
    pub(super) connection: Connection,
}

impl History {
    /// Opens the file, creating it and its directory if need be.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        // Who ran what, where, is nobody else's business: the file is its owner's only.
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| HistoryError::Directory {
                    path: dir.to_path_buf(),
                    source,
                })?;
        }
        if !path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)
                .map_err(|source| HistoryError::Directory {
                    path: path.to_path_buf(),
                    source,
                })?;
        }
        let fail = |source| sqlite_error(path, source);
        let mut connection = Connection::open(path).map_err(fail)?;
        // Two jdeploy runs at once wait for each other instead of failing.
        connection
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(fail)?;
        // Immediate: two runs upgrading at once take turns instead of failing.
        let upgrade = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let version: i32 = upgrade
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(fail)?;
        if version > SCHEMA_VERSION {
            return Err(HistoryError::Newer {
                path: path.to_path_buf(),
                found: version,
            });
        }
        if version < 1 {
            upgrade.execute_batch(SCHEMA).map_err(fail)?;
        }
        if version < 2 {
            upgrade.execute_batch(UPGRADE_TO_2).map_err(fail)?;
        }
        if version < 3 {
            upgrade.execute_batch(UPGRADE_TO_3).map_err(fail)?;
        }
        if version < SCHEMA_VERSION {
            upgrade
                .pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(fail)?;
        }
        upgrade.commit().map_err(fail)?;
        connection
            .pragma_update(None, "foreign_keys", true)
            .map_err(fail)?;
        Ok(Self {
            path: path.to_path_buf(),
            connection,
        })
    }

    /// Opens the file for reading, if there is one: reading creates nothing.
    pub fn open_existing(path: &Path) -> Result<Option<Self>, HistoryError> {
        if path.exists() {
            Self::open(path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The open database, for the tables kept beside the history's.
    pub fn into_connection(self) -> Connection {
        self.connection
    }

    pub(super) fn fail(&self, source: rusqlite::Error) -> HistoryError {
        sqlite_error(&self.path, source)
    }

    /// Records `run` and its units in one transaction; returns its id.
    pub fn record(&mut self, run: &Run) -> Result<i64, HistoryError> {
        let transaction = self
            .connection
            .transaction()
            .map_err(|err| sqlite_error(&self.path, err))?;
        let insert = || -> rusqlite::Result<i64> {
            transaction.execute(
                "INSERT INTO runs (started_at, elapsed, by_whom, command_line, command, grp, flags, deploy, ok, strategy, interrupted, rolled_back)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    run.started_at,
                    run.elapsed,
                    run.by,
                    run.command_line,
                    run.command,
                    run.group,
                    run.flags.to_string(),
                    run.deploy,
                    run.ok,
                    run.strategy.as_ref().map(ToString::to_string),
                    run.interrupted,
                    run.rolled_back,
                ],
            )?;
            let id = transaction.last_insert_rowid();
            for (position, unit) in run.units.iter().enumerate() {
                transaction.execute(
                    "INSERT INTO units (run_id, position, container, host, core, status, release, detail, elapsed, batch)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![
                        id,
                        position as i64,
                        unit.container,
                        unit.host,
                        unit.core,
                        unit.status,
                        unit.release,
                        unit.detail,
                        unit.elapsed,
                        unit.batch,
                    ],
                )?;
            }
            Ok(id)
        };
        let id = insert().map_err(|err| sqlite_error(&self.path, err))?;
        transaction
            .commit()
            .map_err(|err| sqlite_error(&self.path, err))?;
        Ok(id)
    }

    /// The newest runs first, of one group or all, without their units.
    pub fn list(&self, group: Option<&str>, limit: usize) -> Result<Vec<Run>, HistoryError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT id, started_at, elapsed, by_whom, command_line, command, grp, flags, deploy, ok, strategy, interrupted, rolled_back
                 FROM runs WHERE ?1 IS NULL OR grp = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(|err| self.fail(err))?;
        let rows = statement
            .query_map(params![group, limit as i64], run_from_row)
            .map_err(|err| self.fail(err))?;
        rows.collect::<Result<_, _>>().map_err(|err| self.fail(err))
    }

    /// One run with its units.
    pub fn show(&self, id: i64) -> Result<Option<Run>, HistoryError> {
        let run = self
            .connection
            .query_row(
                "SELECT id, started_at, elapsed, by_whom, command_line, command, grp, flags, deploy, ok, strategy, interrupted, rolled_back
                 FROM runs WHERE id = ?1",
                params![id],
                run_from_row,
            )
            .optional()
            .map_err(|err| self.fail(err))?;
        let Some(mut run) = run else {
            return Ok(None);
        };
        let mut statement = self
            .connection
            .prepare(
                "SELECT container, host, core, status, release, detail, elapsed, batch
                 FROM units WHERE run_id = ?1 ORDER BY position",
            )
            .map_err(|err| self.fail(err))?;
        let units = statement
            .query_map(params![id], |row| {
                Ok(UnitRecord {
                    container: row.get(0)?,
                    host: row.get(1)?,
                    core: row.get(2)?,
                    status: row.get(3)?,
                    release: row.get(4)?,
                    detail: row.get(5)?,
                    elapsed: row.get(6)?,
                    batch: row.get(7)?,
                })
            })
            .map_err(|err| self.fail(err))?;
        run.units = units
            .collect::<Result<_, _>>()
            .map_err(|err| self.fail(err))?;
        Ok(Some(run))
    }
}

pub(super) fn sqlite_error(path: &Path, source: rusqlite::Error) -> HistoryError {
    HistoryError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

fn run_from_row(row: &rusqlite::Row) -> rusqlite::Result<Run> {
    let flags: String = row.get(7)?;
    Ok(Run {
        id: row.get(0)?,
        started_at: row.get(1)?,
        elapsed: row.get(2)?,
        by: row.get(3)?,
        command_line: row.get(4)?,
        command: row.get(5)?,
        group: row.get(6)?,
        flags: serde_json::from_str(&flags).unwrap_or(serde_json::Value::Null),
        deploy: row.get(8)?,
        ok: row.get(9)?,
        strategy: row
            .get::<_, Option<String>>(10)?
            .and_then(|text| serde_json::from_str(&text).ok()),
        interrupted: row.get(11)?,
        rolled_back: row.get(12)?,
        units: Vec::new(),
    })
}
