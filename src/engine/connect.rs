//! Opening a client for a host: plain tcp, TLS with client certificates, or a unix socket.

use std::time::Duration;

use bollard::{Docker, API_DEFAULT_VERSION};

use super::docker::DockerEngine;
use super::error::EngineError;
use super::Connector;
use crate::inventory::endpoint::{Endpoint, Tls};
use crate::inventory::Host;

#[derive(Debug, Clone, Copy)]
pub struct ConnectOptions {
    /// How long a host may take to answer its first request (`connection.timeout`).
    pub connect_timeout: u32,
    /// How long any later request may take; restarts wait for the stop timeout first.
    pub request_timeout: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct DockerConnector(pub ConnectOptions);

impl Connector for DockerConnector {
    type Engine = DockerEngine;

    async fn connect(&self, host: &Host) -> Result<DockerEngine, EngineError> {
        connect(host, self.0).await
    }
}

/// Connects and agrees on an API version within the connect timeout, so an unreachable
/// host fails in seconds whatever the transport.
pub async fn connect(host: &Host, options: ConnectOptions) -> Result<DockerEngine, EngineError> {
    let endpoint = host.endpoint.to_string();
    let unreachable = |cause: String| EngineError::Unreachable {
        endpoint: endpoint.clone(),
        cause,
    };
    let seconds = u64::from(options.connect_timeout);
    let client = client_for(&host.endpoint, seconds).map_err(|err| unreachable(err.to_string()))?;
    let negotiated =
        tokio::time::timeout(Duration::from_secs(seconds), client.negotiate_version()).await;
    let client = match negotiated {
        Err(_) | Ok(Err(bollard::errors::Error::RequestTimeoutError)) => {
            return Err(EngineError::ConnectTimeout {
                endpoint,
                seconds: options.connect_timeout,
            })
        }
        Ok(Err(err)) => return Err(unreachable(cause(&err))),
        Ok(Ok(client)) => client,
    };
    Ok(DockerEngine::new(client.with_timeout(Duration::from_secs(
        options.request_timeout,
    ))))
}

/// This machine's own engine: `DOCKER_HOST`, else the default socket.
pub async fn connect_local() -> Result<DockerEngine, EngineError> {
    let endpoint =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let unreachable = |cause: String| EngineError::Unreachable {
        endpoint: endpoint.clone(),
        cause,
    };
    let client = Docker::connect_with_defaults().map_err(|err| unreachable(cause(&err)))?;
    let negotiated = tokio::time::timeout(Duration::from_secs(10), client.negotiate_version())
        .await
        .map_err(|_| unreachable("no answer within 10s".into()))?
        .map_err(|err| unreachable(cause(&err)))?;
    Ok(DockerEngine::new(
        negotiated.with_timeout(Duration::from_secs(3600)),
    ))
}

fn client_for(endpoint: &Endpoint, timeout: u64) -> Result<Docker, bollard::errors::Error> {
    match endpoint {
        Endpoint::Unix { path } => {
            Docker::connect_with_unix(&path.to_string_lossy(), timeout, API_DEFAULT_VERSION)
        }
        Endpoint::Tcp { host, port, tls } => {
            let address = if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            };
            match tls {
                None => Docker::connect_with_http(&address, timeout, API_DEFAULT_VERSION),
                Some(tls) => connect_tls(&address, tls, timeout),
            }
        }
    }
}

/// The engine's certificate is always checked; the inventory refuses `verify: false`.
fn connect_tls(address: &str, tls: &Tls, timeout: u64) -> Result<Docker, bollard::errors::Error> {
    Docker::connect_with_ssl(
        address,
        &tls.key,
        &tls.cert,
        &tls.ca,
        timeout,
        API_DEFAULT_VERSION,
    )
}

/// The innermost cause, which names what went wrong ("Connection refused"), rather
/// than hyper's outer "client error (Connect)".
pub(super) fn cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = err;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let text = innermost.to_string();
    text.split(" (os error").next().unwrap_or(&text).to_string()
}
