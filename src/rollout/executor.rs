//! The one executor of every command that changes containers: it takes the units, an
//! order worked out beforehand (pure), and the work of one unit, and gives back one
//! outcome per unit, in the order given, whatever happens.

use std::future::Future;
use std::time::Instant;

use futures::future::join_all;

use super::outcome::{Outcome, Status, UnitKey};
use super::reporter::Reporter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Every unit at once.
    AllAtOnce,
    /// Core units first, so the others find their master; if one fails, the rest of
    /// its group are skipped, untouched.
    CoreFirst,
    /// The rest first, core units once they are done, whatever their outcome, so the
    /// master outlives the others.
    CoreLast,
}

/// Units that act together; a wave starts once the one before it has finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wave {
    /// Indexes into the units given.
    pub units: Vec<usize>,
    /// A failure in this wave leaves the units of later waves that share a group with
    /// it untouched.
    pub holds_back: bool,
    /// Said when the wave starts, if anything.
    pub note: Option<String>,
    /// What this wave's units show while an earlier wave runs.
    pub waiting: &'static str,
}

/// The waves `order` makes of `keys`; empty waves are left out.
pub fn waves(keys: &[&UnitKey], order: Order) -> Vec<Wave> {
    let (core, rest): (Vec<usize>, Vec<usize>) = (0..keys.len()).partition(|&at| keys[at].core);
    let names = |units: &[usize]| {
        let names: Vec<String> = units.iter().map(|&at| keys[at].to_string()).collect();
        names.join(", ")
    };
    let split = !core.is_empty() && !rest.is_empty();
    let waves = match order {
        Order::AllAtOnce => vec![wave((0..keys.len()).collect(), false, None, "")],
        Order::CoreFirst => {
            let note = split.then(|| format!("core units first: {}", names(&core)));
            vec![
                wave(core, true, note, ""),
                wave(rest, false, None, "waiting for core units"),
            ]
        }
        Order::CoreLast => {
            let note = split.then(|| format!("core units last: {}", names(&core)));
            vec![
                wave(rest, false, note, ""),
                wave(core, false, None, "waiting for the other units"),
            ]
        }
    };
    waves
        .into_iter()
        .filter(|wave| !wave.units.is_empty())
        .collect()
}

fn wave(units: Vec<usize>, holds_back: bool, note: Option<String>, waiting: &'static str) -> Wave {
    Wave {
        units,
        holds_back,
        note,
        waiting,
    }
}

/// Runs `work` on every unit, wave by wave, the units of a wave all at once. `verb`
/// says what a held-back unit was not ("deployed").
pub async fn execute<'u, U, F, Fut>(
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
    let keys: Vec<&UnitKey> = units.iter().map(&key).collect();
    let owned: Vec<UnitKey> = keys.iter().map(|key| (*key).clone()).collect();
    reporter.begin(&owned);
    let waves = waves(&keys, order);
    for (at, wave) in waves.iter().enumerate() {
        if let Some(note) = wave.note.as_ref().filter(|_| at == 0) {
            reporter.note(note);
        }
        if at > 0 {
            for &unit in &wave.units {
                reporter.step(keys[unit], wave.waiting);
            }
        }
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; units.len()];
    // Units whose failure holds back the rest of their groups.
    let mut holding: Vec<&UnitKey> = Vec::new();
    for (at, wave) in waves.iter().enumerate() {
        if let Some(note) = wave.note.as_ref().filter(|_| at > 0) {
            reporter.note(note);
        }
        let (held, free): (Vec<usize>, Vec<usize>) = wave.units.iter().partition(|&&unit| {
            holding
                .iter()
                .any(|failed| shares_a_group(failed, keys[unit]))
        });
        if !held.is_empty() {
            reporter.note(&format!(
                "{} unit(s) left untouched: a core unit of their group failed",
                held.len()
            ));
        }
        for unit in held {
            let cores: Vec<String> = holding
                .iter()
                .filter(|failed| shares_a_group(failed, keys[unit]))
                .map(|failed| failed.to_string())
                .collect();
            let reason = format!("not {verb}: core unit {} failed", cores.join(", "));
            let outcome = Outcome::new(keys[unit].clone(), Status::Skipped, reason);
            reporter.finish(&outcome);
            outcomes[unit] = Some(outcome);
        }
        let done = join_all(free.iter().map(|&unit| timed(reporter, work(&units[unit])))).await;
        for (unit, outcome) in free.into_iter().zip(done) {
            if wave.holds_back && outcome.status.is_failure() {
                holding.push(keys[unit]);
            }
            outcomes[unit] = Some(outcome);
        }
    }
    reporter.end();
    outcomes
        .into_iter()
        .map(|outcome| outcome.expect("every unit is in one wave"))
        .collect()
}

/// Runs one unit's work, stamps how long it took and reports the outcome.
async fn timed(reporter: &dyn Reporter, work: impl Future<Output = Outcome>) -> Outcome {
    let started = Instant::now();
    let mut outcome = work.await;
    outcome.elapsed = started.elapsed();
    reporter.finish(&outcome);
    outcome
}

/// Units selected across groups name them all, comma-separated.
fn shares_a_group(one: &UnitKey, other: &UnitKey) -> bool {
    one.group
        .split(',')
        .any(|group| other.group.split(',').any(|theirs| theirs == group))
}
