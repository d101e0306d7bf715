//! The Amanat intake server: actix-web over rustls in front of use-case services, which keep
//! metadata in SQLite or PostgreSQL (diesel) and ciphertext in a content-addressed blob store.
//! It links no age code: it can check the shape of what it stores, never read it.

pub mod backup;
pub mod blobs;
pub mod config;
pub mod cosigner;
pub mod domain;
pub mod http;
mod init;
pub mod metrics;
pub mod migrate;
pub mod service;
pub mod store;
pub mod tls;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::thread::JoinHandle;

use actix_web::{HttpServer, web};

pub use config::{Config, ConfigError};
pub use init::{InitOptions, InitReport, init_data_dir, init_data_dir_with_log_origin};

use crate::blobs::BlobStore;
use crate::service::{LogSigner, Services};
use crate::store::{Store, StoreError};
use crate::tls::TlsError;

/// Why the server could not start (or `init` could not finish).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{what}: {source}")]
    Io { what: String, source: io::Error },
    #[error("{0}")]
    Init(String),
}

/// The services over a data directory: the database (migrated), the blob store and the log
/// key, with the stored keyring checked against the root first. What `serve` starts from, and
/// what the offline subcommands (`retention`, `verify`) work with.
pub fn open_services(config: &Config) -> Result<Services, Error> {
    let seed = config::read_log_seed(&config.log_key_file)?;
    let log = LogSigner::new(&config.log_origin, &seed)
        .map_err(|e| Error::Init(format!("the log key or origin is unusable: {e}")))?;
    let store = Store::open_with(
        &config.database_url,
        std::time::Duration::from_secs(config.database_timeout_secs),
    )?;
    let blobs = BlobStore::open(config).map_err(|source| Error::Io {
        what: "cannot open the blob store".into(),
        source,
    })?;
    let services = Services::new(config, store, blobs, log);
    services.check_database_root().map_err(Error::Init)?;
    Ok(services)
}

/// Opens the services and the certificate, and collects what a crash left behind.
/// Runs on a thread of its own: the caller is inside the actix system, where a blocking
/// client (the S3 store's) may not wait.
fn prepare(config: &Config) -> Result<(web::Data<Services>, rustls::ServerConfig), Error> {
    let tls = tls::server_config(&config.tls_cert, &config.tls_key)?;
    let services = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let services = open_services(config)?;
                services
                    .collect_uploads()
                    .map_err(|e| Error::Init(format!("cannot collect expired uploads: {e}")))?;
                services
                    .collect_orphan_blobs()
                    .map_err(|e| Error::Init(format!("cannot collect orphan blobs: {e}")))?;
                Ok::<_, Error>(services)
            })
            .join()
            .map_err(|_| Error::Init("opening the services failed".into()))?
    })?;
    Ok((web::Data::new(services), tls))
}

fn http_server(
    services: web::Data<Services>,
    tls: rustls::ServerConfig,
    listener: TcpListener,
    workers: Option<usize>,
    signals: bool,
    timeouts: http::Timeouts,
    page: http::page::Source,
) -> Result<actix_web::dev::Server, Error> {
    http::spawn_upload_collector(services.clone());
    // Each worker holds at most `max_in_flight` connections (idle ones included), so a flood
    // of connections is bounded in memory too; the rest wait in the kernel's backlog.
    let per_worker = services.load().max().max(64);
    let mut server = HttpServer::new(move || http::app(services.clone(), timeouts, page.clone()))
        .max_connections(per_worker);
    if let Some(n) = workers {
        server = server.workers(n);
    }
    if !signals {
        server = server.disable_signals();
    }
    // Explicit, so that no library default decides how long a silent or slow client is kept:
    // the handshake, the request head and an idle keep-alive connection each get the request
    // timeout (bodies are limited in http::timeouts); a client that will not read our
    // goodbye is dropped a second later.
    server = server
        .tls_handshake_timeout(timeouts.request)
        .client_request_timeout(timeouts.request)
        .keep_alive(actix_web::http::KeepAlive::Timeout(timeouts.request))
        .client_disconnect_timeout(std::time::Duration::from_secs(1));
    Ok(server
        .listen_rustls_0_23(listener, tls)
        .map_err(|source| Error::Io {
            what: "cannot listen".into(),
            source,
        })?
        .run())
}

