//! `create`: for each desired container, what to do given what the engine has.

use std::collections::BTreeMap;

use serde_json::Value;

use super::desired::DesiredContainer;
use super::observed::ObservedContainer;
use crate::labels;

/// Which existing containers `create` may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recreate {
    /// None: differences are reported, not acted on.
    #[default]
    Never,
    /// `--recreate`: those whose configuration differs.
    Changed,
    /// `--force`: all of them.
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateStep {
    /// No container of that name: create and start it.
    Create,
    /// Same configuration and running: nothing to do.
    Unchanged,
    /// Same configuration but not running: start it.
    Start,
    /// Configuration differs; left alone without `--recreate`, or without `--force` when
    /// jdeploy did not create it (`foreign`).
    Differs { changes: Vec<String>, foreign: bool },
    /// Remove, then create and start.
    Replace { changes: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct CreateAction {
    pub desired: DesiredContainer,
    pub step: CreateStep,
}

/// Plans every desired container against `observed`, the containers of its host by name.
pub fn plan_create(
    desired: Vec<DesiredContainer>,
    observed: impl Fn(&DesiredContainer) -> Option<ObservedContainer>,
    recreate: Recreate,
) -> Vec<CreateAction> {
    desired
        .into_iter()
        .map(|desired| {
            let step = match observed(&desired) {
                None => CreateStep::Create,
                Some(found) => step_for(&desired, &found, recreate),
            };
            CreateAction { desired, step }
        })
        .collect()
}

fn step_for(
    desired: &DesiredContainer,
    found: &ObservedContainer,
    recreate: Recreate,
) -> CreateStep {
    let same = found
        .labels
        .get(labels::CONFIG_HASH)
        .is_some_and(|hash| desired.matches(hash));
    // Someone else's container of that name is replaced only when told so in full.
    let foreign = !found.labels.contains_key(labels::GROUP);
    if foreign && recreate != Recreate::All {
        return CreateStep::Differs {
            changes: changes(desired, found),
            foreign: true,
        };
    }
    match (same, recreate) {
        (_, Recreate::All) => CreateStep::Replace {
            changes: if same {
                vec!["--force".into()]
            } else {
                changes(desired, found)
            },
        },
        (true, _) if found.state.is_up() => CreateStep::Unchanged,
        (true, _) => CreateStep::Start,
        (false, Recreate::Changed) => CreateStep::Replace {
            changes: changes(desired, found),
        },
        (false, Recreate::Never) => CreateStep::Differs {
            changes: changes(desired, found),
            foreign: false,
        },
    }
}

/// What differs, from the configuration recorded on the container when jdeploy made it.
fn changes(desired: &DesiredContainer, found: &ObservedContainer) -> Vec<String> {
    let Some(recorded) = found.labels.get(labels::CONFIG) else {
        return vec!["not created by jdeploy (no io.jdeploy labels)".into()];
    };
    let Ok(recorded) = serde_json::from_str::<BTreeMap<String, Value>>(recorded) else {
        return vec!["its recorded configuration is unreadable".into()];
    };
    let wanted: BTreeMap<String, Value> =
        serde_json::from_value(serde_json::to_value(&desired.spec).expect("a spec is plain data"))
            .expect("a spec serializes to an object");
    let mut changes = Vec::new();
    for (field, want) in &wanted {
        let had = recorded.get(field).unwrap_or(&Value::Null);
        diff_field(field, had, want, &mut changes);
    }
    // Left out of the spec when empty, so a container that had secrets and should have
    // none is only seen from its recorded side.
    if !wanted.contains_key("secrets") {
        if let Some(had) = recorded.get("secrets") {
            diff_secrets(had, &Value::Null, &mut changes);
        }
    }
    if changes.is_empty() {
        // Same fields, other hash: the hash covers something older jdeploys recorded.
        changes.push("configuration hash".into());
    }
    changes
}

fn diff_field(field: &str, had: &Value, want: &Value, changes: &mut Vec<String>) {
    if had == want {
        return;
    }
    if field == "secrets" {
        return diff_secrets(had, want, changes);
    }
    // Environment values may be secrets: they are named, never shown, as in `plan`.
    let secret = field == "env";
    let shown = |value: &Value| {
        if secret {
            String::new()
        } else {
            format!(" {}", show(value))
        }
    };
    match (had, want) {
        (Value::Object(had), Value::Object(want)) => {
            let keys: std::collections::BTreeSet<&String> = had.keys().chain(want.keys()).collect();
            for key in keys {
                match (had.get(key), want.get(key)) {
                    (Some(a), Some(b)) if a == b => {}
                    (Some(_), Some(_)) if secret => changes.push(format!("{field}.{key}: changed")),
                    (Some(a), Some(b)) => {
                        changes.push(format!("{field}.{key}: {} -> {}", show(a), show(b)))
                    }
                    (Some(a), None) => changes.push(format!("{field}.{key}:{} removed", shown(a))),
                    (None, Some(b)) => changes.push(format!("{field}.{key}: added{}", shown(b))),
                    (None, None) => {}
                }
            }
        }
        _ => changes.push(format!("{field}: {} -> {}", show(had), show(want))),
    }
}

/// Secrets are recorded as fingerprints: a change is told by the secret's name alone,
/// without the fingerprints, which are no use to read.
fn diff_secrets(had: &Value, want: &Value, changes: &mut Vec<String>) {
    let names = |value: &Value| value.as_object().cloned().unwrap_or_default();
    let (had, want) = (names(had), names(want));
    let all: std::collections::BTreeSet<&String> = had.keys().chain(want.keys()).collect();
    for name in all {
        match (had.get(name), want.get(name)) {
            (Some(a), Some(b)) if a != b => changes.push(format!("secret {name} changed")),
            (Some(_), None) => changes.push(format!("secret {name} removed")),
            (None, Some(_)) => changes.push(format!("secret {name} added")),
            _ => {}
        }
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}
