//! Asking before acting, only where someone can answer.

use std::io::IsTerminal;

/// Someone at a terminal can answer: stdin and stderr are both one.
pub fn on_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks `question` on stderr; no unless answered yes.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    Ok(dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()?)
}
