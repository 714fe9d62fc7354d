//! Turns the text of groups.yaml into an `Inventory`, or into every error it holds.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::checker::Checker;
use super::container::check_container_name;
use super::diagnostic::{Diagnostic, Diagnostics, Location};
use super::endpoint::{parse_address, Address, Endpoint, Tls};
use super::model::{resolve, Connection, Group, Host, Inventory, Unit};
use super::raw::{RawHost, RawInventory, RawTls};
use super::settings::{parse_settings, Settings};
use super::source_map::SourceMap;
use super::suggest::{did_you_mean, unknown_key};

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
    let raw: RawInventory = serde_yaml::from_str(text).map_err(|err| {
        let is_syntax = serde_yaml::from_str::<serde_yaml::Value>(text).is_err();
        Diagnostics(vec![serde_diagnostic(file, &err, is_syntax)])
    })?;
    let mut checker = Checker::new(file, SourceMap::parse(text));
    let connection = check_connection(&raw, &mut checker);
    let hosts = check_hosts(&raw, connection.port, base_dir, options, &mut checker);
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
    Ok(Inventory {
        file: file.to_path_buf(),
        base_dir: base_dir.to_path_buf(),
        units,
        groups,
        connection,
        warnings: diagnostics,
        source_map,
    })
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
    Connection {
        port: raw.connection.port.unwrap_or(defaults.port),
        timeout_secs: positive("timeout", raw.connection.timeout, defaults.timeout_secs),
        parallel: positive("parallel", raw.connection.parallel, defaults.parallel),
    }
}

/// Resolves every distinct `host` value to an endpoint; unusable ones become errors.
fn check_hosts(
    raw: &RawInventory,
    default_port: u16,
    base_dir: &Path,
    options: &LoadOptions,
    checker: &mut Checker,
) -> HashMap<String, Endpoint> {
    let mut endpoints = HashMap::new();
    for (index, unit) in raw.units.iter().enumerate() {
        if endpoints.contains_key(&unit.host) {
            continue;
        }
        let key = format!("units[{index}].host");
        let address = match parse_address(&unit.host, default_port) {
            Ok(address) => address,
            Err(message) => {
                checker.error(&key, message, None);
                continue;
            }
        };
        let configured = raw.hosts.get(&unit.host);
        let tls_key = format!("hosts.{}.tls", unit.host);
        let endpoint = match endpoint(address, configured, base_dir, options) {
            Ok(endpoint) => endpoint,
            Err(message) => {
                let at = if configured.is_some_and(|host| host.tls.is_some()) {
                    &tls_key
                } else {
                    &key
                };
                checker.error(at, message, None);
                continue;
            }
        };
        if !endpoint.is_local()
            && endpoint.tls().is_none()
            && matches!(endpoint, Endpoint::Tcp { .. })
        {
            checker.warning(
                &key,
                format!("{endpoint} is plain tcp: the Docker API there is unauthenticated, and anyone who can reach it controls the engine"),
                Some(format!("use https:// with `hosts.{}.tls`, or DOCKER_TLS_VERIFY and DOCKER_CERT_PATH", unit.host)),
            );
        }
        endpoints.insert(unit.host.clone(), endpoint);
    }
    for name in raw.hosts.keys() {
        if !raw.units.iter().any(|unit| &unit.host == name) {
            let help = did_you_mean(name, raw.units.iter().map(|unit| unit.host.as_str()));
            checker.warning(
                &format!("hosts.{name}"),
                format!("no unit uses host `{name}`"),
                help,
            );
        }
    }
    endpoints
}

fn endpoint(
    address: Address,
    configured: Option<&RawHost>,
    base_dir: &Path,
    options: &LoadOptions,
) -> Result<Endpoint, String> {
    let (host, port, https) = match address {
        Address::Unix(path) => return Ok(Endpoint::Unix { path }),
        Address::Tcp { host, port, https } => (host, port, https),
    };
    let tls = match configured.and_then(|host| host.tls.as_ref()) {
        Some(tls) => Some(tls_files(tls, base_dir)?),
        None if https || options.docker_tls_verify => match &options.docker_cert_path {
            Some(dir) => Some(tls_in(dir, true)),
            None => {
                return Err(format!(
                    "{host}:{port} needs TLS material: set `hosts.<host>.tls` or DOCKER_CERT_PATH"
                ))
            }
        },
        None => None,
    };
    Ok(Endpoint::Tcp { host, port, tls })
}

