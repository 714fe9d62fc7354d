//! The command line, as clap parses it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::access::Role;
use crate::inventory::gates::{self, Amount, OnFailure};

const EXAMPLES: &str = "\
Examples:
  jdeploy validate                              check groups.yaml and render every template
  jdeploy groups                                list groups, their hosts and core units
  jdeploy render --group product_2 --monitor --mode dev_new
                                                print each container's /run.sh for review
  jdeploy create --group product                create and start the group's containers
  jdeploy deploy --group product_2 --monitor --mode dev_new
                                                write /run.sh and code, restart, core first
  jdeploy status                                every container's state, resources and release
  jdeploy exec --group product -- df -h /       run a command in every container of a group
  jdeploy logs --group product --follow         follow all their logs, interleaved
  jdeploy restart --group product --host 127.0.0.3
                                                restart a group's containers on one host
  jdeploy -f fleet/groups.yaml validate --json  machine-readable result for CI
  jdeploy token create --user alice --role deployer --group product
                                                an API token for the server, shown once

Exit status: 0 success, 1 some units failed, 2 usage or input error (nothing was changed).";

#[derive(Debug, Parser)]
#[command(
    name = "jdeploy",
    version,
    about = "Deploy long-lived Docker containers to groups of hosts from one groups.yaml",
    after_help = EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    /// The inventory to read.
    #[arg(
        short = 'f',
        long = "file",
        global = true,
        value_name = "FILE",
        env = "JDEPLOY_FILE",
        default_value = "groups.yaml"
    )]
    pub file: PathBuf,

    /// Print the result as JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,

    /// Say more: -v for steps, -vv for details.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Say only what went wrong.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// The history database; `.jdeploy/history.db` beside the inventory by default.
    #[arg(long, global = true, value_name = "PATH", env = "JDEPLOY_STATE")]
    pub state: Option<PathBuf>,

    /// Commands that change a group: wait up to DUR (`90s`, `5m`) for another command's
    /// lock on it, instead of failing at once.
    #[arg(long, global = true, value_name = "DUR", env = "JDEPLOY_LOCK_WAIT", value_parser = gates::parse_duration)]
    pub lock_wait: Option<Duration>,

    /// Commands that change containers: run none of the groups' hooks.
    #[arg(long, global = true)]
    pub no_hooks: bool,
    /// Dotenv file of secret values, read after the environment; `.jdeploy/secrets`
    /// beside the inventory by default. Only create and validate read it.
    #[arg(long, global = true, value_name = "FILE", env = "JDEPLOY_SECRETS")]
    pub secrets: Option<PathBuf>,

    /// When to colour output; NO_COLOR in the environment means never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check groups.yaml and render every template for every container.
    #[command(
        after_help = "Examples:\n  jdeploy validate\n  jdeploy validate --mode dev_new --strict --json"
    )]
    Validate(ValidateArgs),

    /// Print the rendered /run.sh of each container of a group, for review.
    #[command(
        after_help = "Examples:\n  jdeploy render --group product\n  jdeploy render --group product_2 --monitor --mode dev_new --container jl_core_51_1"
    )]
    Render(RenderArgs),

    /// Create and start every container of a group on its host, all hosts at once.
    #[command(
        after_help = "Examples:\n  jdeploy create --group product\n  jdeploy create --group product --recreate    replace containers whose configuration changed\n  jdeploy create --group product --force       replace them all"
    )]
    Create(CreateArgs),

    /// Render /run.sh, copy code in and restart every changed container of a group, core units first.
    #[command(
        after_help = "Examples:\n  jdeploy deploy --group product_2 --monitor --mode dev_new\n  jdeploy deploy --group product --yes --json\n  jdeploy deploy --group product --force     also containers whose release is unchanged"
    )]
    Deploy(DeployArgs),

    /// Show what a deploy would change in each container, changing nothing.
    #[command(
        after_help = "Examples:\n  jdeploy plan --group product_2 --monitor --mode dev_new\n  jdeploy plan --group product --json\n\nExit status: 0 when every container can be deployed, 1 when some cannot."
    )]
    Plan(PlanArgs),

    /// Put a group's containers back on an earlier release, from the releases they keep.
    #[command(
        after_help = "Examples:\n  jdeploy rollback --group product              the state before the last deploy\n  jdeploy rollback --group product --steps 2\n  jdeploy rollback --group product --to 5e0c53d2a1f0 --yes\n\nExit status: 0 done, 1 some containers failed, 2 the target is not kept everywhere (nothing was changed)."
    )]
    Rollback(RollbackArgs),

    /// List the creates, deploys and rollbacks recorded, or show one.
    #[command(
        after_help = "Examples:\n  jdeploy history\n  jdeploy history --group product --limit 5 --json\n  jdeploy history show 12"
    )]
    History(HistoryArgs),

    /// List groups with their units, hosts and core units.
    #[command(after_help = "Examples:\n  jdeploy groups\n  jdeploy groups --group product --json")]
    Groups(GroupsArgs),

    /// Show every selected container's state, health, uptime, memory, CPU and release.
    #[command(
        after_help = "Examples:\n  jdeploy status\n  jdeploy status --group product --host '127.0.0.*'\n  jdeploy status --group product --json\n\nExit status: 0 when every host answered, 1 when some could not be asked."
    )]
    Status(StatusArgs),

    /// Run a command in every selected container at once.
    #[command(
        after_help = "Examples:\n  jdeploy exec --group product -- cat /etc/hostname\n  jdeploy exec --group product --container 'jl_core_*' --grouped -- sh -c 'ps; df -h'\n\nExit status: 0 when the command exited 0 everywhere, 1 when it failed or could not run somewhere."
    )]
    Exec(ExecArgs),

    /// Print the logs of every selected container, interleaved and prefixed.
    #[command(
        after_help = "Examples:\n  jdeploy logs --group product --tail 20\n  jdeploy logs --group product --since 10m --timestamps\n  jdeploy logs --all --follow"
    )]
    Logs(LogsArgs),

    /// Start the selected containers, core units first.
    #[command(after_help = "Examples:\n  jdeploy start --group product\n  jdeploy start --all")]
    Start(StartArgs),

    /// Stop the selected containers, core units last.
    #[command(
        after_help = "Examples:\n  jdeploy stop --group product\n  jdeploy stop --group product --container jl_5_1 --timeout 30"
    )]
    Stop(StopArgs),

    /// Restart the selected containers, core units first; several groups one after
    /// another, in `depends_on` order.
    #[command(
        after_help = "Examples:\n  jdeploy restart --group product\n  jdeploy restart --group product --host 127.0.0.3\n  jdeploy restart --group common --group api"
    )]
    Restart(RestartArgs),

    /// Stop and remove the selected containers, core units last.
    #[command(
        after_help = "Examples:\n  jdeploy rm --group test\n  jdeploy rm --group test --yes    without asking, also on a terminal"
    )]
    Rm(RmArgs),

    /// Show who holds each group's lock, or break one.
    #[command(
        subcommand,
        after_help = "Examples:\n  jdeploy lock status\n  jdeploy lock status --group product --json\n  jdeploy lock release --group product --yes"
    )]
    Lock(LockCommand),

    /// Send images to the hosts that lack them, without a registry; list who holds what.
    #[command(
        subcommand,
        after_help = "Examples:\n  jdeploy image push jdeploy-demo:latest --group product\n  jdeploy image push --from-file app.tar --all\n  jdeploy image ls --all"
    )]
    Image(ImageCommand),

    /// Serve the REST API over groups.yaml, for a team: jobs, roles, history.
    #[command(
        after_help = "Examples:\n  jdeploy serve\n  jdeploy serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem\n\nSIGTERM or Ctrl-C: no new job starts; running jobs start nothing more and end, then the server exits."
    )]
    Serve(ServeArgs),

    /// Create, list and revoke the server's API tokens: a user's role on some groups.
    #[command(
        subcommand,
        after_help = "Examples:\n  jdeploy token create --user alice --role deployer --group product\n  jdeploy token create --user root --role admin\n  jdeploy token ls\n  jdeploy token revoke 3\n  jdeploy token revoke --user alice"
    )]
    Token(TokenCommand),

    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  jdeploy completions bash > /etc/bash_completion.d/jdeploy\n  jdeploy completions zsh > \"${fpath[1]}/_jdeploy\"\n  jdeploy completions fish > ~/.config/fish/completions/jdeploy.fish"
    )]
    Completions(CompletionsArgs),

    /// Print the man page, or write one page per command into a directory.
    #[command(
        after_help = "Examples:\n  jdeploy man | man -l -\n  jdeploy man --dir /usr/local/share/man/man1"
    )]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address and port to listen on.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:8080",
        env = "JDEPLOY_LISTEN"
    )]
    pub listen: std::net::SocketAddr,

    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// How often the fleet watch looks at every container (`30s`, `2m`); 0 turns it off.
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = gates::parse_duration)]
    pub watch_interval: Duration,

    /// A `heal: true` group's container is restarted at most this many times an hour.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub heal_per_hour: usize,

    /// The wait after a container's first heal before the next; it doubles each time.
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = gates::parse_duration)]
    pub heal_backoff: Duration,
}

