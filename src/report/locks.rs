//! The `lock status` table.

use std::time::Duration;

use comfy_table::Cell;

use super::{plain_table, table_text, visible};
use crate::app::LockRow;

/// One row a group: who holds its lock, since when, and when it lapses.
pub fn lock_table(rows: &[LockRow]) -> String {
    let mut table = plain_table([
        "GROUP",
        "HOST",
        "STATE",
        "HOLDER",
        "COMMAND",
        "SINCE",
        "LAPSES IN",
    ]);
    for row in rows {
        let cells = match (&row.lock, &row.error) {
            (_, Some(error)) => [
                "error".to_string(),
                "-".into(),
                visible(error).into_owned(),
                "-".into(),
                "-".into(),
            ],
            (None, None) => [
                "free".to_string(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
            ],
            (Some(lock), None) => [
                if lock.expired { "lapsed" } else { "held" }.to_string(),
                visible(&lock.by).into_owned(),
                visible(&lock.command).into_owned(),
                format!("{} ({} ago)", lock.since, seconds(lock.held_for)),
                if lock.expired {
                    "-".into()
                } else {
                    seconds(lock.expires_in)
                },
            ],
        };
        let mut line = vec![Cell::new(&row.group), Cell::new(&row.host)];
        line.extend(cells.into_iter().map(Cell::new));
        table.add_row(line);
    }
    table_text(&mut table)
}

fn seconds(duration: Duration) -> String {
    humantime::format_duration(Duration::from_secs(duration.as_secs())).to_string()
}
