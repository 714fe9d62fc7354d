//! Opening a client for a host: plain tcp, TLS with client certificates, or a unix socket.

use std::time::Duration;

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard};

use bollard::{BollardRequest, Docker, API_DEFAULT_VERSION};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::{Connection, HttpConnector};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::counted::Counting;
use super::docker::{DockerEngine, KeptConnections};
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
    /// Connections kept open for the next request to the host (tcp and TLS).
    pub idle_per_host: usize,
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
    let (client, kept) = client_for(&host.endpoint, seconds, options.idle_per_host)
        .map_err(|err| unreachable(err.to_string()))?;
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
    let client = client.with_timeout(Duration::from_secs(options.request_timeout));
    Ok(DockerEngine::new(client).keeping(kept))
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

/// The client, and (over tcp) the connections it keeps for the next request.
fn client_for(
    endpoint: &Endpoint,
    timeout: u64,
    idle: usize,
) -> Result<(Docker, Option<KeptConnections>), bollard::errors::Error> {
    match endpoint {
        Endpoint::Unix { path } => {
            Docker::connect_with_unix(&path.to_string_lossy(), timeout, API_DEFAULT_VERSION)
                .map(|client| (client, None))
        }
        Endpoint::Tcp { host, port, tls } => {
            let address = if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            };
            match tls {
                None => connect_http(&address, timeout, idle),
                Some(tls) => connect_tls(&address, tls, timeout, idle),
            }
        }
    }
}

/// Plain tcp through a pooling client: bollard's own opens a connection per request.
fn connect_http(
    address: &str,
    timeout: u64,
    idle: usize,
) -> Result<(Docker, Option<KeptConnections>), bollard::errors::Error> {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    pooled(http, format!("http://{address}"), timeout, idle)
}

/// A client keeping up to `idle` connections open to the engine between requests.
fn pooled<C>(
    connector: C,
    base: String,
    timeout: u64,
    idle: usize,
) -> Result<(Docker, Option<KeptConnections>), bollard::errors::Error>
where
    C: tower_service::Service<hyper::Uri> + Clone + Send + Sync + 'static,
    C::Future: Send + 'static,
    C::Response: hyper::rt::Read + hyper::rt::Write + Connection + Unpin + Send + 'static,
    C::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let open = Arc::new(AtomicUsize::new(0));
    let connector = Counting::new(connector, Arc::clone(&open));
    let build = move || {
        Arc::new(
            Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(idle)
                .pool_idle_timeout(Duration::from_secs(30))
                .build(connector.clone()),
        )
    };
    let current = Arc::new(Mutex::new(build()));
    // Closing the kept connections is starting over with a new client: the old one's
    // pool goes, and with it every connection not in use.
    let kept = KeptConnections::new(
        {
            let current = Arc::clone(&current);
            move || *lock(&current) = build()
        },
        open,
    );
    let client = Docker::connect_with_custom_transport(
        move |request: BollardRequest| {
            let client = Arc::clone(&lock(&current));
            async move {
                client
                    .request(request)
                    .await
                    .map_err(bollard::errors::Error::from)
            }
        },
        Some(base),
        timeout,
        API_DEFAULT_VERSION,
    )?;
    Ok((client, Some(kept)))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The engine's certificate is always checked, against the configured CA only, as
/// `docker --tlsverify` does: a certificate the system's authorities would vouch for is
/// not enough. The inventory refuses `verify: false`.
fn connect_tls(
    address: &str,
    tls: &Tls,
    timeout: u64,
    idle: usize,
) -> Result<(Docker, Option<KeptConnections>), bollard::errors::Error> {
    let config = tls_config(tls).map_err(|message| bollard::errors::Error::IOError {
        err: std::io::Error::other(message),
    })?;
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    let https = HttpsConnector::from((http, config));
    pooled(https, format!("https://{address}"), timeout, idle)
}

/// Trusts the configured CA and nothing else, and presents the client certificate.
fn tls_config(tls: &Tls) -> Result<rustls::ClientConfig, String> {
    let read = |path: &std::path::Path, what: &str| {
        CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|err| format!("cannot read the {what} {}: {err}", path.display()))
    };
    let mut roots = rustls::RootCertStore::empty();
    for ca in read(&tls.ca, "CA certificate")? {
        roots
            .add(ca)
            .map_err(|err| format!("the CA certificate {} is unusable: {err}", tls.ca.display()))?;
    }
    let certs = read(&tls.cert, "client certificate")?;
    let key = PrivateKeyDer::from_pem_file(&tls.key)
        .map_err(|err| format!("cannot read the client key {}: {err}", tls.key.display()))?;
    rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_client_auth_cert(certs, key)
        .map_err(|err| format!("the client certificate and key do not go together: {err}"))
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
