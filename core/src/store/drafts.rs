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

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::profiles::ensure_profile;
use super::{ProfileId, SqlJson, SqlTs, Store, StoreError, now};

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

fn read_summary(row: &rusqlite::Row<'_>) -> rusqlite::Result<DraftSummary> {
    Ok(DraftSummary {
        id: DraftId(row.get(0)?),
        kind: row.get(1)?,
        profile_id: row.get::<_, Option<i64>>(2)?.map(ProfileId),
        title: row.get(3)?,
        created_at: row.get::<_, SqlTs>(4)?.0,
        updated_at: row.get::<_, SqlTs>(5)?.0,
        sealed_at: row.get::<_, Option<SqlTs>>(6)?.map(|t| t.0),
        rev: row.get(7)?,
    })
}

fn read_revision(row: &rusqlite::Row<'_>) -> rusqlite::Result<RevisionInfo> {
    Ok(RevisionInfo {
        rev: row.get(0)?,
        saved_at: row.get::<_, SqlTs>(1)?.0,
        summary: row.get(2)?,
        doc: row.get::<_, SqlJson>(3)?.0,
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

fn ensure_draft(conn: &Connection, id: DraftId) -> Result<(), StoreError> {
    conn.query_row("SELECT 1 FROM drafts WHERE id = ?1", [id.0], |_| Ok(()))
        .optional()?
        .ok_or_else(|| StoreError::not_found("draft", id))
}

/// Appends revision `current + 1` with `doc` (JSON text) and makes it current.
fn append_revision(
    conn: &Connection,
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
    conn.prepare_cached(
        "INSERT INTO revisions (draft_id, rev, saved_at, summary, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id.0, rev, now, summary, doc])?;
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
        let tx = self.write_tx()?;
        if let Some(profile) = profile_id {
            ensure_profile(&tx, profile)?;
        }
        tx.execute(
            "INSERT INTO drafts (kind, profile_id, title, created_at, updated_at, current_rev) \
             VALUES (?1, ?2, ?3, ?4, ?4, 1)",
            params![kind, profile_id.map(|p| p.0), title, now],
        )?;
        let id = DraftId(tx.last_insert_rowid());
        tx.execute(
            "INSERT INTO revisions (draft_id, rev, saved_at, summary, doc) VALUES (?1, 1, ?2, ?3, ?4)",
            params![id.0, now, summary, doc],
        )?;
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
        let tx = self.write_tx()?;
        let rev = append_revision(&tx, id, &doc, summary)?;
        tx.commit()?;
        Ok(rev)
    }

    /// Brings back revision `rev` as a new revision (summary "restored
    /// revision N") and returns the new number; later revisions are kept.
    pub fn restore(&mut self, id: DraftId, rev: u32) -> Result<u32, StoreError> {
        let tx = self.write_tx()?;
        writable_head(&tx, id)?;
        let doc: String = tx
            .query_row(
                "SELECT doc FROM revisions WHERE draft_id = ?1 AND rev = ?2",
                params![id.0, rev],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::not_found("revision", format!("{id}/{rev}")))?;
        let new_rev = append_revision(&tx, id, &doc, &format!("restored revision {rev}"))?;
        tx.commit()?;
        Ok(new_rev)
    }

    /// A draft with its latest document.
    pub fn draft(&self, id: DraftId) -> Result<StoredDraft, StoreError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {SUMMARY_COLUMNS}, r.doc FROM drafts d JOIN revisions r \
                     ON r.draft_id = d.id AND r.rev = d.current_rev WHERE d.id = ?1"
                ),
                [id.0],
                |row| {
                    let s = read_summary(row)?;
                    Ok(StoredDraft {
                        doc: row.get::<_, SqlJson>(8)?.0,
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
            )
            .optional()?
            .ok_or_else(|| StoreError::not_found("draft", id))
    }

    /// Every draft, most recently changed first, without documents.
    pub fn drafts(&self) -> Result<Vec<DraftSummary>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM drafts d ORDER BY d.updated_at DESC, d.id DESC"
        ))?;
        let rows = stmt.query_map([], read_summary)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every revision of a draft, oldest first, with its document.
    pub fn history(&self, id: DraftId) -> Result<Vec<RevisionInfo>, StoreError> {
        ensure_draft(&self.conn, id)?;
        let mut stmt = self.conn.prepare(
            "SELECT rev, saved_at, summary, doc FROM revisions WHERE draft_id = ?1 ORDER BY rev",
        )?;
        let rows = stmt.query_map([id.0], read_revision)?;
        Ok(rows.collect::<Result<_, _>>()?)
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
        let mut stmt = self.conn.prepare_cached(
            "SELECT rev, saved_at, summary FROM revisions WHERE draft_id = ?1 \
             ORDER BY rev DESC LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![id.0, limit], |row| {
            Ok(RevisionSummary {
                rev: row.get(0)?,
                saved_at: row.get::<_, SqlTs>(1)?.0,
                summary: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The document of one revision.
    pub fn revision(&self, id: DraftId, rev: u32) -> Result<Value, StoreError> {
        let doc = self
            .conn
            .query_row(
                "SELECT doc FROM revisions WHERE draft_id = ?1 AND rev = ?2",
                params![id.0, rev],
                |r| r.get::<_, SqlJson>(0),
            )
            .optional()?;
        match doc {
            Some(doc) => Ok(doc.0),
            None => {
                ensure_draft(&self.conn, id)?;
                Err(StoreError::not_found("revision", format!("{id}/{rev}")))
            }
        }
    }

    /// Renames a draft (the title only labels it in lists).
    pub fn set_title(&mut self, id: DraftId, title: &str) -> Result<(), StoreError> {
        let (now, _) = now();
        let tx = self.write_tx()?;
        writable_head(&tx, id)?;
        tx.execute(
            "UPDATE drafts SET title = ?2, updated_at = ?3 WHERE id = ?1",
            params![id.0, title, now],
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
