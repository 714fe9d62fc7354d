//! The one executor of every command that changes containers: it takes the units, a
//! strategy (order, canaries, batches, failures tolerated) whose waves are worked out
//! purely, and the work of one unit, and gives back one outcome per unit, in the order
//! given, whatever happens.

use std::future::Future;
use std::time::Instant;

use super::window::windowed;

use super::outcome::{Outcome, Status, UnitKey};
use super::reporter::Reporter;
use crate::inventory::gates::{Amount, OnFailure};

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

/// How a command moves through its units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strategy {
    pub order: Order,
    /// The first this many of the other units (not core), alone.
    pub canary: Amount,
    /// Then at most this many at once; all at once when none.
    pub batch: Option<Amount>,
    /// Failed units tolerated before `on_failure` acts.
    pub max_failures: Amount,
    pub on_failure: OnFailure,
}

impl Strategy {
    /// Every unit in one go (after core units, or before them), failures reported.
    pub fn plain(order: Order) -> Self {
        Self {
            order,
            canary: Amount::Count(0),
            batch: None,
            max_failures: Amount::Count(0),
            on_failure: OnFailure::Continue,
        }
    }
}

/// Units that act together; a wave starts once the one before it has finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wave {
    /// Indexes into the units given.
    pub units: Vec<usize>,
    /// `core`, `canary`, `batch 2/4`; none when the wave needs no name.
    pub label: Option<String>,
    /// A failure in this wave leaves the units of later waves that share a group with
    /// it untouched.
    pub holds_back: bool,
    /// Said when the wave starts.
    pub note: Option<String>,
}

/// The waves `strategy` makes of `keys`. Units that do not `act` (nothing to change)
/// come first, in a wave of their own; empty waves are left out.
pub fn waves(keys: &[&UnitKey], acts: &[bool], strategy: &Strategy) -> Vec<Wave> {
    let wave = |units: Vec<usize>, label: Option<String>, holds_back: bool| Wave {
        units,
        label,
        holds_back,
        note: None,
    };
    let names = |units: &[usize]| {
        let names: Vec<String> = units.iter().map(|&at| keys[at].to_string()).collect();
        names.join(", ")
    };
    let (acting, idle): (Vec<usize>, Vec<usize>) = (0..keys.len()).partition(|&at| acts[at]);
    let (core, rest): (Vec<usize>, Vec<usize>) = acting.iter().partition(|&&at| keys[at].core);
    let mut waves = vec![wave(idle, None, false)];
    match strategy.order {
        Order::AllAtOnce => waves.push(wave(acting, None, false)),
        Order::CoreFirst => {
            let split = !core.is_empty() && !rest.is_empty();
            let mut first = wave(core, split.then(|| "core".to_string()), true);
            first.note = split.then(|| format!("core units first: {}", names(&first.units)));
            waves.push(first);
            waves.extend(batches(rest, strategy, &names));
        }
        Order::CoreLast => {
            let split = !core.is_empty() && !rest.is_empty();
            let mut rest = batches(rest, strategy, &names);
            if let Some(first) = rest.first_mut().filter(|_| split) {
                first.note = Some(format!("core units last: {}", names(&core)));
            }
            waves.extend(rest);
            waves.push(wave(core, split.then(|| "core".to_string()), false));
        }
    }
    waves.retain(|wave| !wave.units.is_empty());
    waves
}

/// The canaries, then the batches, of the units that are not core.
fn batches(rest: Vec<usize>, strategy: &Strategy, names: &dyn Fn(&[usize]) -> String) -> Vec<Wave> {
    let total = rest.len();
    let canaries = strategy.canary.of(total);
    let (canary, after) = rest.split_at(canaries);
    let size = strategy
        .batch
        .map_or(after.len(), |batch| batch.of(total).max(1))
        .max(1);
    let chunks: Vec<&[usize]> = after.chunks(size).collect();
    let named = chunks.len() > 1 || !canary.is_empty();
    let mut waves = Vec::new();
    if !canary.is_empty() {
        waves.push(Wave {
            units: canary.to_vec(),
            label: Some("canary".into()),
            holds_back: false,
            note: Some(format!("canary: {}", names(canary))),
        });
    }
    for (at, chunk) in chunks.iter().enumerate() {
        let label = named.then(|| format!("batch {}/{}", at + 1, chunks.len()));
        waves.push(Wave {
            note: label
                .as_ref()
                .map(|label| format!("{label}: {}", names(chunk))),
            units: chunk.to_vec(),
            label,
            holds_back: false,
        });
    }
    waves
}

/// Why an execution started no more units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// More units failed than the strategy tolerates.
    Failures { failed: usize, tolerated: usize },
    /// The operator asked it to stop.
    Interrupted,
}

