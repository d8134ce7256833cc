//! What the app keeps while it runs: the data folder and its store, and the files of drops
//! the window has not claimed yet.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicU64, Ordering};

use hoso_core::desk::DeskError;
use hoso_core::store::Store;
use tokio::sync::Mutex;

pub struct AppState {
    data_dir: PathBuf,
    /// The connection that short commands share. Long tasks (sealing, uploads, status sync)
    /// open their own, so that the window can go on editing while they run (SQLite WAL).
    store: Mutex<Store>,
    drops: StdMutex<HashMap<u64, Vec<PathBuf>>>,
    next_drop: AtomicU64,
}

impl AppState {
    pub fn open(data_dir: &Path) -> Result<AppState, DeskError> {
        let store = Store::open(data_dir)?;
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

    pub fn store(&self) -> &Mutex<Store> {
        &self.store
    }

    /// A connection of its own, for a task that runs long.
    pub fn own_store(&self) -> Result<Store, DeskError> {
        Ok(Store::open(&self.data_dir)?)
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
