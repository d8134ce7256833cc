//! The application: its version and data folder, and the settings kept in the store's settings
//! table (the same table `hoso login --portal` writes the portal address to).

use serde::{Deserialize, Serialize};

use super::DeskResult;
use crate::filing::{self, PORTAL_URL_SETTING, session};
use crate::store::Store;
use crate::text::Lang;

/// The setting keys of the desktop app.
const LANG_SETTING: &str = "lang";
const PKCS11_MODULES_SETTING: &str = "pkcs11_modules";
const TRUST_ANCHORS_SETTING: &str = "trust_anchors";
const CHECK_REVOCATION_SETTING: &str = "check_revocation";

/// The user's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Settings {
    pub lang: Lang,
    /// The portal's base URL; `null` until set (or given by `HOSO_PORTAL_URL`).
    pub portal_url: Option<String>,
    /// PKCS#11 modules to list before the known ones found on this machine.
    pub pkcs11_modules: Vec<String>,
    /// A CA certificate file (PEM or DER) to trust besides the bundled anchors.
    pub trust_anchors: Option<String>,
    /// Ask the certificate's OCSP responder (else its CRL) before sealing. Off to work
    /// offline: the seal then carries the warning "revocation not checked".
    pub check_revocation: bool,
    /// The data folder in use. Reported only: moving it is the shell's job (it opens the
    /// store), so a different value here is ignored by [`settings_set`].
    pub data_dir: String,
}

/// What the About box and the status bar show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub lang: Lang,
    pub portal_url: Option<String>,
    /// A portal session is kept and still fresh: submit and status work without a PIN.
    pub online: bool,
    /// Where portal sessions are kept ("Secret Service", "Linux keyutils", "Windows Credential
    /// Manager"); `None` when there is no keyring.
    pub keyring: Option<String>,
    /// The data folder keeps drafts and attachments encrypted (store/key.rs).
    pub encrypted: bool,
}

/// The settings as stored; unset ones take their defaults (Vietnamese, no extra module).
pub fn settings_get(store: &Store) -> DeskResult<Settings> {
    let lang = store
        .setting(LANG_SETTING)?
        .and_then(|l| Lang::parse(&l))
        .unwrap_or_default();
    let pkcs11_modules = store
        .setting(PKCS11_MODULES_SETTING)?
        .and_then(|json| serde_json::from_str::<Vec<String>>(&json).ok())
        .unwrap_or_default();
    Ok(Settings {
        lang,
        portal_url: filing::portal_url(store, None).ok(),
        pkcs11_modules,
        trust_anchors: store
            .setting(TRUST_ANCHORS_SETTING)?
            .filter(|p| !p.trim().is_empty()),
        check_revocation: store.setting(CHECK_REVOCATION_SETTING)?.as_deref() != Some("false"),
        data_dir: store.data_dir().display().to_string(),
    })
}

/// Saves the settings and returns them as now stored.
pub fn settings_set(store: &mut Store, settings: &Settings) -> DeskResult<Settings> {
    let lang = match settings.lang {
        Lang::Vi => "vi",
        Lang::En => "en",
    };
    store.set_setting(LANG_SETTING, lang)?;
    if let Some(url) = settings
        .portal_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        store.set_setting(PORTAL_URL_SETTING, &session::normalise_url(url))?;
    }
    let modules: Vec<&str> = settings
        .pkcs11_modules
        .iter()
        .map(|m| m.trim())
        .filter(|m| !m.is_empty())
        .collect();
    let modules = serde_json::to_string(&modules).map_err(crate::store::StoreError::from)?;
    store.set_setting(PKCS11_MODULES_SETTING, &modules)?;
    store.set_setting(
        TRUST_ANCHORS_SETTING,
        settings.trust_anchors.as_deref().unwrap_or("").trim(),
    )?;
    store.set_setting(
        CHECK_REVOCATION_SETTING,
        if settings.check_revocation {
            "true"
        } else {
            "false"
        },
    )?;
    settings_get(store)
}

/// Version, data folder, language, portal, and whether a portal session is at hand.
pub fn app_info(store: &Store) -> DeskResult<AppInfo> {
    let settings = settings_get(store)?;
    // No keyring (a server without one) is only "not logged in" here.
    let online = settings.portal_url.as_deref().is_some_and(
        |portal| matches!(session::load(portal), Ok(Some(s)) if s.is_fresh(jiff::Timestamp::now())),
    );
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: settings.data_dir,
        lang: settings.lang,
        portal_url: settings.portal_url,
        online,
        keyring: session::pick_store().ok().map(str::to_owned),
        encrypted: store.is_encrypted(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_start_vietnamese_and_round_trip_through_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let fresh = settings_get(&store).unwrap();
        assert_eq!(fresh.lang, Lang::Vi);
        assert!(fresh.pkcs11_modules.is_empty());
        assert!(fresh.check_revocation);
        assert_eq!(fresh.data_dir, dir.path().display().to_string());

        let wanted = Settings {
            lang: Lang::En,
            portal_url: Some("http://127.0.0.1:9/".into()),
            pkcs11_modules: vec!["/opt/token/lib.so".into(), " ".into()],
            trust_anchors: Some("/etc/ca.pem".into()),
            check_revocation: false,
            data_dir: "/elsewhere".into(),
        };
        let saved = settings_set(&mut store, &wanted).unwrap();
        assert_eq!(saved.lang, Lang::En);
        assert_eq!(saved.pkcs11_modules, ["/opt/token/lib.so"]);
        assert_eq!(saved.trust_anchors.as_deref(), Some("/etc/ca.pem"));
        assert!(!saved.check_revocation);
        assert_eq!(
            saved.data_dir,
            dir.path().display().to_string(),
            "reported only"
        );
        if std::env::var_os(filing::PORTAL_URL_ENV).is_none() {
            assert_eq!(saved.portal_url.as_deref(), Some("http://127.0.0.1:9"));
        }
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(settings_get(&store).unwrap(), saved);
        let info = app_info(&store).unwrap();
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(info.lang, Lang::En);
    }
}
