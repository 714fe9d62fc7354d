//! Turns the text of groups.yaml into an `Inventory`, or into every error it holds.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::checker::Checker;
use super::container::{check_container_name, Mount};
use super::depth::{too_deep, MAX_DEPTH};
use super::diagnostic::{Diagnostic, Diagnostics, Location};
use super::hosts::{resolve_hosts, ResolvedHost};
use super::model::{Connection, Group, GroupIndex, Host, Inventory, Unit, DEFAULT_KEEP_RELEASES};
use super::raw::RawInventory;
use super::secret_names::check_secrets_not_in_env;
use super::settings::{check_image, parse_settings, GroupSettings};
use super::source_map::{Duplicate, SourceMap};
use super::suggest::{unknown_key, Suggester};

/// What the environment adds to the file, read by the caller so this stays pure.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `DOCKER_CERT_PATH`, or `~/.docker` when only `DOCKER_TLS_VERIFY` is set.
    pub docker_cert_path: Option<PathBuf>,
    /// `DOCKER_TLS_VERIFY`: reach tcp hosts over TLS with the certificates above.
    pub docker_tls_verify: bool,
}

/// Parses and checks `text`, read from `file`; relative paths in it start at `base_dir`.
pub fn parse_inventory(
    text: &str,
    file: &Path,
    base_dir: &Path,
    options: &LoadOptions,
) -> Result<Inventory, Diagnostics> {
    if text.trim().is_empty() {
        return Err(Diagnostics(vec![Diagnostic::error(
            file,
            "the file is empty",
        )
        .help("list at least `units:`; see the README for the format")]));
    }
    if let Some((key, at)) = too_deep(text) {
        let message = format!("nested deeper than {MAX_DEPTH} levels");
        let diagnostic = Diagnostic::error(file, message).at(Some(at)).key(key);
        return Err(Diagnostics(vec![diagnostic]));
    }
    let map = SourceMap::parse(text);
    // Before serde, which keeps the last of two keys, or names the first at its mapping.
    if !map.duplicates.is_empty() && !map.broken {
        return Err(Diagnostics(
            map.duplicates
                .iter()
                .map(|dup| duplicate(file, dup))
                .collect(),
        ));
    }
    let raw: RawInventory = serde_yaml::from_str(text).map_err(|err| {
        let is_syntax = serde_yaml::from_str::<serde_yaml::Value>(text).is_err();
        Diagnostics(vec![serde_diagnostic(file, &err, is_syntax)])
    })?;
    let mut checker = Checker::new(file, map);
    let connection = check_connection(&raw, &mut checker);
    let keep_releases = match raw.releases.keep {
        Some(0) => {
            checker.error(
                "releases.keep",
                "must be at least 1: a container keeps the release it runs",
                None,
            );
            DEFAULT_KEEP_RELEASES
        }
        keep => keep.unwrap_or(DEFAULT_KEEP_RELEASES),
    };
    let hosts = resolve_hosts(&raw, connection.port, base_dir, options, &mut checker);
    let units = check_units(&raw, &hosts, &mut checker);
    let groups = check_groups(raw, base_dir, &mut checker);
    let (diagnostics, source_map) = checker.into_parts();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Diagnostics(
            diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect(),
        ));
    }
    let index = GroupIndex::new(&groups, &units);
    Ok(Inventory {
        index,
        file: file.to_path_buf(),
        base_dir: base_dir.to_path_buf(),
        units,
        groups,
        connection,
        keep_releases,
        warnings: diagnostics,
        source_map,
    })
}

fn duplicate(file: &Path, dup: &Duplicate) -> Diagnostic {
    let message = format!(
        "duplicate key `{}` (first at line {})",
        dup.key, dup.first_line
    );
    Diagnostic::error(file, message)
        .at(Some(dup.at))
        .key(&dup.path)
}

