//! The HTTP layer under the portal client and the tus client: one reqwest `Client` (rustls
//! with the ring provider, the OS trust store plus configured roots, timeouts), the bearer
//! token, and the mapping of answers to [`ClientError`].

use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;

use super::error::ClientError;
use super::retry::RetryPolicy;

/// How the client connects. Pointing it at the real ministry is a matter of `base_url` and,
/// when the ministry's chain is not in the OS store, `extra_roots`.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The portal's base URL (`https://…/`); routes are `{base_url}v1/…`.
    pub base_url: reqwest::Url,
    /// PEM certificates (one or many per entry) trusted in addition to the OS trust store,
    /// for example the Vietnamese national root when the OS lacks it, or a test CA.
    pub extra_roots: Vec<Vec<u8>>,
    /// Establishing a connection, TLS included.
    pub connect_timeout: Duration,
    /// One request and its answer, uploads excepted (a PATCH gets this plus the time its
    /// chunk takes at [`ClientConfig::min_upload_rate`]).
    pub request_timeout: Duration,
    /// The slowest link an upload chunk is given time for, in bytes per second.
    pub min_upload_rate: u64,
    /// Bytes per tus PATCH. Each acknowledged chunk is a resume point.
    pub chunk_size: u64,
    pub retry: RetryPolicy,
}

/// The default chunk: small enough that a cut wastes little, large enough that the
/// per-request cost vanishes.
pub const DEFAULT_CHUNK_SIZE: u64 = 8 * 1024 * 1024;

impl ClientConfig {
    pub fn new(base_url: reqwest::Url) -> ClientConfig {
        ClientConfig {
            base_url,
            extra_roots: Vec::new(),
            connect_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(60),
            min_upload_rate: 32 * 1024,
            chunk_size: DEFAULT_CHUNK_SIZE,
            retry: RetryPolicy::default(),
        }
    }

    /// Parses the base URL (as `--portal` or `HOSO_PORTAL_URL` give it).
    pub fn parse(base_url: &str) -> Result<ClientConfig, ClientError> {
        let url = reqwest::Url::parse(base_url)
            .map_err(|e| ClientError::Config(format!("portal URL {base_url:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(ClientError::Config(format!(
                "portal URL {base_url:?}: not an http(s) URL"
            )));
        }
        Ok(ClientConfig::new(url))
    }
}

/// What the portal client and its tus client share.
#[derive(Debug)]
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) config: ClientConfig,
    bearer: RwLock<Option<Arc<str>>>,
}

impl Transport {
    pub(crate) fn new(config: ClientConfig) -> Result<Transport, ClientError> {
        // reqwest is built without a crypto provider of its own (no aws-lc): ring, once per
        // process. A second install fails harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut roots = Vec::new();
        for pem in &config.extra_roots {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::Config(format!("extra root certificate: {e}")))?;
            if certs.is_empty() {
                return Err(ClientError::Config(
                    "extra root certificate: no PEM certificate found".into(),
                ));
            }
            roots.extend(certs);
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("hoso/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.connect_timeout)
            // No client-wide read timeout: reqwest counts it from the start of the request
            // until the answer's headers, which a large chunk on a slow link would exceed.
            // Each request gets a total timeout instead (see `request`).
            // Servers close idle connections after a few seconds (Node: 5 s); a pooled
            // connection closed under us costs a retry, so keep them shorter than that.
            .pool_idle_timeout(Duration::from_secs(4))
            .tls_certs_merge(roots)
            .build()
            .map_err(|e| ClientError::Config(format!("HTTP client: {e}")))?;
        Ok(Transport {
            http,
            config,
            bearer: RwLock::new(None),
        })
    }

    pub(crate) fn set_bearer(&self, token: Option<&str>) {
        let mut slot = self.bearer.write().unwrap_or_else(|p| p.into_inner());
        *slot = token.map(Arc::from);
    }

    pub(crate) fn has_bearer(&self) -> bool {
        self.bearer
            .read()
            .map_or_else(|p| p.into_inner().is_some(), |b| b.is_some())
    }

    /// A request with the bearer token, if any, and the default timeout.
    pub(crate) fn request(&self, method: Method, url: reqwest::Url) -> RequestBuilder {
        let mut req = self
            .http
            .request(method, url)
            .timeout(self.config.request_timeout);
        let bearer = self
            .bearer
            .read()
            .map_or_else(|p| p.into_inner().clone(), |b| b.clone());
        if let Some(token) = bearer
            && let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {token}"))
        {
            value.set_sensitive(true);
            req = req.header(AUTHORIZATION, value);
        }
        req
    }

    /// The URL of an API route: `path` is appended to the base URL's path, segment by
    /// segment (each one percent-encoded as needed).
    pub(crate) fn url(&self, segments: &[&str]) -> Result<reqwest::Url, ClientError> {
        let mut url = self.config.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| ClientError::Config("portal URL cannot be a base".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }
}

/// Sends a request; a transport failure becomes its [`ClientError`], an HTTP error status
/// its error with the server's body.
pub(crate) async fn send(req: RequestBuilder) -> Result<Response, ClientError> {
    let resp = req.send().await.map_err(ClientError::from_transport)?;
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status();
    let headers = resp.headers().clone();
    // The error body is small; a cut while reading it loses nothing but the message.
    let body = resp.bytes().await.unwrap_or_default();
    Err(ClientError::from_response(status, &headers, &body))
}

/// Sends a request and decodes its JSON answer.
pub(crate) async fn send_json<T: DeserializeOwned>(req: RequestBuilder) -> Result<T, ClientError> {
    let resp = send(req).await.map_err(ClientError::outside_uploads)?;
    let bytes = resp.bytes().await.map_err(ClientError::from_body_read)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ClientError::Protocol(format!("the answer is not the expected JSON: {e}")))
}
