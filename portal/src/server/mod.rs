//! The reference portal: the contract of `openapi.json` served by axum over tokio, with its
//! state in SQLite and uploads on disk under one data folder. `hoso portal serve`, `hoso
//! demo` and the tests run it on loopback.
//!
//! What it cannot know is injected through [`Verifiers`]: how to verify a container
//! ([`FilingVerifier`]), a signed login nonce ([`LoginVerifier`]), and the key that signs
//! receipts (a [`hoso_signing::Signer`]).

mod auth;
mod catalog;
mod dossiers;
mod error;
mod front;
pub mod receipt_key;
mod state;
pub mod store;
mod tus;
pub mod verify;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use jiff::civil::Date;
use tokio::net::TcpListener;

pub use error::ApiError;
pub use store::{OfficerDossier, Store, StoreError};
pub use verify::{
    ClientIdentity, ContainerShapeVerifier, FilingVerifier, LoginVerifier, Rejection,
    UnavailableLoginVerifier, VerifiedFiling, VerifiedSigner,
};

/// How many requests a client may make: a token bucket of `burst` requests refilled at
/// `per_second`. A logged-in client is counted by its subject, anyone else by IP address.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

/// The catalog the portal announces at `GET /v1/catalog`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub version: String,
    pub date: Date,
    /// The signed data pack, served at `GET /v1/catalog/pack`.
    pub pack: Option<Vec<u8>>,
}

/// The server's settings; [`ServerConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The data folder: `portal.sqlite3`, `uploads/`, `containers/`, `receipt-key/`.
    pub data_dir: PathBuf,
    /// The largest container accepted (`Tus-Max-Size`); larger `Upload-Length` is 413.
    pub max_upload_bytes: u64,
    /// The largest JSON request body.
    pub max_json_bytes: usize,
    /// Any request but a PATCH must be answered within this, else 408.
    pub request_timeout: Duration,
    /// A PATCH body that sends nothing for this long is cut (bytes so far are kept unless
    /// the chunk carries a checksum).
    pub body_idle_timeout: Duration,
    pub rate_limit: RateLimit,
    /// Lifetime of a bearer token.
    pub token_ttl: Duration,
    /// Lifetime of a login nonce.
    pub challenge_ttl: Duration,
    pub catalog: Option<Catalog>,
}

impl ServerConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            data_dir: data_dir.into(),
            max_upload_bytes: 4 << 30,
            max_json_bytes: 64 << 10,
            request_timeout: Duration::from_secs(60),
            body_idle_timeout: Duration::from_secs(30),
            rate_limit: RateLimit {
                per_second: 20.0,
                burst: 100,
            },
            token_ttl: Duration::from_secs(15 * 60),
            challenge_ttl: Duration::from_secs(5 * 60),
            catalog: None,
        }
    }
}

/// What the server is given rather than knows.
#[derive(Clone)]
pub struct Verifiers {
    pub filing: Arc<dyn FilingVerifier>,
    pub login: Arc<dyn LoginVerifier>,
    /// Signs receipts (see [`crate::api::Receipt::signed_payload`]).
    pub receipt_signer: Arc<dyn hoso_signing::Signer + Send + Sync>,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    app: Router,
    addr: SocketAddr,
}

/// Every route of the contract, as `(method, path)` in the OpenAPI document's spelling;
/// the contract test checks that the document lists exactly these.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/v1/auth/challenge"),
    ("post", "/v1/auth/token"),
    ("options", "/v1/uploads"),
    ("post", "/v1/uploads"),
    ("head", "/v1/uploads/{id}"),
    ("patch", "/v1/uploads/{id}"),
    ("delete", "/v1/uploads/{id}"),
    ("post", "/v1/dossiers"),
    ("get", "/v1/dossiers"),
    ("get", "/v1/dossiers/{number}"),
    ("post", "/v1/dossiers/{number}/supplements"),
    ("get", "/v1/catalog"),
    ("get", "/v1/catalog/pack"),
];

/// The router with every route, for a server or for in-process tests.
pub fn router(config: ServerConfig, verifiers: Verifiers) -> Result<Router, ServeError> {
    let store = Store::open(&config.data_dir)?;
    let json_limit = config.max_json_bytes;
    let state = Arc::new(state::AppState::new(config, verifiers, store));
    let json_routes = Router::new()
        .route("/v1/auth/challenge", post(auth::challenge))
        .route("/v1/auth/token", post(auth::token))
        .route("/v1/dossiers", post(dossiers::submit).get(dossiers::list))
        .route("/v1/dossiers/{number}", get(dossiers::show))
        .route(
            "/v1/dossiers/{number}/supplements",
            post(dossiers::supplement),
        )
        .route("/v1/catalog", get(catalog::info))
        .route("/v1/catalog/pack", get(catalog::pack))
        .layer(DefaultBodyLimit::max(json_limit));
    let upload_routes = Router::new()
        .route("/v1/uploads", post(tus::create).options(tus::options))
        .route(
            "/v1/uploads/{id}",
            axum::routing::head(tus::head)
                .patch(tus::patch)
                .delete(tus::terminate),
        )
        .layer(DefaultBodyLimit::disable());
    Ok(json_routes
        .merge(upload_routes)
        .fallback(front::no_route)
        .method_not_allowed_fallback(front::no_method)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            front::front,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            front::panicked,
        ))
        .with_state(state))
}

impl Server {
    /// Opens the store and binds `addr` (port 0 picks a free port).
    pub async fn bind(
        addr: SocketAddr,
        config: ServerConfig,
        verifiers: Verifiers,
    ) -> Result<Server, ServeError> {
        let app = router(config, verifiers)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let addr = listener.local_addr()?;
        Ok(Server {
            listener,
            app,
            addr,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then finishes the requests under way.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        axum::serve(
            self.listener,
            self.app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        Ok(())
    }

    /// Runs the server on the current tokio runtime; stop it with [`RunningServer::stop`].
    pub fn spawn(self) -> RunningServer {
        let addr = self.addr;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.run_until(async {
            let _ = rx.await;
        }));
        RunningServer {
            addr,
            stop: Some(tx),
            task,
        }
    }
}

/// A server running in the background.
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), ServeError>>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests under way finish (at most `grace`), then returns.
    pub async fn stop(mut self, grace: Duration) -> Result<(), ServeError> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match tokio::time::timeout(grace, &mut self.task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(ServeError::Io(std::io::Error::other(join))),
            Err(_) => {
                self.task.abort();
                Ok(())
            }
        }
    }
}
