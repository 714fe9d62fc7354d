//! Carrying out plans on the fleet: every host at once, a cap on calls in flight per
//! host, one executor that orders the units (core units before the rest), and one
//! outcome per container whatever happens.

mod create;
mod deploy;
mod env_key;
mod exec;
mod executor;
mod fleet;
mod gate;
mod hooks;
mod ledger;
mod lifecycle;
mod lines;
mod logs;
mod outcome;
mod push;
mod releases;
mod reporter;
mod rollback;
mod status;
mod undo;
mod window;

pub use create::{create, create_listed, find_strays, list_hosts, Listings, Stray};
pub use deploy::{
    plan_deploy, DeployOptions, DeployPlan, DeployResult, DeployUnit, PlannedUnit, Stamp, UnitPlan,
};
pub use env_key::{engine_key, engine_keys, EngineKeys, KEY_CONTAINER};
pub use exec::{exec, ExecOutcome, ExecOutput};
pub use executor::{execute, waves, Execution, Order, Stopped, Strategy, Wave};
pub use fleet::{distinct_hosts, Fleet};
pub use gate::{duration_text, Gate, GateResult};
pub use hooks::ContainerHook;
pub use lifecycle::{lifecycle, Lifecycle};
pub use lines::LineBuffer;
pub use logs::{logs, LogLine, LogOutput};
pub use outcome::{seconds, FleetUnit, Outcome, Status, UnitError, UnitKey};
pub use push::{megabytes, push, PushTarget};
pub use releases::InPlace;
pub use reporter::{Reporter, SilentReporter};
pub use rollback::{plan_rollback, Destination, PlannedRollback, RollbackPlan, RollbackProblem};
pub use status::{inspect_all, status, Observed, UnitStatus, Usage};
pub use window::windowed;

#[cfg(test)]
mod tests;
