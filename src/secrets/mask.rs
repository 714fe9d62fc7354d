//! A container's environment as jdeploy records it: each secret's value replaced by its
//! fingerprint. Release manifests keep the environment a release ran with, are written
//! into the container and compared on rollback; they must never hold a value.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use serde::Deserialize;

use super::fingerprint;
use crate::inventory::Group;
use crate::labels;

/// Marks a fingerprint where a value was.
pub const MASK_PREFIX: &str = "secret:";

/// The names to mask: the group's secrets, plus those the container's own recorded
/// configuration names (a secret since dropped from groups.yaml is still a secret).
#[derive(Debug, Default)]
pub struct EnvMask {
    pub(super) group: String,
    pub(super) names: BTreeSet<String>,
    /// (name, value) to fingerprint: a value not recorded on the container is
    /// fingerprinted once per command, not once per container.
    pub(super) computed: Mutex<HashMap<(String, String), String>>,
}

impl EnvMask {
    pub fn new(group: &Group) -> Self {
        Self {
            group: group.name.clone(),
            names: group.secrets.iter().map(|s| s.name.clone()).collect(),
            computed: Mutex::default(),
        }
    }

    /// The group whose secrets these are.
    pub fn group_name(&self) -> &str {
        &self.group
    }

    /// `env` (`NAME=value` lines, as inspect reads them) with secrets masked. The
    /// fingerprint recorded at create is used where there is one: it is the value's, and
    /// costs nothing.
    pub fn apply(&self, env: &[String], labels: &BTreeMap<String, String>) -> Vec<String> {
        let recorded = recorded_fingerprints(labels);
        if recorded.is_empty() && self.names.is_empty() {
            return env.to_vec();
        }
        env.iter()
            .map(|line| {
                let Some((name, value)) = line.split_once('=') else {
                    return line.clone();
                };
                let fingerprint = match recorded.get(name) {
                    Some(fingerprint) => fingerprint.clone(),
                    None if self.names.contains(name) => self.compute(name, value),
                    None => return line.clone(),
                };
                format!("{name}={MASK_PREFIX}{fingerprint}")
            })
            .collect()
    }

    fn compute(&self, name: &str, value: &str) -> String {
        let mut computed = self.computed.lock().expect("fingerprinting does not panic");
        computed
            .entry((name.to_string(), value.to_string()))
            .or_insert_with(|| fingerprint(&self.group, name, value))
            .clone()
    }
}

/// Name to fingerprint, from the configuration jdeploy recorded on a container at create;
/// empty when it recorded none (or is not jdeploy's).
pub fn recorded_fingerprints(labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    #[derive(Deserialize)]
    struct Recorded {
        #[serde(default)]
        secrets: BTreeMap<String, String>,
    }
    labels
        .get(labels::CONFIG)
        .and_then(|config| serde_json::from_str::<Recorded>(config).ok())
        .map(|recorded| recorded.secrets)
        .unwrap_or_default()
}
