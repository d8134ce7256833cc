//! The one error type of the store.
//!
//! Every variant is something a caller can act on (show "not found", offer to
//! update the app, retry later); [`StoreError::code`] is the stable key the CLI
//! and the desktop app translate. Display texts are English and do not repeat
//! the underlying cause: it is available through [`std::error::Error::source`],
//! so print the whole chain (e.g. `{:#}` with anyhow) in logs.

use std::io;
use std::path::PathBuf;

use rusqlite::ErrorCode;

use super::DraftId;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No row with this id: `what` is "profile", "draft", "revision" or "attachment".
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },

    /// The draft has been sealed (signed and packaged); it can no longer change.
    #[error("draft {id} is sealed and can no longer be changed")]
    Sealed { id: DraftId },

    /// The data folder was written by a newer version of the application.
    #[error(
        "the data folder uses schema version {found}, this version of Hồ sơ số supports up to {supported}; update the application"
    )]
    NewerSchema { found: u32, supported: u32 },

    /// A file or folder of the data folder (or an attachment's source) could not be used.
    #[error("cannot use {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The database refused an operation (busy, full disk, corrupt file, ...).
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),

    /// A JSON document could not be written or read back.
    #[error("JSON document error")]
    Json(#[from] serde_json::Error),

    /// An attachment hash that is not 64 lowercase hexadecimal digits.
    #[error("invalid attachment hash {value:?}: expected 64 lowercase hexadecimal digits")]
    InvalidHash { value: String },

    /// The database holds something this version cannot have written.
    #[error("corrupt store: {detail}")]
    Corrupt { detail: String },

    /// Neither `HOSO_DATA_DIR` nor a platform data folder is available.
    #[error("no data folder: set HOSO_DATA_DIR")]
    NoDataDir,

    /// An encrypted value or file that the folder's key does not open: altered or damaged.
    #[error("cannot decrypt {what}: it was altered or damaged")]
    Undecryptable { what: String },

    /// The folder is encrypted and its key is in neither the OS keyring nor given by a
    /// passphrase.
    #[error(
        "the data folder is encrypted and its key is not in the OS keyring{}",
        if *.has_passphrase_copy { "; set HOSO_DATA_PASSPHRASE to the folder's passphrase" } else { "" }
    )]
    Locked { has_passphrase_copy: bool },

    /// The key or passphrase given does not open this folder.
    #[error("this key or passphrase does not open the data folder")]
    WrongKey,

    /// A passphrase too short to protect the folder's key.
    #[error("the passphrase must have at least {min_chars} characters")]
    WeakPassphrase { min_chars: usize },

    /// The OS keyring refused to keep or give the folder's key.
    #[error("the OS keyring failed: {0}")]
    Keyring(String),
}

impl StoreError {
    /// Stable machine code, the key of the translated message at the edge.
    ///
    /// Database and file errors are split by what the user can do about them:
    /// `store.busy` (another instance holds the database), `store.disk_full`,
    /// `store.corrupt`; anything else is `store.database` or `store.io`.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "store.not_found",
            StoreError::Sealed { .. } => "store.sealed",
            StoreError::NewerSchema { .. } => "store.newer_schema",
            StoreError::Io { source, .. } => match source.kind() {
                io::ErrorKind::StorageFull => "store.disk_full",
                _ => "store.io",
            },
            StoreError::Sqlite(e) => sqlite_code(e),
            StoreError::Json(_) => "store.json",
            StoreError::InvalidHash { .. } => "store.invalid_hash",
            StoreError::Corrupt { .. } => "store.corrupt",
            StoreError::NoDataDir => "store.no_data_dir",
            StoreError::Undecryptable { .. } => "store.undecryptable",
            StoreError::Locked { .. } => "store.locked",
            StoreError::WrongKey => "store.wrong_key",
            StoreError::WeakPassphrase { .. } => "store.weak_passphrase",
            StoreError::Keyring(_) => "store.keyring",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

fn sqlite_code(e: &rusqlite::Error) -> &'static str {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => "store.busy",
            ErrorCode::DiskFull => "store.disk_full",
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => "store.corrupt",
            _ => "store.database",
        },
        // A stored value this version cannot read back (bad timestamp, JSON, kind).
        rusqlite::Error::FromSqlConversionFailure(..) | rusqlite::Error::InvalidColumnType(..) => {
            "store.corrupt"
        }
        _ => "store.database",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_strings() {
        let cases = [
            (StoreError::not_found("profile", 7), "store.not_found"),
            (StoreError::Sealed { id: DraftId(3) }, "store.sealed"),
            (
                StoreError::NewerSchema {
                    found: 9,
                    supported: 1,
                },
                "store.newer_schema",
            ),
            (
                StoreError::io("/x", io::Error::from(io::ErrorKind::NotFound)),
                "store.io",
            ),
            (
                StoreError::io("/x", io::Error::from(io::ErrorKind::StorageFull)),
                "store.disk_full",
            ),
            (
                StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                    None,
                )),
                "store.busy",
            ),
            (
                StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
                    None,
                )),
                "store.corrupt",
            ),
            (
                StoreError::Sqlite(rusqlite::Error::InvalidQuery),
                "store.database",
            ),
            (
                StoreError::InvalidHash { value: "x".into() },
                "store.invalid_hash",
            ),
            (StoreError::Corrupt { detail: "x".into() }, "store.corrupt"),
            (StoreError::NoDataDir, "store.no_data_dir"),
            (
                StoreError::Undecryptable { what: "x".into() },
                "store.undecryptable",
            ),
            (
                StoreError::Locked {
                    has_passphrase_copy: true,
                },
                "store.locked",
            ),
            (StoreError::WrongKey, "store.wrong_key"),
            (StoreError::Keyring("x".into()), "store.keyring"),
            (
                StoreError::WeakPassphrase { min_chars: 10 },
                "store.weak_passphrase",
            ),
        ];
        for (err, code) in cases {
            assert_eq!(err.code(), code, "{err:?}");
        }
    }

    #[test]
    fn not_found_message_names_what_and_id() {
        let err = StoreError::not_found("profile", 42);
        assert_eq!(err.to_string(), "profile 42 not found");
    }
}