fn tls_in(dir: &Path, verify: bool) -> Tls {
    Tls {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
        verify,
    }
}

/// Explicit files win over `cert_path`, which follows Docker's file names.
fn tls_files(raw: &RawTls, base_dir: &Path) -> Result<Tls, String> {
    let dir = raw.cert_path.as_deref().map(|dir| resolve(base_dir, dir));
    let pick = |explicit: &Option<String>, from_dir: Option<PathBuf>, field: &str| {
        explicit
            .as_deref()
            .map(|path| resolve(base_dir, path))
            .or(from_dir)
            .ok_or_else(|| format!("TLS needs `{field}` (or `cert_path`, a folder with ca.pem, cert.pem and key.pem)"))
    };
    let defaults = dir.as_deref().map(|dir| tls_in(dir, true));
    Ok(Tls {
        ca: pick(&raw.ca, defaults.as_ref().map(|d| d.ca.clone()), "ca")?,
        cert: pick(&raw.cert, defaults.as_ref().map(|d| d.cert.clone()), "cert")?,
        key: pick(&raw.key, defaults.as_ref().map(|d| d.key.clone()), "key")?,
        verify: raw.verify.unwrap_or(true),
    })
}

fn check_units(
    raw: &RawInventory,
    endpoints: &HashMap<String, Endpoint>,
    checker: &mut Checker,
) -> Vec<Unit> {
    let mut units = Vec::new();
    // (endpoint, container) -> the key that first defined it
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
        let endpoint = endpoints.get(&raw_unit.host);
        for (at, container) in raw_unit.dockers.iter().enumerate() {
            let container_key = format!("{key}.dockers[{at}]");
            if let Err(message) = check_container_name(container) {
                checker.error(&container_key, message, None);
                continue;
            }
            let Some(endpoint) = endpoint else { continue };
            match seen.get(&(endpoint.to_string(), container.as_str())) {
                Some(first) => {
                    let message = format!(
                        "container `{container}` on {} is already defined at {}",
                        raw_unit.host,
                        checker.line_of(first)
                    );
                    checker.error(&container_key, message, None);
                }
                None => {
                    seen.insert((endpoint.to_string(), container), container_key);
                }
            }
        }
        let mut unique_groups: Vec<String> = Vec::new();
        for group in groups {
            if !unique_groups.contains(&group) {
                unique_groups.push(group);
            }
        }
        if let Some(endpoint) = endpoint {
            units.push(Unit {
                host: Host {
                    name: raw_unit.host.clone(),
                    endpoint: endpoint.clone(),
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
    for (index, unit) in raw.units.iter().enumerate() {
        for name in unit.group.clone().into_vec() {
            if !names.iter().any(|(known, _)| *known == name) {
                names.push((name, checker.location(&format!("units[{index}].group"))));
            }
        }
    }
    let known = || names.iter().map(|(name, _)| name.as_str());
    for (section, keys) in [
        ("images", raw.images.keys().collect::<Vec<_>>()),
        ("groups", raw.groups.keys().collect()),
    ] {
        for name in keys {
            if !known().any(|known| known == name) {
                let help = did_you_mean(name, known());
                checker.warning(
                    &format!("{section}.{name}"),
                    format!("no unit is in group `{name}`"),
                    help,
                );
            }
        }
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
    let top = Settings {
        core_cmd: raw.core_cmd.clone(),
        vars: raw.vars.clone().unwrap_or_default(),
        ..Settings::default()
    };
    let defaults = top.layer(&parse_settings(raw.defaults, "defaults", base_dir, checker));
    let mut sections: BTreeMap<String, Settings> = BTreeMap::new();
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
    let no_settings = Settings::default();
    names
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
            group
        })
        .collect()
}
