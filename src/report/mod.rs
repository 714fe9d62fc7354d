//! What the operator sees: diagnostics, tables, progress and JSON, on a terminal or in CI logs.

mod exec;
mod groups_table;
mod history;
mod images;
mod lines;
mod locks;
mod logs;
mod outcomes;
mod plan;
mod prefixed;
mod printer;
mod progress;
mod status;
mod tokens;
mod visible;

pub use exec::{exec_summary, exec_table, ExecJson, ExecMode, ExecPrinter};
pub use groups_table::groups_table;
pub use history::{history_table, run_text};
pub use images::{image_table, push_table};
pub use lines::{LineReporter, LineSink};
pub use locks::lock_table;
pub use logs::LogPrinter;
pub use outcomes::{failure_logs, outcomes_table, summary_line, OutcomesJson};
pub use plan::{batches_text, changes_text, plan_summary, plan_text, PlanJson};
pub use prefixed::stdout_closed;
pub use printer::Printer;
pub use progress::ProgressReporter;
pub use status::{status_summary, status_table, StatusJson};
pub use tokens::token_table;
pub use visible::{visible, visible_bytes};

use comfy_table::presets::NOTHING;
use comfy_table::{ContentArrangement, Table};
use console::Style;

use crate::rollout::Status;

/// `1 group`, `3 groups`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn status_style(status: Status) -> Style {
    match status {
        Status::Failed => Style::new().red().bold(),
        Status::Skipped | Status::Differs => Style::new().yellow(),
        Status::Unchanged => Style::new().dim(),
        _ => Style::new().green(),
    }
}

/// A borderless table with its columns two spaces apart, as `docker ps` prints.
fn plain_table(header: impl Into<comfy_table::Row>) -> Table {
    let mut table = Table::new();
    table
        .load_style(NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    table
}

/// The table as text, without trailing blanks.
fn table_text(table: &mut Table) -> String {
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    table
        .lines()
        .map(|line| line.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests;
