//! The status of filed dossiers (tình trạng hồ sơ): synced from the portal and kept, so that
//! `hoso status` offline shows the last known history. A supplement request (yêu cầu bổ sung)
//! opens a supplement draft: a copy of the filed dossier's draft, linked to the request it
//! answers, to be edited, sealed and submitted (`hoso submit` sends it as a supplement).

use hoso_portal::api::{DossierStatus, Status, StatusName, codes};
use hoso_portal::client::ClientError;
use jiff::Timestamp;
use serde::Serialize;

use super::{FilingError, Link};
use crate::store::{DraftId, Store, StoreError, StoredReceipt, StoredStatus, SupplementDraft};
use crate::text::Text;

/// A dossier as last synced, with what this data folder knows besides.
#[derive(Debug, Clone, Serialize)]
pub struct DossierView {
    #[serde(flatten)]
    pub status: DossierStatus,
    pub synced_at: Timestamp,
    /// The draft the dossier was sealed from, when it was sealed here.
    pub draft_id: Option<DraftId>,
    /// The supplement requests and the drafts opened for them, oldest first.
    pub supplement_drafts: Vec<SupplementDraft>,
}

impl DossierView {
    /// The request now open, if the dossier waits for a supplement.
    pub fn open_supplement(&self) -> Option<&SupplementDraft> {
        (self.status.status == StatusName::SupplementRequested)
            .then(|| self.supplement_drafts.last())
            .flatten()
    }

    /// The fee now due, if any: amount in đồng and payment reference.
    pub fn fee_due(&self) -> Option<(u64, &str)> {
        if self.status.status != StatusName::FeeDue {
            return None;
        }
        self.status
            .history
            .iter()
            .rev()
            .find_map(|e| match &e.status {
                Status::FeeDue {
                    amount_vnd,
                    payment_reference,
                    ..
                } => Some((*amount_vnd, payment_reference.as_str())),
                _ => None,
            })
    }
}

/// A status's name in both languages.
pub fn status_text(name: StatusName) -> Text {
    let (vi, en) = match name {
        StatusName::Received => ("Đã tiếp nhận", "Received"),
        StatusName::InReview => ("Đang thẩm định", "In review"),
        StatusName::SupplementRequested => ("Yêu cầu bổ sung", "Supplement requested"),
        StatusName::FeeDue => ("Chờ nộp phí", "Fee due"),
        StatusName::Approved => ("Chấp thuận", "Approved"),
        StatusName::Rejected => ("Từ chối", "Rejected"),
    };
    Text::new(vi, en)
}

/// Keeps a status history as the portal gave it.
pub(crate) fn keep(store: &mut Store, status: &DossierStatus) -> Result<(), FilingError> {
    let detail = serde_json::to_value(status).map_err(StoreError::from)?;
    store.save_dossier_status(
        &status.dossier_number,
        status.kind.slug(),
        status.status.as_str(),
        &detail,
    )?;
    Ok(())
}

/// Syncs from the portal: one dossier, or every dossier of the logged-in client; keeps each
/// history, opens a supplement draft for each new supplement request, and returns the views.
pub async fn sync(
    store: &mut Store,
    link: &mut Link<'_>,
    number: Option<&str>,
) -> Result<Vec<DossierView>, FilingError> {
    link.connect().await?;
    let numbers = match number {
        Some(n) => vec![n.to_owned()],
        None => {
            let listed = match link.client.dossiers().await {
                Err(ClientError::Unauthorized { .. }) => {
                    link.renew().await?;
                    link.client.dossiers().await?
                }
                other => other?,
            };
            listed
                .dossiers
                .into_iter()
                .map(|d| d.dossier_number)
                .collect()
        }
    };
    for n in &numbers {
        let status = match link.client.status(n).await {
            Err(ClientError::Unauthorized { .. }) => {
                link.renew().await?;
                link.client.status(n).await
            }
            other => other,
        }
        .map_err(|e| match e.server_code() {
            Some(codes::DOSSIER_NOT_FOUND) => FilingError::UnknownDossier(n.clone()),
            _ => FilingError::Portal(e),
        })?;
        keep(store, &status)?;
        follow_up(store, &status)?;
    }
    last_known(store, number)
}

/// What the store knows, without asking the portal: one dossier, or all.
pub fn last_known(store: &Store, number: Option<&str>) -> Result<Vec<DossierView>, FilingError> {
    let rows = match number {
        Some(n) => vec![stored_status(store, n)?],
        None => store.dossier_statuses()?,
    };
    rows.into_iter()
        .map(|row| Ok(view_of(store, row)?.0))
        .collect()
}

/// One dossier as [`last_known`] gives it, with the receipts stored for it (its own, then its
/// supplements'), which the view is partly read from.
pub fn last_known_with_receipts(
    store: &Store,
    number: &str,
) -> Result<(DossierView, Vec<StoredReceipt>), FilingError> {
    view_of(store, stored_status(store, number)?)
}

fn stored_status(store: &Store, number: &str) -> Result<StoredStatus, FilingError> {
    store
        .dossier_status(number)?
        .ok_or_else(|| FilingError::UnknownDossier(number.to_owned()))
}

fn view_of(
    store: &Store,
    row: StoredStatus,
) -> Result<(DossierView, Vec<StoredReceipt>), FilingError> {
    let status: DossierStatus =
        serde_json::from_value(row.detail).map_err(|e| StoreError::Corrupt {
            detail: format!("status of {}: {e}", row.dossier_number),
        })?;
    let receipts = store.receipts_of(&row.dossier_number)?;
    let draft_id = receipts
        .iter()
        .find(|r| r.supplement == 0)
        .and_then(|r| r.draft_id);
    let view = DossierView {
        supplement_drafts: store.supplement_requests(&row.dossier_number)?,
        status,
        synced_at: row.synced_at,
        draft_id,
    };
    Ok((view, receipts))
}

/// Opens the supplement draft of the request now open, once per request.
fn follow_up(store: &mut Store, status: &DossierStatus) -> Result<(), FilingError> {
    let Some((at, deadline, message)) = status.open_supplement_request() else {
        return Ok(());
    };
    let number = &status.dossier_number;
    let requested_at = at.to_string();
    if store
        .supplement_request(number, &requested_at)?
        .is_some_and(|s| s.draft_id.is_some() || s.original_draft_id.is_none())
    {
        return Ok(());
    }
    let original = store
        .receipts_of(number)?
        .into_iter()
        .find(|r| r.supplement == 0)
        .and_then(|r| r.draft_id);
    let note = format!(
        "Bổ sung cho hồ sơ {number} theo yêu cầu ngày {requested_at}, hạn {deadline}: {message} \
         / Supplement to dossier {number}, requested {requested_at}, due {deadline}"
    );
    store.add_supplement_request(&SupplementDraft {
        dossier_number: number.clone(),
        requested_at: requested_at.clone(),
        deadline: deadline.to_string(),
        message: message.to_owned(),
        draft_id: None,
        original_draft_id: original,
        note: note.clone(),
        created_at: Timestamp::now(),
    })?;
    if let Some(original) = original {
        // The copy is the filed revision, attachments and all (they stay in the store by
        // hash); the note is its first revision's summary.
        let d = store.draft(original)?;
        let id = store.create_draft(
            &d.kind,
            d.profile_id,
            &format!("Bổ sung {number}: {}", d.title),
            &d.doc,
            &note,
        )?;
        store.set_supplement_draft(number, &requested_at, id)?;
        tracing::info!(%number, draft = %id, "supplement draft opened");
    }
    Ok(())
}
