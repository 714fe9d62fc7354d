//! `secrets`: names only, checked where they are written. Their values come from the
//! machine running jdeploy (see `crate::secrets`), never from groups.yaml.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::checker::Checker;
use super::settings::is_env_name;

/// A secret a group's containers get as an environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretName {
    pub name: String,
    /// The list item that declared it, such as `defaults.secrets[1]`, for messages.
    #[serde(skip)]
    pub key: String,
}

/// Checks the list at `key`: shell-exportable names, each once.
pub fn parse_secrets(names: Vec<String>, key: &str, checker: &mut Checker) -> Vec<SecretName> {
    let mut parsed: Vec<SecretName> = Vec::new();
    // Name to its place in `parsed`: a long list is checked in linear time.
    let mut listed: HashMap<String, usize> = HashMap::new();
    for (index, name) in names.into_iter().enumerate() {
        let at = format!("{key}[{index}]");
        if !is_env_name(&name) {
            let message = format!("`{name}` is not a variable name a shell can export");
            checker.error(&at, message, None);
        } else if let Some(&first) = listed.get(&name) {
            let message = format!(
                "`{name}` is already listed at {}",
                checker.line_of(&parsed[first].key)
            );
            checker.error(&at, message, None);
        } else {
            listed.insert(name.clone(), parsed.len());
            parsed.push(SecretName { name, key: at });
        }
    }
    parsed
}

/// A group's list adds to the list it layers over; a name in both keeps its first place.
pub fn layer_secrets(base: &[SecretName], over: &[SecretName]) -> Vec<SecretName> {
    let mut layered = base.to_vec();
    let mut names: HashSet<&str> = base.iter().map(|secret| secret.name.as_str()).collect();
    for secret in over {
        if names.insert(&secret.name) {
            layered.push(secret.clone());
        }
    }
    layered
}

/// A name cannot be both a plain variable and a secret: which value would win is not
/// obvious, and the plain one would be written in clear where the secret never is.
/// `env_keys` says which key set each variable of the group; each clash is reported once,
/// however many groups share it.
pub fn check_secrets_not_in_env(
    group: &str,
    secrets: &[SecretName],
    env_keys: &BTreeMap<&str, String>,
    reported: &mut HashSet<(String, String)>,
    checker: &mut Checker,
) {
    for secret in secrets {
        let Some(env_key) = env_keys.get(secret.name.as_str()) else {
            continue;
        };
        if reported.insert((secret.key.clone(), env_key.clone())) {
            let message = format!(
                "group `{group}`: `{}` is a secret and also set in `env` at {}",
                secret.name,
                checker.line_of(env_key)
            );
            let help =
                "remove it from `env`, or from `secrets` if its value may be written in clear";
            checker.error(&secret.key, message, Some(help.into()));
        }
    }
}
