//! A draft as the editor shows it: the typed dossier with its validation report, fees,
//! attachment slots and history, recomputed after every change. Each change is one revision
//! (drafting's contract); a refused change saves nothing.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use base64::Engine as _;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{DeskError, DeskResult, FieldSet};
use crate::catalog::Library;
use crate::counting::{self, DocumentCounts, PatentCounts};
use crate::drafting;
use crate::fees::FeeSchedule;
use crate::forms::{AttachmentRef, Dossier};
use crate::kind::DossierKind;
use crate::legal::SlotSpec;
use crate::store::{DraftId, ProfileId, Store, SupplementDraft};
use crate::text::Text;
use crate::validate::Report;

/// How many revisions a view lists (the newest); older ones stay in the store.
pub const HISTORY_LIMIT: usize = 50;

/// Largest image [`attachment_image`] inlines as a `data:` URL.
const IMAGE_LIMIT: u64 = 20 << 20;

/// A draft with everything the editor shows beside the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DraftView {
    pub id: DraftId,
    pub kind: DossierKind,
    pub rev: u32,
    pub title: String,
    pub profile_id: Option<ProfileId>,
    /// Signed and packaged: it can no longer change.
    pub sealed: bool,
    pub sealed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub dossier: Dossier,
    pub report: Report,
    pub fees: FeeSchedule,
    /// The attachment slots of the draft's form version, in the form's order.
    pub slots: Vec<SlotView>,
    /// Latest first, at most [`HISTORY_LIMIT`].
    pub history: Vec<RevisionView>,
    /// For a supplement draft, the portal's request it answers.
    pub supplement: Option<SupplementDraft>,
    /// Patent and utility-solution drafts: the pages and claims counted from the attached
    /// description, suggested for the form's count fields.
    pub counts: Option<PatentCounts>,
}

/// An attachment slot (tài liệu kèm theo) and the files in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SlotView {
    pub id: String,
    pub name: Text,
    /// Accepted media types (sniffed from content, never from the extension).
    pub accept: Vec<String>,
    pub max_mib: u64,
    pub multiple: bool,
    /// The slot must be filled for the dossier as it now stands (its condition holds).
    pub required: bool,
    pub files: Vec<AttachmentRef>,
}

/// One revision in a draft's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RevisionView {
    pub rev: u32,
    pub saved_at: Timestamp,
    pub summary: String,
}

impl DraftView {
    /// The view of a stored draft's latest revision, validated and priced for `today`.
    pub fn load(store: &Store, id: DraftId, today: Date) -> DeskResult<DraftView> {
        let stored = store.draft(id)?;
        let dossier = Dossier::from_json(stored.doc).map_err(drafting::DraftError::from)?;
        let library = Library::load(store)?;
        let report = drafting::validate_stored(store, &dossier, &library, today)?;
        let data = library.for_form(dossier.form_version());
        let fees = crate::fees::compute(&dossier, &data.fees, today);
        let slots = match data.forms.get(dossier.form_version()) {
            Some(form) => form
                .slots
                .iter()
                .map(|slot| slot_view(&dossier, slot))
                .collect(),
            None => Vec::new(),
        };
        let history = store
            .recent_revisions(id, HISTORY_LIMIT)?
            .into_iter()
            .map(|r| RevisionView {
                rev: r.rev,
                saved_at: r.saved_at,
                summary: r.summary,
            })
            .collect();
        Ok(DraftView {
            id,
            kind: dossier.kind(),
            rev: stored.rev,
            title: stored.title,
            profile_id: stored.profile_id,
            sealed: stored.sealed_at.is_some(),
            sealed_at: stored.sealed_at,
            updated_at: stored.updated_at,
            report,
            fees,
            slots,
            history,
            supplement: store.supplement_for_draft(id)?,
            counts: patent_counts(store, &dossier),
            dossier,
        })
    }
}

/// Most documents whose counts are kept in memory.
const COUNTS_KEPT: usize = 64;

/// Counts of the documents already read, by SHA-256. A draft's view is rebuilt after every
/// edit, and reading a long description's text takes longer than a keystroke should; the key
/// is the content's hash, so an entry never goes stale.
static DOCUMENT_COUNTS: LazyLock<Mutex<HashMap<String, DocumentCounts>>> =
    LazyLock::new(Mutex::default);

fn patent_counts(store: &Store, dossier: &Dossier) -> Option<PatentCounts> {
    if !matches!(
        dossier.kind(),
        DossierKind::Patent | DossierKind::UtilitySolution
    ) {
        return None;
    }
    let count = |a: &AttachmentRef| {
        let kept = DOCUMENT_COUNTS
            .lock()
            .ok()
            .and_then(|m| m.get(&a.sha256).cloned());
        if let Some(counts) = kept {
            return counts;
        }
        let Ok(bytes) = read_attachment(store, &a.sha256) else {
            return DocumentCounts::missing();
        };
        let counts = counting::count_document(&a.media_type, &bytes);
        if let Ok(mut kept) = DOCUMENT_COUNTS.lock() {
            if kept.len() >= COUNTS_KEPT {
                kept.clear();
            }
            kept.insert(a.sha256.clone(), counts.clone());
        }
        counts
    };
    let counts = counting::suggest_patent_counts(dossier.attachments(), &count);
    Some(counts)
}

