//! Secrets: values groups.yaml names but never holds. They come from this machine (its
//! environment, then a dotenv file), reach containers as environment variables at
//! `create`, and are written nowhere by jdeploy: what it records is a fingerprint.

mod env_key;
mod fingerprint;
mod mask;
mod resolve;
mod store;

use std::collections::BTreeMap;
use std::fmt;

pub use env_key::{EnvKey, SEAL_PREFIX};
pub use fingerprint::{fingerprint, FINGERPRINT_ROUNDS};
pub use mask::{recorded_fingerprints, EnvMask, MASK_PREFIX};
pub use resolve::{check_all, resolve_group};
pub use store::{Environment, Problem, SecretSources, SecretStore, DEFAULT_SECRETS_FILE};

/// A secret's value. It prints as `***`, so a `{:?}` in a log or a panic cannot leak it,
/// and it has no `Serialize`: nothing can write it by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that needs it: the container's environment.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A secret with its value, and the fingerprint recorded in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSecret {
    pub value: SecretValue,
    pub fingerprint: String,
}

/// A group's secrets, resolved and fingerprinted once per command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupSecrets {
    entries: BTreeMap<String, ResolvedSecret>,
}

impl GroupSecrets {
    /// Fingerprints each value for `group`; the slow part, done once per group.
    pub fn new(group: &str, values: impl IntoIterator<Item = (String, SecretValue)>) -> Self {
        let entries = values
            .into_iter()
            .map(|(name, value)| {
                let fingerprint = fingerprint(group, &name, value.expose());
                (name, ResolvedSecret { value, fingerprint })
            })
            .collect();
        Self { entries }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Name to fingerprint: what the container's recorded configuration keeps.
    pub fn fingerprints(&self) -> BTreeMap<String, String> {
        self.entries
            .iter()
            .map(|(name, secret)| (name.clone(), secret.fingerprint.clone()))
            .collect()
    }

    /// `NAME=value` for the container's environment; for the create request only.
    pub fn env_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.entries
            .iter()
            .map(|(name, secret)| format!("{name}={}", secret.value.expose()))
    }
}

#[cfg(test)]
mod tests;
