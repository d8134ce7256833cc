//! Loaded PKCS#11 modules, one per canonical path per process: a module may be initialised
//! only once per process (`CKR_CRYPTOKI_ALREADY_INITIALIZED`), and every part of the program
//! (the token list, a signing session, the watcher) shares it. Modules stay loaded until the
//! process ends; finalising one under a live session would pull the ground from under it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use serde::Serialize;

use super::token_error;
use crate::signer::SignError;

/// What a module says about itself (`C_GetInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleInfo {
    pub manufacturer: String,
    pub description: String,
    pub library_version: String,
    pub cryptoki_version: String,
}

/// A loaded and initialised PKCS#11 module.
pub struct Module {
    path: PathBuf,
    pkcs11: Pkcs11,
    info: ModuleInfo,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("path", &self.path)
            .field("info", &self.info)
            .finish()
    }
}

fn registry() -> &'static Mutex<HashMap<PathBuf, Arc<Module>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<PathBuf, Arc<Module>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

impl Module {
    /// Loads and initialises the module at `path`, or returns the one this process already
    /// loaded from the same file.
    pub fn load(path: impl AsRef<Path>) -> Result<Arc<Module>, SignError> {
        let given = path.as_ref();
        let canonical = std::fs::canonicalize(given)
            .map_err(|e| SignError::Other(format!("PKCS#11 module {}: {e}", given.display())))?;
        // Held while loading, so that two threads never initialise the same module.
        let mut map = registry().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(module) = map.get(&canonical) {
            return Ok(module.clone());
        }
        let pkcs11 = Pkcs11::new(&canonical).map_err(|e| {
            SignError::Other(format!("PKCS#11 module {}: {e}", canonical.display()))
        })?;
        match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) => {}
            // Another library in this process initialised it first: usable as it is.
            Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(token_error("C_Initialize", e)),
        }
        let info = pkcs11
            .get_library_info()
            .map_err(|e| token_error("C_GetInfo", e))?;
        let version = |v: cryptoki::types::Version| format!("{}.{}", v.major(), v.minor());
        let module = Arc::new(Module {
            path: canonical.clone(),
            info: ModuleInfo {
                manufacturer: info.manufacturer_id().trim().to_owned(),
                description: info.library_description().trim().to_owned(),
                library_version: version(info.library_version()),
                cryptoki_version: version(info.cryptoki_version()),
            },
            pkcs11,
        });
        map.insert(canonical, module.clone());
        Ok(module)
    }

    /// The module's file, canonical.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }

    pub(crate) fn pkcs11(&self) -> &Pkcs11 {
        &self.pkcs11
    }
}