/// serde_yaml's error, with the position as our own fields and a hint for mistyped keys.
fn serde_diagnostic(file: &Path, err: &serde_yaml::Error, is_syntax: bool) -> Diagnostic {
    let location = err.location().map(|at| Location {
        line: at.line(),
        column: Some(at.column()),
    });
    let mut message = err.to_string();
    if let Some(at) = &location {
        message = message.replacen(
            &format!(" at line {} column {}", at.line, at.column.unwrap_or(0)),
            "",
            1,
        );
    }
    if is_syntax {
        message = format!("invalid YAML: {message}");
    }
    let message = message.replacen("missing field `", "missing key `", 1);
    let (message, help) = unknown_key(&message).unwrap_or((message, None));
    Diagnostic::error(file, message).at(location).help_opt(help)
}

fn check_connection(raw: &RawInventory, checker: &mut Checker) -> Connection {
    let defaults = Connection::default();
    let mut positive = |field: &str, value: Option<u32>, default: u32| match value {
        Some(0) => {
            checker.error(
                &format!("connection.{field}"),
                "must be greater than 0",
                None,
            );
            default
        }
        value => value.unwrap_or(default),
    };
    let port = positive(
        "port",
        raw.connection.port.map(u32::from),
        defaults.port.into(),
    );
    Connection {
        port: u16::try_from(port).unwrap_or(defaults.port),
        timeout_secs: positive("timeout", raw.connection.timeout, defaults.timeout_secs),
        parallel: positive("parallel", raw.connection.parallel, defaults.parallel),
        max_open: positive("max_open", raw.connection.max_open, defaults.max_open),
        request_timeout_secs: positive(
            "request_timeout",
            raw.connection.request_timeout,
            defaults.request_timeout_secs,
        ),
    }
}

fn check_units(
    raw: &RawInventory,
    hosts: &HashMap<String, ResolvedHost>,
    checker: &mut Checker,
) -> Vec<Unit> {
    let mut units = Vec::new();
    // (engine identity, container) -> the key that first defined it
    let mut seen: HashMap<(String, &str), String> = HashMap::new();
    for (index, raw_unit) in raw.units.iter().enumerate() {
        let key = format!("units[{index}]");
        if raw_unit.dockers.is_empty() {
            checker.error(&format!("{key}.dockers"), "lists no container", None);
        }
        let groups = raw_unit.group.clone().into_vec();
        if groups.is_empty() {
            checker.error(&format!("{key}.group"), "names no group", None);
        }
        for (at, group) in groups.iter().enumerate() {
            if let Err(message) = check_group_name(group) {
                let item = if matches!(raw_unit.group, super::raw::StringOrList::Many(_)) {
                    format!("{key}.group[{at}]")
                } else {
                    format!("{key}.group")
                };
                checker.error(&item, message, None);
            }
        }
        let host = hosts.get(&raw_unit.host);
        for (at, container) in raw_unit.dockers.iter().enumerate() {
            let container_key = format!("{key}.dockers[{at}]");
            if let Err(message) = check_container_name(container) {
                checker.error(&container_key, message, None);
                continue;
            }
            let Some(host) = host else { continue };
            match seen.get(&(host.identity.clone(), container.as_str())) {
                Some(first) => {
                    let message = format!(
                        "container `{container}` on {} is already defined at {}",
                        raw_unit.host,
                        checker.line_of(first)
                    );
                    checker.error(&container_key, message, None);
                }
                None => {
                    seen.insert((host.identity.clone(), container), container_key);
                }
            }
        }
        let mut unique_groups: Vec<String> = Vec::new();
        for group in groups {
            if !unique_groups.contains(&group) {
                unique_groups.push(group);
            }
        }
        if let Some(host) = host {
            units.push(Unit {
                host: Host {
                    name: raw_unit.host.clone(),
                    endpoint: host.endpoint.clone(),
                    identity: host.identity.clone(),
                },
                containers: raw_unit.dockers.clone(),
                groups: unique_groups,
                core: raw_unit.core,
            });
        }
    }
    units
}

