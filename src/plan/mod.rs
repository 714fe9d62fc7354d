//! What must change: the desired containers against what the engines report. Pure: no I/O.

mod create;
mod desired;
mod observed;
mod release;
mod strays;

pub use create::{plan_create, CreateAction, CreateStep, Recreate};
pub use desired::{desired_containers, DesiredContainer, DesiredSpec};
pub use observed::{ContainerState, ObservedContainer};
pub use release::{release_changes, release_step, FileChange, ReleaseChanges, ReleaseStep};
pub use strays::strays;

#[cfg(test)]
pub(crate) mod tests;
