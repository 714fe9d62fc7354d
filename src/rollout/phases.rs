//! Core (master) units and the rest act in two phases: core first when containers come
//! up, so the others find their master; core last when they go down, so it outlives them.

use std::future::Future;

use futures::future::join_all;

use super::outcome::{Outcome, Status, UnitKey};
use super::reporter::Reporter;
use super::timed;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Core units first; if one fails, the rest are skipped, untouched.
    CoreFirst,
    /// The rest first, core units once they are done, whatever their outcome.
    CoreLast,
}

/// Runs `work` on every unit, the units of each phase all at once, and returns one
/// outcome per unit in the order given. `verb` says what a skipped unit was not ("deployed").
pub async fn in_phases<'u, U, F, Fut>(
    units: &'u [U],
    key: impl Fn(&U) -> &UnitKey,
    order: Order,
    verb: &str,
    reporter: &dyn Reporter,
    work: F,
) -> Vec<Outcome>
where
    F: Fn(&'u U) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let (core, rest): (Vec<&U>, Vec<&U>) = units.iter().partition(|unit| key(unit).core);
    let run =
        |phase: Vec<&'u U>| join_all(phase.into_iter().map(|unit| timed(reporter, work(unit))));
    let names = |phase: &[&U]| {
        let names: Vec<String> = phase.iter().map(|unit| key(unit).to_string()).collect();
        names.join(", ")
    };
    let mut outcomes = Vec::new();
    match order {
        Order::CoreFirst => {
            if !core.is_empty() && !rest.is_empty() {
                reporter.note(&format!("core units first: {}", names(&core)));
                for unit in &rest {
                    reporter.step(key(unit), "waiting for core units");
                }
            }
            outcomes.extend(run(core).await);
            // A failed core unit holds back the rest of its own group, not of every group.
            let failed: Vec<&UnitKey> = outcomes
                .iter()
                .filter(|outcome| outcome.status.is_failure())
                .map(|outcome| &outcome.unit)
                .collect();
            let (held, free): (Vec<&U>, Vec<&U>) = rest
                .into_iter()
                .partition(|unit| failed.iter().any(|core| shares_a_group(core, key(unit))));
            let mut skipped = Vec::new();
            if !held.is_empty() {
                reporter.note(&format!(
                    "{} unit(s) left untouched: a core unit of their group failed",
                    held.len()
                ));
            }
            for unit in held {
                let cores: Vec<String> = failed
                    .iter()
                    .filter(|core| shares_a_group(core, key(unit)))
                    .map(|core| core.to_string())
                    .collect();
                let reason = format!("not {verb}: core unit {} failed", cores.join(", "));
                let outcome = Outcome::new(key(unit).clone(), Status::Skipped, reason);
                reporter.finish(&outcome);
                skipped.push(outcome);
            }
            outcomes.extend(skipped);
            outcomes.extend(run(free).await);
        }
        Order::CoreLast => {
            if !core.is_empty() && !rest.is_empty() {
                reporter.note(&format!("core units last: {}", names(&core)));
                for unit in &core {
                    reporter.step(key(unit), "waiting for the other units");
                }
            }
            outcomes.extend(run(rest).await);
            outcomes.extend(run(core).await);
        }
    }
    // Back to the order given, whatever order they finished in.
    let keys: Vec<&UnitKey> = units.iter().map(&key).collect();
    outcomes.sort_by_key(|outcome| keys.iter().position(|key| **key == outcome.unit));
    outcomes
}

/// Units selected across groups name them all, comma-separated.
fn shares_a_group(one: &UnitKey, other: &UnitKey) -> bool {
    one.group
        .split(',')
        .any(|group| other.group.split(',').any(|theirs| theirs == group))
}
