//! The command line: arguments become settings, settings run a command, and the outcome
//! becomes an exit status a pipeline can trust.

mod args;
mod commands;
mod frontend;
mod settings;
mod since;

use std::io;
use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;
use args::{Command, ImageCommand, LockCommand, TokenCommand};
use settings::Settings;

use crate::app::AppError;
use crate::rollout::Lifecycle;

/// 0: everything succeeded. 1: something failed or was refused after jdeploy started
/// acting. 2: usage or input error, nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success = 0,
    Failure = 1,
    Error = 2,
    /// Stopped by SIGINT or SIGTERM, as a shell reports it.
    Interrupted = 130,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status as u8)
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version on stdout with 0, usage errors on stderr with 2.
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                ExitStatus::Error as u8
            } else {
                0
            });
        }
    };
    let settings = Settings::resolve(&cli);
    init_tracing(&settings);
    raise_open_file_limit();
    // One runtime for the whole run; every command is an async call into `app`.
    let status = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run(&cli.command, &settings)),
        Err(err) => Err(anyhow::Error::new(err).context("cannot start the runtime")),
    };
    let status = match status {
        Ok(status) => status,
        Err(err) => report_error(&err, &settings),
    };
    status.into()
}

async fn run(command: &Command, settings: &Settings) -> anyhow::Result<ExitStatus> {
    match command {
        Command::Validate(args) => commands::validate(args, settings).await,
        Command::Render(args) => commands::render(args, settings).await,
        Command::Groups(args) => commands::groups(args, settings).await,
        Command::Create(args) => commands::create(args, settings).await,
        Command::Deploy(args) => commands::deploy(args, settings).await,
        Command::Plan(args) => commands::plan(args, settings).await,
        Command::Rollback(args) => commands::rollback(args, settings).await,
        Command::History(args) => commands::history(args, settings).await,
        Command::Status(args) => commands::status(args, settings).await,
        Command::Exec(args) => commands::exec(args, settings).await,
        Command::Logs(args) => commands::logs(args, settings).await,
        Command::Start(args) => {
            let action = Lifecycle::Start;
            commands::lifecycle(&args.target, None, action, false, settings).await
        }
        Command::Stop(args) => {
            let action = Lifecycle::Stop;
            commands::lifecycle(&args.target, args.timeout, action, false, settings).await
        }
        Command::Restart(args) => commands::restart(args, settings).await,
        Command::Rm(args) => {
            let action = Lifecycle::Remove {
                foreign: args.force,
            };
            commands::lifecycle(&args.target, args.timeout, action, args.yes, settings).await
        }
        Command::Lock(LockCommand::Status(args)) => commands::lock_status(args, settings).await,
        Command::Lock(LockCommand::Release(args)) => commands::lock_release(args, settings).await,
        Command::Image(ImageCommand::Push(args)) => commands::image_push(args, settings).await,
        Command::Image(ImageCommand::Ls(args)) => commands::image_ls(args, settings).await,
        Command::Serve(args) => commands::serve(args, settings).await,
        Command::Token(TokenCommand::Create(args)) => commands::token_create(args, settings).await,
        Command::Token(TokenCommand::Ls) => commands::token_ls(settings).await,
        Command::Token(TokenCommand::Revoke(args)) => commands::token_revoke(args, settings).await,
        Command::Completions(args) => commands::completions(args),
        Command::Man(args) => commands::man(args),
    }
}

fn report_error(err: &anyhow::Error, settings: &Settings) -> ExitStatus {
    if err
        .downcast_ref::<io::Error>()
        .is_some_and(|err| err.kind() == io::ErrorKind::BrokenPipe)
    {
        // The reader (`| head`) has what it wanted.
        return ExitStatus::Success;
    }
    let printer = settings.printer();
    let app_error = err.downcast_ref::<AppError>();
    if let Some(AppError::NotConfirmed(why) | AppError::Locked(why) | AppError::Aborted(why)) =
        app_error
    {
        // Asked and told no, or another command holds the group: refused after jdeploy
        // started acting.
        if settings.json {
            let error = serde_json::json!({ "message": why });
            let _ = printer.json(&serde_json::json!({ "ok": false, "errors": [error] }));
        } else {
            printer.error(why);
        }
        return ExitStatus::Failure;
    }
    let diagnostics = match app_error {
        Some(AppError::Input(diagnostics)) => Some(diagnostics),
        _ => err.downcast_ref(),
    };
    match diagnostics {
        Some(diagnostics) if settings.json => {
            let _ = printer.json(&serde_json::json!({ "ok": false, "errors": diagnostics.0 }));
        }
        Some(diagnostics) => {
            for diagnostic in &diagnostics.0 {
                printer.diagnostic(diagnostic);
            }
            if diagnostics.0.len() > 1 {
                printer.error(&format!(
                    "{} errors; nothing was changed",
                    diagnostics.0.len()
                ));
            }
        }
        None if settings.json => {
            let error = serde_json::json!({ "message": format!("{err:#}") });
            let _ = printer.json(&serde_json::json!({ "ok": false, "errors": [error] }));
        }
        None => printer.error(&format!("{err:#}")),
    }
    ExitStatus::Error
}

/// Every host is a connection, and a stock soft limit (1024) runs out at a few hundred
/// hosts; the hard limit is what the system allows this process.
fn raise_open_file_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open files"),
        Err(err) => tracing::warn!("cannot raise the open-file limit: {err}"),
    }
}

/// Logs go to stderr; -v and -vv raise the level, JDEPLOY_LOG overrides it.
fn init_tracing(settings: &Settings) {
    let level = match (settings.quiet, settings.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("JDEPLOY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("jdeploy={level}")))
        // The Engine client logs request bodies, environments included, when debugging.
        .add_directive("bollard=info".parse().expect("a valid directive"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(settings.color)
        .with_target(false)
        .without_time()
        .try_init();
}
