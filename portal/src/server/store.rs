//! The reference portal's state: one SQLite database (`portal.sqlite3`, WAL) under the data
//! folder, next to the uploads (`uploads/`) and the filed containers (`containers/`).
//!
//! The server holds one connection behind a mutex (one writer); the officer command opens
//! its own while the server runs, which WAL and `busy_timeout` make safe.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::api::{
    DossierKind, DossierStatus, DossierSummary, Receipt, Status, StatusEvent, StatusName,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS uploads (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    length      INTEGER NOT NULL,
    -- bytes acknowledged to the client: fsynced before this row changes
    upload_offset INTEGER NOT NULL DEFAULT 0,
    metadata    TEXT,
    created_at  INTEGER NOT NULL,
    -- the container this upload was filed as, once it was
    filed_sha256 TEXT
);
CREATE TABLE IF NOT EXISTS dossiers (
    number      TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    owner       TEXT NOT NULL,
    applicant_tax_code TEXT NOT NULL,
    container_sha256 TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    receipt     TEXT NOT NULL,
    status      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS supplements (
    dossier_number TEXT NOT NULL REFERENCES dossiers(number),
    seq         INTEGER NOT NULL,
    container_sha256 TEXT NOT NULL UNIQUE,
    receipt     TEXT NOT NULL,
    PRIMARY KEY (dossier_number, seq)
);
CREATE TABLE IF NOT EXISTS events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_number TEXT NOT NULL REFERENCES dossiers(number),
    event       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    prefix      TEXT NOT NULL,
    year        INTEGER NOT NULL,
    last        INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
);
CREATE TABLE IF NOT EXISTS challenges (
    nonce       TEXT PRIMARY KEY,
    expires_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_sha256 TEXT PRIMARY KEY,
    subject     TEXT NOT NULL,
    tax_code    TEXT,
    expires_at  INTEGER NOT NULL
);
";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("portal database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("portal data folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("portal database holds an unreadable record: {0}")]
    Corrupt(String),
    #[error("no dossier {0}")]
    NotFound(String),
    #[error("dossier {number} cannot move from {from} to {to}")]
    InvalidTransition {
        number: String,
        from: StatusName,
        to: StatusName,
    },
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        use crate::api::codes;
        match self {
            StoreError::NotFound(_) => codes::DOSSIER_NOT_FOUND,
            StoreError::InvalidTransition { .. } => codes::DOSSIER_INVALID_TRANSITION,
            _ => codes::SERVER_INTERNAL,
        }
    }
}

/// A tus upload as the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    pub id: String,
    pub owner: String,
    pub length: u64,
    pub offset: u64,
    pub metadata: Option<String>,
    pub filed_sha256: Option<String>,
}

/// A dossier with what only the portal's staff see: who filed it, for whom.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OfficerDossier {
    #[serde(flatten)]
    pub summary: DossierSummary,
    /// The login subject of the client that filed it.
    pub owner: String,
    pub applicant_tax_code: String,
}

/// A new filing, verified, about to get its number.
pub struct NewFiling<'a> {
    pub kind: DossierKind,
    pub owner: &'a str,
    pub applicant_tax_code: &'a str,
    pub container_sha256: &'a str,
    pub received_at: Timestamp,
}