/// Which containers a fleet command acts on.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// The group to act on.
    #[arg(short, long, value_name = "GROUP", required_unless_present = "all")]
    pub group: Option<String>,

    /// Every group in groups.yaml.
    #[arg(long, conflicts_with = "group")]
    pub all: bool,

    #[command(flatten)]
    pub narrow: NarrowArgs,
}

/// Narrowing a selection down; each pattern must match something.
#[derive(Debug, Clone, Args)]
pub struct NarrowArgs {
    /// Only containers on hosts matching HOST, as groups.yaml spells them (repeatable; globs
    /// such as '127.0.0.*').
    #[arg(long = "host", value_name = "HOST")]
    pub hosts: Vec<String>,

    /// Only containers whose name matches NAME (repeatable; globs such as 'jl_core_*').
    #[arg(short, long = "container", value_name = "NAME")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only this group; every group without.
    #[arg(short, long, value_name = "GROUP")]
    pub group: Option<String>,

    /// Every group in groups.yaml (the default).
    #[arg(long, conflicts_with = "group")]
    pub all: bool,

    #[command(flatten)]
    pub narrow: NarrowArgs,

    /// Memory and CPU as `docker stats` shows them (cgroup memory, CPU over the last
    /// second) instead of from `ps`; takes about a second.
    #[arg(long)]
    pub live: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Print each container's output in one block once its command ends, instead of
    /// interleaved lines as they come.
    #[arg(long)]
    pub grouped: bool,

