//! Filing records (hộp thư đi, biên nhận, trạng thái): the outbox of sealed containers waiting
//! to be filed, the receipts the portal issued, the last known status of each dossier, the
//! supplement drafts opened for the portal's requests, and settings.
//!
//! The store knows nothing of the portal's wire types: receipts and statuses are kept as the
//! JSON the filing module hands over. Every write is one transaction, durable when it returns
//! (the store's contract), which is what lets a killed `hoso outbox run` resume without filing
//! twice: the upload offset is saved after every chunk the portal acknowledged, and the receipt
//! together with the item's `filed` state.
//!
//! In an encrypted folder, what the user named and what the portal wrote is sealed
//! (`values.rs`): an item's file name and last error, receipts, status histories, and the
//! supplement requests' messages and notes, each bound to its row's key.

use jiff::Timestamp;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::values::{Cell, Codec, next_id};
use super::{DraftId, SqlTs, Store, StoreError, now};
use crate::text::Text;

/// Where an outbox item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting; nothing sent yet (or an upload the portal no longer had, to start again).
    Queued,
    /// Part of the container is at the portal; resumes from the portal's offset.
    Uploading,
    /// The whole container is at the portal; not filed yet.
    Uploaded,
    /// Filed: the portal issued a receipt.
    Filed,
    /// The portal refused it (an invalid signature, say); sending it again would not help.
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Uploading => "uploading",
            OutboxState::Uploaded => "uploaded",
            OutboxState::Filed => "filed",
            OutboxState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<OutboxState> {
        [
            OutboxState::Queued,
            OutboxState::Uploading,
            OutboxState::Uploaded,
            OutboxState::Filed,
            OutboxState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

impl FromSql for OutboxState {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        OutboxState::parse(text)
            .ok_or_else(|| FromSqlError::Other(format!("unknown outbox state {text:?}").into()))
    }
}

/// The last error of an outbox item: a stable code and its message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ItemError {
    pub code: String,
    pub message: Text,
}

/// One sealed container in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    pub id: i64,
    /// SHA-256 of the container: its name in the attachment store and the portal's
    /// idempotency key.
    pub container_sha256: String,
    pub size: u64,
    /// The container's file name when it was queued (sent to the portal as metadata).
    pub file_name: String,
    /// The dossier kind its `dossier.xml` declares.
    pub kind: String,
    pub applicant_tax_code: Option<String>,
    /// The draft it was sealed from, when known.
    pub draft_id: Option<DraftId>,
    /// The dossier number it supplements (a supplement container), if any.
    pub supplement_of: Option<String>,
    pub state: OutboxState,
    pub upload_url: Option<String>,
    /// Bytes the portal has acknowledged.
    pub upload_offset: u64,
    /// How many times `outbox run` worked on it.
    pub attempts: u32,
    pub last_error: Option<ItemError>,
    pub dossier_number: Option<String>,
    pub queued_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What queuing a container records.
#[derive(Debug, Clone)]
pub struct NewOutboxItem<'a> {
    pub container_sha256: &'a str,
    pub size: u64,
    pub file_name: &'a str,
    pub kind: &'a str,
    pub applicant_tax_code: Option<&'a str>,
    pub draft_id: Option<DraftId>,
    pub supplement_of: Option<&'a str>,
}

/// A receipt as stored: the portal's JSON, and what finds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredReceipt {
    pub dossier_number: String,
    /// 0 for the dossier's own receipt; 1, 2, … for its supplements.
    pub supplement: u32,
    pub container_sha256: String,
    pub kind: String,
    /// As the portal wrote it (RFC 3339, UTC).
    pub received_at: String,
    pub draft_id: Option<DraftId>,
    /// The portal's base URL.
    pub portal: String,
    pub receipt: Value,
}

/// The last status history synced for a dossier (the portal's JSON in `detail`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredStatus {
    pub dossier_number: String,
    pub kind: String,
    pub status: String,
    pub detail: Value,
    pub synced_at: Timestamp,
}