pub struct Store {
    conn: Connection,
    dir: PathBuf,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Store {
    pub const DB_FILE: &'static str = "portal.sqlite3";

    /// Opens (creating when needed) the store under `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir.join("uploads"))?;
        std::fs::create_dir_all(dir.join("containers"))?;
        let conn = Connection::open(dir.join(Self::DB_FILE))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL, not NORMAL: an acknowledged upload offset or an issued receipt must survive
        // a power cut, since the client trusts it and never resends.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store {
            conn,
            dir: dir.to_owned(),
        })
    }

    /// Opens an existing store without creating anything (the officer command): a wrong
    /// `--data` is an error, not a new empty portal.
    pub fn open_existing(dir: &Path) -> Result<Store, StoreError> {
        if !dir.join(Self::DB_FILE).is_file() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} has no {}", dir.display(), Self::DB_FILE),
            )));
        }
        Store::open(dir)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn upload_path(&self, id: &str) -> PathBuf {
        self.dir.join("uploads").join(format!("{id}.part"))
    }

    pub fn container_path(&self, sha256: &str) -> PathBuf {
        self.dir.join("containers").join(format!("{sha256}.asice"))
    }

    // -- login -------------------------------------------------------------------------

    pub fn add_challenge(&self, nonce: &str, expires_at: Timestamp) -> Result<(), StoreError> {
        let now = Timestamp::now().as_second();
        self.conn
            .execute("DELETE FROM challenges WHERE expires_at < ?1", [now])?;
        self.conn.execute(
            "INSERT INTO challenges (nonce, expires_at) VALUES (?1, ?2)",
            params![nonce, expires_at.as_second()],
        )?;
        Ok(())
    }

    /// Consumes a nonce: true if it was issued and has not expired. A nonce works once.
    pub fn take_challenge(&self, nonce: &str) -> Result<bool, StoreError> {
        let expires: Option<i64> = self
            .conn
            .query_row(
                "DELETE FROM challenges WHERE nonce = ?1 RETURNING expires_at",
                [nonce],
                |r| r.get(0),
            )
            .optional()?;
        Ok(expires.is_some_and(|e| e >= Timestamp::now().as_second()))
    }

    pub fn add_token(
        &self,
        token_sha256: &str,
        subject: &str,
        tax_code: Option<&str>,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let now = Timestamp::now().as_second();
        self.conn
            .execute("DELETE FROM tokens WHERE expires_at < ?1", [now])?;
        self.conn.execute(
            "INSERT OR REPLACE INTO tokens (token_sha256, subject, tax_code, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_sha256, subject, tax_code, expires_at.as_second()],
        )?;
        Ok(())
    }

    /// The subject and tax code of a live token.
    pub fn token(
        &self,
        token_sha256: &str,
    ) -> Result<Option<(String, Option<String>, Timestamp)>, StoreError> {
        let row: Option<(String, Option<String>, i64)> = self
            .conn
            .query_row(
                "SELECT subject, tax_code, expires_at FROM tokens WHERE token_sha256 = ?1",
                [token_sha256],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(row.and_then(|(s, t, e)| {
            let e = Timestamp::from_second(e).ok()?;
            (e > Timestamp::now()).then_some((s, t, e))
        }))
    }

    // -- uploads -----------------------------------------------------------------------

    pub fn create_upload(
        &self,
        id: &str,
        owner: &str,
        length: u64,
        metadata: Option<&str>,
    ) -> Result<(), StoreError> {
        std::fs::File::create(self.upload_path(id))?.sync_all()?;
        self.conn.execute(
            "INSERT INTO uploads (id, owner, length, upload_offset, metadata, created_at) VALUES (?1, ?2, ?3, 0, ?4, ?5)",
            params![id, owner, to_i64(length), metadata, Timestamp::now().as_second()],
        )?;
        Ok(())
    }

    /// An upload, if it exists and belongs to `owner`.
    pub fn upload(&self, id: &str, owner: &str) -> Result<Option<UploadRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, owner, length, upload_offset, metadata, filed_sha256 FROM uploads WHERE id = ?1 AND owner = ?2",
                [id, owner],
                |r| {
                    Ok(UploadRow {
                        id: r.get(0)?,
                        owner: r.get(1)?,
                        length: to_u64(r.get(2)?),
                        offset: to_u64(r.get(3)?),
                        metadata: r.get(4)?,
                        filed_sha256: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records an acknowledged offset. The caller has fsynced the data up to it.
    pub fn set_offset(&self, id: &str, offset: u64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE uploads SET upload_offset = ?2 WHERE id = ?1",
            params![id, to_i64(offset)],
        )?;
        Ok(())
    }

    /// Terminates an upload: its row and its bytes (a filed container stays).
    pub fn delete_upload(&self, id: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM uploads WHERE id = ?1", [id])?;
        match std::fs::remove_file(self.upload_path(id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// Marks an upload as filed under a container hash.
    pub fn mark_upload_filed(&self, id: &str, sha256: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE uploads SET filed_sha256 = ?2 WHERE id = ?1",
            params![id, sha256],
        )?;
        Ok(())
    }

    // -- dossiers ----------------------------------------------------------------------

    /// The owner and receipt of the dossier filed with this container, if any.
    pub fn dossier_by_container(
        &self,
        sha256: &str,
    ) -> Result<Option<(String, Receipt)>, StoreError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT owner, receipt FROM dossiers WHERE container_sha256 = ?1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(o, r)| Ok((o, serde_json::from_str(&r).map_err(corrupt)?)))
            .transpose()
    }

    /// Files a verified container: gives it a number, has `sign` build the receipt, and
    /// records both with the `received` event, in one transaction. If the container was
    /// filed meanwhile, returns that filing's owner and receipt instead (`false`).
    pub fn file_dossier(
        &mut self,
        filing: &NewFiling<'_>,
        year: i16,
        sign: impl FnOnce(&str) -> Result<Receipt, StoreError>,
    ) -> Result<(String, Receipt, bool), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<(String, String)> = tx
            .query_row(
                "SELECT owner, receipt FROM dossiers WHERE container_sha256 = ?1",
                [filing.container_sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((owner, receipt)) = existing {
            return Ok((
                owner,
                serde_json::from_str(&receipt).map_err(corrupt)?,
                false,
            ));
        }
        let prefix = filing.kind.number_prefix();
        let n: i64 = tx.query_row(
            "INSERT INTO counters (prefix, year, last) VALUES (?1, ?2, 1)
             ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1 RETURNING last",
            params![prefix, year],
            |r| r.get(0),
        )?;
        let number = format!("{prefix}-{year}-{n:05}");
        let receipt = sign(&number)?;
        let at = filing.received_at.to_string();
        tx.execute(
            "INSERT INTO dossiers (number, kind, owner, applicant_tax_code, container_sha256, received_at, receipt, status, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?6)",
            params![
                number,
                filing.kind.slug(),
                filing.owner,
                filing.applicant_tax_code,
                filing.container_sha256,
                at,
                serde_json::to_string(&receipt).map_err(corrupt)?,
                StatusName::Received.as_str(),
            ],
        )?;
        let event = StatusEvent {
            at: filing.received_at,
            status: Status::Received,
        };
        tx.execute(
            "INSERT INTO events (dossier_number, event) VALUES (?1, ?2)",
            params![number, serde_json::to_string(&event).map_err(corrupt)?],
        )?;
        tx.commit()?;
        Ok((filing.owner.to_owned(), receipt, true))
    }

    /// The owner and applicant tax code of a dossier.
    pub fn dossier_owner(&self, number: &str) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT owner, applicant_tax_code FROM dossiers WHERE number = ?1",
                [number],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// A dossier's receipt, status, history and supplements.
    pub fn status(&self, number: &str) -> Result<Option<DossierStatus>, StoreError> {
        status_in(&self.conn, number)
    }

    /// Dossiers, newest first; only `owner`'s when given.
    pub fn list(&self, owner: Option<&str>) -> Result<Vec<OfficerDossier>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT number, kind, status, received_at, updated_at, container_sha256, owner, applicant_tax_code
             FROM dossiers WHERE ?1 IS NULL OR owner = ?1 ORDER BY received_at DESC, number DESC",
        )?;
        let rows = stmt.query_map([owner], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (number, kind, status, received, updated, sha, owner, applicant) = row?;
            out.push(OfficerDossier {
                summary: DossierSummary {
                    dossier_number: number,
                    kind: DossierKind::from_slug(&kind).ok_or_else(|| corrupt(&kind))?,
                    status: StatusName::parse(&status).ok_or_else(|| corrupt(&status))?,
                    received_at: received.parse().map_err(corrupt)?,
                    updated_at: updated.parse().map_err(corrupt)?,
                    container_sha256: sha,
                },
                owner,
                applicant_tax_code: applicant,
            });
        }
        Ok(out)
    }

    /// Moves a dossier to a new status, if the transition is allowed.
    pub fn advance(
        &mut self,
        number: &str,
        to: Status,
        at: Timestamp,
    ) -> Result<DossierStatus, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        advance_in(&tx, number, to, at)?;
        tx.commit()?;
        self.status(number)?
            .ok_or_else(|| StoreError::NotFound(number.to_owned()))
    }

    /// The receipt of the supplement filed with this container, if any, and its dossier.
    pub fn supplement_by_container(
        &self,
        sha256: &str,
    ) -> Result<Option<(String, Receipt)>, StoreError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT dossier_number, receipt FROM supplements WHERE container_sha256 = ?1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(n, r)| Ok((n, serde_json::from_str(&r).map_err(corrupt)?)))
            .transpose()
    }

    /// Files a supplement: numbers it, has `sign` build its receipt, records it and moves
    /// the dossier back to `in_review`, in one transaction. `check` sees the dossier's
    /// status first and may refuse. Returns the existing receipt (`false`) if this
    /// container was filed meanwhile.
    pub fn file_supplement<E: From<StoreError>>(
        &mut self,
        number: &str,
        sha256: &str,
        at: Timestamp,
        check: impl FnOnce(&DossierStatus) -> Result<(), E>,
        sign: impl FnOnce(u32) -> Result<Receipt, E>,
    ) -> Result<(Receipt, bool), E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT receipt FROM supplements WHERE container_sha256 = ?1",
                [sha256],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::from)?;
        if let Some(r) = existing {
            let receipt = serde_json::from_str(&r).map_err(corrupt)?;
            return Ok((receipt, false));
        }
        let status = status_in(&tx, number)?.ok_or_else(|| StoreError::NotFound(number.into()))?;
        check(&status)?;
        let seq: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM supplements WHERE dossier_number = ?1",
                [number],
                |r| r.get(0),
            )
            .map_err(StoreError::from)?;
        let receipt = sign(u32::try_from(seq).unwrap_or(u32::MAX))?;
        tx.execute(
            "INSERT INTO supplements (dossier_number, seq, container_sha256, receipt) VALUES (?1, ?2, ?3, ?4)",
            params![number, seq, sha256, serde_json::to_string(&receipt).map_err(corrupt)?],
        )
        .map_err(StoreError::from)?;
        advance_in(
            &tx,
            number,
            Status::InReview {
                message: Some(format!("Đã nhận bổ sung {seq} / supplement {seq} received")),
            },
            at,
        )?;
        tx.commit().map_err(StoreError::from)?;
        Ok((receipt, true))
    }
}