    /// Stop waiting for a command after SECS seconds and count it failed; it keeps
    /// running in its container, which the Engine API cannot stop.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,

    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Keep printing new lines, also across restarts, until interrupted.
    #[arg(long)]
    pub follow: bool,

    /// Only the last N lines of each container.
    #[arg(short = 'n', long, value_name = "N")]
    pub tail: Option<u64>,

    /// Only lines since T: a time (2026-11-22T10:00:00Z), a duration ago (10m, 1h30m) or
    /// seconds since the epoch.
    #[arg(long, value_name = "T", value_parser = super::since::parse_since)]
    pub since: Option<i64>,

    /// Show the time the engine logged each line.
    #[arg(short, long)]
    pub timestamps: bool,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Seconds to wait for a container to stop before killing it; the group's
    /// `container.stop_timeout` without.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u32>,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// The group to restart (repeatable).
    #[arg(short, long, value_name = "GROUP", required_unless_present = "all")]
    pub group: Vec<String>,

    /// Every group in groups.yaml.
    #[arg(long, conflicts_with = "group")]
    pub all: bool,

    #[command(flatten)]
    pub narrow: NarrowArgs,

    /// Seconds to wait for a container to stop before killing it; the group's
    /// `container.stop_timeout` without.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u32>,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Seconds to wait for a container to stop before killing it; the group's
    /// `container.stop_timeout` without.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u32>,

