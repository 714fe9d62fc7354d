//! How a unit's `host` is reached: a bare address, or a full Docker endpoint.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::path::PathBuf;

use serde::Serialize;

/// Docker's registered port for the API over TLS, used when an `https://` host names none.
pub const DOCKER_TLS_PORT: u16 = 2376;

/// A parsed `host` value, before TLS material is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Tcp {
        host: String,
        port: u16,
        https: bool,
    },
    Unix(PathBuf),
}

/// Client certificate, key and the CA that signed the engine's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Check the engine's certificate against `ca` (Docker's `--tlsverify`).
    pub verify: bool,
    /// The groups.yaml key that configured it; none when it comes from the environment.
    #[serde(skip)]
    pub configured_at: Option<String>,
}

/// Where jdeploy sends a host's Docker API calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "transport", rename_all = "lowercase")]
pub enum Endpoint {
    Tcp {
        host: String,
        port: u16,
        tls: Option<Tls>,
    },
    Unix {
        path: PathBuf,
    },
}

impl Endpoint {
    /// True when the API travels only inside this machine.
    pub fn is_local(&self) -> bool {
        match self {
            Endpoint::Unix { .. } => true,
            Endpoint::Tcp { host, .. } => is_loopback(host),
        }
    }

    pub fn tls(&self) -> Option<&Tls> {
        match self {
            Endpoint::Tcp { tls, .. } => tls.as_ref(),
            Endpoint::Unix { .. } => None,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix { path } => write!(f, "unix://{}", path.display()),
            Endpoint::Tcp { host, port, tls } => {
                let scheme = if tls.is_some() { "https" } else { "tcp" };
                if host.contains(':') {
                    write!(f, "{scheme}://[{host}]:{port}")
                } else {
                    write!(f, "{scheme}://{host}:{port}")
                }
            }
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Address {
    /// What makes two spellings the same engine: `host:port` (host lower-cased) or the socket
    /// path. The scheme is left out, so `h` and `https://h:2375` collide as they should.
    pub fn identity(&self) -> String {
        match self {
            Address::Tcp { host, port, .. } => format!("{host}:{port}"),
            Address::Unix(path) => path.display().to_string(),
        }
    }
}

/// Parses `172.16.100.51`, `node1:2375`, `tcp://...`, `https://...` or `unix:///path`.
/// Bare addresses use `default_port`; the error says what is wrong with the value.
pub fn parse_address(value: &str, default_port: u16) -> Result<Address, String> {
    if value.is_empty() {
        return Err("host is empty".into());
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "host {value:?} contains spaces or control characters"
        ));
    }
    if let Some(path) = value.strip_prefix("unix://") {
        return if path.starts_with('/') && path.len() > 1 {
            Ok(Address::Unix(PathBuf::from(path)))
        } else {
            Err(format!(
                "unix socket path `{path}` must be absolute, as in unix:///var/run/docker.sock"
            ))
        };
    }
    if let Some(zone) = zone_id(value) {
        return Err(format!(
            "`{value}`: zone ids ({zone}) are not supported; use the address without it"
        ));
    }
    if value.parse::<Ipv6Addr>().is_ok() {
        check_host(value).map_err(|reason| format!("`{value}` {reason}"))?;
        return Ok(tcp(value, default_port, false));
    }
    let scheme = value
        .split_once("://")
        .map(|(scheme, rest)| (scheme.to_ascii_lowercase(), rest));
    let (url, https) = match scheme
        .as_ref()
        .map(|(scheme, rest)| (scheme.as_str(), *rest))
    {
        None => (url::Url::parse(&format!("tcp://{value}")), false),
        Some(("tcp", rest)) => (url::Url::parse(&format!("tcp://{rest}")), false),
        Some(("https", rest)) => (url::Url::parse(&format!("tcp://{rest}")), true),
        Some((scheme, _)) => {
            return Err(format!(
                "unsupported scheme `{scheme}://`; use a bare address, tcp://, https:// or unix://"
            ))
        }
    };
    let url = url.map_err(|err| format!("`{value}` is not a usable address: {err}"))?;
    let only_host_and_port = matches!(url.path(), "" | "/")
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !only_host_and_port {
        return Err(format!("`{value}` must be only a host and a port"));
    }
    let host = url.host_str().unwrap_or_default();
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    check_host(&host).map_err(|reason| format!("`{value}` {reason}"))?;
    let port = url
        .port()
        .unwrap_or(if https { DOCKER_TLS_PORT } else { default_port });
    if port == 0 {
        return Err(format!("`{value}`: port 0 cannot be connected to"));
    }
    Ok(tcp(&host, port, https))
}

/// An IP address, or a DNS name whose labels are letters, digits, `-` and `_`.
fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("names no host".into());
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return check_ip(ip.to_canonical());
    }
    if host
        .split('.')
        .all(|label| label.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("is not a valid IP address".into());
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if host.split('.').all(label_ok) {
        Ok(())
    } else {
        Err("is not a valid host name or IP address".into())
    }
}