/// A supplement request and the draft opened to answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SupplementDraft {
    pub dossier_number: String,
    /// When the portal recorded the request (its time, RFC 3339): names the request.
    pub requested_at: String,
    /// Last day for the supplement, `YYYY-MM-DD`.
    pub deadline: String,
    pub message: String,
    /// `None` when no local draft of the dossier existed to copy.
    pub draft_id: Option<DraftId>,
    pub original_draft_id: Option<DraftId>,
    /// Which request the draft answers, in words.
    pub note: String,
    pub created_at: Timestamp,
}

const ITEM_COLUMNS: &str = "id, container_sha256, size, file_name, kind, applicant_tax_code, \
     draft_id, supplement_of, state, upload_url, upload_offset, attempts, last_error_code, \
     last_error, dossier_number, queued_at, updated_at";

fn to_u64(row: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    let v: i64 = row.get(i)?;
    u64::try_from(v).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, v))
}

fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt {
        detail: format!("{v} is out of range"),
    })
}

/// Where an outbox item's `column` (`outbox.file_name`, `outbox.last_error`) is kept.
fn item_cell(column: &'static str, id: i64) -> Cell {
    Cell::new(column, [id.into()])
}

fn read_item(codec: Codec<'_>, row: &Row<'_>) -> Result<OutboxItem, StoreError> {
    let id = row.get(0)?;
    let last_error = match (row.get::<_, Option<String>>(12)?, row.get_ref(13)?) {
        (None, _) | (_, ValueRef::Null) => None,
        (Some(code), message) => Some(ItemError {
            code,
            message: codec.open_json(&item_cell("outbox.last_error", id), message)?,
        }),
    };
    Ok(OutboxItem {
        id,
        container_sha256: row.get(1)?,
        size: to_u64(row, 2)?,
        file_name: codec.open_text(&item_cell("outbox.file_name", id), row.get_ref(3)?)?,
        kind: row.get(4)?,
        applicant_tax_code: row.get(5)?,
        draft_id: row.get::<_, Option<i64>>(6)?.map(DraftId),
        supplement_of: row.get(7)?,
        state: row.get(8)?,
        upload_url: row.get(9)?,
        upload_offset: to_u64(row, 10)?,
        attempts: row.get(11)?,
        last_error,
        dossier_number: row.get(14)?,
        queued_at: row.get::<_, SqlTs>(15)?.0,
        updated_at: row.get::<_, SqlTs>(16)?.0,
    })
}

const RECEIPT_COLUMNS: &str =
    "dossier_number, supplement, container_sha256, kind, received_at, draft_id, portal, receipt";

/// Where the receipt of a dossier (`supplement` 0) or of its supplement is kept.
fn receipt_cell(dossier_number: &str, supplement: u32) -> Cell {
    Cell::new(
        "receipts.receipt",
        [dossier_number.into(), supplement.into()],
    )
}

fn read_receipt(codec: Codec<'_>, row: &Row<'_>) -> Result<StoredReceipt, StoreError> {
    let dossier_number: String = row.get(0)?;
    let supplement = row.get(1)?;
    Ok(StoredReceipt {
        receipt: codec.open_json(&receipt_cell(&dossier_number, supplement), row.get_ref(7)?)?,
        dossier_number,
        supplement,
        container_sha256: row.get(2)?,
        kind: row.get(3)?,
        received_at: row.get(4)?,
        draft_id: row.get::<_, Option<i64>>(5)?.map(DraftId),
        portal: row.get(6)?,
    })
}

/// Where a dossier's status history is kept.
fn status_cell(dossier_number: &str) -> Cell {
    Cell::new("dossier_status.detail", [dossier_number.into()])
}

const STATUS_COLUMNS: &str = "dossier_number, kind, status, detail, synced_at";

fn read_status(codec: Codec<'_>, row: &Row<'_>) -> Result<StoredStatus, StoreError> {
    let dossier_number: String = row.get(0)?;
    Ok(StoredStatus {
        detail: codec.open_json(&status_cell(&dossier_number), row.get_ref(3)?)?,
        dossier_number,
        kind: row.get(1)?,
        status: row.get(2)?,
        synced_at: row.get::<_, SqlTs>(4)?.0,
    })
}

const SUPPLEMENT_COLUMNS: &str = "dossier_number, requested_at, deadline, message, draft_id, \
     original_draft_id, note, created_at";

