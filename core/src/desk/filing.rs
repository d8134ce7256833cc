//! Filing from the desktop: running the outbox with per-file and overall upload progress,
//! logging in to the portal, syncing the status of filed dossiers, a dossier's detail, the
//! supplement draft of a request, and carrying containers in and out on a USB stick.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use hoso_portal::api::{DossierStatus, Receipt};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::drafts::DraftView;
use super::home::{FiledRow, OutboxRow};
use super::signing::{SignerRef, open_signer};
use super::{DeskError, DeskResult, Progress, ProgressTask, ProgressUnit};
use crate::filing::outbox::{self, RunOptions, RunReport};
use crate::filing::{self, FilingError, Link, LinkOptions, OpenSigner, Session, status};
use crate::store::{DraftId, ItemError, OutboxItem, Store, StoreError, SupplementDraft};
use crate::text::Text;

/// How the desktop talks to the portal: sessions kept in the OS keyring, and a portal that
/// does not answer for two minutes given up on (the items stay queued).
pub fn link_options() -> LinkOptions {
    LinkOptions {
        give_up_after: Some(Duration::from_secs(120)),
        keyring: true,
        ..LinkOptions::default()
    }
}

/// A portal session (the bearer token itself never leaves Rust).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionView {
    pub portal: String,
    /// The certificate's subject, as the portal names the client.
    pub subject: String,
    pub tax_code: Option<String>,
    pub expires_at: Timestamp,
}

impl From<&Session> for SessionView {
    fn from(s: &Session) -> SessionView {
        SessionView {
            portal: s.portal.clone(),
            subject: s.subject.clone(),
            tax_code: s.tax_code.clone(),
            expires_at: s.expires_at,
        }
    }
}

/// One outbox item after a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunItemView {
    pub item: OutboxRow,
    /// The receipt (biên nhận), when filed.
    pub receipt: Option<Receipt>,
}

/// What an outbox run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunView {
    pub items: Vec<RunItemView>,
    /// Why the run stopped early (the portal cannot be reached…): the rest waits.
    pub stopped: Option<ItemError>,
    pub all_filed: bool,
}

impl From<RunReport> for RunView {
    fn from(r: RunReport) -> RunView {
        RunView {
            all_filed: r.all_filed(),
            stopped: r.stopped,
            items: r
                .items
                .into_iter()
                .map(|i| RunItemView {
                    item: i.item.into(),
                    receipt: i.receipt,
                })
                .collect(),
        }
    }
}

/// The filed dossiers after a sync, and those whose status changed (each one a notification).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusSync {
    pub rows: Vec<FiledRow>,
    pub changed: Vec<FiledRow>,
}

/// A filed dossier in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DossierDetail {
    pub row: FiledRow,
    /// The portal's status history as last synced.
    pub status: DossierStatus,
    /// The receipts of the dossier and of its supplements.
    pub receipts: Vec<Receipt>,
    /// The supplement requests and the drafts opened for them, oldest first.
    pub supplement_drafts: Vec<SupplementDraft>,
}

/// Runs the outbox over `link`, reporting upload progress per file (`item` = its file name)
/// and for the whole run (`item` null), in bytes acknowledged by the portal.
pub(crate) async fn run_outbox(
    store: &mut Store,
    link: &mut Link<'_>,
    options: RunOptions,
    progress: &mut dyn FnMut(Progress),
) -> DeskResult<RunView> {
    let todo = outbox::pending(store, &options)?;
    let total: u64 = todo.iter().map(|i| i.size).sum();
    let mut sent: HashMap<i64, u64> = todo.iter().map(|i| (i.id, i.upload_offset)).collect();
    let mut observe = |item: &OutboxItem, offset: u64| {
        sent.insert(item.id, offset);
        progress(Progress {
            task: ProgressTask::Upload,
            item: Some(item.file_name.clone()),
            done: offset,
            total: item.size,
            unit: ProgressUnit::Bytes,
            label: Text::new(
                format!("Đang gửi {}", item.file_name),
                format!("Sending {}", item.file_name),
            ),
        });
        progress(Progress {
            task: ProgressTask::Upload,
            item: None,
            done: sent.values().sum(),
            total,
            unit: ProgressUnit::Bytes,
            label: Text::new("Đang gửi hồ sơ lên cổng", "Sending dossiers to the portal"),
        });
    };
    let report = outbox::run_observed(store, link, todo, &mut observe).await?;
    Ok(report.into())
}