/// An attachment's bytes from the local store.
fn read_attachment(store: &Store, sha256: &str) -> DeskResult<Vec<u8>> {
    let mut bytes = Vec::new();
    store
        .open_attachment(sha256)?
        .read_to_end(&mut bytes)
        .map_err(|e| crate::store::StoreError::attachment_read(sha256, e))?;
    Ok(bytes)
}

fn slot_view(dossier: &Dossier, slot: &SlotSpec) -> SlotView {
    let files: Vec<AttachmentRef> = dossier
        .attachments()
        .iter()
        .filter(|a| a.slot == slot.id)
        .cloned()
        .collect();
    SlotView {
        id: slot.id.clone(),
        name: slot.label(),
        accept: slot.accept.clone(),
        max_mib: slot.max_mib,
        multiple: slot.multiple,
        required: dossier.requirement_holds(slot.required),
        files,
    }
}

/// A new draft of `kind`, filled from a profile when one is given.
pub fn draft_new(
    store: &mut Store,
    kind: DossierKind,
    profile_id: Option<ProfileId>,
    today: Date,
) -> DeskResult<DraftView> {
    let id = drafting::new_draft(store, kind, profile_id, None, today)?;
    DraftView::load(store, id, today)
}

pub fn draft_get(store: &Store, id: DraftId, today: Date) -> DeskResult<DraftView> {
    DraftView::load(store, id, today)
}

/// Applies every edit as one revision. A bad path or value refuses the whole call (its
/// `form.*` code) and saves nothing.
pub fn draft_set(
    store: &mut Store,
    id: DraftId,
    sets: &[FieldSet],
    today: Date,
) -> DeskResult<DraftView> {
    if !sets.is_empty() {
        let pairs: Vec<(String, String)> = sets
            .iter()
            .map(|s| (s.path.clone(), s.value.clone()))
            .collect();
        drafting::edit_fields(store, id, &pairs)?;
    }
    DraftView::load(store, id, today)
}

/// Brings back revision `rev` as a new revision.
pub fn draft_restore(
    store: &mut Store,
    id: DraftId,
    rev: u32,
    today: Date,
) -> DeskResult<DraftView> {
    drafting::restore(store, id, rev)?;
    DraftView::load(store, id, today)
}

/// Attaches files to a slot (a file dialog's choice, or the files of a drop), one revision
/// each; the first refused file stops, the ones before it stay attached.
pub fn attach(
    store: &mut Store,
    id: DraftId,
    slot: &str,
    files: &[PathBuf],
    today: Date,
) -> DeskResult<DraftView> {
    for file in files {
        drafting::attach(store, id, file, Some(slot))?;
    }
    DraftView::load(store, id, today)
}

/// Removes the attachments of a slot, or the one a file name or hash prefix names.
pub fn detach(store: &mut Store, id: DraftId, which: &str, today: Date) -> DeskResult<DraftView> {
    drafting::detach(store, id, which)?;
    DraftView::load(store, id, today)
}

/// An image attachment as a `data:` URL (the mark sample preview): the webview never reads the
/// data folder itself.
pub fn attachment_image(store: &Store, sha256: &str) -> DeskResult<String> {
    let info = store
        .attachment(sha256)?
        .ok_or_else(|| DeskError::from(drafting::DraftError::MissingBlob(sha256.to_owned())))?;
    if !info.media_type.starts_with("image/") || info.size > IMAGE_LIMIT {
        return Err(DeskError::new(
            "attachment.not_image",
            Text::new(
                "Tệp này không phải ảnh có thể xem trước.",
                "This file is not an image that can be previewed.",
            ),
        ));
    }
    let bytes = read_attachment(store, sha256)?;
    Ok(format!(
        "data:{};base64,{}",
        info.media_type,
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// Barcode dossiers: gives every product row without a GTIN the next free one under the
/// company prefix, as one revision.
pub fn fill_gtins(store: &mut Store, id: DraftId, today: Date) -> DeskResult<DraftView> {
    let Dossier::Barcode(mut form) = drafting::load(store, id)? else {
        return Err(DeskError::new(
            "gtin.not_barcode",
            Text::new(
                "Chỉ hồ sơ đăng ký mã số mã vạch mới có mã GTIN.",
                "Only barcode registrations have GTINs.",
            ),
        ));
    };
    let filled = crate::gtin::fill_gtins(&mut form)?;
    if filled > 0 {
        let products = serde_json::to_string(&form.products).map_err(DeskError::internal)?;
        drafting::edit_fields(store, id, &[("products".to_owned(), products)])?;
    }
    DraftView::load(store, id, today)
}

/// The draft's official forms, rendered from its latest revision and turned into page images.
pub fn preview(
    store: &Store,
    id: DraftId,
    width_px: u32,
) -> DeskResult<Vec<crate::preview::PreviewForm>> {
    let forms = drafting::render_draft(store, id)?;
    Ok(crate::preview::preview_forms(&forms, width_px)?)
}