/// Group names appear in labels, CLI arguments and file names, so keep them plain.
fn check_group_name(name: &str) -> Result<(), String> {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if plain {
        Ok(())
    } else {
        Err(format!(
            "group name `{name}` may use only a-z A-Z 0-9 _ - ."
        ))
    }
}

fn check_groups(raw: RawInventory, base_dir: &Path, checker: &mut Checker) -> Vec<Group> {
    let mut names: Vec<(String, Option<Location>)> = Vec::new();
    let mut known: HashSet<String> = HashSet::new();
    for (index, unit) in raw.units.iter().enumerate() {
        for name in unit.group.clone().into_vec() {
            if known.insert(name.clone()) {
                names.push((name, checker.location(&format!("units[{index}].group"))));
            }
        }
    }
    let unused: Vec<(&str, &String)> = [
        ("images", raw.images.keys().collect::<Vec<_>>()),
        ("groups", raw.groups.keys().collect()),
    ]
    .into_iter()
    .flat_map(|(section, keys)| keys.into_iter().map(move |name| (section, name)))
    .filter(|(_, name)| !known.contains(*name))
    .collect();
    let suggester = Suggester::new(names.iter().map(|(name, _)| name.as_str()), unused.len());
    for (section, name) in unused {
        checker.warning(
            &format!("{section}.{name}"),
            format!("no unit is in group `{name}`"),
            suggester.did_you_mean(name),
        );
    }
    // The top-level shorthands and their `defaults` twins mean the same; one must go.
    let twins = [
        (
            "core_cmd",
            raw.core_cmd.is_some() && raw.defaults.core_cmd.is_some(),
        ),
        ("vars", raw.vars.is_some() && raw.defaults.vars.is_some()),
    ];
    for (key, set_twice) in twins {
        if set_twice {
            let first = checker.line_of(key);
            let message = format!("`{key}` is already set at {first}");
            checker.error(
                &format!("defaults.{key}"),
                message,
                Some("keep one of them".into()),
            );
        }
    }
    let top = GroupSettings {
        core_cmd: raw.core_cmd.clone(),
        vars: raw.vars.clone().unwrap_or_default(),
        ..GroupSettings::default()
    };
    let defaults = top.layer(&parse_settings(raw.defaults, "defaults", base_dir, checker));
    let mut sections: BTreeMap<String, GroupSettings> = BTreeMap::new();
    for (name, section) in raw.groups {
        let key = format!("groups.{name}");
        if section.image.is_some() && raw.images.contains_key(&name) {
            let first = checker.line_of(&format!("images.{name}"));
            checker.error(
                &format!("{key}.image"),
                format!("the image of `{name}` is already set at {first}"),
                None,
            );
        }
        let parsed = parse_settings(section, &key, base_dir, checker);
        sections.insert(name, parsed);
    }
    for (name, image) in &raw.images {
        check_image(image, &format!("images.{name}"), checker);
    }
    let no_settings = GroupSettings::default();
    let mut clashes = HashSet::new();
    let groups = names
        .into_iter()
        .map(|(name, defined_at)| {
            let section = sections.get(&name).unwrap_or(&no_settings);
            let mut settings = defaults.layer(section);
            // `images.<group>` sits between the group's own `image` and `defaults.image`.
            if section.image.is_none() {
                if let Some(image) = raw.images.get(&name) {
                    settings.image = Some(image.clone());
                }
            }
            let mut group = settings.into_group(&name, base_dir);
            group.defined_at = defined_at;
            check_templates_outside_volumes(&group, checker);
            check_gate_fits_deadline(&group, section, checker);
            let env_keys = env_keys(&group, section);
            check_secrets_not_in_env(&name, &group.secrets, &env_keys, &mut clashes, checker);
            group
        })
        .collect::<Vec<_>>();
    super::order::check_dependencies(&groups, checker);
    groups
}

