//! Filing (nộp hồ sơ): certificate login, the outbox that sends sealed containers to the
//! ministry's portal, the receipts, and the status of filed dossiers. Also what the reference
//! portal needs from hoso-core ([`server`]: container and login verifiers, the receipt key).
//!
//! The outbox never loses or duplicates a filing: a container is copied into the attachment
//! store when it is queued (so the file may be moved or its USB stick pulled), its SHA-256 is
//! the portal's idempotency key, every acknowledged upload chunk is saved before the next one
//! is sent, and the receipt is stored together with the item's `filed` state. A process killed
//! at any point resumes from the portal's offset and gets the same receipt back.

mod error;
pub mod outbox;
pub mod server;
pub mod session;
pub mod status;

use std::time::Duration;

use hoso_portal::client::{ClientConfig, PortalClient, RetryPolicy};
use hoso_signing::Signer;
use jiff::Timestamp;

pub use error::{FilingError, client_text};
pub use session::Session;

use crate::store::Store;
use crate::text::Text;

/// The environment variable naming the portal's base URL.
pub const PORTAL_URL_ENV: &str = "HOSO_PORTAL_URL";
/// The setting that remembers the portal of the last `hoso login --portal URL`.
pub const PORTAL_URL_SETTING: &str = "portal_url";

/// The portal to talk to: `given` (`--portal`), else `HOSO_PORTAL_URL`, else the settings.
pub fn portal_url(store: &Store, given: Option<&str>) -> Result<String, FilingError> {
    let url = match given.filter(|u| !u.trim().is_empty()) {
        Some(u) => u.to_owned(),
        None => match std::env::var(PORTAL_URL_ENV)
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            Some(u) => u,
            None => store
                .setting(PORTAL_URL_SETTING)?
                .ok_or(FilingError::NoPortal)?,
        },
    };
    Ok(session::normalise_url(&url))
}

/// Why no signer could be opened to log in again (a CLI or app error, passed through).
#[derive(Debug, Clone)]
pub struct CredentialsError {
    pub code: String,
    pub message: Text,
    /// The environment is at fault (no token), not the input (a wrong PIN).
    pub environment: bool,
}

/// Where a new session comes from when the kept one is missing or expired: the token or file
/// the user named, opened only when a login is needed. Only given when a PIN source is at hand
/// (`--pin-env`, `--pass-env`), so that a background run never waits at a prompt.
pub trait Credentials {
    fn signer(&mut self) -> Result<&dyn Signer, CredentialsError>;
}

/// A signer already open (the demo, the tests).
pub struct OpenSigner<'s>(pub &'s dyn Signer);

impl Credentials for OpenSigner<'_> {
    fn signer(&mut self) -> Result<&dyn Signer, CredentialsError> {
        Ok(self.0)
    }
}

/// How the portal client connects.
#[derive(Debug, Clone, Default)]
pub struct LinkOptions {
    /// Bytes per upload request (default: the client's 8 MiB); each acknowledged chunk is a
    /// resume point.
    pub chunk_size: Option<u64>,
    /// How long one call keeps retrying a portal that does not answer (default: 2 minutes).
    pub give_up_after: Option<Duration>,
    /// PEM certificates to trust for the portal's TLS besides the OS store.
    pub extra_roots: Vec<Vec<u8>>,
    /// Keep the session in the OS keyring (and take it from there). Off for the demo, whose
    /// portal lives as long as the process.
    pub keyring: bool,
}

/// A portal client with its session: taken from the keyring, or made by logging in with the
/// credentials when there are any.
pub struct Link<'c> {
    pub client: PortalClient,
    pub portal: String,
    pub session: Option<Session>,
    keyring: bool,
    credentials: Option<&'c mut dyn Credentials>,
}

impl std::fmt::Debug for Link<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("portal", &self.portal)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl<'c> Link<'c> {
    pub fn new(
        portal: &str,
        options: &LinkOptions,
        credentials: Option<&'c mut dyn Credentials>,
    ) -> Result<Link<'c>, FilingError> {
        let portal = session::normalise_url(portal);
        let mut config = ClientConfig::parse(&format!("{portal}/"))?;
        if let Some(chunk) = options.chunk_size {
            config.chunk_size = chunk.max(1);
        }
        if let Some(limit) = options.give_up_after {
            config.retry = RetryPolicy {
                deadline: limit,
                max_delay: config.retry.max_delay.min(limit),
                ..config.retry
            };
            config.connect_timeout = config
                .connect_timeout
                .min(limit.max(Duration::from_secs(1)));
        }
        config.extra_roots = options.extra_roots.clone();
        Ok(Link {
            client: PortalClient::new(config)?,
            portal,
            session: None,
            keyring: options.keyring,
            credentials,
        })
    }

    /// Uses the session kept in the keyring when it is still fresh, else logs in (only with
    /// credentials; without, [`FilingError::LoginRequired`]).
    pub async fn connect(&mut self) -> Result<&Session, FilingError> {
        let mut expired = false;
        if self.session.is_none() && self.keyring {
            match session::load(&self.portal)? {
                Some(s) if s.is_fresh(Timestamp::now()) => {
                    self.client.set_token(Some(&s.access_token));
                    self.session = Some(s);
                }
                Some(_) => expired = true,
                None => {}
            }
        }
        if self.session.is_none() {
            self.log_in(expired).await?;
        }
        self.session
            .as_ref()
            .ok_or_else(|| FilingError::LoginRequired {
                portal: self.portal.clone(),
                expired,
            })
    }

    /// Logs in with the credentials (and keeps the session in the keyring when the link
    /// does); without credentials, [`FilingError::LoginRequired`].
    pub async fn log_in(&mut self, expired: bool) -> Result<&Session, FilingError> {
        let Link {
            client,
            portal,
            credentials,
            ..
        } = self;
        let Some(credentials) = credentials.as_deref_mut() else {
            client.set_token(None);
            return Err(FilingError::LoginRequired {
                portal: portal.clone(),
                expired,
            });
        };
        let signer = credentials.signer().map_err(FilingError::Credentials)?;
        let token = session::login(client, signer).await?;
        let s = Session::from_token(portal, token);
        if self.keyring {
            session::save(&s)?;
        }
        Ok(self.session.insert(s))
    }

    /// After the portal refused the session (401): log in again once, if we can.
    pub(crate) async fn renew(&mut self) -> Result<(), FilingError> {
        self.session = None;
        self.log_in(true).await.map(drop)
    }
}
