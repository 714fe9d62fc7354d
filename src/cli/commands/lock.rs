//! `jdeploy lock status` and `jdeploy lock release`.

use super::{app, status_of, written};
use crate::app::{LockReleaseRequest, LockStatusRequest};
use crate::cli::args::{LockReleaseArgs, LockStatusArgs};
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::report::lock_table;

/// 0, or 1 when a lock's host could not be asked.
pub async fn lock_status(args: &LockStatusArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = LockStatusRequest {
        group: args.group.clone(),
    };
    let report = app(settings)
        .lock_status(&request, &Terminal::new(settings))
        .await?;
    let printer = settings.printer();
    let shown = if settings.json {
        printer.json(&report)
    } else {
        printer.out(&lock_table(&report.groups))
    };
    Ok(written(shown, status_of(report.ok()), &printer))
}

pub async fn lock_release(
    args: &LockReleaseArgs,
    settings: &Settings,
) -> anyhow::Result<ExitStatus> {
    let request = LockReleaseRequest {
        group: args.group.clone(),
        yes: args.yes,
    };
    let released = app(settings)
        .lock_release(&request, &Terminal::new(settings))
        .await?;
    let printer = settings.printer();
    let shown = if settings.json {
        printer.json(&serde_json::json!({ "ok": true, "group": args.group, "released": released }))
    } else {
        match &released {
            Some(lock) => printer.out(&format!(
                "released the lock of group {}, held by {} ({}) since {}\n",
                lock.group,
                crate::report::visible(&lock.by),
                crate::report::visible(&lock.command),
                lock.since
            )),
            None => printer.out(&format!("group {} was not locked\n", args.group)),
        }
    };
    Ok(written(shown, ExitStatus::Success, &printer))
}