/// The key that set each of the group's variables: its own section's, else `defaults`'.
fn env_keys<'a>(group: &'a Group, section: &GroupSettings) -> BTreeMap<&'a str, String> {
    let section_name = |name: &str| {
        if section.env.contains_key(name) {
            format!("groups.{}", group.name)
        } else {
            "defaults".to_string()
        }
    };
    group
        .container
        .env
        .keys()
        .map(|name| (name.as_str(), format!("{}.env.{name}", section_name(name))))
        .collect()
}

/// A container cannot stay up for longer than it is given.
fn check_gate_fits_deadline(group: &Group, section: &GroupSettings, checker: &mut Checker) {
    let policy = &group.rollout;
    if policy.min_healthy <= policy.deadline {
        return;
    }
    // Blame the section that set the longer time; the group's own if it set either.
    let prefix = if section.rollout.min_healthy.is_some() || section.rollout.deadline.is_some() {
        format!("groups.{}", group.name)
    } else {
        "defaults".to_string()
    };
    checker.error(
        &format!("{prefix}.rollout.min_healthy"),
        format!(
            "group {}: min_healthy ({}) is longer than deadline ({}): no container could pass",
            group.name,
            humantime::format_duration(policy.min_healthy),
            humantime::format_duration(policy.deadline)
        ),
        None,
    );
}

/// Deploy stages rendered files under /.jdeploy and hard-links them into place, which
/// cannot reach into a volume: another file system.
fn check_templates_outside_volumes(group: &Group, checker: &mut Checker) {
    let volumes = Volumes::new(group);
    for template in group.all_templates() {
        if let Some(volume) = volumes.holding(&template.dest) {
            // Templates are keyed by their `src`; the problem is their `dest`.
            let key = template.key.as_deref().map_or_else(
                || format!("groups.{}.run_template", group.name),
                |key| format!("{}.dest", key.trim_end_matches(".src")),
            );
            checker.error(
                &key,
                format!(
                    "`{}` is inside the volume mounted at `{}`: group `{}` cannot render into a volume",
                    template.dest, volume.target, group.name
                ),
                Some("render to the container's own file system and link or copy it from your service".into()),
            );
        }
    }
    // Copied files are kept with their release and linked into place the same way.
    for copy in &group.copies {
        if let Some(volume) = volumes.holding(&copy.dest) {
            checker.error(
                &format!("{}.dest", copy.key.trim_end_matches(".src")),
                format!(
                    "`{}` is inside the volume mounted at `{}`: group `{}` cannot copy into a volume",
                    copy.dest, volume.target, group.name
                ),
                Some("copy code to the container's own file system; volumes are for data that outlives releases".into()),
            );
        }
    }
}

/// A group's volumes by their target, so that finding the one holding a path takes a
/// look-up per level of the path rather than a comparison per volume.
struct Volumes<'a> {
    mounts: &'a [Mount],
    /// Target, without trailing slashes, to the first volume mounted there.
    by_target: HashMap<&'a str, usize>,
}

impl<'a> Volumes<'a> {
    fn new(group: &'a Group) -> Self {
        let mounts = &group.container.volumes[..];
        let mut by_target = HashMap::new();
        for (index, volume) in mounts.iter().enumerate() {
            by_target
                .entry(volume.target.trim_end_matches('/'))
                .or_insert(index);
        }
        Self { mounts, by_target }
    }

    /// The first volume, in the order the group lists them, mounted at `dest` or at a
    /// directory above it.
    fn holding(&self, dest: &str) -> Option<&'a Mount> {
        let dest = dest.trim_end_matches('/');
        let above = dest.match_indices('/').map(|(at, _)| &dest[..at]);
        above
            .chain([dest])
            .filter_map(|target| self.by_target.get(target).copied())
            .min()
            .map(|index| &self.mounts[index])
    }
}
