//! `jdeploy serve`: the same application, served. A REST API under `/api/v1` (and its
//! OpenAPI document) whose changing requests run as jobs, and the web dashboard at `/`
//! over the same calls. Every handler is a call into [`crate::app`]: nothing the command
//! line does is written again here.

mod api;
mod auth;
mod coalesce;
mod dashboard;
mod error;
mod frontend;
mod job_store;
mod jobs;
mod state;
mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use crate::app::App;
pub use jobs::{JobState, JobView};
use state::{Server, Shared};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// PEM certificate chain and key: HTTPS instead of HTTP.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// How often the fleet watch looks at every container; zero: it does not.
    pub watch_interval: Duration,
    pub heal: crate::watch::HealPolicy,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS certificate or key: {0}")]
    Tls(std::io::Error),
}

/// Why the server would be unsafe as asked, for the operator to see at start.
pub fn warnings(options: &ServeOptions) -> Vec<String> {
    let mut warnings = Vec::new();
    if options.tls.is_none() && !options.listen.ip().is_loopback() {
        warnings.push(format!(
            "{} is not a loopback address and the server has no TLS (--tls-cert, --tls-key): tokens cross the network in clear",
            options.listen
        ));
    }
    warnings
}

/// Serves until `shutdown` resolves, then stops taking jobs and lets running ones end
/// (each starts nothing more, as after the command line's first Ctrl-C).
pub async fn serve(
    app: App,
    options: ServeOptions,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let store = job_store::JobStore::open(&app.context.state)?;
    let records = crate::history::History::open(&app.context.state)?;
    let mut server = Server::new(app, jobs::Jobs::new(store), records);
    server.secure_cookie = options.tls.is_some();
    let server: Shared = Arc::new(server);
    let router = router(Arc::clone(&server));
    let watching = (!options.watch_interval.is_zero()).then(|| {
        tokio::spawn(watch::run(
            Arc::clone(&server),
            options.watch_interval,
            options.heal,
        ))
    });
    let handle = axum_server::Handle::new();
    let stopping = {
        let handle = handle.clone();
        let server = Arc::clone(&server);
        tokio::spawn(async move {
            shutdown.await;
            // Running jobs finish their batch; requests in flight get their answer.
            server.drain().await;
            handle.graceful_shutdown(Some(Duration::from_secs(10)));
        })
    };
    let listener =
        std::net::TcpListener::bind(options.listen).map_err(|source| ServeError::Listen {
            addr: options.listen,
            source,
        })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| ServeError::Listen {
            addr: options.listen,
            source,
        })?;
    let addr = listener.local_addr().unwrap_or(options.listen);
    let service = router.into_make_service();
    let served = match &options.tls {
        Some((cert, key)) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(ServeError::Tls)?;
            ready(addr);
            axum_server::from_tcp_rustls(listener, config)
                .map_err(|source| ServeError::Listen { addr, source })?
                .handle(handle)
                .serve(service)
                .await
        }
        None => {
            ready(addr);
            axum_server::from_tcp(listener)
                .map_err(|source| ServeError::Listen { addr, source })?
                .handle(handle)
                .serve(service)
                .await
        }
    };
    stopping.abort();
    if let Some(watching) = watching {
        watching.abort();
    }
    served.map_err(|source| ServeError::Listen { addr, source })
}

fn router(server: Shared) -> Router {
    let (api, _) = api::router();
    Router::new()
        .nest("/api/v1", api)
        .merge(dashboard::router())
        .with_state(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(listen: &str, tls: bool) -> ServeOptions {
        ServeOptions {
            listen: listen.parse().unwrap(),
            tls: tls.then(|| (PathBuf::from("cert.pem"), PathBuf::from("key.pem"))),
            watch_interval: Duration::ZERO,
            heal: Default::default(),
        }
    }

    #[test]
    fn only_clear_text_off_loopback_draws_a_warning() {
        assert!(warnings(&options("127.0.0.1:8080", false)).is_empty());
        assert!(warnings(&options("[::1]:8080", false)).is_empty());
        assert!(warnings(&options("0.0.0.0:8443", true)).is_empty());
        let warned = warnings(&options("0.0.0.0:8080", false));
        assert_eq!(warned.len(), 1);
        assert!(
            warned[0].contains("tokens cross the network in clear"),
            "{warned:?}"
        );
    }
}
