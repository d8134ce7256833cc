//! The portal client: certificate login, tus uploads, filing, status and catalog, over the
//! wire types of [`crate::api`].
//!
//! Every call retries what is safe to retry (see [`RetryPolicy`] and
//! [`ClientError::is_retryable`]). Filing is safe to retry because the portal treats the
//! container's SHA-256 as an idempotency key: the same container sent again gets the same
//! receipt, never a second filing. Uploads resume from the server's offset (see [`tus`]).
//!
//! ```no_run
//! # async fn f(signed: Vec<u8>) -> Result<(), hoso_portal::client::ClientError> {
//! use hoso_portal::client::{ClientConfig, PortalClient, UploadFile};
//! let portal = PortalClient::new(ClientConfig::parse("https://127.0.0.1:8443/")?)?;
//! let challenge = portal.challenge().await?;
//! // … the token signs the nonce (CMS) …
//! portal.login(&challenge.nonce, &signed).await?;
//! let file = UploadFile::open("dossier.asice").await?;
//! let done = portal.upload(&file, None, |state| { /* persist `state` */ Ok(()) }).await?;
//! let receipt = portal.submit(&done.upload_id().unwrap_or_default(), &file.sha256).await?;
//! # Ok(()) }
//! ```

mod error;
mod file;
mod retry;
mod transport;
pub mod tus;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;

pub use error::{ClientError, StateSinkError};
pub use file::{ASICE_CONTENT_TYPE, UploadFile};
pub use retry::RetryPolicy;
pub use transport::{ClientConfig, DEFAULT_CHUNK_SIZE};
pub use tus::{Capabilities, TusClient, UploadState};

use crate::api::{
    CatalogInfo, Challenge, DossierList, DossierStatus, Receipt, SubmitRequest, Token, TokenRequest,
};
use transport::{Transport, send_json};

/// A client of one portal. Cheap to share behind an `Arc`; the bearer token it holds is
/// used by every call after [`PortalClient::login`] or [`PortalClient::set_token`].
#[derive(Debug)]
pub struct PortalClient {
    transport: Arc<Transport>,
    tus: TusClient,
}

impl PortalClient {
    pub fn new(config: ClientConfig) -> Result<PortalClient, ClientError> {
        let transport = Arc::new(Transport::new(config)?);
        let uploads = transport.url(&["v1", "uploads"])?;
        let tus = TusClient::with_transport(transport.clone(), uploads);
        Ok(PortalClient { transport, tus })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.transport.config
    }

    /// The tus client of `/v1/uploads`, logged in as this client is.
    pub fn tus(&self) -> &TusClient {
        &self.tus
    }

    /// Uses a bearer token obtained earlier (a session kept in the OS keyring); `None`
    /// forgets it.
    pub fn set_token(&self, access_token: Option<&str>) {
        self.transport.set_bearer(access_token);
    }

    pub fn is_logged_in(&self) -> bool {
        self.transport.has_bearer()
    }

    /// `POST /v1/auth/challenge`: a nonce for the token to sign.
    pub async fn challenge(&self) -> Result<Challenge, ClientError> {
        let url = self.transport.url(&["v1", "auth", "challenge"])?;
        self.retry("challenge", || {
            send_json(self.transport.request(Method::POST, url.clone()))
        })
        .await
    }

    /// `POST /v1/auth/token` with the nonce and its CMS signature (DER); keeps the bearer
    /// token for the calls that follow and returns it (to store in the keyring).
    ///
    /// A nonce is single-use: when the answer is lost and the retry is refused
    /// (`auth.challenge_invalid`), ask a new challenge.
    pub async fn login(&self, nonce: &str, signed_nonce_cms: &[u8]) -> Result<Token, ClientError> {
        let url = self.transport.url(&["v1", "auth", "token"])?;
        let body = TokenRequest {
            nonce: nonce.to_owned(),
            signed_nonce: STANDARD.encode(signed_nonce_cms),
        };
        let token: Token = self
            .retry("login", || {
                send_json(
                    self.transport
                        .request(Method::POST, url.clone())
                        .json(&body),
                )
            })
            .await?;
        self.transport.set_bearer(Some(&token.access_token));
        Ok(token)
    }

