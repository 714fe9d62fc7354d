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
            let failed: Vec<String> = outcomes
                .iter()
                .filter(|outcome| outcome.status.is_failure())
                .map(|outcome| outcome.unit.to_string())
                .collect();
            if failed.is_empty() {
                outcomes.extend(run(rest).await);
            } else if !rest.is_empty() {
                let reason = format!("not {verb}: core unit {} failed", failed.join(", "));
                reporter.note(&format!(
                    "{} other unit(s) left untouched: {reason}",
                    rest.len()
                ));
                for unit in rest {
                    let outcome = Outcome::new(key(unit).clone(), Status::Skipped, reason.clone());
                    reporter.finish(&outcome);
                    outcomes.push(outcome);
                }
            }
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
