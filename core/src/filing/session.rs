//! Certificate login and the session it gives, kept in the OS keyring (never in a file).
//!
//! The keyring store is the one [`crate::keyring`] picks. A session kept in the Linux keyutils
//! store does not survive a reboot; after one, `hoso login` is needed again. Without any store,
//! `hoso login` says so.
//!
//! The token PIN is never stored: only the portal's short-lived bearer token is.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hoso_portal::api::Token;
use hoso_portal::api::codes;
use hoso_portal::client::{ClientError, PortalClient};
use hoso_signing::Signer;
use hoso_signing::cms::{CmsOptions, sign_detached};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::FilingError;
pub use crate::keyring::KEYRING_ENV;

/// The keyring service under which sessions are kept; the user is the portal's URL.
pub const KEYRING_SERVICE: &str = "hoso-portal-session";

/// A session is not used when it expires within this margin (a request under way must not be
/// refused half-way).
const EXPIRY_MARGIN: SignedDuration = SignedDuration::from_secs(30);

/// A logged-in session with one portal.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The portal's base URL, as [`normalise_url`] writes it.
    pub portal: String,
    pub access_token: String,
    pub expires_at: Timestamp,
    /// The certificate's subject, as the portal names the client.
    pub subject: String,
    #[serde(default)]
    pub tax_code: Option<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bearer token is a credential: never in logs.
        f.debug_struct("Session")
            .field("portal", &self.portal)
            .field("expires_at", &self.expires_at)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn from_token(portal: &str, token: Token) -> Session {
        Session {
            portal: normalise_url(portal),
            access_token: token.access_token,
            expires_at: token.expires_at,
            subject: token.subject,
            tax_code: token.tax_code,
        }
    }

    /// Whether the session can still be used at `now`.
    pub fn is_fresh(&self, now: Timestamp) -> bool {
        now.checked_add(EXPIRY_MARGIN)
            .is_ok_and(|soon| soon < self.expires_at)
    }
}

/// The portal URL as sessions and settings keep it: no trailing slash.
pub fn normalise_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

/// The OS keyring store, chosen once per process ([`crate::keyring::pick_store`]); its name
/// for the user.
pub fn pick_store() -> Result<&'static str, FilingError> {
    crate::keyring::pick_store().map_err(FilingError::Keyring)
}

fn entry(portal: &str) -> Result<keyring_core::Entry, FilingError> {
    crate::keyring::entry(KEYRING_SERVICE, &normalise_url(portal)).map_err(FilingError::Keyring)
}

/// Keeps a session in the OS keyring, replacing the portal's previous one.
pub fn save(session: &Session) -> Result<(), FilingError> {
    let json = serde_json::to_string(session).map_err(|e| FilingError::Keyring(e.to_string()))?;
    entry(&session.portal)?
        .set_password(&json)
        .map_err(|e| FilingError::Keyring(e.to_string()))
}

/// The session kept for a portal, fresh or not; `None` when there is none (or it is unreadable,
/// which is the same to the user: log in).
pub fn load(portal: &str) -> Result<Option<Session>, FilingError> {
    match entry(portal)?.get_password() {
        Ok(json) => Ok(serde_json::from_str(&json).ok()),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(FilingError::Keyring(e.to_string())),
    }
}

/// Forgets the session kept for a portal; whether there was one.
pub fn forget(portal: &str) -> Result<bool, FilingError> {
    match entry(portal)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring_core::Error::NoEntry) => Ok(false),
        Err(e) => Err(FilingError::Keyring(e.to_string())),
    }
}

/// Logs in: asks a challenge, signs its nonce (detached CMS with signing-time) with the token
/// or file, and trades it for a bearer token, which the client keeps for its next calls. A
/// nonce whose answer was lost is refused on retry (`auth.challenge_invalid`): one new
/// challenge is asked then.
pub async fn login(client: &PortalClient, signer: &dyn Signer) -> Result<Token, FilingError> {
    let mut tries = 0;
    loop {
        tries += 1;
        let challenge = client.challenge().await?;
        let nonce = STANDARD
            .decode(&challenge.nonce)
            .map_err(|_| FilingError::BadChallenge)?;
        let digest: [u8; 32] = Sha256::digest(&nonce).into();
        let signed = sign_detached(
            signer,
            &digest,
            &CmsOptions {
                signing_time: Some(Timestamp::now()),
            },
        )?;
        match client.login(&challenge.nonce, &signed).await {
            Err(ClientError::Unauthorized { detail: Some(d) })
                if d.code == codes::AUTH_CHALLENGE_INVALID && tries < 2 =>
            {
                continue;
            }
            other => return Ok(other?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_stale_shortly_before_it_expires() {
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().expect("ts");
        let mut s = Session {
            portal: "http://p".into(),
            access_token: "secret".into(),
            expires_at: "2026-11-23T10:10:00Z".parse().expect("ts"),
            subject: "CN=A".into(),
            tax_code: None,
        };
        assert!(s.is_fresh(now));
        s.expires_at = "2026-11-23T10:00:20Z".parse().expect("ts");
        assert!(!s.is_fresh(now));
        assert!(!format!("{s:?}").contains("secret"), "no token in Debug");
    }

    #[test]
    fn urls_are_kept_without_a_trailing_slash() {
        assert_eq!(normalise_url(" http://127.0.0.1:9/ "), "http://127.0.0.1:9");
        assert_eq!(normalise_url("https://p/base/"), "https://p/base");
    }
}
