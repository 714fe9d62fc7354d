use std::time::{Duration, Instant};

use super::*;

fn unit(name: &str) -> UnitKey {
    UnitKey {
        group: "product".into(),
        container: name.into(),
        host: "127.0.0.2".into(),
        core: false,
    }
}

#[test]
fn a_first_look_reports_only_what_is_not_running() {
    let mut watcher = Watcher::default();
    let changes = watcher.observe(vec![
        (unit("a"), Condition::Running),
        (unit("b"), Condition::Exited { code: Some(1) }),
    ]);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].unit, unit("b"));
    assert_eq!(changes[0].from, None);
}

#[test]
fn each_change_is_told_once_and_recovery_too() {
    let mut watcher = Watcher::default();
    watcher.observe(vec![(unit("a"), Condition::Running)]);
    let down = watcher.observe(vec![(unit("a"), Condition::Exited { code: Some(137) })]);
    assert_eq!(down.len(), 1);
    assert_eq!(down[0].to.describe(), "exited (code 137)");
    assert!(watcher
        .observe(vec![(unit("a"), Condition::Exited { code: Some(137) })])
        .is_empty());
    let back = watcher.observe(vec![(unit("a"), Condition::Running)]);
    assert_eq!(back[0].to.describe(), "back to running");
}

#[test]
fn a_host_failing_with_another_error_is_no_new_change() {
    let mut watcher = Watcher::default();
    let error = |text: &str| Condition::Unreachable { error: text.into() };
    watcher.observe(vec![(unit("a"), Condition::Running)]);
    assert_eq!(
        watcher.observe(vec![(unit("a"), error("refused"))]).len(),
        1
    );
    assert!(watcher
        .observe(vec![(unit("a"), error("timed out"))])
        .is_empty());
}

#[test]
fn heals_back_off_doubling_and_stop_at_the_hourly_cap() {
    let policy = HealPolicy {
        backoff: Duration::from_secs(10),
        per_hour: 3,
    };
    let mut healer = Healer::new(policy);
    let a = unit("a");
    let start = Instant::now();
    assert_eq!(healer.decide(&a, start), HealDecision::Now);
    healer.healed(&a, start);
    let soon = start + Duration::from_secs(4);
    assert_eq!(
        healer.decide(&a, soon),
        HealDecision::Later(Duration::from_secs(6))
    );
    let second = start + Duration::from_secs(10);
    assert_eq!(healer.decide(&a, second), HealDecision::Now);
    healer.healed(&a, second);
    // Twice the wait after the second.
    assert!(matches!(
        healer.decide(&a, second + Duration::from_secs(19)),
        HealDecision::Later(_)
    ));
    let third = second + Duration::from_secs(20);
    assert_eq!(healer.decide(&a, third), HealDecision::Now);
    healer.healed(&a, third);
    assert_eq!(
        healer.decide(&a, third + Duration::from_secs(1000)),
        HealDecision::Capped
    );
    // An hour after the first, one more is allowed.
    let later = start + Duration::from_secs(3600);
    assert_eq!(healer.decide(&a, later), HealDecision::Now);
    assert_eq!(healer.decide(&unit("b"), start), HealDecision::Now);
}

#[test]
fn units_held_by_a_command_keep_their_last_condition_until_it_ends() {
    let mut watcher = Watcher::default();
    watcher.observe(vec![(unit("a"), Condition::Running)]);
    // A deploy restarts it: nothing is told while the group is locked.
    let during = watcher.observe_holding(vec![(unit("a"), Condition::Restarting)], |_| true);
    assert!(during.is_empty());
    // Running again once the deploy ended: no change since before it.
    assert!(watcher
        .observe(vec![(unit("a"), Condition::Running)])
        .is_empty());
    // Left down by the command: told once it let go.
    watcher.observe_holding(
        vec![(unit("a"), Condition::Exited { code: Some(1) })],
        |_| true,
    );
    let after = watcher.observe(vec![(unit("a"), Condition::Exited { code: Some(1) })]);
    assert_eq!(after.len(), 1);
}
