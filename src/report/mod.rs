//! What the operator sees: diagnostics, tables and JSON, on a terminal or in CI logs.

mod groups_table;
mod printer;

pub use groups_table::groups_table;
pub use printer::Printer;