fn status_in(conn: &Connection, number: &str) -> Result<Option<DossierStatus>, StoreError> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT kind, status, receipt FROM dossiers WHERE number = ?1",
            [number],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((kind, status, receipt)) = row else {
        return Ok(None);
    };
    let mut stmt =
        conn.prepare("SELECT event FROM events WHERE dossier_number = ?1 ORDER BY id")?;
    let history = stmt
        .query_map([number], |r| r.get::<_, String>(0))?
        .map(|e| serde_json::from_str(&e?).map_err(corrupt))
        .collect::<Result<Vec<StatusEvent>, _>>()?;
    let mut stmt =
        conn.prepare("SELECT receipt FROM supplements WHERE dossier_number = ?1 ORDER BY seq")?;
    let supplements = stmt
        .query_map([number], |r| r.get::<_, String>(0))?
        .map(|e| serde_json::from_str(&e?).map_err(corrupt))
        .collect::<Result<Vec<Receipt>, _>>()?;
    Ok(Some(DossierStatus {
        dossier_number: number.to_owned(),
        kind: DossierKind::from_slug(&kind).ok_or_else(|| corrupt(&kind))?,
        status: StatusName::parse(&status).ok_or_else(|| corrupt(&status))?,
        receipt: serde_json::from_str(&receipt).map_err(corrupt)?,
        history,
        supplements,
    }))
}

fn advance_in(
    tx: &rusqlite::Transaction<'_>,
    number: &str,
    to: Status,
    at: Timestamp,
) -> Result<(), StoreError> {
    let from: Option<String> = tx
        .query_row(
            "SELECT status FROM dossiers WHERE number = ?1",
            [number],
            |r| r.get(0),
        )
        .optional()?;
    let from = from.ok_or_else(|| StoreError::NotFound(number.to_owned()))?;
    let from = StatusName::parse(&from).ok_or_else(|| corrupt(&from))?;
    if !from.can_move_to(to.name()) {
        return Err(StoreError::InvalidTransition {
            number: number.to_owned(),
            from,
            to: to.name(),
        });
    }
    let name = to.name();
    let at = Timestamp::from_second(at.as_second()).unwrap_or(at);
    let event = StatusEvent { at, status: to };
    tx.execute(
        "INSERT INTO events (dossier_number, event) VALUES (?1, ?2)",
        params![number, serde_json::to_string(&event).map_err(corrupt)?],
    )?;
    tx.execute(
        "UPDATE dossiers SET status = ?2, updated_at = ?3 WHERE number = ?1",
        params![number, name.as_str(), at.to_string()],
    )?;
    Ok(())
}