/// Files what the outbox holds (failed items tried again) with the session kept in the
/// keyring; without one, `session.login_required` (log in first).
pub async fn outbox_run(
    store: &mut Store,
    link_options: &LinkOptions,
    progress: &mut dyn FnMut(Progress),
) -> DeskResult<RunView> {
    let portal = filing::portal_url(store, None)?;
    let mut link = Link::new(&portal, link_options, None)?;
    let options = RunOptions {
        retry_failed: true,
        only: None,
    };
    run_outbox(store, &mut link, options, progress).await
}

/// Logs in to the portal with a token key or PKCS#12 file (one login; the secret zeroized) and
/// keeps the session in the keyring when the link options say so.
pub async fn portal_login(
    store: &mut Store,
    signer: &SignerRef,
    secret: String,
    link_options: &LinkOptions,
) -> DeskResult<SessionView> {
    let portal = filing::portal_url(store, None)?;
    let signer = open_signer(signer, secret)?;
    let mut credentials = OpenSigner(signer.as_signer());
    let mut link = Link::new(&portal, link_options, Some(&mut credentials))?;
    let session = link.log_in(false).await?;
    Ok(SessionView::from(session))
}

/// Asks the portal for the status of every dossier of the logged-in client (opening a
/// supplement draft for each new request) and says which statuses changed since the last sync.
pub async fn status_sync(store: &mut Store, link_options: &LinkOptions) -> DeskResult<StatusSync> {
    let before: HashMap<String, FiledRow> = status::last_known(store, None)?
        .iter()
        .map(|v| (v.status.dossier_number.clone(), FiledRow::of(v)))
        .collect();
    let portal = filing::portal_url(store, None)?;
    let mut link = Link::new(&portal, link_options, None)?;
    let views = status::sync(store, &mut link, None).await?;
    let rows: Vec<FiledRow> = views.iter().map(FiledRow::of).collect();
    let changed = rows
        .iter()
        .filter(|r| {
            before
                .get(&r.dossier_number)
                .is_none_or(|old| old.status != r.status || old.deadline != r.deadline)
        })
        .cloned()
        .collect();
    Ok(StatusSync { rows, changed })
}

/// A filed dossier as last synced, with its receipts and supplement requests.
pub fn dossier_get(store: &Store, number: &str) -> DeskResult<DossierDetail> {
    let (view, receipts) = status::last_known_with_receipts(store, number)?;
    let receipts = receipts
        .into_iter()
        .filter_map(|r| serde_json::from_value::<Receipt>(r.receipt).ok())
        .collect();
    Ok(DossierDetail {
        row: FiledRow::of(&view),
        supplement_drafts: view.supplement_drafts.clone(),
        status: view.status,
        receipts,
    })
}

/// The supplement draft opened for the dossier's open supplement request.
pub fn supplement_open(store: &Store, number: &str, today: Date) -> DeskResult<DraftView> {
    let view = status::last_known(store, Some(number))?
        .into_iter()
        .next()
        .ok_or_else(|| FilingError::UnknownDossier(number.to_owned()))?;
    let draft = view
        .open_supplement()
        .and_then(|s| s.draft_id)
        .ok_or_else(|| {
            DeskError::new(
                "filing.no_supplement_draft",
                Text::new(
                    format!(
                        "Hồ sơ {number} không có yêu cầu bổ sung nào đang mở, hoặc không có bản nháp gốc trên máy này để sao chép."
                    ),
                    format!(
                        "Dossier {number} has no open supplement request, or its draft is not on this machine to copy."
                    ),
                ),
            )
        })?;
    DraftView::load(store, draft, today)
}

/// Queues a sealed container carried in (from a USB stick): copied into the data folder, so the
/// stick may be pulled at once.
pub fn container_import(store: &mut Store, path: &Path) -> DeskResult<OutboxRow> {
    Ok(outbox::queue_file(store, path, None)?.item.into())
}

/// Copies a sealed draft's container to `dest` (to carry it to a connected machine), written
/// beside it first and renamed into place; returns the path written.
pub fn container_export(store: &Store, draft: DraftId, dest: &Path) -> DeskResult<String> {
    let item = outbox::queue_draft(store, draft)?.item;
    let io = |path: &Path, e: std::io::Error| -> DeskError {
        FilingError::Draft(crate::drafting::DraftError::Store(StoreError::io(path, e))).into()
    };
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut reader = store.open_attachment(&item.container_sha256)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io(dir, e))?;
    std::io::copy(&mut reader, &mut tmp).map_err(|e| {
        if crate::store::is_damaged(&e) {
            StoreError::attachment_read(&item.container_sha256, e).into()
        } else {
            io(tmp.path(), e)
        }
    })?;
    tmp.as_file().sync_all().map_err(|e| io(dest, e))?;
    tmp.persist(dest).map_err(|e| io(dest, e.error))?;
    Ok(dest.display().to_string())
}
