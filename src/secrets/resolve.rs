//! A group's secret values, or a diagnostic for each that cannot be had, pointing at the
//! `secrets` item that asked for it.

use std::collections::HashSet;

use super::store::{Problem, SecretStore};
use super::GroupSecrets;
use crate::inventory::{Diagnostic, Diagnostics, Group, Inventory, SecretName};

/// Every secret of `group` with its value and fingerprint; `create` needs them all.
pub fn resolve_group(
    inventory: &Inventory,
    group: &Group,
    store: &SecretStore,
) -> Result<GroupSecrets, Diagnostics> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for secret in &group.secrets {
        match store.lookup(&secret.name) {
            Ok(value) => values.push((secret.name.clone(), value)),
            Err(problem) => errors.push(diagnostic(inventory, group, secret, store, &problem)),
        }
    }
    if errors.is_empty() {
        Ok(GroupSecrets::new(&group.name, values))
    } else {
        Err(Diagnostics(errors))
    }
}

/// What `validate` checks: every secret of every group has a value here. One diagnostic
/// per `secrets` item, however many groups share it; values are not fingerprinted.
pub fn check_all(inventory: &Inventory, store: &SecretStore) -> Vec<Diagnostic> {
    let mut reported = HashSet::new();
    let mut errors = Vec::new();
    for group in &inventory.groups {
        for secret in &group.secrets {
            if let Err(problem) = store.lookup(&secret.name) {
                if reported.insert(secret.key.as_str()) {
                    errors.push(diagnostic(inventory, group, secret, store, &problem));
                }
            }
        }
    }
    errors
}

fn diagnostic(
    inventory: &Inventory,
    group: &Group,
    secret: &SecretName,
    store: &SecretStore,
    problem: &Problem,
) -> Diagnostic {
    let (name, file) = (&secret.name, store.path().display());
    let message = match problem {
        Problem::NotFound { .. } => format!(
            "group `{}` needs secret `{name}`: it is neither in the environment nor in {file} ({problem})",
            group.name
        ),
        Problem::NotUnicode => format!(
            "group `{}` needs secret `{name}`: {problem}",
            group.name
        ),
        _ => format!(
            "group `{}` needs secret `{name}`: the secrets file {file}: {problem}",
            group.name
        ),
    };
    let help = match problem {
        Problem::NoFile => "check the path given with --secrets (or JDEPLOY_SECRETS)".into(),
        Problem::NotUnicode => format!("export {name} as UTF-8 text, or unset it to use {file}"),
        Problem::Unreadable(_) | Problem::Unparsable { .. } => format!(
            "fix {file}: one NAME=value a line; quote values with spaces, `#` or `$` in '...'"
        ),
        Problem::NotFound { .. } if store.is_explicit() => {
            format!("export {name}, or add `{name}=...` to {file}")
        }
        Problem::NotFound { .. } => format!(
            "export {name}, or add `{name}=...` to {file}, or name another file with --secrets FILE (or JDEPLOY_SECRETS)"
        ),
    };
    inventory.error_at(&secret.key, message).help(help)
}
