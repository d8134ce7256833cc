//! Drafts (bản nháp) and their revisions (phiên bản).
//!
//! Every save writes the whole document as a new revision, in one transaction
//! with the draft's `current_rev`: nothing typed is lost on a crash, and any
//! earlier state can be brought back. History is never rewritten — restoring
//! revision N appends a copy of it — and the revisions table refuses updates.
//!
//! A sealed draft (signed and packaged into a container) never changes again:
//! saving, restoring, retitling or sealing it a second time is refused with
//! [`StoreError::Sealed`].
//!
//! In an encrypted folder the title and each revision's summary and document are
//! sealed (`values.rs`), bound to the draft's id and the revision's number.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::profiles::ensure_profile;
use super::values::{Cell, Codec, next_id};
use super::{ProfileId, SqlTs, Store, StoreError, now};

/// Row id of a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct DraftId(pub i64);

impl std::fmt::Display for DraftId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A draft with the document of its latest revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredDraft {
    pub id: DraftId,
    /// The dossier kind, as the forms spell it.
    pub kind: String,
    pub profile_id: Option<ProfileId>,
    pub title: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub sealed_at: Option<Timestamp>,
    /// The latest revision number (1 for a new draft).
    pub rev: u32,
    pub doc: Value,
}

/// A draft in a list: everything but the document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DraftSummary {
    pub id: DraftId,
    pub kind: String,
    pub profile_id: Option<ProfileId>,
    pub title: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub sealed_at: Option<Timestamp>,
    pub rev: u32,
}

/// One revision of a draft.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevisionInfo {
    pub rev: u32,
    pub saved_at: Timestamp,
    pub summary: String,
    pub doc: Value,
}

/// One revision in a list: everything but the document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevisionSummary {
    pub rev: u32,
    pub saved_at: Timestamp,
    pub summary: String,
}

/// The columns of [`DraftSummary`], in `read_summary`'s order.
const SUMMARY_COLUMNS: &str = "d.id, d.kind, d.profile_id, d.title, d.created_at, \
     d.updated_at, d.sealed_at, d.current_rev";

/// Where a draft's title is kept.
fn title_cell(id: DraftId) -> Cell {
    Cell::new("drafts.title", [id.0.into()])
}

/// Where a revision's `column` (`revisions.summary`, `revisions.doc`) is kept.
fn revision_cell(column: &'static str, id: DraftId, rev: u32) -> Cell {
    Cell::new(column, [id.0.into(), rev.into()])
}

fn read_summary(codec: Codec<'_>, row: &Row<'_>) -> Result<DraftSummary, StoreError> {
    let id = DraftId(row.get(0)?);
    Ok(DraftSummary {
        id,
        kind: row.get(1)?,
        profile_id: row.get::<_, Option<i64>>(2)?.map(ProfileId),
        title: codec.open_text(&title_cell(id), row.get_ref(3)?)?,
        created_at: row.get::<_, SqlTs>(4)?.0,
        updated_at: row.get::<_, SqlTs>(5)?.0,
        sealed_at: row.get::<_, Option<SqlTs>>(6)?.map(|t| t.0),
        rev: row.get(7)?,
    })
}

/// A revision of draft `id` from `rev, saved_at, summary[, doc]`.
fn read_revision_summary(
    codec: Codec<'_>,
    id: DraftId,
    row: &Row<'_>,
) -> Result<RevisionSummary, StoreError> {
    let rev = row.get(0)?;
    Ok(RevisionSummary {
        rev,
        saved_at: row.get::<_, SqlTs>(1)?.0,
        summary: codec.open_text(
            &revision_cell("revisions.summary", id, rev),
            row.get_ref(2)?,
        )?,
    })
}

fn read_revision(codec: Codec<'_>, id: DraftId, row: &Row<'_>) -> Result<RevisionInfo, StoreError> {
    let RevisionSummary {
        rev,
        saved_at,
        summary,
    } = read_revision_summary(codec, id, row)?;
    Ok(RevisionInfo {
        doc: codec.open_json(&revision_cell("revisions.doc", id, rev), row.get_ref(3)?)?,
        rev,
        saved_at,
        summary,
    })
}

