//! `completions` and `man`: documentation generated from the command line's definition,
//! so it never falls behind it.

use std::io::Write;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::args::{CompletionsArgs, ManArgs};
use crate::cli::{Cli, ExitStatus};

pub fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let mut stdout = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut Cli::command(), "jdeploy", &mut stdout);
    stdout.flush()?;
    Ok(ExitStatus::Success)
}

pub fn man(args: &ManArgs) -> anyhow::Result<ExitStatus> {
    let command = Cli::command();
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(command, dir)
                .with_context(|| format!("cannot write man pages into {}", dir.display()))?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            clap_mangen::Man::new(command).render(&mut stdout)?;
            stdout.flush()?;
        }
    }
    Ok(ExitStatus::Success)
}
