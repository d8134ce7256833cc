//! The home screen: drafts in progress, the outbox, the filed dossiers with their last known
//! status, and what needs doing, most urgent first. Read from the store only: offline, it shows
//! the status of the last sync.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::DeskResult;
use crate::filing::status::{self, DossierView};
use crate::kind::DossierKind;
use crate::store::{DraftId, ItemError, OutboxItem, OutboxState, Store};
use crate::text::Text;
use hoso_portal::api::StatusName;

/// Everything the home screen lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Home {
    /// Drafts still being edited, and sealed ones not filed yet; most recently changed first.
    pub drafts: Vec<DraftRow>,
    /// Containers not filed yet (queued, uploading, failed), oldest first.
    pub outbox: Vec<OutboxRow>,
    pub filed: Vec<FiledRow>,
    /// What the user should do, nearest deadline first.
    pub actions: Vec<Action>,
}

/// A draft in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DraftRow {
    pub id: DraftId,
    pub kind: DossierKind,
    pub title: String,
    pub rev: u32,
    pub updated_at: Timestamp,
    pub sealed: bool,
    /// The dossier number a supplement draft answers.
    pub supplement_of: Option<String>,
}

/// A container in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxRow {
    pub id: i64,
    pub file_name: String,
    pub kind: String,
    pub draft_id: Option<DraftId>,
    pub supplement_of: Option<String>,
    pub state: OutboxState,
    /// Bytes the portal has acknowledged.
    pub sent: u64,
    pub total: u64,
    pub attempts: u32,
    pub last_error: Option<ItemError>,
    pub dossier_number: Option<String>,
    pub container_sha256: String,
    pub queued_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<OutboxItem> for OutboxRow {
    fn from(i: OutboxItem) -> OutboxRow {
        OutboxRow {
            id: i.id,
            file_name: i.file_name,
            kind: i.kind,
            draft_id: i.draft_id,
            supplement_of: i.supplement_of,
            state: i.state,
            sent: i.upload_offset,
            total: i.size,
            attempts: i.attempts,
            last_error: i.last_error,
            dossier_number: i.dossier_number,
            container_sha256: i.container_sha256,
            queued_at: i.queued_at,
            updated_at: i.updated_at,
        }
    }
}

/// A filed dossier with its last known status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FiledRow {
    /// Số hồ sơ.
    pub dossier_number: String,
    pub kind: DossierKind,
    pub status: StatusName,
    /// The status in words, for its badge.
    pub badge: Text,
    pub received_at: Timestamp,
    pub synced_at: Timestamp,
    pub draft_id: Option<DraftId>,
    /// Last day of an open supplement request.
    pub deadline: Option<Date>,
    /// The supplement draft opened for the open request.
    pub supplement_draft_id: Option<DraftId>,
    pub fee_due: Option<FeeDue>,
}

/// A fee notice: the amount in đồng and the payment reference to quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FeeDue {
    pub amount_vnd: u64,
    pub payment_reference: String,
}

impl FiledRow {
    pub(crate) fn of(view: &DossierView) -> FiledRow {
        let open = view.open_supplement();
        FiledRow {
            dossier_number: view.status.dossier_number.clone(),
            kind: view
                .status
                .kind
                .slug()
                .parse()
                .unwrap_or(DossierKind::TechTransfer),
            status: view.status.status,
            badge: status::status_text(view.status.status),
            received_at: view.status.receipt.received_at,
            synced_at: view.synced_at,
            draft_id: view.draft_id,
            // From the status history itself: the supplement draft's record exists only once a
            // sync opened it.
            deadline: view
                .status
                .open_supplement_request()
                .map(|(_, deadline, _)| deadline),
            supplement_draft_id: open.and_then(|s| s.draft_id),
            fee_due: view.fee_due().map(|(amount_vnd, reference)| FeeDue {
                amount_vnd,
                payment_reference: reference.to_owned(),
            }),
        }
    }
}

/// What an action asks of the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// The authority asked for a supplement: edit, seal and send the supplement draft.
    SupplementRequested,
    /// A fee is due: pay it quoting the reference.
    FeeDue,
    /// The portal refused a container, or it could not be sent.
    OutboxFailed,
    /// A sealed draft waits to be submitted.
    SealedNotSubmitted,
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Action {
    pub kind: ActionKind,
    pub label: Text,
    pub deadline: Option<Date>,
    pub dossier_number: Option<String>,
    pub draft_id: Option<DraftId>,
    pub outbox_id: Option<i64>,
    pub fee_due: Option<FeeDue>,
}

