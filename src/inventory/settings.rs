//! Group settings: each section (`defaults`, `groups.<name>`) is checked once where it is
//! written, then sections are layered: group over defaults over jdeploy's defaults.

use std::collections::BTreeMap;
use std::path::Path;

use super::checker::Checker;
use super::container::{
    self, ContainerSpec, Mount, PortBinding, RestartPolicy, DEFAULT_COMMAND, DEFAULT_STOP_TIMEOUT,
};
use super::deploy_files::{parse_copies, parse_templates};
use super::gates::{parse_health, parse_rollout, HealthCheck, RolloutSettings};
use super::hooks::{parse_hooks, Hooks};
use super::model::{resolve, Copy, Group, TemplateFile};
use super::notify::{parse_notify, NotifyTarget};
use super::raw::{RawSettings, Scalar, StringOrList};
use super::secret_names::{layer_secrets, parse_secrets, SecretName};
use super::suggest::did_you_mean;
use super::windows::{parse_windows, DeployWindows};
use crate::labels::LABEL_PREFIX;

/// Where `/run.sh` is rendered, and the template used when none is configured.
pub const RUN_SH: &str = "/run.sh";
pub const DEFAULT_RUN_TEMPLATE: &str = "run.sh.j2";
const RUN_SH_MODE: u32 = 0o755;

/// One section's settings, checked; `None` means "not set here".
#[derive(Debug, Default, Clone)]
pub struct GroupSettings {
    pub image: Option<String>,
    pub core_cmd: Option<String>,
    pub command: Option<Vec<String>>,
    pub ports: Option<Vec<PortBinding>>,
    pub env: BTreeMap<String, String>,
    pub secrets: Vec<SecretName>,
    pub volumes: Option<Vec<Mount>>,
    pub restart: Option<RestartPolicy>,
    pub stop_timeout: Option<u32>,
    pub labels: BTreeMap<String, String>,
    pub run_template: Option<TemplateFile>,
    pub templates: Option<Vec<TemplateFile>>,
    pub copies: Option<Vec<Copy>>,
    pub vars: BTreeMap<String, serde_yaml::Value>,
    pub health: Option<HealthCheck>,
    pub rollout: RolloutSettings,
    pub hooks: Hooks,
    /// Groups to act on first; a group's own, never from `defaults`.
    pub depends_on: Vec<String>,
    pub notify: Option<Vec<NotifyTarget>>,
    pub windows: Option<DeployWindows>,
    pub heal: Option<bool>,
}

impl GroupSettings {
    /// `over` wins key by key; maps (env, labels, vars) merge, lists replace, except
    /// `secrets`, which adds to the list beneath.
    pub fn layer(&self, over: &GroupSettings) -> GroupSettings {
        fn pick<T: Clone>(over: &Option<T>, base: &Option<T>) -> Option<T> {
            over.clone().or_else(|| base.clone())
        }
        fn merge<V: Clone>(
            base: &BTreeMap<String, V>,
            over: &BTreeMap<String, V>,
        ) -> BTreeMap<String, V> {
            let mut merged = base.clone();
            merged.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
            merged
        }
        GroupSettings {
            image: pick(&over.image, &self.image),
            core_cmd: pick(&over.core_cmd, &self.core_cmd),
            command: pick(&over.command, &self.command),
            ports: pick(&over.ports, &self.ports),
            env: merge(&self.env, &over.env),
            secrets: layer_secrets(&self.secrets, &over.secrets),
            volumes: pick(&over.volumes, &self.volumes),
            restart: pick(&over.restart, &self.restart),
            stop_timeout: pick(&over.stop_timeout, &self.stop_timeout),
            labels: merge(&self.labels, &over.labels),
            run_template: pick(&over.run_template, &self.run_template),
            templates: pick(&over.templates, &self.templates),
            copies: pick(&over.copies, &self.copies),
            vars: merge(&self.vars, &over.vars),
            health: pick(&over.health, &self.health),
            rollout: self.rollout.layer(&over.rollout),
            hooks: self.hooks.layer(&over.hooks),
            depends_on: over.depends_on.clone(),
            notify: pick(&over.notify, &self.notify),
            windows: pick(&over.windows, &self.windows),
            heal: pick(&over.heal, &self.heal),
        }
    }

