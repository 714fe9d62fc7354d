//! How a group's containers are created: command, ports, env, volumes, restart policy, labels.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// The command containers run when none is configured: `/run.sh`, once deploy has written
/// it. Until then the container waits, rather than failing and being restarted in a loop,
/// and stops at once when deploy restarts it.
pub const DEFAULT_COMMAND: [&str; 3] = [
    "sh",
    "-c",
    "trap 'exit 0' TERM; while [ ! -e /run.sh ]; do sleep 1; done; exec sh /run.sh",
];
/// Seconds Docker waits after SIGTERM before SIGKILL, as `docker stop` does.
pub const DEFAULT_STOP_TIMEOUT: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerSpec {
    pub command: Vec<String>,
    pub ports: Vec<PortBinding>,
    pub env: BTreeMap<String, String>,
    pub volumes: Vec<Mount>,
    pub restart: RestartPolicy,
    pub stop_timeout: u32,
    pub labels: BTreeMap<String, String>,
    /// Docker's health check, if the group has one.
    pub health: Option<super::gates::HealthCheck>,
}

/// `[IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]`, as `docker run -p` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortBinding {
    pub host_ip: Option<String>,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: String,
}

/// `SOURCE:TARGET[:ro|rw]`: a host path or a named volume, mounted at an absolute path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    pub source: String,
    pub target: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "name", rename_all = "kebab-case")]
pub enum RestartPolicy {
    No,
    Always,
    UnlessStopped,
    OnFailure { max_retries: Option<u32> },
}

pub const RESTART_POLICIES: [&str; 4] = ["no", "always", "unless-stopped", "on-failure"];

impl fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestartPolicy::No => f.write_str("no"),
            RestartPolicy::Always => f.write_str("always"),
            RestartPolicy::UnlessStopped => f.write_str("unless-stopped"),
            RestartPolicy::OnFailure { max_retries: None } => f.write_str("on-failure"),
            RestartPolicy::OnFailure {
                max_retries: Some(n),
            } => write!(f, "on-failure:{n}"),
        }
    }
}

pub fn parse_restart(value: &str) -> Result<RestartPolicy, String> {
    let (name, retries) = match value.split_once(':') {
        Some((name, retries)) => (name, Some(retries)),
        None => (value, None),
    };
    match (name, retries) {
        ("no", None) => Ok(RestartPolicy::No),
        ("always", None) => Ok(RestartPolicy::Always),
        ("unless-stopped", None) => Ok(RestartPolicy::UnlessStopped),
        ("on-failure", None) => Ok(RestartPolicy::OnFailure { max_retries: None }),
        ("on-failure", Some(n)) => n
            .parse()
            .map(|n| RestartPolicy::OnFailure {
                max_retries: Some(n),
            })
            .map_err(|_| {
                format!("`{n}` is not a retry count; write on-failure:N, as in on-failure:5")
            }),
        _ => Err(format!("unknown restart policy `{value}`")),
    }
}

pub fn parse_port(value: &str) -> Result<PortBinding, String> {
    let invalid = || {
        format!("`{value}` is not a port mapping; write [IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp|sctp], as in 8080:80")
    };
    let (ports, protocol) = value.split_once('/').unwrap_or((value, "tcp"));
    if !matches!(protocol, "tcp" | "udp" | "sctp") {
        return Err(format!(
            "unknown protocol `{protocol}` in `{value}`; use tcp, udp or sctp"
        ));
    }
    let (rest, container_port) = ports.rsplit_once(':').ok_or_else(invalid)?;
    let (host_ip, host_port) = match rest.rsplit_once(':') {
        Some((ip, port)) => (Some(ip.trim_start_matches('[').trim_end_matches(']')), port),
        None => (None, rest),
    };
    if host_ip.is_some_and(|ip| ip.parse::<std::net::IpAddr>().is_err()) {
        return Err(invalid());
    }
    let port = |text: &str| text.parse::<u16>().ok().filter(|port| *port > 0);
    Ok(PortBinding {
        host_ip: host_ip.map(str::to_string),
        host_port: port(host_port).ok_or_else(invalid)?,
        container_port: port(container_port).ok_or_else(invalid)?,
        protocol: protocol.to_string(),
    })
}

pub fn parse_mount(value: &str) -> Result<Mount, String> {
    let invalid = || {
        format!("`{value}` is not a volume; write SOURCE:TARGET[:ro|rw], as in /srv/data:/data:ro")
    };
    let parts: Vec<&str> = value.split(':').collect();
    let (source, target, read_only) = match parts.as_slice() {
        [source, target] => (*source, *target, false),
        [source, target, "ro"] => (*source, *target, true),
        [source, target, "rw"] => (*source, *target, false),
        _ => return Err(invalid()),
    };
    if source.is_empty() {
        return Err(invalid());
    }
    if !target.starts_with('/') {
        return Err(format!(
            "volume target `{target}` must be an absolute path inside the container"
        ));
    }
    Ok(Mount {
        source: source.to_string(),
        target: target.to_string(),
        read_only,
    })
}

/// Docker's own rule for container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
pub fn check_container_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if name.len() >= 2 && first_ok && rest_ok {
        Ok(())
    } else {
        Err(format!(
            "container name `{name}` is refused by Docker: use two or more of a-z A-Z 0-9 _ . - starting with a letter or digit"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_restart_policies() {
        assert_eq!(
            parse_restart("unless-stopped"),
            Ok(RestartPolicy::UnlessStopped)
        );
        assert_eq!(
            parse_restart("on-failure:5"),
            Ok(RestartPolicy::OnFailure {
                max_retries: Some(5)
            })
        );
        assert_eq!(
            parse_restart("on-failure:5").unwrap().to_string(),
            "on-failure:5"
        );
        assert!(parse_restart("sometimes").is_err());
        assert!(parse_restart("on-failure:x").is_err());
    }

    #[test]
    fn parses_port_mappings() {
        let binding = parse_port("127.0.0.1:8080:80/udp").unwrap();
        assert_eq!(binding.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!((binding.host_port, binding.container_port), (8080, 80));
        assert_eq!(binding.protocol, "udp");
        assert_eq!(parse_port("8080:80").unwrap().protocol, "tcp");
        for bad in ["80", "x:80", "0:80", "8080:80/icmp", "nope:8080:80"] {
            assert!(parse_port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_mounts() {
        let mount = parse_mount("/srv/data:/data:ro").unwrap();
        assert_eq!(
            (
                mount.source.as_str(),
                mount.target.as_str(),
                mount.read_only
            ),
            ("/srv/data", "/data", true)
        );
        assert!(!parse_mount("cache:/cache").unwrap().read_only);
        for bad in ["/data", ":/data", "/a:data", "/a:/b:rx"] {
            assert!(parse_mount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn follows_dockers_container_name_rule() {
        for good in ["jl_core_51_1", "web.1", "A-b", "x9"] {
            assert!(check_container_name(good).is_ok(), "{good}");
        }
        for bad in ["", "a", "_web", "-web", "web 1", "web/1", "wéb"] {
            assert!(check_container_name(bad).is_err(), "{bad}");
        }
    }
}
