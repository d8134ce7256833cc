//! The offline store (kho dữ liệu ngoại tuyến): profiles, drafts with their
//! revisions, and attachments, all under one data folder.
//!
//! This module is the only code that opens the database or the attachment
//! folder. Encryption at rest (DESIGN.md, "Secrets and local data") lives here
//! (`crypt.rs`, `key.rs`) without touching callers, which is why callers get
//! values and readers, never a connection or a path.
//!
//! Layout of the data folder:
//!
//! ```text
//! hoso.key                the id of the folder's key, a check value, a passphrase copy
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
mod key;
mod migrate;
mod outbox;
mod packs;
mod profiles;
mod sniff;
mod values;

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use jiff::fmt::temporal::DateTimePrinter;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

pub use blobs::{AttachmentInfo, AttachmentOpener, AttachmentReader, is_damaged};
pub(crate) use crypt::Crypt;
pub use crypt::DataKey;
pub use drafts::{DraftId, DraftSummary, RevisionInfo, RevisionSummary, StoredDraft};
pub use error::StoreError;
pub use key::{
    KEY_FILE, KEYRING_SERVICE as DATA_KEYRING_SERVICE, MIN_PASSPHRASE_CHARS, PASSPHRASE_ENV,
    Protection,
};
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
    /// The key `crypt` was made from, for [`Store::set_passphrase`].
    key: Option<key::FolderKey>,
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
    /// database schema up to date. An encrypted folder's key comes from the OS keyring, else
    /// from its passphrase copy and `HOSO_DATA_PASSPHRASE`; a new folder is encrypted when its
    /// key can be kept (`key.rs` has the rules).
    ///
    /// Refuses with [`StoreError::NewerSchema`] a folder written by a newer
    /// version of the application rather than risk misreading it, and with
    /// [`StoreError::Locked`] an encrypted folder whose key is nowhere to be found.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let passphrase = std::env::var(PASSPHRASE_ENV)
            .ok()
            .filter(|p| !p.is_empty())
            .map(zeroize::Zeroizing::new);
        Store::open_with_passphrase(data_dir, passphrase.as_deref().map(String::as_str))
    }

    /// [`Store::open`] with the passphrase given here rather than in the environment.
    pub fn open_with_passphrase(
        data_dir: &Path,
        passphrase: Option<&str>,
    ) -> Result<Store, StoreError> {
        create_private_dir(data_dir)?;
        let db_exists = data_dir.join(DB_FILE).exists();
        let key = key::unlock(data_dir, db_exists, passphrase)?;
        Store::open_with(data_dir, key)
    }

    /// Opens the data folder at `data_dir` encrypted with `key`, which the caller keeps (the
    /// keyring is not used): a new folder takes it as its key, an existing one must have it.
    pub fn open_with_key(data_dir: &Path, key: &DataKey) -> Result<Store, StoreError> {
        create_private_dir(data_dir)?;
        let db_exists = data_dir.join(DB_FILE).exists();
        let key = key::adopt(data_dir, key, db_exists)?;
        Store::open_with(data_dir, Some(key))
    }

    fn open_with(data_dir: &Path, key: Option<key::FolderKey>) -> Result<Store, StoreError> {
        let mut conn = Connection::open(data_dir.join(DB_FILE))?;
        configure(&conn)?;
        migrate::run(&mut conn)?;
        // Only now: migrations rebuild tables with foreign keys off (migrate.rs).
        conn.pragma_update(None, "foreign_keys", "ON")?;
        bind_key(&conn, key.as_ref().map(|k| k.folder.as_str()))?;
        let store = Store {
            conn,
            data_dir: data_dir.to_path_buf(),
            crypt: key.as_ref().map(|k| Crypt::new(&k.key)),
            key,
        };
        store.prepare_attachment_dirs()?;
        Ok(store)
    }

    /// How the folder is protected: encrypted or not, with a passphrase copy of its key or not.
    pub fn protection(&self) -> Result<Protection, StoreError> {
        key::protection(&self.data_dir)
    }

    /// Adds or replaces the passphrase copy of the folder's key, so that the folder opens
    /// where the OS keyring does not have it (after a reboot under keyutils, on another
    /// machine). A folder in clear has no key to copy: [`StoreError::Corrupt`].
    pub fn set_passphrase(&self, passphrase: &str) -> Result<(), StoreError> {
        let key = self.key.as_ref().ok_or_else(|| StoreError::Corrupt {
            detail: "this data folder is not encrypted".to_owned(),
        })?;
        key::set_passphrase(&self.data_dir, key, passphrase)
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

/// The database records the id of the key that encrypts it, so that a folder whose `hoso.key`
/// went missing (or was swapped) is refused instead of being read, and written, in clear.
fn bind_key(conn: &Connection, folder: Option<&str>) -> Result<(), StoreError> {
    const SETTING: &str = "data_key_folder";
    if let Some(folder) = folder {
        conn.execute(
            "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)",
            [SETTING, folder],
        )?;
    }
    let bound: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [SETTING],
            |r| r.get(0),
        )
        .optional()?;
    match (bound, folder) {
        (None, None) => Ok(()),
        (Some(bound), Some(folder)) if bound == folder => Ok(()),
        (Some(_), None) => Err(StoreError::Corrupt {
            detail: format!("the folder is encrypted but its {KEY_FILE} is missing"),
        }),
        (_, Some(_)) => Err(StoreError::Corrupt {
            detail: format!("{KEY_FILE} belongs to another data folder"),
        }),
    }
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

    fn folder_id(dir: &Path) -> String {
        let file = std::fs::read_to_string(dir.join(KEY_FILE)).expect("key file");
        let json: serde_json::Value = serde_json::from_str(&file).expect("json");
        json["folder"].as_str().expect("folder").to_owned()
    }

    #[test]
    fn a_folder_opened_with_a_key_is_encrypted_and_needs_that_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = DataKey::generate();
        let store = Store::open_with_key(dir.path(), &key).expect("new encrypted folder");
        assert!(store.is_encrypted());
        assert!(dir.path().join(KEY_FILE).is_file());
        drop(store);
        assert!(
            Store::open_with_key(dir.path(), &key)
                .expect("same key")
                .is_encrypted()
        );
        let err = Store::open_with_key(dir.path(), &DataKey::generate()).expect_err("other key");
        assert_eq!(err.code(), "store.wrong_key");
        // In another process, a key the caller kept is neither cached nor in the keyring, and
        // there is no passphrase copy: the folder is locked to everyone else.
        key::forget_cached(&folder_id(dir.path()));
        let err = Store::open_with_passphrase(dir.path(), Some("x")).expect_err("locked");
        assert!(
            matches!(
                err,
                StoreError::Locked {
                    has_passphrase_copy: false
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_folder_created_with_a_passphrase_is_encrypted_and_opens_with_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_with_passphrase(dir.path(), Some("cụm mật khẩu")).expect("create");
        assert!(store.is_encrypted());
        let key_file = std::fs::read_to_string(dir.path().join(KEY_FILE)).expect("key file");
        assert!(key_file.contains("argon2id"), "{key_file}");
        drop(store);
        let folder = serde_json::from_str::<serde_json::Value>(&key_file).expect("json")["folder"]
            .as_str()
            .expect("folder")
            .to_owned();
        key::forget_cached(&folder);
        // Whatever keyring this machine has: only the passphrase is sure to open it.
        let store = Store::open_with_passphrase(dir.path(), Some("cụm mật khẩu")).expect("reopen");
        assert!(store.is_encrypted());
    }

    #[test]
    fn an_encrypted_folder_without_its_key_file_is_refused_not_read_in_clear() {
        let dir = tempfile::tempdir().expect("temp dir");
        drop(Store::open_with_key(dir.path(), &DataKey::generate()).expect("create"));
        std::fs::remove_file(dir.path().join(KEY_FILE)).expect("remove key file");
        let err = Store::open_with_passphrase(dir.path(), None).expect_err("refused");
        assert_eq!(err.code(), "store.corrupt");
        assert!(err.to_string().contains("hoso.key is missing"), "{err}");
    }

    #[test]
    fn a_folder_in_clear_stays_in_clear() {
        let dir = tempfile::tempdir().expect("temp dir");
        drop(Store::open_with_passphrase(dir.path(), None).expect("create"));
        if !dir.path().join(KEY_FILE).exists() {
            // No durable keyring on this machine: created in clear, and a passphrase given
            // later does not turn the existing folder into an encrypted one half-way.
            let store = Store::open_with_passphrase(dir.path(), Some("later")).expect("reopen");
            assert!(!store.is_encrypted());
            assert!(!dir.path().join(KEY_FILE).exists());
        }
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
