//! Arguments and environment resolved once into what commands act on.

use std::io::IsTerminal;
use std::path::PathBuf;

use std::time::Duration;

use clap::CommandFactory;

use super::args::{Cli, ColorChoice, DeployFlags, RolloutArgs};
use crate::app::LockSettings;
use crate::inventory::gates::RolloutSettings;
use crate::inventory::LoadOptions;
use crate::lock;
use crate::render::Flags;
use crate::report::Printer;

pub struct Settings {
    pub file: PathBuf,
    pub json: bool,
    pub verbose: u8,
    pub quiet: bool,
    /// Colour for messages and progress on stderr.
    pub color: bool,
    /// Colour for containers' output on stdout, which may be piped when stderr is not.
    pub stdout_color: bool,
    pub load: LoadOptions,
    /// `--secrets`: the dotenv file secret values come from, after the environment.
    pub secrets: Option<PathBuf>,
    state: Option<PathBuf>,
    pub lock: LockSettings,
    /// Run none of the groups' hooks.
    pub no_hooks: bool,
}

impl Settings {
    pub fn resolve(cli: &Cli) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        let color_for = |terminal: bool| match cli.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && terminal,
        };
        let color = color_for(std::io::stderr().is_terminal());
        let stdout_color = color_for(std::io::stdout().is_terminal());
        Self {
            file: cli.file.clone(),
            json: cli.json,
            verbose: cli.verbose,
            quiet: cli.quiet,
            color,
            stdout_color,
            load: docker_tls_from_env(),
            secrets: cli.secrets.clone(),
            state: cli.state.clone(),
            lock: LockSettings {
                wait: cli.lock_wait.unwrap_or_default(),
                ttl: lock_ttl_from_env(),
                purpose: command_as_typed(),
            },
            no_hooks: cli.no_hooks,
        }
    }

    /// The history database: `--state`, or `.jdeploy/history.db` beside the inventory.
    pub fn state_path(&self) -> PathBuf {
        self.state.clone().unwrap_or_else(|| {
            let dir = match self.file.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => std::path::Path::new("."),
            };
            dir.join(".jdeploy").join("history.db")
        })
    }

    pub fn printer(&self) -> Printer {
        Printer::new(self.color, self.quiet)
    }
}

/// The arguments from the command's name on (`deploy --group product`): global options
/// before it say nothing about what the command does.
fn command_as_typed() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|command| command.get_name().to_string())
        .collect();
    let start = args.iter().position(|arg| names.contains(arg)).unwrap_or(0);
    shlex::try_join(args[start..].iter().map(String::as_str))
        .unwrap_or_else(|_| args[start..].join(" "))
}

/// JDEPLOY_LOCK_TTL shortens how long a lock outlives a holder that died (at most, and
/// by default, 60s): for tests, and teams that want a lost runner's lock back sooner.
fn lock_ttl_from_env() -> Duration {
    std::env::var("JDEPLOY_LOCK_TTL")
        .ok()
        .and_then(|text| humantime::parse_duration(&text).ok())
        .map_or(lock::MAX_TTL, |ttl| ttl.clamp(lock::MIN_TTL, lock::MAX_TTL))
}

/// Docker's own conventions: DOCKER_TLS_VERIFY turns TLS on for tcp hosts, with the
/// certificates in DOCKER_CERT_PATH or, failing that, ~/.docker.
fn docker_tls_from_env() -> LoadOptions {
    let non_empty = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    let docker_tls_verify = non_empty("DOCKER_TLS_VERIFY").is_some();
    let home_docker = || non_empty("HOME").map(|home| PathBuf::from(home).join(".docker"));
    let docker_cert_path = non_empty("DOCKER_CERT_PATH")
        .map(PathBuf::from)
        .or_else(|| docker_tls_verify.then(home_docker).flatten());
    LoadOptions {
        docker_cert_path,
        docker_tls_verify,
    }
}

impl From<&DeployFlags> for Flags {
    fn from(flags: &DeployFlags) -> Self {
        Flags {
            monitor: flags.monitor,
            mode: flags.mode.clone(),
        }
    }
}

impl From<&RolloutArgs> for RolloutSettings {
    fn from(args: &RolloutArgs) -> Self {
        RolloutSettings {
            canary: args.canary,
            batch: args.batch,
            min_healthy: args.min_healthy,
            deadline: args.deadline,
            on_failure: args.on_failure,
            max_failures: args.max_failures,
        }
    }
}
