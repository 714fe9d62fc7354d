//! Each unit's `host` resolved to an endpoint: bare address or full endpoint, with TLS
//! from `hosts.<host>.tls` or Docker's environment variables.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::checker::Checker;
use super::endpoint::{parse_address, Address, Endpoint, Tls};
use super::model::resolve;
use super::raw::{RawHost, RawInventory, RawTls};
use super::suggest::Suggester;
use super::validate::LoadOptions;

/// A `host` value as resolved.
#[derive(Debug, Clone)]
pub struct ResolvedHost {
    pub endpoint: Endpoint,
    /// The same for every spelling of one engine (see `Address::identity`).
    pub identity: String,
}

/// Resolves every distinct `host` value units use; unusable ones become errors and are left
/// out of the map.
pub fn resolve_hosts(
    raw: &RawInventory,
    default_port: u16,
    base_dir: &Path,
    options: &LoadOptions,
    checker: &mut Checker,
) -> HashMap<String, ResolvedHost> {
    let configured = configured_hosts(raw, default_port, checker);
    let mut resolved: HashMap<String, ResolvedHost> = HashMap::new();
    for (index, unit) in raw.units.iter().enumerate() {
        if resolved.contains_key(&unit.host) {
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
        let identity = address.identity();
        let host_settings = configured.get(&identity);
        let endpoint = match endpoint(address, host_settings.copied(), base_dir, options) {
            Ok(endpoint) => endpoint,
            Err(message) => {
                let at = match host_settings {
                    Some((name, host)) if host.tls.is_some() => format!("hosts.{name}.tls"),
                    _ => key,
                };
                checker.error(&at, message, None);
                continue;
            }
        };
        if !endpoint.is_local() && endpoint.tls().is_none() {
            checker.warning(
                &key,
                format!(
                    "{endpoint} is plain tcp: the Docker API there is unauthenticated, and anyone who can reach it controls the engine"
                ),
                Some(format!(
                    "use https:// with `hosts.{}.tls`, or DOCKER_TLS_VERIFY and DOCKER_CERT_PATH",
                    unit.host
                )),
            );
        }
        resolved.insert(unit.host.clone(), ResolvedHost { endpoint, identity });
    }
    let used: HashSet<&str> = resolved
        .values()
        .map(|host| host.identity.as_str())
        .collect();
    let mut unused: Vec<&str> = configured
        .iter()
        .filter(|(identity, _)| !used.contains(identity.as_str()))
        .map(|(_, (name, _))| *name)
        .collect();
    unused.sort_by_cached_key(|name| checker.location(&format!("hosts.{name}")).map(|at| at.line));
    let suggester = Suggester::new(
        raw.units.iter().map(|unit| unit.host.as_str()),
        unused.len(),
    );
    for name in unused {
        checker.warning(
            &format!("hosts.{name}"),
            format!("no unit uses host `{name}`"),
            suggester.did_you_mean(name),
        );
    }
    resolved
}

/// `hosts:` entries by engine identity, so any spelling of a host finds its settings.
fn configured_hosts<'a>(
    raw: &'a RawInventory,
    default_port: u16,
    checker: &mut Checker,
) -> HashMap<String, (&'a str, &'a RawHost)> {
    let mut configured: HashMap<String, (&str, &RawHost)> = HashMap::new();
    for (name, host) in &raw.hosts {
        let key = format!("hosts.{name}");
        match parse_address(name, default_port) {
            Err(message) => checker.error(&key, message, None),
            Ok(address) => match configured.get(&address.identity()) {
                Some((first, _)) => {
                    let message = format!(
                        "`{name}` is the same engine as `{first}` at {}",
                        checker.line_of(&format!("hosts.{first}"))
                    );
                    checker.error(&key, message, None);
                }
                None => {
                    configured.insert(address.identity(), (name.as_str(), host));
                }
            },
        }
    }
    configured
}

fn endpoint(
    address: Address,
    configured: Option<(&str, &RawHost)>,
    base_dir: &Path,
    options: &LoadOptions,
) -> Result<Endpoint, String> {
    let (host, port, https) = match address {
        Address::Unix(path) => return Ok(Endpoint::Unix { path }),
        Address::Tcp { host, port, https } => (host, port, https),
    };
    let tls = match configured.and_then(|(name, host)| Some((name, host.tls.as_ref()?))) {
        Some((name, tls)) => Some(tls_files(tls, base_dir, format!("hosts.{name}.tls"))?),
        None if https || options.docker_tls_verify => match &options.docker_cert_path {
            Some(dir) => Some(tls_in(dir)),
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

/// Docker's file names inside a certificate folder.
fn tls_in(dir: &Path) -> Tls {
    Tls {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
        verify: true,
        configured_at: None,
    }
}

/// Explicit files win over `cert_path`.
fn tls_files(raw: &RawTls, base_dir: &Path, configured_at: String) -> Result<Tls, String> {
    let from_dir = raw
        .cert_path
        .as_deref()
        .map(|dir| tls_in(&resolve(base_dir, dir)));
    let pick = |explicit: &Option<String>, fallback: Option<PathBuf>, field: &str| {
        explicit
            .as_deref()
            .map(|path| resolve(base_dir, path))
            .or(fallback)
            .ok_or_else(|| {
                format!("TLS needs `{field}` (or `cert_path`, a folder with ca.pem, cert.pem and key.pem)")
            })
    };
    if raw.verify == Some(false) {
        return Err(
            "`verify: false` is not supported: jdeploy always checks the engine's certificate against `ca`"
                .to_string(),
        );
    }
    Ok(Tls {
        ca: pick(&raw.ca, from_dir.as_ref().map(|tls| tls.ca.clone()), "ca")?,
        cert: pick(
            &raw.cert,
            from_dir.as_ref().map(|tls| tls.cert.clone()),
            "cert",
        )?,
        key: pick(
            &raw.key,
            from_dir.as_ref().map(|tls| tls.key.clone()),
            "key",
        )?,
        verify: raw.verify.unwrap_or(true),
        configured_at: Some(configured_at),
    })
}
