//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  jdeploy validate                              check groups.yaml and render every template
  jdeploy groups                                list groups, their hosts and core units
  jdeploy render --group product_2 --monitor --mode dev_new
                                                print each container's /run.sh for review
  jdeploy create --group product                create and start the group's containers
  jdeploy deploy --group product_2 --monitor --mode dev_new
                                                write /run.sh and code, restart, core first
  jdeploy -f fleet/groups.yaml validate --json  machine-readable result for CI

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

    /// Render /run.sh, copy code in and restart every container of a group, core units first.
    #[command(
        after_help = "Examples:\n  jdeploy deploy --group product_2 --monitor --mode dev_new\n  jdeploy deploy --group product --json"
    )]
    Deploy(DeployArgs),

    /// List groups with their units, hosts and core units.
    #[command(after_help = "Examples:\n  jdeploy groups\n  jdeploy groups --group product --json")]
    Groups(GroupsArgs),
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
    /// The group whose containers to create.
    #[arg(short, long, value_name = "GROUP")]
    pub group: String,

    /// Replace containers whose configuration differs from groups.yaml.
    #[arg(long)]
    pub recreate: bool,

    /// Replace every container of the group, changed or not.
    #[arg(long, conflicts_with = "recreate")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The group to deploy.
    #[arg(short, long, value_name = "GROUP")]
    pub group: String,

    #[command(flatten)]
    pub flags: DeployFlags,
}