/// The home screen from what the store knows.
pub fn home(store: &Store) -> DeskResult<Home> {
    let outbox_items = store.outbox()?;
    let filed_views = status::last_known(store, None)?;
    let filed: Vec<FiledRow> = filed_views.iter().map(FiledRow::of).collect();

    let mut drafts = Vec::new();
    let mut actions = Vec::new();
    for d in store.drafts()? {
        let supplement_of = store.supplement_for_draft(d.id)?.map(|s| s.dossier_number);
        // The draft's latest outbox item, from the queue read above.
        let item = outbox_items
            .iter()
            .filter(|i| i.draft_id == Some(d.id))
            .max_by_key(|i| i.id);
        let was_filed = store.receipt_for_draft(d.id)?.is_some()
            || item.is_some_and(|i| i.state == OutboxState::Filed);
        if was_filed {
            continue;
        }
        if d.sealed_at.is_some() && item.is_none() {
            actions.push(Action {
                kind: ActionKind::SealedNotSubmitted,
                label: Text::new(
                    format!("Hồ sơ «{}» đã ký niêm phong nhưng chưa nộp.", d.title),
                    format!("«{}» is sealed but not submitted.", d.title),
                ),
                deadline: None,
                dossier_number: supplement_of.clone(),
                draft_id: Some(d.id),
                outbox_id: None,
                fee_due: None,
            });
        }
        drafts.push(DraftRow {
            id: d.id,
            kind: d.kind.parse().unwrap_or(DossierKind::TechTransfer),
            title: d.title,
            rev: d.rev,
            updated_at: d.updated_at,
            sealed: d.sealed_at.is_some(),
            supplement_of,
        });
    }
    drafts.sort_by_key(|d| std::cmp::Reverse(d.updated_at));

    for row in &filed {
        if row.status == StatusName::SupplementRequested {
            let due = row
                .deadline
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into());
            actions.push(Action {
                kind: ActionKind::SupplementRequested,
                label: Text::new(
                    format!("Hồ sơ {} cần bổ sung, hạn {due}.", row.dossier_number),
                    format!(
                        "Dossier {} needs a supplement by {due}.",
                        row.dossier_number
                    ),
                ),
                deadline: row.deadline,
                dossier_number: Some(row.dossier_number.clone()),
                draft_id: row.supplement_draft_id,
                outbox_id: None,
                fee_due: None,
            });
        }
        if let Some(fee) = &row.fee_due {
            let amount = crate::fees::format_vnd(fee.amount_vnd);
            actions.push(Action {
                kind: ActionKind::FeeDue,
                label: Text::new(
                    format!(
                        "Nộp {amount} đồng cho hồ sơ {}, mã thanh toán {}.",
                        row.dossier_number, fee.payment_reference
                    ),
                    format!(
                        "Pay {amount} VND for dossier {}, payment reference {}.",
                        row.dossier_number, fee.payment_reference
                    ),
                ),
                deadline: None,
                dossier_number: Some(row.dossier_number.clone()),
                draft_id: row.draft_id,
                outbox_id: None,
                fee_due: Some(fee.clone()),
            });
        }
    }

    let outbox: Vec<OutboxRow> = outbox_items
        .into_iter()
        .filter(|i| i.state != OutboxState::Filed)
        .map(OutboxRow::from)
        .collect();
    for row in &outbox {
        if row.state == OutboxState::Failed || row.last_error.is_some() {
            let why = row.last_error.as_ref().map(|e| &e.message);
            actions.push(Action {
                kind: ActionKind::OutboxFailed,
                label: Text::new(
                    format!(
                        "Chưa nộp được {}: {}",
                        row.file_name,
                        why.map_or("", |m| m.vi.as_str())
                    ),
                    format!(
                        "{} could not be filed: {}",
                        row.file_name,
                        why.map_or("", |m| m.en.as_str())
                    ),
                ),
                deadline: None,
                dossier_number: row.supplement_of.clone(),
                draft_id: row.draft_id,
                outbox_id: Some(row.id),
                fee_due: None,
            });
        }
    }
    sort_by_urgency(&mut actions);
    Ok(Home {
        drafts,
        outbox,
        filed,
        actions,
    })
}

/// Nearest deadline first; those without one after, by kind (a supplement before a fee before
/// a failed upload before a container waiting).
fn sort_by_urgency(actions: &mut [Action]) {
    actions.sort_by(|a, b| {
        let key = |x: &Action| (x.deadline.is_none(), x.deadline, x.kind);
        key(a).cmp(&key(b))
    });
}
