//! Carrying out plans on the fleet: every host at once, a cap on calls in flight per
//! host, core units before the rest, and one outcome per container whatever happens.

mod create;
mod deploy;
mod exec;
mod fleet;
mod lifecycle;
mod lines;
mod logs;
mod outcome;
mod phases;
mod releases;
mod reporter;
mod rollback;
mod status;

pub use create::create;
pub use deploy::{plan_deploy, DeployPlan, DeployUnit, PlannedUnit, Stamp, UnitPlan};
pub use exec::{exec, ExecOutcome, ExecOutput};
pub use fleet::Fleet;
pub use lifecycle::{lifecycle, Lifecycle};
pub use lines::LineBuffer;
pub use logs::{logs, LogLine, LogOutput};
pub use outcome::{FleetUnit, Outcome, Status, UnitKey};
pub use releases::InPlace;
pub use reporter::{Reporter, SilentReporter};
pub use rollback::{plan_rollback, Destination, PlannedRollback, RollbackPlan, RollbackProblem};
pub use status::{status, Observed, UnitStatus, Usage};

use std::future::Future;
use std::time::Instant;

use crate::engine::Connector;
use crate::inventory::Host;

/// Announces the units, then connects to every engine among `hosts` at once.
async fn connect<C: Connector>(
    connector: &C,
    keys: &[UnitKey],
    hosts: &[&Host],
    parallel: u32,
    reporter: &dyn Reporter,
) -> Fleet<C::Engine> {
    reporter.begin(keys);
    for key in keys {
        reporter.step(key, "connecting");
    }
    Fleet::connect(connector, hosts, parallel).await
}

/// Runs one unit's work, stamps how long it took and reports the outcome.
async fn timed(reporter: &dyn Reporter, work: impl Future<Output = Outcome>) -> Outcome {
    let started = Instant::now();
    let mut outcome = work.await;
    outcome.elapsed = started.elapsed();
    reporter.finish(&outcome);
    outcome
}

#[cfg(test)]
mod tests;
