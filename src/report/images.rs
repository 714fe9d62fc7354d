//! `image push` and `image ls` tables.

use comfy_table::Cell;

use super::{plain_table, table_text};
use crate::app::ImageRow;
use crate::rollout::{megabytes, Outcome};

/// One row per image and host: what was sent, and how long it took.
pub fn push_table(outcomes: &[Outcome], color: bool) -> String {
    let mut table = plain_table(["IMAGE", "HOST", "RESULT", "SENT", "TIME", "DETAIL"]);
    for outcome in outcomes {
        let mut status = Cell::new(outcome.status.as_str());
        if color {
            status = status.fg(super::outcomes::status_color(outcome.status));
        }
        table.add_row([
            Cell::new(&outcome.unit.container),
            Cell::new(&outcome.unit.host),
            status,
            Cell::new(outcome.bytes.map(megabytes).unwrap_or_else(|| "-".into())),
            Cell::new(format!("{:.1}s", outcome.elapsed.as_secs_f64())),
            Cell::new(super::visible(&outcome.detail)),
        ]);
    }
    if color {
        table.enforce_styling();
    }
    table_text(&mut table)
}

/// One row per image and host, with its id; ids that differ from most hosts' marked.
pub fn image_table(rows: &[ImageRow]) -> String {
    let mut table = plain_table(["IMAGE", "HOST", "ID", "NOTE"]);
    for row in rows {
        let id = row
            .id
            .as_deref()
            .map(|id| id.trim_start_matches("sha256:").chars().take(12).collect())
            .unwrap_or_else(|| "-".to_string());
        let note = match (&row.error, &row.id, row.drift) {
            (Some(error), _, _) => error.clone(),
            (None, None, _) => "missing; `jdeploy image push` sends it".to_string(),
            (None, Some(_), true) => "differs from the other hosts' image".to_string(),
            _ => String::new(),
        };
        table.add_row([
            Cell::new(&row.image),
            Cell::new(&row.host),
            Cell::new(id),
            Cell::new(note),
        ]);
    }
    table_text(&mut table)
}
