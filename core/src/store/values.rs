//! Sealed values (giá trị mã hoá): how the store keeps the columns that hold what the user
//! typed or what the portal answered.
//!
//! In an encrypted folder such a column holds a BLOB that [`Crypt::seal_value`] wrote; in a
//! plaintext folder it holds the text itself, as before encryption existed. A folder keeps the
//! protection it was created with (`key.rs`), so each kind of folder reads only its own kind of
//! value: TEXT in an encrypted folder (someone who could write the file put their own text in
//! place of a sealed value) and a BLOB in a folder without a key are [`StoreError::Corrupt`].
//!
//! Sealed (what the user typed or the portal answered):
//!
//! | table | columns |
//! |---|---|
//! | `profiles` | `name`, `data` |
//! | `drafts` | `title` |
//! | `revisions` | `summary`, `doc` |
//! | `outbox` | `file_name`, `last_error` |
//! | `receipts` | `receipt` |
//! | `dossier_status` | `detail` |
//! | `supplement_drafts` | `message`, `note` |
//!
//! In clear, because the database finds, joins, orders or checks rows by them and they say
//! nothing about an invention: ids and row keys (dossier numbers, revision numbers, the
//! supplement request's `requested_at`), kinds and states (`kind`, `status`, `state`,
//! `last_error_code`), hashes and sizes, the applicant's tax code (a public register number,
//! looked up), timestamps and the supplement `deadline`, and configuration: `settings` (language,
//! portal address, PKCS#11 module and trust anchor paths), `receipts.portal` (the portal's
//! address) and `outbox.upload_url` (the tus upload's address at the portal). The attachment
//! index (`attachments`) is hashes, sizes and sniffed media types; data packs are the portal's
//! public catalogs.
//!
//! A value is bound (as associated data) to its [`Cell`]: its column and its row's primary key,
//! e.g. `revisions.doc[12,3]`. A sealed value copied by SQL into another column or another row
//! does not open ([`StoreError::Undecryptable`]): nobody who can write the file can pass one
//! draft's document off as another's, or a receipt off as a status.
//!
//! One pattern everywhere: a writer seals each value with [`Codec::seal_text`] or
//! [`Codec::seal_json`] and binds the [`Value`]; a reader is a function
//! `fn(Codec, &Row) -> Result<T, StoreError>` that opens each sealed column with
//! [`Codec::open_text`] or [`Codec::open_json`], run by [`Codec::rows`] or [`Codec::row`].

use std::borrow::Cow;
use std::fmt;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Params, Row, Transaction, TransactionBehavior};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Crypt, Store, StoreError};

/// Where a stored value is kept: its column and its row's primary key (`revisions.doc[12,3]`),
/// the associated data of its sealing.
pub(super) struct Cell(String);

impl Cell {
    /// `column` is `table.column`; `key` is the row's primary key, written as a JSON array so
    /// that its parts cannot run into each other (`["1","23"]` is not `["12","3"]`).
    pub(super) fn new<const N: usize>(column: &'static str, key: [serde_json::Value; N]) -> Cell {
        Cell(format!("{column}{}", serde_json::Value::Array(key.into())))
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How this folder keeps its user values: sealed with its key, or as text when it has none.
#[derive(Clone, Copy)]
pub(super) struct Codec<'a> {
    crypt: Option<&'a Crypt>,
}

impl<'a> Codec<'a> {
    /// The value to store for `text` in `cell`: the text in a plaintext folder, sealed in an
    /// encrypted one.
    pub(super) fn seal_text(self, cell: &Cell, text: &str) -> Value {
        match self.crypt {
            None => Value::Text(text.to_owned()),
            Some(crypt) => Value::Blob(crypt.seal_value(&cell.0, text.as_bytes())),
        }
    }

    /// The value to store for `doc` in `cell`, as JSON text (see [`Codec::seal_text`]).
    pub(super) fn seal_json<T: Serialize + ?Sized>(
        self,
        cell: &Cell,
        doc: &T,
    ) -> Result<Value, StoreError> {
        Ok(self.seal_text(cell, &serde_json::to_string(doc)?))
    }

    /// The text kept in `cell`.
    pub(super) fn open_text(self, cell: &Cell, stored: ValueRef<'_>) -> Result<String, StoreError> {
        String::from_utf8(self.open(cell, stored)?.into_owned()).map_err(|_| StoreError::Corrupt {
            detail: format!("{cell} is not UTF-8 text"),
        })
    }

    /// The JSON document kept in `cell`.
    pub(super) fn open_json<T: DeserializeOwned>(
        self,
        cell: &Cell,
        stored: ValueRef<'_>,
    ) -> Result<T, StoreError> {
        serde_json::from_slice(&self.open(cell, stored)?).map_err(|e| StoreError::Corrupt {
            // Where, not what: serde's message may quote the document.
            detail: format!(
                "{cell} is not the JSON document expected ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
        })
    }

    /// The clear bytes of a stored value.
    fn open<'v>(self, cell: &Cell, stored: ValueRef<'v>) -> Result<Cow<'v, [u8]>, StoreError> {
        match (stored, self.crypt) {
            (ValueRef::Text(text), None) => Ok(Cow::Borrowed(text)),
            (ValueRef::Text(_), Some(_)) => Err(StoreError::Corrupt {
                detail: format!("{cell} is in clear in an encrypted folder"),
            }),
            (ValueRef::Blob(sealed), Some(crypt)) => {
                crypt.open_value(&cell.0, sealed).map(Cow::Owned)
            }
            (ValueRef::Blob(_), None) => Err(StoreError::Corrupt {
                detail: format!("{cell} is encrypted but the folder was opened without a key"),
            }),
            (other, _) => Err(StoreError::Corrupt {
                detail: format!("{cell} holds {}, not text", other.data_type()),
            }),
        }
    }

    /// Every row `sql` returns, each read by `read`.
    pub(super) fn rows<T>(
        self,
        conn: &Connection,
        sql: &str,
        params: impl Params,
        read: impl Fn(Codec<'a>, &Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(read(self, row)?);
        }
        Ok(out)
    }

    /// The first row `sql` returns, read by `read`; `None` when there is none.
    pub(super) fn row<T>(
        self,
        conn: &Connection,
        sql: &str,
        params: impl Params,
        read: impl Fn(Codec<'a>, &Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        rows.next()?.map(|row| read(self, row)).transpose()
    }
}

impl Store {
    /// The codec of this folder's values, for reading.
    pub(super) fn codec(&self) -> Codec<'_> {
        Codec {
            crypt: self.crypt.as_ref(),
        }
    }

    /// A write transaction, as [`Store::write_tx`] (the write lock at once), and the codec to
    /// seal what it writes.
    pub(super) fn sealing_tx(&mut self) -> Result<(Transaction<'_>, Codec<'_>), StoreError> {
        let codec = Codec {
            crypt: self.crypt.as_ref(),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok((tx, codec))
    }
}

/// The id SQLite would give the next row of `table` (an `INTEGER PRIMARY KEY` without
/// AUTOINCREMENT), chosen before the insert because the row's sealed values are bound to it.
/// Only inside a write transaction, which keeps other writers out until the insert.
pub(super) fn next_id(conn: &Connection, table: &'static str) -> Result<i64, StoreError> {
    let max: Option<i64> =
        conn.query_row(&format!("SELECT max(id) FROM {table}"), [], |r| r.get(0))?;
    max.unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| StoreError::Corrupt {
            detail: format!("{table} has no row id left"),
        })
}

#[cfg(test)]
pub(super) mod tests;
