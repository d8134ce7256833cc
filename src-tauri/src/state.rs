//! What the app keeps while it runs: the data folder and its store, and the files of drops
//! the window has not claimed yet. An encrypted folder whose key only its passphrase can give
//! (the keyring lost it) starts locked: no store until the window's Unlock screen opens it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicU64, Ordering};

use hoso_core::desk::DeskError;
use hoso_core::store::{Store, StoreError};
use tokio::sync::Mutex;

pub struct AppState {
    data_dir: PathBuf,
    /// The connection that short commands share. Long tasks (sealing, uploads, status sync)
    /// open their own, so that the window can go on editing while they run (SQLite WAL).
    /// `None` while the folder is locked.
    store: Mutex<Option<Store>>,
    drops: StdMutex<HashMap<u64, Vec<PathBuf>>>,
    next_drop: AtomicU64,
}

impl AppState {
    /// The app's state on `data_dir`; locked when only the folder's passphrase opens it.
    pub fn open(data_dir: &Path) -> Result<AppState, DeskError> {
        let store = match Store::open(data_dir) {
            Ok(store) => Some(store),
            Err(StoreError::Locked {
                has_passphrase_copy: true,
            }) => None,
            Err(e) => return Err(e.into()),
        };
        Ok(AppState {
            data_dir: data_dir.to_owned(),
            store: Mutex::new(store),
            drops: StdMutex::new(HashMap::new()),
            next_drop: AtomicU64::new(1),
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn store(&self) -> &Mutex<Option<Store>> {
        &self.store
    }

    /// A connection of its own, for a task that runs long (once unlocked, the key is at hand
    /// in this process).
    pub fn own_store(&self) -> Result<Store, DeskError> {
        Ok(Store::open(&self.data_dir)?)
    }

    /// Opens a locked folder with its passphrase; nothing to do when it is open already.
    pub fn unlock(&self, passphrase: &str) -> Result<(), DeskError> {
        let mut store = self.store.blocking_lock();
        if store.is_none() {
            *store = Some(Store::open_with_passphrase(
                &self.data_dir,
                Some(passphrase),
            )?);
        }
        Ok(())
    }

    /// Keeps the paths of a drop; the window names them by the returned id.
    pub fn keep_drop(&self, paths: Vec<PathBuf>) -> u64 {
        let id = self.next_drop.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut drops) = self.drops.lock() {
            // Only the latest few drops can still be claimed.
            drops.retain(|k, _| *k + 8 > id);
            drops.insert(id, paths);
        }
        id
    }

    pub fn take_drop(&self, id: u64) -> Option<Vec<PathBuf>> {
        self.drops.lock().ok()?.remove(&id)
    }
}