/// Every unit's outcome, and why the execution stopped early, if it did.
#[derive(Debug, Clone)]
pub struct Execution {
    pub outcomes: Vec<Outcome>,
    pub stopped: Option<Stopped>,
    /// Failed units, and how many the strategy tolerates.
    pub failed: usize,
    pub tolerated: usize,
}

impl Execution {
    /// More units failed than tolerated.
    pub fn exceeded(&self) -> bool {
        self.failed > self.tolerated
    }
}

/// Runs `work` on every unit, wave by wave, the units of a wave all at once. `acts`
/// says which units change something (the others go first, in no wave of note);
/// `verb` says what a unit never started was not ("deployed"); `interrupted` is asked
/// before each wave.
#[allow(clippy::too_many_arguments)]
pub async fn execute<'u, U, F, Fut>(
    units: &'u [U],
    key: impl Fn(&U) -> &UnitKey,
    acts: impl Fn(&U) -> bool,
    strategy: &Strategy,
    verb: &str,
    reporter: &dyn Reporter,
    interrupted: &(dyn Fn() -> bool + Sync),
    work: F,
) -> Execution
where
    F: Fn(&'u U) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let keys: Vec<&UnitKey> = units.iter().map(&key).collect();
    let acting: Vec<bool> = units.iter().map(&acts).collect();
    let owned: Vec<UnitKey> = keys.iter().map(|key| (*key).clone()).collect();
    reporter.begin(&owned);
    let waves = waves(&keys, &acting, strategy);
    let tolerated = strategy
        .max_failures
        .of(acting.iter().filter(|acts| **acts).count());
    let mut outcomes: Vec<Option<Outcome>> = vec![None; units.len()];
    // Units whose failure holds back the rest of their groups.
    let mut holding: Vec<&UnitKey> = Vec::new();
    let mut stopped: Option<Stopped> = None;
    let mut failed = 0;
    let work = &work;
    for (at, wave) in waves.iter().enumerate() {
        let waiting = match (&wave.label, at) {
            (_, 0) => None,
            (Some(label), _) if label == "core" => Some("waiting for core units".to_string()),
            (Some(label), _) => Some(format!("waiting for its turn ({label})")),
            (None, _) => Some("waiting for the other units".to_string()),
        };
        if let Some(waiting) = waiting {
            for &unit in &wave.units {
                reporter.step(keys[unit], &waiting);
            }
        }
    }
    for wave in &waves {
        if stopped.is_none() && interrupted() {
            stopped = Some(Stopped::Interrupted);
        }
        if let (Some(note), None) = (&wave.note, &stopped) {
            reporter.note(note);
        }
        // A failed core unit's group is held back, whatever else stopped the run.
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
        let skip = |unit: usize, reason: String| {
            let mut outcome = Outcome::new(keys[unit].clone(), Status::Skipped, reason);
            outcome.batch = wave.label.clone();
            reporter.finish(&outcome);
            outcome
        };
        for unit in held {
            let cores: Vec<String> = holding
                .iter()
                .filter(|failed| shares_a_group(failed, keys[unit]))
                .map(|failed| failed.to_string())
                .collect();
            let reason = format!("not {verb}: core unit {} failed", cores.join(", "));
            outcomes[unit] = Some(skip(unit, reason));
        }
        if let Some(why) = &stopped {
            for unit in free {
                let reason = match why {
                    Stopped::Interrupted => format!("not {verb}: interrupted"),
                    Stopped::Failures { failed, tolerated } => {
                        format!("not {verb}: {failed} failed, more than the {tolerated} tolerated")
                    }
                };
                outcomes[unit] = Some(skip(unit, reason));
            }
            continue;
        }
        let done = windowed(free.iter().map(|&unit| async move {
            let started = Instant::now();
            let mut outcome = work(&units[unit]).await;
            outcome.elapsed = started.elapsed();
            outcome.batch = wave.label.clone();
            reporter.finish(&outcome);
            outcome
        }))
        .await;
        for (unit, outcome) in free.into_iter().zip(done) {
            if outcome.status == Status::Failed {
                failed += 1;
                if wave.holds_back {
                    holding.push(keys[unit]);
                }
            }
            outcomes[unit] = Some(outcome);
        }
        if failed > tolerated && strategy.on_failure != OnFailure::Continue {
            stopped = Some(Stopped::Failures { failed, tolerated });
        }
    }
    Execution {
        outcomes: outcomes
            .into_iter()
            .map(|outcome| outcome.expect("every unit is in one wave"))
            .collect(),
        stopped,
        failed,
        tolerated,
    }
}

/// Units selected across groups name them all, comma-separated.
fn shares_a_group(one: &UnitKey, other: &UnitKey) -> bool {
    one.group
        .split(',')
        .any(|group| other.group.split(',').any(|theirs| theirs == group))
}
