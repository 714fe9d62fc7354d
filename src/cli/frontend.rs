//! The terminal as the application's frontend: progress as bars or lines, warnings on
//! stderr, and questions asked only where someone can answer.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::signal::unix::{signal, SignalKind};

use super::settings::Settings;
use crate::app::{Frontend, Question};
use crate::inventory::Diagnostic;
use crate::release::short;
use crate::report::{plan_text, LineReporter, Printer, ProgressReporter};
use crate::rollout::{Reporter, SilentReporter};

pub struct Terminal {
    printer: Printer,
    json: bool,
    quiet: bool,
    color: bool,
    verbose: bool,
    /// Set by the first SIGINT or SIGTERM.
    interrupted: Arc<AtomicBool>,
}

impl Terminal {
    pub fn new(settings: &Settings) -> Self {
        Self {
            printer: settings.printer(),
            json: settings.json,
            quiet: settings.quiet,
            color: settings.color,
            verbose: settings.verbose > 0,
            interrupted: Arc::new(AtomicBool::new(false)),
        }
    }

    /// For commands that change containers: the first Ctrl-C (or SIGTERM, as a CI
    /// runner sends) lets what is in flight finish and starts nothing more; the second
    /// stops at once, leaving every file whole.
    pub fn watching_signals(settings: &Settings) -> Self {
        let terminal = Self::new(settings);
        let interrupted = Arc::clone(&terminal.interrupted);
        let printer = settings.printer();
        tokio::spawn(async move {
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                return;
            };
            let mut signals = 0;
            loop {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                signals += 1;
                if signals > 1 {
                    printer.error("stopped at once");
                    std::process::exit(130);
                }
                interrupted.store(true, Ordering::SeqCst);
                printer.warning(
                    "stopping: nothing more is started; what runs finishes its gate (again to stop at once)",
                );
            }
        });
        terminal
    }
}

impl Frontend for Terminal {
    /// Bars on a terminal, timestamped lines elsewhere (CI), nothing with `--json` or `-q`.
    fn reporter(&self, action: &str) -> Box<dyn Reporter> {
        if self.json || self.quiet {
            Box::new(SilentReporter)
        } else if std::io::stderr().is_terminal() {
            Box::new(ProgressReporter::new(action, self.color, self.verbose))
        } else {
            Box::new(LineReporter::new(action, self.verbose))
        }
    }

    fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    fn diagnostic(&self, diagnostic: &Diagnostic) {
        self.printer.diagnostic(diagnostic);
    }

    fn warning(&self, message: &str) {
        self.printer.warning(message);
    }

    /// Hooks' lines as CI lines; on a terminal with -v only.
    fn output(&self, source: &str, line: &str) {
        let shown = !self.json && !self.quiet && (self.verbose || !std::io::stderr().is_terminal());
        if shown {
            let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
            let line = crate::report::visible(line);
            // A closed stderr must not stop a rollout halfway.
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr().lock(),
                format_args!("{now} {source}: {line}\n"),
            );
        }
    }

    /// Someone at a terminal can answer: stdin and stderr are both one.
    fn can_answer(&self) -> bool {
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    }

    fn confirm(&self, question: &Question<'_>) -> Result<bool, String> {
        let prompt = match question {
            Question::Deploy {
                group,
                changing,
                plan,
            } => {
                eprint!("{}", plan_text(plan, self.color));
                format!("Deploy {changing} container(s) of {group}?")
            }
            Question::Rollback { group, moves } => {
                for step in moves.iter() {
                    let release = |release: &Option<String>| {
                        release.as_deref().map(short).unwrap_or("-").to_string()
                    };
                    eprintln!(
                        "{}: {} -> {}",
                        step.unit,
                        release(&step.from),
                        release(&step.to)
                    );
                }
                format!("Roll back {} container(s) of {group}?", moves.len())
            }
            Question::Remove { units } => {
                let shown: Vec<String> = units.iter().take(8).map(ToString::to_string).collect();
                let more = match units.len().saturating_sub(shown.len()) {
                    0 => String::new(),
                    n => format!(" and {n} more"),
                };
                format!(
                    "Stop and remove {} container(s): {}{more}?",
                    units.len(),
                    shown.join(", ")
                )
            }
            Question::BreakLock { lock } => {
                eprintln!("{}", crate::report::visible(&lock.to_string()));
                format!("Break the lock of group {}?", lock.group)
            }
        };
        // The question blocks on the terminal; the runtime's other tasks go on meanwhile.
        tokio::task::block_in_place(|| {
            dialoguer::Confirm::new()
                .with_prompt(prompt)
                .default(false)
                .interact()
                .map_err(|err| format!("cannot ask: {err}"))
        })
    }
}
