//! The OS keyring (kho khoá của hệ điều hành), which keeps the portal session
//! (`filing/session.rs`) and the data folder's key (`store/key.rs`), never a file.
//!
//! The keyring store is chosen once, explicitly, in [`pick_store`] — keyring-core built without
//! a store would be an in-memory mock that forgets everything when the process ends:
//!
//! - Windows: Credential Manager (`windows-native-keyring-store`);
//! - Linux: the desktop session's Secret Service (GNOME Keyring, KWallet) when it answers on
//!   the session bus and its default collection is unlocked: what is kept there survives
//!   logout and reboot, like the browser's passwords. Otherwise (SSH, a server, CI, a locked
//!   collection that would prompt at every read) the kernel's keyutils
//!   (`linux-keyutils-keyring-store`), which needs no desktop or D-Bus: what is kept there
//!   survives process restarts within the login session (the key sits in the user's session
//!   and persistent keyrings), **not a reboot** ([`is_durable`]).
//!   `HOSO_KEYRING=secret-service` or `=keyutils` chooses one store and no other; `=none`, none
//!   (a shared account: sessions are not kept, a folder opens by its passphrase only).
//! - Anything else: no store.

use std::sync::OnceLock;

/// The name [`pick_store`] gives the kernel's keyutils.
const KEYUTILS: &str = "Linux keyutils";

/// The OS keyring store, chosen once per process; its name for the user.
///
/// On Linux this also gives the calling thread a session keyring when it has none, and the
/// kernel keeps keyrings per thread: only threads started *after* the call share it. A program
/// with several threads (the desktop app) calls this first, on its main thread, before it
/// starts any; [`entry`] gives any other thread one of its own.
pub fn pick_store() -> Result<&'static str, String> {
    static PICKED: OnceLock<Result<&'static str, String>> = OnceLock::new();
    PICKED.get_or_init(set_platform_store).clone()
}

/// The keyring entry for `service` and `user` in the store [`pick_store`] chose.
///
/// A keyutils entry lives in the calling thread's session keyring, linked into the user's
/// persistent keyring, which every session keyring of the user can reach. A thread started
/// before the store was picked (a test harness's, a runtime's) has none: the kernel lends it the
/// user-session keyring, where linking into the persistent keyring is refused. So such a thread
/// gets a session keyring of its own first; on one that has one this changes nothing.
pub fn entry(service: &str, user: &str) -> Result<keyring_core::Entry, String> {
    let name = pick_store()?;
    #[cfg(target_os = "linux")]
    if name == KEYUTILS {
        use linux_keyutils::{KeyRing, KeyRingIdentifier};
        KeyRing::from_special_id(KeyRingIdentifier::Session, true)
            .map_err(|e| format!("no session keyring: {e:?}"))?;
    }
    #[cfg(not(target_os = "linux"))]
    let _ = name;
    keyring_core::Entry::new(service, user).map_err(|e| e.to_string())
}

/// Whether what the store named `name` keeps survives a reboot (keyutils is a cache of the
/// login session).
pub fn is_durable(name: &str) -> bool {
    name != KEYUTILS
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
        "none" => Err(format!("{KEYRING_ENV}=none: no keyring is used")),
        other => Err(format!(
            "{KEYRING_ENV}={other}: expected secret-service, keyutils or none"
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
    Ok(KEYUTILS)
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