/// Addresses a client can be configured with but that name no single engine.
fn check_ip(ip: IpAddr) -> Result<(), String> {
    let what = match ip {
        ip if ip.is_unspecified() => "the unspecified address (\"any interface\")",
        IpAddr::V4(v4) if v4.is_broadcast() => "the broadcast address",
        ip if ip.is_multicast() => "a multicast address",
        _ => return Ok(()),
    };
    Err(format!(
        "is {what}, not an engine's address; use an address the engine listens on"
    ))
}

/// The `%zone` of an IPv6 literal such as `fe80::1%eth0` or `[fe80::1%25eth0]:2375`.
fn zone_id(value: &str) -> Option<&str> {
    let rest = value.split_once("://").map_or(value, |(_, rest)| rest);
    let rest = rest.strip_prefix('[').unwrap_or(rest);
    let at = rest.find('%')?;
    rest[..at].parse::<Ipv6Addr>().ok()?;
    let zone = &rest[at..];
    Some(zone.split(']').next().unwrap_or(zone))
}

/// IP addresses in canonical form and names lower-cased, so `::1`, `0:0:0:0:0:0:0:1` and
/// `[::1]` are one engine, for identity and for finding `hosts.<host>` settings.
fn canonical_host(host: &str) -> String {
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.to_canonical().to_string(),
        Err(_) => host.to_ascii_lowercase(),
    }
}

