//! What the operator sees: diagnostics, tables and JSON, on a terminal or in CI logs.

mod groups_table;
mod printer;

pub use groups_table::groups_table;
pub use printer::Printer;

/// `1 group`, `3 groups`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