/// Starts serving on `listener`; must be called inside an actix system (e.g. from
/// `actix_web::rt::System::new().block_on`). The returned server is running once this
/// returns; await it to wait for shutdown (SIGINT/SIGTERM stop it gracefully).
pub fn start(config: &Config, listener: TcpListener) -> Result<actix_web::dev::Server, Error> {
    start_with_metrics(config, listener, None)
}

/// As [`start`], and also serves `/metrics` (plain HTTP) on `metrics`, which the caller
/// bound to the loopback address in `metrics_listen`. That server stops with the main one.
pub fn start_with_metrics(
    config: &Config,
    listener: TcpListener,
    metrics: Option<TcpListener>,
) -> Result<actix_web::dev::Server, Error> {
    let (services, tls) = prepare(config)?;
    let timeouts = http::Timeouts::from_secs(config.request_timeout_secs);
    let page = http::page::Source::from_config(config.web_dir.as_deref()).map_err(Error::Init)?;
    if !config.witnesses.is_empty() {
        cosigner::spawn(services.clone(), config.witnesses.clone());
    }
    if let Some(l) = metrics {
        let m = http::metrics_server(services.clone(), l).map_err(|source| Error::Io {
            what: "cannot listen for metrics".into(),
            source,
        })?;
        actix_web::rt::spawn(m);
    }
    http_server(services, tls, listener, None, true, timeouts, page)
}

/// Serves until shut down by a signal.
pub async fn run(config: Config, listener: TcpListener) -> io::Result<()> {
    start(&config, listener)
        .map_err(|e| io::Error::other(e.to_string()))?
        .await
}

/// A server running on its own thread, for embedding (`amanat demo`, tests).
pub struct ServerHandle {
    addr: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerHandle({})", self.addr)
    }
}

impl ServerHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops gracefully (in-flight requests finish) and waits for the thread. Problems
    /// while shutting down are logged: there is nothing left for the caller to do about them.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        // `stop` sends the command at once; its future only reports completion, which
        // joining the thread also tells us.
        drop(self.handle.stop(true));
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => tracing::error!("the server stopped with an error: {e}"),
            Some(Err(_)) => tracing::error!("the server thread panicked"),
            Some(Ok(Ok(()))) | None => {}
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Runs the server on its own thread with its own actix system. Start-up errors (database,
/// certificate, blob directory) are returned here, before any request is accepted.
pub fn spawn(config: Config, listener: TcpListener) -> Result<ServerHandle, Error> {
    let addr = listener.local_addr().map_err(|source| Error::Io {
        what: "the listener has no address".into(),
        source,
    })?;
    let (services, tls) = prepare(&config)?;
    let timeouts = http::Timeouts::from_secs(config.request_timeout_secs);
    let page = http::page::Source::from_config(config.web_dir.as_deref()).map_err(Error::Init)?;
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("amanat-server".into())
        .spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                // Two workers are plenty in-process; signals belong to the host program.
                match http_server(services, tls, listener, Some(2), false, timeouts, page) {
                    Ok(server) => {
                        let _ = tx.send(Ok(server.handle()));
                        server.await
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        Ok(())
                    }
                }
            })
        })
        .map_err(|source| Error::Io {
            what: "cannot start the server thread".into(),
            source,
        })?;
    match rx.recv() {
        Ok(Ok(handle)) => Ok(ServerHandle {
            addr,
            handle,
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(Error::Init(
                "the server thread ended before it started".into(),
            ))
        }
    }
}
