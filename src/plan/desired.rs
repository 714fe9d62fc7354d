//! Each container a group should have, with the labels and hash jdeploy records on it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::inventory::container::{Mount, PortBinding};
use crate::inventory::gates::HealthCheck;
use crate::inventory::{Group, Host, Inventory};
use crate::labels;
use crate::secrets::{EnvKey, GroupSecrets};

/// Everything `create` gives Docker for one container; its hash decides whether an
/// existing container still matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredSpec {
    pub image: String,
    pub command: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// Secret name to the fingerprint of its value, never the value: the hash changes
    /// with the value, and the label can be read by anyone who can inspect. Left out
    /// when there is none, so containers made before secrets existed keep their hash.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, String>,
    pub ports: Vec<String>,
    pub volumes: Vec<String>,
    pub restart: String,
    pub stop_timeout: u32,
    /// The operator's labels; jdeploy's own are derived from the rest.
    pub labels: BTreeMap<String, String>,
    pub group: String,
    pub core: bool,
    /// Left out when there is none, so containers made before health checks existed
    /// keep their hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthCheck>,
}

#[derive(Debug, Clone)]
pub struct DesiredContainer {
    pub name: String,
    pub host: Host,
    pub spec: DesiredSpec,
    /// The hex SHA-256 of `spec` as JSON.
    pub config_hash: String,
    /// The environment's values, for the container itself; once sealed, `spec.env`
    /// holds their seals.
    pub env_values: BTreeMap<String, String>,
    /// The hash before sealing, as versions that recorded values computed it: a
    /// container they made still matches until it is recreated.
    pub unsealed_hash: Option<String>,
    /// The values behind `spec.secrets`, for the container's environment only.
    pub secret_values: GroupSecrets,
}

impl DesiredSpec {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a spec is plain data")
    }

    pub fn hash(&self) -> String {
        format!("{:x}", Sha256::digest(self.to_json().as_bytes()))
    }
}

impl DesiredContainer {
    /// Seals the environment with its host's key: labels and the hash keep names and
    /// seals, never values, and still change when a value does.
    pub fn seal(&mut self, key: &EnvKey) {
        if self.unsealed_hash.is_some() {
            return;
        }
        self.unsealed_hash = Some(self.config_hash.clone());
        let group = &self.spec.group;
        self.spec.env = self
            .env_values
            .iter()
            .map(|(name, value)| (name.clone(), key.seal(group, name, value)))
            .collect();
        self.config_hash = self.spec.hash();
    }

    /// Whether a container recorded with `hash` has this configuration.
    pub fn matches(&self, hash: &str) -> bool {
        self.config_hash == hash || self.unsealed_hash.as_deref() == Some(hash)
    }

    /// The operator's labels plus jdeploy's: group, core, the config hash and the config.
    pub fn all_labels(&self) -> BTreeMap<String, String> {
        let mut all = self.spec.labels.clone();
        all.insert(labels::GROUP.into(), self.spec.group.clone());
        all.insert(labels::CORE.into(), self.spec.core.to_string());
        all.insert(labels::CONFIG_HASH.into(), self.config_hash.clone());
        all.insert(labels::CONFIG.into(), self.spec.to_json());
        all
    }

    /// The container's environment: `env`, then the secrets' values.
    pub fn env_lines(&self) -> Vec<String> {
        let env = self.env_values.iter().map(|(k, v)| format!("{k}={v}"));
        env.chain(self.secret_values.env_lines()).collect()
    }
}

/// The containers of `group` as `create` should make them, in file order. `secrets`:
/// the group's, resolved; empty where values are not needed (status).
pub fn desired_containers(
    inventory: &Inventory,
    group: &Group,
    image: &str,
    secrets: &GroupSecrets,
) -> Vec<DesiredContainer> {
    let fingerprints = secrets.fingerprints();
    let container = &group.container;
    inventory
        .members(&group.name)
        .map(|member| {
            let spec = DesiredSpec {
                image: image.to_string(),
                command: container.command.clone(),
                env: container.env.clone(),
                secrets: fingerprints.clone(),
                ports: container.ports.iter().map(port_text).collect(),
                volumes: container.volumes.iter().map(mount_text).collect(),
                restart: container.restart.to_string(),
                stop_timeout: container.stop_timeout,
                labels: container.labels.clone(),
                group: group.name.clone(),
                core: member.is_core(),
                health: container.health.clone(),
            };
            DesiredContainer {
                name: member.container.to_string(),
                host: member.host().clone(),
                config_hash: spec.hash(),
                env_values: spec.env.clone(),
                unsealed_hash: None,
                spec,
                secret_values: secrets.clone(),
            }
        })
        .collect()
}

fn port_text(port: &PortBinding) -> String {
    let ip = match &port.host_ip {
        Some(ip) if ip.contains(':') => format!("[{ip}]:"),
        Some(ip) => format!("{ip}:"),
        None => String::new(),
    };
    format!(
        "{ip}{}:{}/{}",
        port.host_port, port.container_port, port.protocol
    )
}

fn mount_text(mount: &Mount) -> String {
    let mode = if mount.read_only { "ro" } else { "rw" };
    format!("{}:{}:{mode}", mount.source, mount.target)
}
