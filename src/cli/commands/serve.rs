//! `jdeploy serve`.

use super::app;
use crate::app::GroupsRequest;
use crate::cli::args::ServeArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::server::{self, ServeOptions};
use crate::watch::HealPolicy;

pub async fn serve(args: &ServeArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let mut app = app(settings);
    // Each job's lock says what that job was asked, not `serve`.
    app.context.lock.purpose.clear();
    // A groups.yaml that does not load stops the server before it listens.
    app.groups(&GroupsRequest::default(), &Terminal::new(settings))
        .await?;
    let options = ServeOptions {
        listen: args.listen,
        tls: args.tls_cert.clone().zip(args.tls_key.clone()),
        watch_interval: args.watch_interval,
        heal: HealPolicy {
            backoff: args.heal_backoff,
            per_hour: args.heal_per_hour,
        },
    };
    let printer = settings.printer();
    for warning in server::warnings(&options) {
        printer.warning(&warning);
    }
    let scheme = if options.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let file = settings.file.display().to_string();
    let ready = move |addr| {
        printer.note(&format!(
            "serving {file} on {scheme}://{addr}/ (SIGTERM or Ctrl-C stops)"
        ));
    };
    server::serve(app, options, ready, stop_signal()).await?;
    Ok(ExitStatus::Success)
}

/// SIGTERM or SIGINT.
async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