fn tcp(host: &str, port: u16, https: bool) -> Address {
    Address::Tcp {
        host: canonical_host(host),
        port,
        https,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp_address(host: &str, port: u16, https: bool) -> Result<Address, String> {
        Ok(tcp(host, port, https))
    }

    #[test]
    fn a_bare_address_uses_the_default_port() {
        assert_eq!(
            parse_address("172.16.100.51", 2375),
            tcp_address("172.16.100.51", 2375, false)
        );
        assert_eq!(
            parse_address("node-1.example", 4243),
            tcp_address("node-1.example", 4243, false)
        );
    }

    #[test]
    fn a_bare_address_may_carry_a_port() {
        assert_eq!(
            parse_address("127.0.0.2:2380", 2375),
            tcp_address("127.0.0.2", 2380, false)
        );
        assert_eq!(
            parse_address("[::1]:2380", 2375),
            tcp_address("::1", 2380, false)
        );
        assert_eq!(parse_address("::1", 2375), tcp_address("::1", 2375, false));
    }

    #[test]
    fn full_endpoints_keep_their_scheme() {
        assert_eq!(
            parse_address("tcp://127.0.0.2:2375", 1),
            tcp_address("127.0.0.2", 2375, false)
        );
        assert_eq!(
            parse_address("https://10.0.0.5", 1),
            tcp_address("10.0.0.5", 2376, true)
        );
        assert_eq!(
            parse_address("unix:///var/run/docker.sock", 1),
            Ok(Address::Unix("/var/run/docker.sock".into()))
        );
    }

    #[test]
    fn rejects_unusable_values() {
        let cases = [
            ("", "host is empty"),
            ("ssh://root@h", "unsupported scheme `ssh://`; use a bare address, tcp://, https:// or unix://"),
            ("unix://run/docker.sock", "unix socket path `run/docker.sock` must be absolute, as in unix:///var/run/docker.sock"),
            ("tcp://h:99999", "`tcp://h:99999` is not a usable address: invalid port number"),
            ("tcp://h:2375/api", "`tcp://h:2375/api` must be only a host and a port"),
            ("bad host!", "host \"bad host!\" contains spaces or control characters"),
            ("bad<host", "`bad<host` is not a usable address: invalid domain character"),
            ("tcp://", "`tcp://` names no host"),
            ("999.1.1.1", "`999.1.1.1` is not a valid IP address"),
            ("tcp://h:2375#x", "`tcp://h:2375#x` must be only a host and a port"),
            ("tcp://u:pw@h", "`tcp://u:pw@h` must be only a host and a port"),
            ("h:0", "`h:0`: port 0 cannot be connected to"),
            ("unix:///", "unix socket path `/` must be absolute, as in unix:///var/run/docker.sock"),
            ("unix:///x\ntouch /tmp/x", "host \"unix:///x\\ntouch /tmp/x\" contains spaces or control characters"),
            ("-bad.example", "`-bad.example` is not a valid host name or IP address"),
            ("fe80::1%eth0", "`fe80::1%eth0`: zone ids (%eth0) are not supported; use the address without it"),
            ("tcp://[fe80::1%25eth0]:2375", "`tcp://[fe80::1%25eth0]:2375`: zone ids (%25eth0) are not supported; use the address without it"),
            ("0.0.0.0", "`0.0.0.0` is the unspecified address (\"any interface\"), not an engine's address; use an address the engine listens on"),
            ("::", "`::` is the unspecified address (\"any interface\"), not an engine's address; use an address the engine listens on"),
            ("tcp://[::]:2375", "`tcp://[::]:2375` is the unspecified address (\"any interface\"), not an engine's address; use an address the engine listens on"),
            ("255.255.255.255", "`255.255.255.255` is the broadcast address, not an engine's address; use an address the engine listens on"),
            ("224.0.0.1", "`224.0.0.1` is a multicast address, not an engine's address; use an address the engine listens on"),
            ("ff02::1", "`ff02::1` is a multicast address, not an engine's address; use an address the engine listens on"),
        ];
        for (value, expected) in cases {
            assert_eq!(
                parse_address(value, 2375),
                Err(expected.to_string()),
                "{value}"
            );
        }
    }

    #[test]
    fn spellings_of_one_engine_share_an_identity() {
        let identity = |value| parse_address(value, 2375).unwrap().identity();
        assert_eq!(identity("Node1"), identity("tcp://node1:2375"));
        assert_eq!(identity("10.0.0.5"), identity("https://10.0.0.5:2375"));
        assert_eq!(identity("10.0.0.5"), identity("TCP://10.0.0.5"));
        assert_ne!(identity("10.0.0.5"), identity("10.0.0.5:2376"));
        assert_eq!(identity("::1"), identity("0:0:0:0:0:0:0:1"));
        assert_eq!(identity("::1"), identity("[::1]"));
        assert_eq!(identity("::1"), identity("tcp://[0:0::1]:2375"));
        assert_eq!(identity("FE80::A"), identity("fe80:0::a"));
        assert_eq!(identity("::ffff:10.0.0.5"), identity("10.0.0.5"));
    }

    #[test]
    fn displays_as_a_docker_host_url() {
        let plain = Endpoint::Tcp {
            host: "127.0.0.2".into(),
            port: 2375,
            tls: None,
        };
        assert_eq!(plain.to_string(), "tcp://127.0.0.2:2375");
        let v6 = Endpoint::Tcp {
            host: "::1".into(),
            port: 2375,
            tls: None,
        };
        assert_eq!(v6.to_string(), "tcp://[::1]:2375");
        assert!(plain.is_local() && v6.is_local());
        let remote = Endpoint::Tcp {
            host: "10.1.2.3".into(),
            port: 2375,
            tls: None,
        };
        assert!(!remote.is_local());
    }
}