    /// Uploads a container (tus), resuming `resume` when given; `on_state` persists the
    /// resume state (see [`TusClient::upload`]).
    pub async fn upload<F>(
        &self,
        file: &UploadFile,
        resume: Option<&UploadState>,
        on_state: F,
    ) -> Result<UploadState, ClientError>
    where
        F: FnMut(&UploadState) -> Result<(), StateSinkError>,
    {
        self.tus.upload(file, resume, on_state).await
    }

    /// `POST /v1/dossiers`: files a completed upload. Idempotent by `container_sha256`.
    pub async fn submit(
        &self,
        upload_id: &str,
        container_sha256: &str,
    ) -> Result<Receipt, ClientError> {
        let url = self.transport.url(&["v1", "dossiers"])?;
        self.file(url, upload_id, container_sha256).await
    }

    /// `POST /v1/dossiers/{number}/supplements`: files a supplement container. Idempotent
    /// by `container_sha256`.
    pub async fn submit_supplement(
        &self,
        number: &str,
        upload_id: &str,
        container_sha256: &str,
    ) -> Result<Receipt, ClientError> {
        let url = self
            .transport
            .url(&["v1", "dossiers", number, "supplements"])?;
        self.file(url, upload_id, container_sha256).await
    }

    async fn file(
        &self,
        url: reqwest::Url,
        upload_id: &str,
        container_sha256: &str,
    ) -> Result<Receipt, ClientError> {
        let body = SubmitRequest {
            upload_id: upload_id.to_owned(),
            container_sha256: container_sha256.to_ascii_lowercase(),
        };
        self.retry("submit", || {
            send_json(
                self.transport
                    .request(Method::POST, url.clone())
                    .json(&body),
            )
        })
        .await
    }

    /// `GET /v1/dossiers`: the caller's dossiers, newest first.
    pub async fn dossiers(&self) -> Result<DossierList, ClientError> {
        self.get("dossiers", &["v1", "dossiers"]).await
    }

    /// `GET /v1/dossiers/{number}`: a dossier's status history.
    pub async fn status(&self, number: &str) -> Result<DossierStatus, ClientError> {
        self.get("status", &["v1", "dossiers", number]).await
    }

    /// `GET /v1/catalog` (no login needed).
    pub async fn catalog(&self) -> Result<CatalogInfo, ClientError> {
        self.get("catalog", &["v1", "catalog"]).await
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        segments: &[&str],
    ) -> Result<T, ClientError> {
        let url = self.transport.url(segments)?;
        self.retry(what, || {
            send_json(self.transport.request(Method::GET, url.clone()))
        })
        .await
    }

    async fn retry<T, Fut, F>(&self, what: &str, op: F) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        self.transport.config.retry.run(what, op).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_hang_under_the_base_url_with_encoded_segments() {
        let client =
            PortalClient::new(ClientConfig::parse("http://127.0.0.1:9/portal/").unwrap()).unwrap();
        let url = client
            .transport
            .url(&["v1", "dossiers", "4-2026/00001"])
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/portal/v1/dossiers/4-2026%2F00001"
        );
        assert_eq!(
            client.tus().endpoint().as_str(),
            "http://127.0.0.1:9/portal/v1/uploads"
        );
        let bare = PortalClient::new(ClientConfig::parse("http://127.0.0.1:9").unwrap()).unwrap();
        assert_eq!(
            bare.tus().endpoint().as_str(),
            "http://127.0.0.1:9/v1/uploads"
        );
    }

    #[test]
    fn a_bad_url_or_root_is_a_configuration_error() {
        assert_eq!(
            ClientConfig::parse("ftp://x/").unwrap_err().code(),
            "portal.config"
        );
        let mut config = ClientConfig::parse("https://127.0.0.1/").unwrap();
        config.extra_roots.push(b"not a certificate".to_vec());
        assert_eq!(
            PortalClient::new(config).unwrap_err().code(),
            "portal.config"
        );
    }
}