    /// Do not ask on a terminal.
    #[arg(short, long)]
    pub yes: bool,

    /// Also remove containers of these names that jdeploy did not create.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write jdeploy.1 and one jdeploy-COMMAND.1 per command here instead.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The deploy flags templates see.
#[derive(Debug, Clone, Args)]
pub struct DeployFlags {
    /// Render with MONITOR_ENABLED=1 (0 without).
    #[arg(long)]
    pub monitor: bool,

    /// Render with RUNTIME_MODE set to MODE.
    #[arg(long, value_name = "MODE")]
    pub mode: Option<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub flags: DeployFlags,

    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The group to render.
    #[arg(short, long, value_name = "GROUP")]
    pub group: String,

    /// Only these containers (repeatable).
    #[arg(short, long = "container", value_name = "NAME")]
    pub containers: Vec<String>,

    /// Print every rendered file, not only /run.sh.
    #[arg(long)]
    pub all_files: bool,

    #[command(flatten)]
    pub flags: DeployFlags,
}

#[derive(Debug, Args)]
pub struct GroupsArgs {
    /// Only this group.
    #[arg(short, long, value_name = "GROUP")]
    pub group: Option<String>,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The group whose containers to create (repeatable: several groups go one after
    /// another, in `depends_on` order).
    #[arg(short, long, value_name = "GROUP", required_unless_present = "all")]
    pub group: Vec<String>,

    /// Every group, in `depends_on` order.
    #[arg(long, conflicts_with = "group")]
    pub all: bool,

    /// Replace containers whose configuration differs from groups.yaml.
    #[arg(long)]
    pub recreate: bool,

    /// Replace every container of the group, changed or not.
    #[arg(long, conflicts_with = "recreate")]
    pub force: bool,

    /// First send the group's image from this machine's engine to the hosts that lack it.
    #[arg(long)]
    pub push_images: bool,

    /// Also remove the containers created for the group that groups.yaml no longer lists
    /// (core last); asks first on a terminal.
    #[arg(long)]
    pub prune: bool,

    /// Do not ask before pruning.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum LockCommand {
    /// Who holds each group's lock, since when, and when it lapses.
    Status(LockStatusArgs),
    /// Break a group's lock, whoever holds it, and say whose it was.
    Release(LockReleaseArgs),
}

#[derive(Debug, Args)]
pub struct LockStatusArgs {
    /// One group; every group without.
    #[arg(short, long, value_name = "GROUP")]
    pub group: Option<String>,
}

#[derive(Debug, Args)]
pub struct LockReleaseArgs {
    #[arg(short, long, value_name = "GROUP")]
    pub group: String,

    /// Do not ask first.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it, this once: only its hash is kept.
    Create(TokenCreateArgs),
    /// Every token: its user, role, groups, when it was made and last used, whether
    /// revoked. Never the token.
    Ls,
    /// Revoke a token by its id, or every token of a user.
    Revoke(TokenRevokeArgs),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    /// Whom the token speaks for.
    #[arg(long, value_name = "USER")]
    pub user: String,

    /// viewer (reads, asks for deploys), deployer (also plans, deploys, rolls back and
    /// restarts, inside deploy windows) or admin (everything, every group, any time).
    #[arg(long, value_name = "ROLE", value_parser = parse_role)]
    pub role: Role,

    /// A group the role is on (repeatable); an admin has every group.
    #[arg(short, long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,

    /// The role on every group, those added later too.
    #[arg(long, conflicts_with = "groups")]
    pub all_groups: bool,
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("use one of: {}", Role::NAMES.join(", ")))
}

#[derive(Debug, Args)]
pub struct TokenRevokeArgs {
    /// The token's id, as `jdeploy token ls` lists it.
    #[arg(
        value_name = "ID",
        required_unless_present = "user",
        conflicts_with = "user"
    )]
    pub id: Option<i64>,

    /// Every token of this user instead.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Send images to every selected host that lacks them, all hosts at once, read once
    /// from this machine's engine (DOCKER_HOST, else the default socket) or a `docker
    /// save` archive.
    Push(ImagePushArgs),
    /// Which hosts hold which of the groups' images, by id; ids that differ are marked.
    Ls(ImageLsArgs),
}

