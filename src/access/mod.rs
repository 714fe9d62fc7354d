//! Who may do what: roles, the actions they allow on a group, and the grant a token
//! carries. Pure logic; tokens themselves live in the history database
//! (`crate::history`), and deploy windows in groups.yaml (`crate::inventory`).

mod roles;

pub use roles::{Action, Denied, Grant, GroupScope, Role};

#[cfg(test)]
mod tests;
