//! Certificate login and the session it gives, kept in the OS keyring (never in a file).
//!
//! The keyring store is chosen once, explicitly, in [`pick_store`] — keyring-core built without
//! a store would be an in-memory mock that forgets everything when the process ends:
//!
//! - Windows: Credential Manager (`windows-native-keyring-store`);
//! - Linux: the desktop session's Secret Service (GNOME Keyring, KWallet) when it answers on
//!   the session bus and its default collection is unlocked: a session kept there survives
//!   logout and reboot, like the browser's passwords. Otherwise (SSH, a server, CI, a locked
//!   collection that would prompt at every read) the kernel's keyutils
//!   (`linux-keyutils-keyring-store`), which needs no desktop or D-Bus: a session kept there
//!   survives process restarts within the login session (the key sits in the user's session
//!   and persistent keyrings), **not a reboot**; after one, `hoso login` is needed again.
//!   `HOSO_KEYRING=secret-service` or `=keyutils` chooses one store and no other.
//! - Anything else: no store; `hoso login` says so.
//!
//! The token PIN is never stored: only the portal's short-lived bearer token is.

use std::sync::OnceLock;

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

/// The OS keyring store, chosen once per process; its name for the user.
///
/// On Linux this also gives the calling thread a session keyring when it has none, and the
/// kernel keeps keyrings per thread: only threads started *after* the call share it. A program
/// with several threads (the desktop app) calls this first, on its main thread, before it
/// starts any; the CLI's single-threaded runtimes find the keyring on the one thread they use.
pub fn pick_store() -> Result<&'static str, FilingError> {
    static PICKED: OnceLock<Result<&'static str, String>> = OnceLock::new();
    PICKED
        .get_or_init(set_platform_store)
        .clone()
        .map_err(FilingError::Keyring)
}

/// Chooses the Linux store: `secret-service`, `keyutils`, or unset for the first that works.
pub const KEYRING_ENV: &str = "HOSO_KEYRING";

#[cfg(target_os = "linux")]
fn set_platform_store() -> Result<&'static str, String> {
    match std::env::var(KEYRING_ENV).unwrap_or_default().as_str() {
        "" => secret_service_store().or_else(|unavailable| {
            tracing::info!("Secret Service not used ({unavailable}): keyutils instead");
            keyutils_store()
        }),
        "secret-service" => secret_service_store(),
        "keyutils" => keyutils_store(),
        other => Err(format!(
            "{KEYRING_ENV}={other}: expected secret-service or keyutils"
        )),
    }
}

/// The Secret Service, when it answers and its default collection is unlocked (a locked one
/// asks the user to unlock it through a desktop prompt, which a terminal session cannot show).
#[cfg(target_os = "linux")]
fn secret_service_store() -> Result<&'static str, String> {
    use dbus_secret_service::{EncryptionType, SecretService};
    let service = SecretService::connect(EncryptionType::Dh)
        .map_err(|e| format!("no Secret Service: {e}"))?;
    let collection = service
        .get_default_collection()
        .map_err(|e| format!("no default collection: {e}"))?;
    if collection
        .is_locked()
        .map_err(|e| format!("the default collection does not answer: {e}"))?
    {
        return Err("the default collection is locked".to_owned());
    }
    let store = dbus_secret_service_keyring_store::Store::new().map_err(|e| e.to_string())?;
    keyring_core::set_default_store(store);
    Ok("Secret Service")
}

#[cfg(target_os = "linux")]
fn keyutils_store() -> Result<&'static str, String> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    // A process started outside a login session (a service, a container, CI) has no session
    // keyring of its own; asking for one with `create` joins a new one (keyctl(2),
    // KEYCTL_GET_KEYRING_ID), into which the user's persistent keyring is then linked: the
    // session is kept there and later processes find it. Without this the kernel lends the
    // user-session keyring, where linking into the persistent keyring is refused. In a login
    // session this is the session keyring the process already has.
    KeyRing::from_special_id(KeyRingIdentifier::Session, true)
        .map_err(|e| format!("no session keyring: {e:?}"))?;
    let store = linux_keyutils_keyring_store::Store::new().map_err(|e| e.to_string())?;
    keyring_core::set_default_store(store);
    Ok("Linux keyutils")
}

#[cfg(windows)]
fn set_platform_store() -> Result<&'static str, String> {
    let store = windows_native_keyring_store::Store::new().map_err(|e| e.to_string())?;
    keyring_core::set_default_store(store);
    Ok("Windows Credential Manager")
}

#[cfg(not(any(target_os = "linux", windows)))]
fn set_platform_store() -> Result<&'static str, String> {
    Err("no OS keyring store is built for this platform".to_owned())
}

fn entry(portal: &str) -> Result<keyring_core::Entry, FilingError> {
    pick_store()?;
    keyring_core::Entry::new(KEYRING_SERVICE, &normalise_url(portal))
        .map_err(|e| FilingError::Keyring(e.to_string()))
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