    /// The group as commands see it, with jdeploy's defaults for what no section set.
    pub fn into_group(self, name: &str, base_dir: &Path) -> Group {
        let command = self
            .command
            .unwrap_or_else(|| DEFAULT_COMMAND.map(str::to_string).to_vec());
        Group {
            name: name.to_string(),
            image: self.image,
            core_cmd: self.core_cmd.unwrap_or_default(),
            container: ContainerSpec {
                command,
                ports: self.ports.unwrap_or_default(),
                env: self.env,
                volumes: self.volumes.unwrap_or_default(),
                restart: self.restart.unwrap_or(RestartPolicy::UnlessStopped),
                stop_timeout: self.stop_timeout.unwrap_or(DEFAULT_STOP_TIMEOUT),
                labels: self.labels,
                health: self.health,
            },
            secrets: self.secrets,
            rollout: self.rollout.resolve(),
            hooks: self.hooks,
            depends_on: self.depends_on,
            run_template: self.run_template.unwrap_or_else(|| TemplateFile {
                name: DEFAULT_RUN_TEMPLATE.to_string(),
                path: resolve(base_dir, DEFAULT_RUN_TEMPLATE),
                dest: RUN_SH.to_string(),
                mode: RUN_SH_MODE,
                key: None,
            }),
            templates: self.templates.unwrap_or_default(),
            copies: self.copies.unwrap_or_default(),
            vars: self.vars,
            notify: self.notify.unwrap_or_default(),
            windows: self.windows.unwrap_or_default(),
            heal: self.heal.unwrap_or(false),
            defined_at: None,
        }
    }
}

/// Checks one section written at `prefix` (`defaults` or `groups.<name>`).
pub fn parse_settings(
    raw: RawSettings,
    prefix: &str,
    base_dir: &Path,
    checker: &mut Checker,
) -> GroupSettings {
    let key = |field: &str| format!("{prefix}.{field}");
    let mut settings = GroupSettings {
        image: raw.image,
        core_cmd: raw.core_cmd,
        stop_timeout: raw.stop_timeout,
        vars: raw.vars.unwrap_or_default(),
        heal: raw.heal,
        ..GroupSettings::default()
    };
    if let Some(image) = &settings.image {
        if image.trim().is_empty() || image.contains(char::is_whitespace) {
            checker.error(
                &key("image"),
                format!("`{image}` is not an image reference"),
                None,
            );
        }
    }
    settings.command = raw
        .command
        .and_then(|command| parse_command(command, &key("command"), checker));
    settings.ports = raw
        .ports
        .map(|ports| parse_each(ports, &key("ports"), checker, container::parse_port));
    settings.volumes = raw
        .volumes
        .map(|volumes| parse_each(volumes, &key("volumes"), checker, container::parse_mount));
    settings.restart = raw.restart.and_then(|restart| {
        container::parse_restart(&restart)
            .map_err(|message| {
                let name = restart.split(':').next().unwrap_or_default();
                let help = did_you_mean(name, container::RESTART_POLICIES).unwrap_or_else(|| {
                    format!("use one of: {}", container::RESTART_POLICIES.join(", "))
                });
                checker.error(&key("restart"), message, Some(help));
            })
            .ok()
    });
    settings.env = parse_env(raw.env.unwrap_or_default(), &key("env"), checker);
    settings.secrets = parse_secrets(raw.secrets.unwrap_or_default(), &key("secrets"), checker);
    settings.labels = parse_labels(raw.labels.unwrap_or_default(), &key("labels"), checker);
    settings.run_template = raw.run_template.map(|src| TemplateFile {
        path: resolve(base_dir, &src),
        name: src,
        dest: RUN_SH.to_string(),
        mode: RUN_SH_MODE,
        key: Some(key("run_template")),
    });
    settings.templates = raw
        .templates
        .map(|templates| parse_templates(templates, &key("templates"), base_dir, checker));
    settings.copies = raw
        .copy
        .map(|copies| parse_copies(copies, &key("copy"), base_dir, checker));
    settings.health = raw
        .health
        .and_then(|health| parse_health(health, &key("health"), checker));
    if let Some(depends_on) = raw.depends_on {
        if prefix == "defaults" {
            checker.error(
                &key("depends_on"),
                "`depends_on` names what one group needs first; set it under groups.<name>",
                None,
            );
        } else {
            settings.depends_on = depends_on;
        }
    }
    settings.hooks = raw
        .hooks
        .map(|hooks| parse_hooks(hooks, &key("hooks"), checker))
        .unwrap_or_default();
    settings.rollout = raw
        .rollout
        .map(|rollout| parse_rollout(rollout, &key("rollout"), checker))
        .unwrap_or_default();
    settings.notify = raw
        .notify
        .map(|targets| parse_notify(targets, &key("notify"), checker));
    settings.windows = raw
        .windows
        .map(|windows| parse_windows(windows, &key("windows"), checker));
    settings
}

