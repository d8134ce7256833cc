//! The offline store (kho dữ liệu ngoại tuyến): profiles, drafts with their
//! revisions, and attachments, all under one data folder.
//!
//! This module is the only code that opens the database or the attachment
//! folder. Encryption at rest (DESIGN.md, "Secrets and local data") will land
//! here without touching callers, which is why callers get values and readers,
//! never a connection.
//!
//! Layout of the data folder:
//!
//! ```text
//! hoso.sqlite3            profiles, drafts, revisions, attachment index (WAL mode)
//! attachments/ab/abcd…    one file per distinct content, named by its SHA-256
//!                         (encrypted folder: encrypted, named by an HMAC; blobs.rs)
//! attachments/tmp/        files being added; renamed into place once complete
//! ```
//!
//! Durability contract: once a write method returns `Ok`, the change survives a
//! crash of the process and a power cut (`synchronous=FULL`, fsynced blobs).
//! Writes take `&mut self`; reads take `&self`. Several processes may open the
//! same folder: SQLite serialises writers (`busy_timeout` 5 s).

mod blobs;
mod crypt;
mod drafts;
mod error;
mod migrate;
mod outbox;
mod packs;
mod profiles;
mod sniff;

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use jiff::fmt::temporal::DateTimePrinter;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Connection, TransactionBehavior};

pub use blobs::{AttachmentInfo, AttachmentOpener, AttachmentReader, is_damaged};
pub(crate) use crypt::Crypt;
pub use crypt::DataKey;
pub use drafts::{DraftId, DraftSummary, RevisionInfo, RevisionSummary, StoredDraft};
pub use error::StoreError;
pub use outbox::{
    ItemError, NewOutboxItem, OutboxItem, OutboxState, StoredReceipt, StoredStatus, SupplementDraft,
};
pub use packs::StoredPack;
pub use profiles::{ProfileId, ProfileKind, StoredProfile};
pub use sniff::{SNIFF_LEN, sniff_media_type};

/// Environment variable that overrides the platform data folder.
pub const DATA_DIR_ENV: &str = "HOSO_DATA_DIR";

const DB_FILE: &str = "hoso.sqlite3";

/// How long a writer waits for another process's write transaction.
const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

/// An open data folder.
pub struct Store {
    conn: Connection,
    data_dir: PathBuf,
    /// `Some` for an encrypted folder: every user value and attachment goes through it.
    crypt: Option<Crypt>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("data_dir", &self.data_dir)
            .field("encrypted", &self.crypt.is_some())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the data folder at `data_dir` and brings its
    /// database schema up to date.
    ///
    /// Refuses with [`StoreError::NewerSchema`] a folder written by a newer
    /// version of the application rather than risk misreading it.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        Store::open_with(data_dir, None)
    }

    /// Opens the data folder at `data_dir` encrypted with `key`.
    pub fn open_with_key(data_dir: &Path, key: &DataKey) -> Result<Store, StoreError> {
        Store::open_with(data_dir, Some(Crypt::new(key)))
    }

    fn open_with(data_dir: &Path, crypt: Option<Crypt>) -> Result<Store, StoreError> {
        create_private_dir(data_dir)?;
        let mut conn = Connection::open(data_dir.join(DB_FILE))?;
        configure(&conn)?;
        migrate::run(&mut conn)?;
        let store = Store {
            conn,
            data_dir: data_dir.to_path_buf(),
            crypt,
        };
        store.prepare_attachment_dirs()?;
        Ok(store)
    }

    /// Whether this folder keeps its content encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.crypt.is_some()
    }

    /// Opens the folder named by `HOSO_DATA_DIR`, else the platform data folder
    /// (`~/.local/share/hoso` on Linux, `%APPDATA%\hoso\hoso\data` on Windows).
    pub fn open_default() -> Result<Store, StoreError> {
        Store::open(&default_data_dir()?)
    }

    /// The folder this store lives in.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Runs SQLite's full consistency check; `Ok` means the database is sound.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let problems = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        if problems.len() == 1 && problems[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                detail: problems.join("; "),
            })
        }
    }

    /// Starts a write transaction that takes the write lock at once, so that
    /// two processes never both read and then fail to upgrade (SQLITE_BUSY
    /// without waiting).
    fn write_tx(&mut self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}

/// The folder `Store::open_default` uses.
pub fn default_data_dir() -> Result<PathBuf, StoreError> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("vn", "hoso", "hoso")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or(StoreError::NoDataDir)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        // E.g. a network file system without shared memory: still correct, slower.
        tracing::warn!(journal_mode = %mode, "SQLite refused WAL mode");
    }
    // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on a power
    // cut, and an autosave that returned must not be lost.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Creates the folder readable by its owner only: drafts are confidential.
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| StoreError::io(dir, e))
}

/// Timestamps are stored as RFC 3339 UTC text with a fixed six fractional
/// digits, so that text order is time order.
fn format_ts(ts: Timestamp) -> String {
    DateTimePrinter::new()
        .precision(Some(6))
        .timestamp_to_string(&ts)
}

/// The current time, truncated to what is stored, and its stored text.
fn now() -> (String, Timestamp) {
    let exact = Timestamp::now();
    let ts = Timestamp::from_microsecond(exact.as_microsecond()).unwrap_or(exact);
    (format_ts(ts), ts)
}

/// A stored timestamp column.
struct SqlTs(Timestamp);

impl FromSql for SqlTs {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map(SqlTs)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// A stored JSON document column.
struct SqlJson(serde_json::Value);

impl FromSql for SqlJson {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        serde_json::from_str(value.as_str()?)
            .map(SqlJson)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open store");
        (dir, store)
    }

    #[test]
    fn open_sets_wal_full_sync_and_foreign_keys() {
        let (_dir, store) = temp_store();
        let pragma = |name: &str| -> String {
            store
                .conn
                .pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))
                .map(|v| match v {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
                .expect("pragma")
        };
        assert_eq!(pragma("journal_mode"), "wal");
        assert_eq!(pragma("synchronous"), "2", "2 = FULL");
        assert_eq!(pragma("foreign_keys"), "1");
        assert_eq!(pragma("busy_timeout"), "5000");
    }

    #[test]
    fn open_creates_nested_data_dir_and_database_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let nested = dir.path().join("a").join("b");
        let store = Store::open(&nested).expect("open");
        assert_eq!(store.data_dir(), nested);
        assert!(nested.join(DB_FILE).is_file());
        assert!(nested.join("attachments").join("tmp").is_dir());
        store.check_integrity().expect("fresh store is sound");
    }

    #[cfg(unix)]
    #[test]
    fn new_data_dir_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        Store::open(&data).expect("open");
        let mode = std::fs::metadata(&data).expect("stat").permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }

    #[test]
    fn timestamps_sort_as_text_in_time_order() {
        let a: Timestamp = "2026-11-03T10:00:00Z".parse().expect("ts");
        let b: Timestamp = "2026-11-03T10:00:00.5Z".parse().expect("ts");
        assert!(format_ts(a) < format_ts(b));
        assert_eq!(format_ts(a), "2026-11-03T10:00:00.000000Z");
        let (text, ts) = now();
        assert_eq!(format_ts(ts), text);
    }

    #[test]
    fn default_data_dir_is_the_platform_folder_without_override() {
        // No test sets the variable (set_var is unsafe in edition 2024).
        if std::env::var_os(DATA_DIR_ENV).is_none() {
            let dir = default_data_dir().expect("platform data dir");
            assert!(dir.to_string_lossy().contains("hoso"), "{}", dir.display());
        }
    }
}