#[derive(Debug, Args)]
pub struct ImagePushArgs {
    /// Images as tagged (`app:1.2`); with --from-file, all of the archive's when none.
    #[arg(value_name = "IMAGE")]
    pub images: Vec<String>,

    #[command(flatten)]
    pub target: TargetArgs,

    /// A `docker save` archive to send, instead of this machine's engine's images.
    #[arg(long, value_name = "TAR")]
    pub from_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImageLsArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The group to deploy (repeatable: several groups go one after another, in
    /// `depends_on` order, each gated before the next starts).
    #[arg(short, long, value_name = "GROUP", required_unless_present = "all")]
    pub group: Vec<String>,

    /// Every group, in `depends_on` order.
    #[arg(long, conflicts_with = "group")]
    pub all: bool,

    #[command(flatten)]
    pub flags: DeployFlags,

    /// Deploy and restart also the containers whose release is unchanged.
    #[arg(long)]
    pub force: bool,

    /// Do not show the plan and ask on a terminal.
    #[arg(short, long)]
    pub yes: bool,

    #[command(flatten)]
    pub rollout: RolloutArgs,
}

/// Over the group's `rollout` settings in groups.yaml, for this deploy.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Rollout (over groups.yaml's `rollout`)")]
pub struct RolloutArgs {
    /// First this many of the non-core containers, alone: a number or a share (25%).
    #[arg(long, value_name = "N|P%", value_parser = gates::parse_amount)]
    pub canary: Option<Amount>,

    /// Then at most this many at once: a number or a share (25%).
    #[arg(long, value_name = "N|P%", value_parser = gates::parse_amount)]
    pub batch: Option<Amount>,

    /// How long each container must stay up (and healthy) after its restart; 0 turns
    /// the gate off.
    #[arg(long, value_name = "DUR", value_parser = gates::parse_duration)]
    pub min_healthy: Option<Duration>,

    /// How long each container may take to pass its gate.
    #[arg(long, value_name = "DUR", value_parser = gates::parse_duration)]
    pub deadline: Option<Duration>,

    /// What to do once more containers failed than tolerated.
    #[arg(long, value_name = "POLICY", value_parser = parse_on_failure)]
    pub on_failure: Option<OnFailure>,

    /// Failed containers tolerated before --on-failure acts: a number or a share.
    #[arg(long, value_name = "N|P%", value_parser = gates::parse_amount)]
    pub max_failures: Option<Amount>,
}

fn parse_on_failure(text: &str) -> Result<OnFailure, String> {
    OnFailure::parse(text).ok_or_else(|| format!("use one of: {}", OnFailure::NAMES.join(", ")))
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The group to plan a deploy of.
    #[arg(short, long, value_name = "GROUP")]
    pub group: String,

    #[command(flatten)]
    pub flags: DeployFlags,

    #[command(flatten)]
    pub rollout: RolloutArgs,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The group to roll back.
    #[arg(short, long, value_name = "GROUP")]
    pub group: String,

    #[command(flatten)]
    pub narrow: NarrowArgs,

    /// Back to the deploy, or a container's release, whose id starts with RELEASE.
    #[arg(long, value_name = "RELEASE", conflicts_with = "steps")]
    pub to: Option<String>,

    /// Back this many of the group's deploys (default 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub steps: Option<u32>,

    /// Do not ask on a terminal.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this group's runs.
    #[arg(short, long, value_name = "GROUP")]
    pub group: Option<String>,

    /// At most this many runs, newest first.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,

    #[command(subcommand)]
    pub show: Option<HistoryCommand>,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// One run with every container's outcome and release.
    Show {
        /// The run's id, as `jdeploy history` lists it.
        id: i64,
    },
}