/// Where a supplement request's `column` (`supplement_drafts.message`, `.note`) is kept.
fn supplement_cell(column: &'static str, dossier_number: &str, requested_at: &str) -> Cell {
    Cell::new(column, [dossier_number.into(), requested_at.into()])
}

fn read_supplement(codec: Codec<'_>, row: &Row<'_>) -> Result<SupplementDraft, StoreError> {
    let dossier_number: String = row.get(0)?;
    let requested_at: String = row.get(1)?;
    let cell = |column| supplement_cell(column, &dossier_number, &requested_at);
    let message = codec.open_text(&cell("supplement_drafts.message"), row.get_ref(3)?)?;
    let note = codec.open_text(&cell("supplement_drafts.note"), row.get_ref(6)?)?;
    Ok(SupplementDraft {
        dossier_number,
        requested_at,
        deadline: row.get(2)?,
        message,
        draft_id: row.get::<_, Option<i64>>(4)?.map(DraftId),
        original_draft_id: row.get::<_, Option<i64>>(5)?.map(DraftId),
        note,
        created_at: row.get::<_, SqlTs>(7)?.0,
    })
}

impl Store {
    // -- settings ----------------------------------------------------------------------

    /// A setting's value, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        tx.commit()?;
        Ok(())
    }

    // -- outbox ------------------------------------------------------------------------

    /// Queues a container already in the attachment store. The same container queued again is
    /// the same item (`false`): its SHA-256 is the portal's idempotency key.
    pub fn queue_container(
        &mut self,
        item: &NewOutboxItem<'_>,
    ) -> Result<(OutboxItem, bool), StoreError> {
        let (now, _) = now();
        let (tx, codec) = self.sealing_tx()?;
        // Unused when the container is already queued (the insert is ignored).
        let id = next_id(&tx, "outbox")?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO outbox (id, container_sha256, size, file_name, kind, \
             applicant_tax_code, draft_id, supplement_of, state, queued_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', ?9, ?9)",
            params![
                id,
                item.container_sha256,
                to_i64(item.size)?,
                codec.seal_text(&item_cell("outbox.file_name", id), item.file_name),
                item.kind,
                item.applicant_tax_code,
                item.draft_id.map(|d| d.0),
                item.supplement_of,
                now
            ],
        )?;
        tx.commit()?;
        let stored = self
            .outbox_item_by_container(item.container_sha256)?
            .ok_or_else(|| StoreError::not_found("outbox item", item.container_sha256))?;
        Ok((stored, inserted == 1))
    }

    /// Every outbox item, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        self.codec().rows(
            &self.conn,
            &format!("SELECT {ITEM_COLUMNS} FROM outbox ORDER BY id"),
            [],
            read_item,
        )
    }

    pub fn outbox_item(&self, id: i64) -> Result<OutboxItem, StoreError> {
        self.codec()
            .row(
                &self.conn,
                &format!("SELECT {ITEM_COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                read_item,
            )?
            .ok_or_else(|| StoreError::not_found("outbox item", id))
    }

    pub fn outbox_item_by_container(&self, sha256: &str) -> Result<Option<OutboxItem>, StoreError> {
        self.codec().row(
            &self.conn,
            &format!("SELECT {ITEM_COLUMNS} FROM outbox WHERE container_sha256 = ?1"),
            [sha256],
            read_item,
        )
    }

    /// The latest outbox item sealed from a draft.
    pub fn outbox_item_for_draft(&self, draft: DraftId) -> Result<Option<OutboxItem>, StoreError> {
        self.codec().row(
            &self.conn,
            &format!(
                "SELECT {ITEM_COLUMNS} FROM outbox WHERE draft_id = ?1 ORDER BY id DESC LIMIT 1"
            ),
            [draft.0],
            read_item,
        )
    }

    /// One more try on an item; a failed item goes back to the queue (its upload, if any, is
    /// kept: the portal's offset decides).
    pub fn outbox_begin(&mut self, id: i64) -> Result<OutboxItem, StoreError> {
        let (now, _) = now();
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE outbox SET attempts = attempts + 1, updated_at = ?2, \
             state = CASE state WHEN 'failed' THEN 'queued' ELSE state END \
             WHERE id = ?1 AND state <> 'filed'",
            params![id, now],
        )?;
        tx.commit()?;
        self.outbox_item(id)
    }

    /// The upload's URL and the bytes the portal acknowledged; called after every chunk.
    pub fn outbox_save_upload(
        &mut self,
        id: i64,
        upload_url: &str,
        offset: u64,
    ) -> Result<(), StoreError> {
        let (now, _) = now();
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE outbox SET state = 'uploading', upload_url = ?2, upload_offset = ?3, \
             updated_at = ?4 WHERE id = ?1 AND state IN ('queued', 'uploading')",
            params![id, upload_url, to_i64(offset)?, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The whole container is at the portal.
    pub fn outbox_uploaded(
        &mut self,
        id: i64,
        upload_url: &str,
        length: u64,
    ) -> Result<(), StoreError> {
        let (now, _) = now();
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE outbox SET state = 'uploaded', upload_url = ?2, upload_offset = ?3, \
             last_error_code = NULL, last_error = NULL, updated_at = ?4 \
             WHERE id = ?1 AND state <> 'filed'",
            params![id, upload_url, to_i64(length)?, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets the upload (the portal no longer has it): the item starts over.
    pub fn outbox_reset_upload(&mut self, id: i64) -> Result<(), StoreError> {
        let (now, _) = now();
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE outbox SET state = 'queued', upload_url = NULL, upload_offset = 0, \
             updated_at = ?2 WHERE id = ?1 AND state <> 'filed'",
            params![id, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records why the last try did not file the item. `permanent`: the portal refused it and
    /// the item fails; otherwise it stays where it was, to be tried again.
    pub fn outbox_error(
        &mut self,
        id: i64,
        error: &ItemError,
        permanent: bool,
    ) -> Result<(), StoreError> {
        let (now, _) = now();
        let (tx, codec) = self.sealing_tx()?;
        tx.execute(
            "UPDATE outbox SET last_error_code = ?2, last_error = ?3, updated_at = ?4, \
             state = CASE WHEN ?5 THEN 'failed' ELSE state END \
             WHERE id = ?1 AND state <> 'filed'",
            params![
                id,
                error.code,
                codec.seal_json(&item_cell("outbox.last_error", id), &error.message)?,
                now,
                permanent
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Stores the receipt and marks the item filed, in one transaction.
    pub fn outbox_filed(&mut self, id: i64, receipt: &StoredReceipt) -> Result<(), StoreError> {
        let (now, _) = now();
        let (tx, codec) = self.sealing_tx()?;
        let sealed = codec.seal_json(
            &receipt_cell(&receipt.dossier_number, receipt.supplement),
            &receipt.receipt,
        )?;
        tx.execute(
            &format!(
                "INSERT OR IGNORE INTO receipts ({RECEIPT_COLUMNS}, stored_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ),
            params![
                receipt.dossier_number,
                receipt.supplement,
                receipt.container_sha256,
                receipt.kind,
                receipt.received_at,
                receipt.draft_id.map(|d| d.0),
                receipt.portal,
                sealed,
                now
            ],
        )?;
        tx.execute(
            "UPDATE outbox SET state = 'filed', dossier_number = ?2, last_error_code = NULL, \
             last_error = NULL, updated_at = ?3 WHERE id = ?1",
            params![id, receipt.dossier_number, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    // -- receipts ----------------------------------------------------------------------

    /// Every receipt, oldest first.
    pub fn receipts(&self) -> Result<Vec<StoredReceipt>, StoreError> {
        self.codec().rows(
            &self.conn,
            &format!(
                "SELECT {RECEIPT_COLUMNS} FROM receipts ORDER BY stored_at, dossier_number, supplement"
            ),
            [],
            read_receipt,
        )
    }

    /// The receipts of one dossier: its own first, then its supplements'.
    pub fn receipts_of(&self, dossier_number: &str) -> Result<Vec<StoredReceipt>, StoreError> {
        self.codec().rows(
            &self.conn,
            &format!(
                "SELECT {RECEIPT_COLUMNS} FROM receipts WHERE dossier_number = ?1 ORDER BY supplement"
            ),
            [dossier_number],
            read_receipt,
        )
    }

    /// The receipt of a filed draft: whether, and as what, the draft was filed.
    pub fn receipt_for_draft(&self, draft: DraftId) -> Result<Option<StoredReceipt>, StoreError> {
        self.codec().row(
            &self.conn,
            &format!(
                "SELECT {RECEIPT_COLUMNS} FROM receipts WHERE draft_id = ?1 \
                 ORDER BY stored_at DESC LIMIT 1"
            ),
            [draft.0],
            read_receipt,
        )
    }

    // -- statuses ----------------------------------------------------------------------

    /// Keeps the status history just synced from the portal.
    pub fn save_dossier_status(
        &mut self,
        dossier_number: &str,
        kind: &str,
        status: &str,
        detail: &Value,
    ) -> Result<(), StoreError> {
        let (now, _) = now();
        let (tx, codec) = self.sealing_tx()?;
        let sealed = codec.seal_json(&status_cell(dossier_number), detail)?;
        tx.execute(
            "INSERT INTO dossier_status (dossier_number, kind, status, detail, synced_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (dossier_number) DO UPDATE SET \
             kind = excluded.kind, status = excluded.status, detail = excluded.detail, \
             synced_at = excluded.synced_at",
            params![dossier_number, kind, status, sealed, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn dossier_status(&self, dossier_number: &str) -> Result<Option<StoredStatus>, StoreError> {
        self.codec().row(
            &self.conn,
            &format!("SELECT {STATUS_COLUMNS} FROM dossier_status WHERE dossier_number = ?1"),
            [dossier_number],
            read_status,
        )
    }

    /// Every dossier's last known status, by number.
    pub fn dossier_statuses(&self) -> Result<Vec<StoredStatus>, StoreError> {
        self.codec().rows(
            &self.conn,
            &format!("SELECT {STATUS_COLUMNS} FROM dossier_status ORDER BY dossier_number"),
            [],
            read_status,
        )
    }

    // -- supplement drafts -------------------------------------------------------------

    /// Records a supplement request before its draft is made (`draft_id` set afterwards with
    /// [`Store::set_supplement_draft`]); a request already recorded is left as it is.
    pub fn add_supplement_request(&mut self, s: &SupplementDraft) -> Result<bool, StoreError> {
        let (tx, codec) = self.sealing_tx()?;
        let cell = |column| supplement_cell(column, &s.dossier_number, &s.requested_at);
        let inserted = tx.execute(
            &format!(
                "INSERT OR IGNORE INTO supplement_drafts ({SUPPLEMENT_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ),
            params![
                s.dossier_number,
                s.requested_at,
                s.deadline,
                codec.seal_text(&cell("supplement_drafts.message"), &s.message),
                s.draft_id.map(|d| d.0),
                s.original_draft_id.map(|d| d.0),
                codec.seal_text(&cell("supplement_drafts.note"), &s.note),
                super::format_ts(s.created_at)
            ],
        )?;
        tx.commit()?;
        Ok(inserted == 1)
    }

    pub fn set_supplement_draft(
        &mut self,
        dossier_number: &str,
        requested_at: &str,
        draft: DraftId,
    ) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE supplement_drafts SET draft_id = ?3 WHERE dossier_number = ?1 AND requested_at = ?2",
            params![dossier_number, requested_at, draft.0],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn supplement_request(
        &self,
        dossier_number: &str,
        requested_at: &str,
    ) -> Result<Option<SupplementDraft>, StoreError> {
        self.codec().row(
            &self.conn,
            &format!(
                "SELECT {SUPPLEMENT_COLUMNS} FROM supplement_drafts \
                 WHERE dossier_number = ?1 AND requested_at = ?2"
            ),
            params![dossier_number, requested_at],
            read_supplement,
        )
    }

    /// The supplement requests of a dossier, oldest first.
    pub fn supplement_requests(
        &self,
        dossier_number: &str,
    ) -> Result<Vec<SupplementDraft>, StoreError> {
        self.codec().rows(
            &self.conn,
            &format!(
                "SELECT {SUPPLEMENT_COLUMNS} FROM supplement_drafts WHERE dossier_number = ?1 \
                 ORDER BY requested_at"
            ),
            [dossier_number],
            read_supplement,
        )
    }

    /// The request a supplement draft answers, if the draft is one.
    pub fn supplement_for_draft(
        &self,
        draft: DraftId,
    ) -> Result<Option<SupplementDraft>, StoreError> {
        self.codec().row(
            &self.conn,
            &format!("SELECT {SUPPLEMENT_COLUMNS} FROM supplement_drafts WHERE draft_id = ?1"),
            [draft.0],
            read_supplement,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::temp_store;
    use crate::store::values::tests::in_both_folders;

    in_both_folders!(
        a_container_is_queued_once,
        an_item_moves_through_upload_to_filed_with_its_receipt,
        a_permanent_error_fails_the_item_and_keeps_its_message,
        dossier_statuses_are_replaced_and_listed_by_number,
        supplement_requests_are_recorded_once_and_found_by_draft,
    );

    fn container(store: &mut Store) -> String {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("d.asice");
        std::fs::write(&path, b"PK\x03\x04 not really a container").expect("write");
        store.add_attachment(&path).expect("add").sha256
    }

    fn new_item(sha: &str) -> NewOutboxItem<'_> {
        NewOutboxItem {
            container_sha256: sha,
            size: 30,
            file_name: "d.asice",
            kind: "trademark",
            applicant_tax_code: Some("0101234565"),
            draft_id: None,
            supplement_of: None,
        }
    }

    fn a_container_is_queued_once(store: &mut Store) {
        let sha = container(store);
        let (first, new) = store.queue_container(&new_item(&sha)).expect("queue");
        assert!(new);
        assert_eq!(first.state, OutboxState::Queued);
        let (again, new) = store.queue_container(&new_item(&sha)).expect("queue again");
        assert!(!new);
        assert_eq!(again.id, first.id);
        assert_eq!(store.outbox().expect("list").len(), 1);
    }

    fn an_item_moves_through_upload_to_filed_with_its_receipt(store: &mut Store) {
        let sha = container(store);
        let (item, _) = store.queue_container(&new_item(&sha)).expect("queue");
        store.outbox_begin(item.id).expect("begin");
        store
            .outbox_save_upload(item.id, "http://p/v1/uploads/u1", 10)
            .expect("save");
        let saved = store.outbox_item(item.id).expect("item");
        assert_eq!(saved.state, OutboxState::Uploading);
        assert_eq!(saved.upload_offset, 10);
        assert_eq!(saved.attempts, 1);
        let transient = ItemError {
            code: "portal.unreachable".into(),
            message: Text::new("không kết nối được", "unreachable"),
        };
        store
            .outbox_error(item.id, &transient, false)
            .expect("error");
        let saved = store.outbox_item(item.id).expect("item");
        assert_eq!(
            saved.state,
            OutboxState::Uploading,
            "a transient error keeps the state"
        );
        assert_eq!(
            saved.last_error.as_ref().map(|e| e.code.as_str()),
            Some("portal.unreachable")
        );
        store
            .outbox_uploaded(item.id, "http://p/v1/uploads/u1", 30)
            .expect("uploaded");
        let receipt = StoredReceipt {
            dossier_number: "4-2026-00001".into(),
            supplement: 0,
            container_sha256: sha.clone(),
            kind: "trademark".into(),
            received_at: "2026-11-23T01:02:03Z".into(),
            draft_id: None,
            portal: "http://p".into(),
            receipt: serde_json::json!({"dossier_number": "4-2026-00001"}),
        };
        store.outbox_filed(item.id, &receipt).expect("filed");
        let filed = store.outbox_item(item.id).expect("item");
        assert_eq!(filed.state, OutboxState::Filed);
        assert_eq!(filed.dossier_number.as_deref(), Some("4-2026-00001"));
        assert!(filed.last_error.is_none());
        assert_eq!(
            store.receipts_of("4-2026-00001").expect("receipts"),
            [receipt]
        );
        // A filed item never moves again.
        store.outbox_reset_upload(item.id).expect("reset");
        assert_eq!(
            store.outbox_item(item.id).expect("item").state,
            OutboxState::Filed
        );
    }

    fn a_permanent_error_fails_the_item_and_keeps_its_message(store: &mut Store) {
        let sha = container(store);
        let mut item = new_item(&sha);
        item.file_name = "Đơn sáng chế — bản cuối.asice";
        let (item, _) = store.queue_container(&item).expect("queue");
        let refused = ItemError {
            code: "portal.signature_invalid".into(),
            message: Text::new("chữ ký không hợp lệ", "the signature is not valid"),
        };
        store.outbox_error(item.id, &refused, true).expect("error");
        let failed = store
            .outbox_item_by_container(&sha)
            .expect("lookup")
            .expect("queued");
        assert_eq!(failed.state, OutboxState::Failed);
        assert_eq!(failed.file_name, "Đơn sáng chế — bản cuối.asice");
        assert_eq!(failed.last_error, Some(refused));
        assert_eq!(failed.applicant_tax_code.as_deref(), Some("0101234565"));
    }

    fn dossier_statuses_are_replaced_and_listed_by_number(store: &mut Store) {
        let first = serde_json::json!({"history": [{"status": "received"}]});
        let later = serde_json::json!({
            "history": [{"status": "received"}, {"status": "supplement_requested",
                         "message": "Bổ sung bản mô tả"}]
        });
        store
            .save_dossier_status("4-2026-00002", "trademark", "received", &first)
            .expect("save");
        store
            .save_dossier_status("4-2026-00001", "patent", "received", &first)
            .expect("save");
        store
            .save_dossier_status("4-2026-00002", "trademark", "supplement_requested", &later)
            .expect("replace");
        let status = store
            .dossier_status("4-2026-00002")
            .expect("read")
            .expect("stored");
        assert_eq!(status.status, "supplement_requested");
        assert_eq!(status.detail, later);
        let numbers: Vec<_> = store
            .dossier_statuses()
            .expect("list")
            .into_iter()
            .map(|s| s.dossier_number)
            .collect();
        assert_eq!(numbers, ["4-2026-00001", "4-2026-00002"]);
        assert_eq!(store.dossier_status("9-9").expect("read"), None);
    }

    fn supplement_requests_are_recorded_once_and_found_by_draft(store: &mut Store) {
        let original = store
            .create_draft("patent", None, "gốc", &serde_json::json!({}), "c")
            .expect("draft");
        let copy = store
            .create_draft("patent", None, "bổ sung", &serde_json::json!({}), "c")
            .expect("draft");
        let request = SupplementDraft {
            dossier_number: "1-2026-00007".into(),
            requested_at: "2026-12-01T08:00:00Z".into(),
            deadline: "2027-01-01".into(),
            message: "Đề nghị bổ sung bản vẽ".into(),
            draft_id: None,
            original_draft_id: Some(original),
            note: "Trả lời yêu cầu ngày 01/12/2026".into(),
            created_at: "2026-12-02T00:00:00Z".parse().expect("ts"),
        };
        assert!(store.add_supplement_request(&request).expect("add"));
        let mut changed = request.clone();
        changed.message = "another".into();
        assert!(!store.add_supplement_request(&changed).expect("again"));
        store
            .set_supplement_draft(&request.dossier_number, &request.requested_at, copy)
            .expect("set draft");
        let expected = SupplementDraft {
            draft_id: Some(copy),
            ..request.clone()
        };
        assert_eq!(
            store
                .supplement_request(&request.dossier_number, &request.requested_at)
                .expect("read"),
            Some(expected.clone())
        );
        assert_eq!(
            store
                .supplement_requests(&request.dossier_number)
                .expect("list"),
            std::slice::from_ref(&expected)
        );
        assert_eq!(
            store.supplement_for_draft(copy).expect("by draft"),
            Some(expected)
        );
        assert_eq!(store.supplement_for_draft(original).expect("none"), None);
    }

    #[test]
    fn settings_are_replaced_in_place() {
        let (_dir, mut store) = temp_store();
        assert_eq!(store.setting("portal_url").expect("get"), None);
        store.set_setting("portal_url", "http://a").expect("set");
        store.set_setting("portal_url", "http://b").expect("set");
        assert_eq!(
            store.setting("portal_url").expect("get").as_deref(),
            Some("http://b")
        );
    }
}
