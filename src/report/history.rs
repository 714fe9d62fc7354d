//! `history`: the runs recorded, and one run in detail.

use comfy_table::Cell;

use super::{plain_table, table_text};
use crate::history::Run;
use crate::release::short;

pub fn history_table(runs: &[Run]) -> String {
    let mut table = plain_table([
        "ID",
        "STARTED",
        "BY",
        "COMMAND",
        "GROUP",
        "RESULT",
        "TIME",
        "DEPLOY",
        "COMMAND LINE",
    ]);
    for run in runs {
        table.add_row([
            Cell::new(run.id),
            Cell::new(&run.started_at),
            Cell::new(&run.by),
            Cell::new(&run.command),
            Cell::new(&run.group),
            Cell::new(result(run)),
            Cell::new(format!("{:.1}s", run.elapsed)),
            Cell::new(run.deploy.as_deref().map(short).unwrap_or("-")),
            Cell::new(&run.command_line),
        ]);
    }
    table_text(&mut table)
}

pub fn run_text(run: &Run) -> String {
    let mut out = format!(
        "run {}: {} {} {} by {} at {}, {:.1}s\ncommand line: {}\nflags: {}\n",
        run.id,
        run.command,
        run.group,
        result(run),
        run.by,
        run.started_at,
        run.elapsed,
        run.command_line,
        run.flags,
    );
    if let Some(deploy) = &run.deploy {
        out.push_str(&format!("deploy: {deploy}\n"));
    }
    if let Some(strategy) = &run.strategy {
        out.push_str(&format!("strategy: {strategy}\n"));
    }
    let mut table = plain_table([
        "CONTAINER",
        "HOST",
        "CORE",
        "BATCH",
        "RESULT",
        "RELEASE",
        "TIME",
        "DETAIL",
    ]);
    for unit in &run.units {
        table.add_row([
            Cell::new(&unit.container),
            Cell::new(&unit.host),
            Cell::new(if unit.core { "yes" } else { "" }),
            Cell::new(unit.batch.as_deref().unwrap_or("")),
            Cell::new(&unit.status),
            Cell::new(unit.release.as_deref().map(short).unwrap_or("-")),
            Cell::new(format!("{:.1}s", unit.elapsed)),
            Cell::new(super::visible(&unit.detail)),
        ]);
    }
    out.push('\n');
    out.push_str(&table_text(&mut table));
    out
}

/// ok, failed, rolled back (failed, and put back), interrupted.
fn result(run: &Run) -> &'static str {
    match (run.ok, run.interrupted, run.rolled_back) {
        (_, true, _) => "interrupted",
        (_, _, true) => "rolled back",
        (true, _, _) => "ok",
        (false, _, _) => "failed",
    }
}