/// The current revision of a draft that may still change.
fn writable_head(conn: &Connection, id: DraftId) -> Result<u32, StoreError> {
    let head: Option<(u32, Option<String>)> = conn
        .query_row(
            "SELECT current_rev, sealed_at FROM drafts WHERE id = ?1",
            [id.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match head {
        None => Err(StoreError::not_found("draft", id)),
        Some((_, Some(_))) => Err(StoreError::Sealed { id }),
        Some((rev, None)) => Ok(rev),
    }
}

/// Writes revision `rev` of draft `id`, its summary and document (JSON text) sealed.
fn insert_revision(
    conn: &Connection,
    codec: Codec<'_>,
    id: DraftId,
    rev: u32,
    saved_at: &str,
    summary: &str,
    doc: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO revisions (draft_id, rev, saved_at, summary, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id.0,
        rev,
        saved_at,
        codec.seal_text(&revision_cell("revisions.summary", id, rev), summary),
        codec.seal_text(&revision_cell("revisions.doc", id, rev), doc)
    ])?;
    Ok(())
}

fn ensure_draft(conn: &Connection, id: DraftId) -> Result<(), StoreError> {
    conn.query_row("SELECT 1 FROM drafts WHERE id = ?1", [id.0], |_| Ok(()))
        .optional()?
        .ok_or_else(|| StoreError::not_found("draft", id))
}

/// Appends revision `current + 1` with `doc` (JSON text) and makes it current.
fn append_revision(
    conn: &Connection,
    codec: Codec<'_>,
    id: DraftId,
    doc: &str,
    summary: &str,
) -> Result<u32, StoreError> {
    let rev = writable_head(conn, id)?
        .checked_add(1)
        .ok_or_else(|| StoreError::Corrupt {
            detail: format!("draft {id} has too many revisions"),
        })?;
    let (now, _) = now();
    insert_revision(conn, codec, id, rev, &now, summary, doc)?;
    conn.prepare_cached("UPDATE drafts SET current_rev = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id.0, rev, now])?;
    Ok(rev)
}

impl Store {
    /// Creates a draft and its revision 1 in one transaction.
    pub fn create_draft(
        &mut self,
        kind: &str,
        profile_id: Option<ProfileId>,
        title: &str,
        doc: &Value,
        summary: &str,
    ) -> Result<DraftId, StoreError> {
        let doc = serde_json::to_string(doc)?;
        let (now, _) = now();
        let (tx, codec) = self.sealing_tx()?;
        if let Some(profile) = profile_id {
            ensure_profile(&tx, profile)?;
        }
        let id = DraftId(next_id(&tx, "drafts")?);
        tx.execute(
            "INSERT INTO drafts (id, kind, profile_id, title, created_at, updated_at, current_rev) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1)",
            params![
                id.0,
                kind,
                profile_id.map(|p| p.0),
                codec.seal_text(&title_cell(id), title),
                now
            ],
        )?;
        insert_revision(&tx, codec, id, 1, &now, summary, &doc)?;
        tx.commit()?;
        tracing::debug!(%id, kind, "draft created");
        Ok(id)
    }

    /// Saves `doc` as the draft's next revision and returns its number.
    ///
    /// When this returns `Ok`, the revision is on disk (autosave contract).
    pub fn save_revision(
        &mut self,
        id: DraftId,
        doc: &Value,
        summary: &str,
    ) -> Result<u32, StoreError> {
        let doc = serde_json::to_string(doc)?;
        let (tx, codec) = self.sealing_tx()?;
        let rev = append_revision(&tx, codec, id, &doc, summary)?;
        tx.commit()?;
        Ok(rev)
    }

    /// Brings back revision `rev` as a new revision (summary "restored
    /// revision N") and returns the new number; later revisions are kept.
    pub fn restore(&mut self, id: DraftId, rev: u32) -> Result<u32, StoreError> {
        let (tx, codec) = self.sealing_tx()?;
        writable_head(&tx, id)?;
        // Opened and sealed again: the copy is bound to its own revision number.
        let doc = codec
            .row(
                &tx,
                "SELECT doc FROM revisions WHERE draft_id = ?1 AND rev = ?2",
                params![id.0, rev],
                |codec, r| codec.open_text(&revision_cell("revisions.doc", id, rev), r.get_ref(0)?),
            )?
            .ok_or_else(|| StoreError::not_found("revision", format!("{id}/{rev}")))?;
        let new_rev = append_revision(&tx, codec, id, &doc, &format!("restored revision {rev}"))?;
        tx.commit()?;
        Ok(new_rev)
    }

    /// A draft with its latest document.
    pub fn draft(&self, id: DraftId) -> Result<StoredDraft, StoreError> {
        self.codec()
            .row(
                &self.conn,
                &format!(
                    "SELECT {SUMMARY_COLUMNS}, r.doc FROM drafts d JOIN revisions r \
                     ON r.draft_id = d.id AND r.rev = d.current_rev WHERE d.id = ?1"
                ),
                [id.0],
                |codec, row| {
                    let s = read_summary(codec, row)?;
                    Ok(StoredDraft {
                        doc: codec.open_json(
                            &revision_cell("revisions.doc", s.id, s.rev),
                            row.get_ref(8)?,
                        )?,
                        id: s.id,
                        kind: s.kind,
                        profile_id: s.profile_id,
                        title: s.title,
                        created_at: s.created_at,
                        updated_at: s.updated_at,
                        sealed_at: s.sealed_at,
                        rev: s.rev,
                    })
                },
            )?
            .ok_or_else(|| StoreError::not_found("draft", id))
    }

    /// Every draft, most recently changed first, without documents.
    pub fn drafts(&self) -> Result<Vec<DraftSummary>, StoreError> {
        self.codec().rows(
            &self.conn,
            &format!(
                "SELECT {SUMMARY_COLUMNS} FROM drafts d ORDER BY d.updated_at DESC, d.id DESC"
            ),
            [],
            read_summary,
        )
    }

    /// Every revision of a draft, oldest first, with its document.
    pub fn history(&self, id: DraftId) -> Result<Vec<RevisionInfo>, StoreError> {
        ensure_draft(&self.conn, id)?;
        self.codec().rows(
            &self.conn,
            "SELECT rev, saved_at, summary, doc FROM revisions WHERE draft_id = ?1 ORDER BY rev",
            [id.0],
            |codec, row| read_revision(codec, id, row),
        )
    }

    /// The latest `limit` revisions of a draft, newest first, without their documents: the
    /// editor lists them after every edit, and reading every revision's whole document for that
    /// would cost more the longer the draft's history.
    pub fn recent_revisions(
        &self,
        id: DraftId,
        limit: usize,
    ) -> Result<Vec<RevisionSummary>, StoreError> {
        ensure_draft(&self.conn, id)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.codec().rows(
            &self.conn,
            "SELECT rev, saved_at, summary FROM revisions WHERE draft_id = ?1 \
             ORDER BY rev DESC LIMIT ?2",
            params![id.0, limit],
            |codec, row| read_revision_summary(codec, id, row),
        )
    }

    /// The document of one revision.
    pub fn revision(&self, id: DraftId, rev: u32) -> Result<Value, StoreError> {
        let doc = self.codec().row(
            &self.conn,
            "SELECT doc FROM revisions WHERE draft_id = ?1 AND rev = ?2",
            params![id.0, rev],
            |codec, r| codec.open_json(&revision_cell("revisions.doc", id, rev), r.get_ref(0)?),
        )?;
        match doc {
            Some(doc) => Ok(doc),
            None => {
                ensure_draft(&self.conn, id)?;
                Err(StoreError::not_found("revision", format!("{id}/{rev}")))
            }
        }
    }

    /// Renames a draft (the title only labels it in lists).
    pub fn set_title(&mut self, id: DraftId, title: &str) -> Result<(), StoreError> {
        let (now, _) = now();
        let (tx, codec) = self.sealing_tx()?;
        writable_head(&tx, id)?;
        tx.execute(
            "UPDATE drafts SET title = ?2, updated_at = ?3 WHERE id = ?1",
            params![id.0, codec.seal_text(&title_cell(id), title), now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Freezes a draft once its container has been sealed; returns when.
    pub fn mark_sealed(&mut self, id: DraftId) -> Result<Timestamp, StoreError> {
        let (now, ts) = now();
        let tx = self.write_tx()?;
        writable_head(&tx, id)?;
        tx.execute(
            "UPDATE drafts SET sealed_at = ?2, updated_at = ?2 WHERE id = ?1",
            params![id.0, now],
        )?;
        tx.commit()?;
        Ok(ts)
    }

    /// The unsealed drafts that use a profile, oldest first (e.g. to offer
    /// them a changed address).
    pub fn drafts_for_profile(&self, profile_id: ProfileId) -> Result<Vec<DraftId>, StoreError> {
        ensure_profile(&self.conn, profile_id)?;
        let mut stmt = self.conn.prepare(
            "SELECT id FROM drafts WHERE profile_id = ?1 AND sealed_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([profile_id.0], |r| r.get(0).map(DraftId))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests;