fn parse_command(command: StringOrList, key: &str, checker: &mut Checker) -> Option<Vec<String>> {
    let argv = match command {
        StringOrList::Many(argv) => argv,
        StringOrList::One(line) => match shlex::split(&line) {
            Some(argv) => argv,
            None => {
                checker.error(
                    key,
                    format!("cannot split `{line}` into words: unbalanced quotes"),
                    None,
                );
                return None;
            }
        },
    };
    if argv.is_empty() || argv[0].is_empty() {
        checker.error(
            key,
            "command is empty",
            Some("leave it out to run /run.sh once deploy has written it".to_string()),
        );
        return None;
    }
    Some(argv)
}

fn parse_each<T>(
    values: Vec<String>,
    key: &str,
    checker: &mut Checker,
    parse: fn(&str) -> Result<T, String>,
) -> Vec<T> {
    let mut parsed = Vec::new();
    for (index, value) in values.iter().enumerate() {
        match parse(value) {
            Ok(item) => parsed.push(item),
            Err(message) => checker.error(&format!("{key}[{index}]"), message, None),
        }
    }
    parsed
}

fn parse_env(
    env: BTreeMap<String, Scalar>,
    key: &str,
    checker: &mut Checker,
) -> BTreeMap<String, String> {
    let mut parsed = BTreeMap::new();
    for (name, Scalar(value)) in env {
        if is_env_name(&name) {
            parsed.insert(name, value);
        } else {
            let at = format!("{key}.{name}");
            checker.error(
                &at,
                format!("`{name}` is not a variable name a shell can export"),
                None,
            );
        }
    }
    parsed
}

/// A name a shell can export: a letter or `_`, then letters, digits and `_`.
pub fn is_env_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_labels(
    labels: BTreeMap<String, Scalar>,
    key: &str,
    checker: &mut Checker,
) -> BTreeMap<String, String> {
    let mut parsed = BTreeMap::new();
    for (name, Scalar(value)) in labels {
        if name.starts_with(LABEL_PREFIX) {
            let at = format!("{key}.{name}");
            checker.error(
                &at,
                format!("labels under `{LABEL_PREFIX}` are jdeploy's own"),
                None,
            );
        } else {
            parsed.insert(name, value);
        }
    }
    parsed
}

/// Catches what is surely not an image reference; the engine judges the rest.
pub fn check_image(image: &str, key: &str, checker: &mut Checker) {
    if image.is_empty() || image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        checker.error(key, format!("{image:?} is not an image reference"), None);
    }
}
