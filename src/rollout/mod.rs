//! Carrying out plans on the fleet: every host at once, a cap on calls in flight per
//! host, core units before the rest, and one outcome per container whatever happens.

mod create;
mod deploy;
mod fleet;
mod outcome;
mod reporter;

pub use create::create;
pub use deploy::{deploy, DeployUnit};
pub use fleet::Fleet;
pub use outcome::{Outcome, Status, UnitKey};
pub use reporter::{Reporter, SilentReporter};

#[cfg(test)]
mod tests;
