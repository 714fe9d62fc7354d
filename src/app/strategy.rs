//! From a group's `rollout` and `health` to what the executor and the gates take.

use crate::inventory::gates::{OnFailure, RolloutPolicy};
use crate::inventory::Group;
use crate::rollout::{Gate, Order, Strategy};

/// How a command moves through a group. Only a deploy can go back on its own: for
/// restart and rollback, `on_failure: rollback` stops, as `halt` does.
pub(super) fn strategy(policy: &RolloutPolicy, order: Order, can_go_back: bool) -> Strategy {
    let on_failure = match policy.on_failure {
        OnFailure::Rollback if !can_go_back => OnFailure::Halt,
        other => other,
    };
    Strategy {
        order,
        canary: policy.canary,
        batch: policy.batch,
        max_failures: policy.max_failures,
        on_failure,
    }
}

/// What each container of `group` must pass after its restart.
pub(super) fn gate(group: &Group, policy: &RolloutPolicy) -> Gate {
    Gate {
        min_healthy: policy.min_healthy,
        deadline: policy.deadline,
        health_check: group.container.health.is_some(),
    }
}
