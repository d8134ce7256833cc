//! The outbox (hộp thư đi): sealed containers waiting to be filed, and the work that files them.
//!
//! Queuing copies the container into the attachment store, so the queue survives the file being
//! moved or its USB stick pulled, and links it to the draft it was sealed from when one matches
//! its `dossier.xml`. Working an item: a tus upload that resumes from the portal's offset (the
//! offset saved after every acknowledged chunk), then `POST /v1/dossiers` with the container's
//! SHA-256 as idempotency key, then the receipt stored with the item's `filed` state in one
//! transaction. Killed anywhere, the next run resumes and the portal answers a repeated filing
//! with the receipt it already issued: never a second filing.

use std::io::Read;
use std::path::Path;

use hoso_portal::api::{DossierStatus, Receipt, Status, StatusEvent, StatusName, codes};
use hoso_portal::client::tus::upload_id;
use hoso_portal::client::{
    ASICE_CONTENT_TYPE, ClientError, StateSinkError, UploadFile, UploadState,
};
use hoso_portal::server::verify::check_asic_shape;
use serde::Serialize;

use super::{FilingError, Link};
use crate::dossier_xml;
use crate::drafting::DraftError;
use crate::seal::Sealed;
use crate::store::{
    DraftId, ItemError, NewOutboxItem, OutboxItem, OutboxState, Store, StoreError, StoredReceipt,
    is_damaged,
};

/// What queuing did.
#[derive(Debug, Clone, Serialize)]
pub struct Queued {
    pub item: OutboxItem,
    /// False when this container was queued before (the same item is returned).
    pub new: bool,
}

/// `dossier.xml` of a container, after checking it is an ASiC-E container at all.
fn dossier_xml_of(path: &Path) -> Result<Vec<u8>, FilingError> {
    let not_container = |detail: String| FilingError::NotAContainer {
        path: path.to_owned(),
        detail,
    };
    check_asic_shape(path).map_err(|r| not_container(r.message.en))?;
    let file = std::fs::File::open(path).map_err(|source| FilingError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| not_container(e.to_string()))?;
    let mut entry = zip
        .by_name("dossier.xml")
        .map_err(|_| not_container("no dossier.xml".into()))?;
    let mut xml = Vec::new();
    entry
        .by_ref()
        .take(16 << 20)
        .read_to_end(&mut xml)
        .map_err(|e| not_container(e.to_string()))?;
    Ok(xml)
}

/// The sealed draft whose dossier is exactly this `dossier.xml` (sealing writes it from the
/// draft's last revision, which never changes after), not yet queued; the newest if several.
fn sealed_draft_of(store: &Store, xml: &[u8]) -> Result<Option<DraftId>, FilingError> {
    for d in store.drafts()? {
        if d.sealed_at.is_none() || store.outbox_item_for_draft(d.id)?.is_some() {
            continue;
        }
        let Ok(dossier) = crate::drafting::load(store, d.id) else {
            continue;
        };
        if dossier_xml::to_xml(&dossier) == xml {
            return Ok(Some(d.id));
        }
    }
    Ok(None)
}

/// Queues a sealed container (`hoso submit FILE.asice`). `supplement_of`: the dossier number it
/// supplements; when not given and the container was sealed from a supplement draft, that
/// draft's dossier.
pub fn queue_file(
    store: &mut Store,
    path: &Path,
    supplement_of: Option<&str>,
) -> Result<Queued, FilingError> {
    queue(store, path, None, supplement_of)
}

/// Queues what sealing a draft produced (the draft is known).
pub fn queue_sealed(
    store: &mut Store,
    sealed: &Sealed,
    draft: DraftId,
) -> Result<Queued, FilingError> {
    queue(store, &sealed.path, Some(draft), None)
}

/// `hoso submit DRAFT_ID`: the draft's container must have been queued (or submitted as a file,
/// which links it); a draft not sealed, or sealed into a file never submitted here, is an error
/// that says what to do.
pub fn queue_draft(store: &Store, draft: DraftId) -> Result<Queued, FilingError> {
    if let Some(item) = store.outbox_item_for_draft(draft)? {
        return Ok(Queued { item, new: false });
    }
    if store.draft(draft)?.sealed_at.is_some() {
        Err(FilingError::ContainerUnknown(draft))
    } else {
        Err(FilingError::NotSealed(draft))
    }
}

fn queue(
    store: &mut Store,
    path: &Path,
    draft: Option<DraftId>,
    supplement_of: Option<&str>,
) -> Result<Queued, FilingError> {
    let xml = dossier_xml_of(path)?;
    let kind = dossier_xml::kind(&xml).ok_or_else(|| FilingError::NotAContainer {
        path: path.to_owned(),
        detail: "dossier.xml names no dossier kind".into(),
    })?;
    let applicant = dossier_xml::applicant_tax_code(&xml);
    let info = store.add_attachment(path)?;
    if let Some(item) = store.outbox_item_by_container(&info.sha256)? {
        return Ok(Queued { item, new: false });
    }
    let draft = match draft {
        Some(d) => Some(d),
        None => sealed_draft_of(store, &xml)?,
    };
    let supplement_of = match (supplement_of, draft) {
        (Some(n), _) => Some(n.to_owned()),
        (None, Some(d)) => store.supplement_for_draft(d)?.map(|s| s.dossier_number),
        (None, None) => None,
    };
    let file_name = path.file_name().map_or_else(
        || "dossier.asice".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let (item, new) = store.queue_container(&NewOutboxItem {
        container_sha256: &info.sha256,
        size: info.size,
        file_name: &file_name,
        kind: &kind,
        applicant_tax_code: applicant.as_deref(),
        draft_id: draft,
        supplement_of: supplement_of.as_deref(),
    })?;
    Ok(Queued { item, new })
}

/// Which items a run works on.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Try the failed items (refused by the portal) again too.
    pub retry_failed: bool,
    /// Only this item.
    pub only: Option<i64>,
}

/// One item after a run.
#[derive(Debug, Clone, Serialize)]
pub struct ItemReport {
    pub item: OutboxItem,
    /// The receipt, when the item is filed (now or before).
    pub receipt: Option<Receipt>,
}

/// What a run did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RunReport {
    pub items: Vec<ItemReport>,
    /// Why the run stopped before the end of the queue (the portal cannot be reached, …):
    /// the remaining items wait for the next run.
    pub stopped: Option<ItemError>,
}

impl RunReport {
    pub fn all_filed(&self) -> bool {
        self.stopped.is_none()
            && self
                .items
                .iter()
                .all(|r| r.item.state == OutboxState::Filed)
    }
}

/// The receipt stored for a filed item.
pub fn receipt_of(store: &Store, item: &OutboxItem) -> Result<Option<Receipt>, FilingError> {
    let Some(number) = &item.dossier_number else {
        return Ok(None);
    };
    Ok(store
        .receipts_of(number)?
        .into_iter()
        .find(|r| r.container_sha256 == item.container_sha256)
        .and_then(|r| serde_json::from_value(r.receipt).ok()))
}

/// Works the queue: every item not filed (and not failed, unless asked), oldest first. Stops at
/// the first item the portal cannot be reached for; an item the portal refuses fails and the
/// run goes on. A missing session without credentials ends the run with
/// [`FilingError::LoginRequired`].
pub async fn run(
    store: &mut Store,
    link: &mut Link<'_>,
    options: RunOptions,
) -> Result<RunReport, FilingError> {
    let todo = pending(store, &options)?;
    run_observed(store, link, todo, &mut |_, _| {}).await
}

/// The items a run with `options` works on, oldest first: every item not filed (and not
/// failed, unless asked), or the one item asked for, whatever its state.
pub fn pending(store: &Store, options: &RunOptions) -> Result<Vec<OutboxItem>, StoreError> {
    Ok(store
        .outbox()?
        .into_iter()
        .filter(|i| options.only.is_none_or(|id| id == i.id))
        .filter(|i| match i.state {
            OutboxState::Filed => options.only.is_some(),
            OutboxState::Failed => options.retry_failed || options.only.is_some(),
            _ => true,
        })
        .collect())
}

/// [`run`] over `todo` (from [`pending`]), telling `observe` how many bytes of an item the
/// portal holds each time an upload chunk is acknowledged (and when an upload starts or
/// resumes), after the offset is saved.
pub async fn run_observed(
    store: &mut Store,
    link: &mut Link<'_>,
    todo: Vec<OutboxItem>,
    observe: &mut dyn FnMut(&OutboxItem, u64),
) -> Result<RunReport, FilingError> {
    let mut report = RunReport::default();
    if todo.iter().any(|i| i.state != OutboxState::Filed)
        && let Err(e) = link.connect().await
    {
        if !matches!(e, FilingError::Portal(_)) {
            return Err(e);
        }
        // Logging in needs the portal: every item waits for the next run.
        let error = ItemError {
            code: e.code().to_owned(),
            message: e.text(),
        };
        for item in todo {
            if item.state != OutboxState::Filed {
                store.outbox_error(item.id, &error, false)?;
            }
            report.items.push(ItemReport {
                item: store.outbox_item(item.id)?,
                receipt: None,
            });
        }
        report.stopped = Some(error);
        return Ok(report);
    }
    for item in todo {
        if item.state == OutboxState::Filed {
            let receipt = receipt_of(store, &item)?;
            report.items.push(ItemReport { item, receipt });
            continue;
        }
        store.outbox_begin(item.id)?;
        let outcome = work(store, link, item.id, observe).await;
        let receipt = match outcome {
            Ok(r) => Some(r),
            Err(e) => {
                let error = ItemError {
                    code: e.code().to_owned(),
                    message: e.text(),
                };
                store.outbox_error(item.id, &error, is_refusal(&e))?;
                if stops_the_run(&e) {
                    report.items.push(ItemReport {
                        item: store.outbox_item(item.id)?,
                        receipt: None,
                    });
                    if matches!(
                        e,
                        FilingError::LoginRequired { .. } | FilingError::Credentials(_)
                    ) {
                        return Err(e);
                    }
                    report.stopped = Some(error);
                    break;
                }
                None
            }
        };
        report.items.push(ItemReport {
            item: store.outbox_item(item.id)?,
            receipt,
        });
    }
    Ok(report)
}

/// The portal refused the item itself: sending it again would not help.
fn is_refusal(e: &FilingError) -> bool {
    match e {
        FilingError::Portal(c) => matches!(
            c,
            ClientError::Rejected { .. } | ClientError::TooLarge { .. } | ClientError::File { .. }
        ),
        FilingError::ReceiptMismatch { .. }
        | FilingError::NotAContainer { .. }
        | FilingError::Draft(DraftError::Store(StoreError::Undecryptable { .. })) => true,
        _ => false,
    }
}

/// The portal (or the session, or the keyring) is unusable: the next items would fail alike.
fn stops_the_run(e: &FilingError) -> bool {
    match e {
        FilingError::Portal(c) => matches!(
            c,
            ClientError::Unreachable(_)
                | ClientError::ConnectionLost(_)
                | ClientError::Timeout(_)
                | ClientError::ServerError { .. }
                | ClientError::RateLimited { .. }
                | ClientError::InProgress { .. }
                | ClientError::Unauthorized { .. }
                | ClientError::Config(_)
        ),
        // One altered container says nothing about the others.
        FilingError::Draft(DraftError::Store(StoreError::Undecryptable { .. })) => false,
        FilingError::LoginRequired { .. }
        | FilingError::Keyring(_)
        | FilingError::Credentials(_)
        | FilingError::Draft(DraftError::Store(_)) => true,
        _ => false,
    }
}

/// The portal no longer has the upload the item was filing: it must be sent again.
fn upload_lost(e: &FilingError) -> bool {
    match e {
        FilingError::Portal(ClientError::ResumeMismatch) => true,
        FilingError::Portal(ClientError::Rejected {
            status: 404,
            detail,
        }) => detail
            .as_ref()
            .is_none_or(|d| d.code == codes::TUS_UPLOAD_NOT_FOUND),
        FilingError::Portal(c) => c.server_code() == Some(codes::TUS_UPLOAD_INCOMPLETE),
        _ => false,
    }
}

/// Files one item: upload (resumed), then submit; a refused session is renewed once, a lost
/// upload sent again once.
async fn work(
    store: &mut Store,
    link: &mut Link<'_>,
    id: i64,
    observe: &mut dyn FnMut(&OutboxItem, u64),
) -> Result<Receipt, FilingError> {
    let (mut renewed, mut restarted) = (false, false);
    loop {
        let item = store.outbox_item(id)?;
        let step = match item.state {
            OutboxState::Uploaded => submit(store, link, &item).await.map(Some),
            _ => upload(store, link, &item, observe).await.map(|()| None),
        };
        match step {
            Ok(Some(receipt)) => return Ok(receipt),
            Ok(None) => {}
            Err(FilingError::Portal(ClientError::Unauthorized { .. })) if !renewed => {
                renewed = true;
                link.renew().await?;
            }
            Err(e) if upload_lost(&e) && !restarted => {
                restarted = true;
                tracing::warn!(id, "the portal no longer has the upload; sending it again");
                store.outbox_reset_upload(id)?;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn upload(
    store: &mut Store,
    link: &Link<'_>,
    item: &OutboxItem,
    observe: &mut dyn FnMut(&OutboxItem, u64),
) -> Result<(), FilingError> {
    // Read through the store (decrypted in an encrypted folder), not from the file on disk.
    let opener = store.attachment_opener(&item.container_sha256)?;
    let sha256 = item.container_sha256.clone();
    let mut file = UploadFile::from_opener(
        format!("container {sha256}"),
        item.size,
        sha256.clone(),
        move || opener.open(),
    )
    .with_content_type(ASICE_CONTENT_TYPE);
    file.filename = item.file_name.clone();
    let resume = item.upload_url.as_ref().map(|url| UploadState {
        upload_url: url.clone(),
        offset: item.upload_offset,
        sha256: item.container_sha256.clone(),
        length: item.size,
    });
    let id = item.id;
    let done = link
        .client
        .upload(&file, resume.as_ref(), |state| {
            store
                .outbox_save_upload(id, &state.upload_url, state.offset)
                .map_err(|e| Box::new(e) as StateSinkError)?;
            observe(item, state.offset);
            Ok(())
        })
        .await
        .map_err(|e| match e {
            ClientError::File { source, .. } if is_damaged(&source) => {
                FilingError::from(StoreError::attachment_read(&sha256, source))
            }
            e => FilingError::Portal(e),
        })?;
    store.outbox_uploaded(id, &done.upload_url, done.length)?;
    Ok(())
}

async fn submit(
    store: &mut Store,
    link: &Link<'_>,
    item: &OutboxItem,
) -> Result<Receipt, FilingError> {
    let upload = item
        .upload_url
        .as_deref()
        .and_then(upload_id)
        .ok_or(FilingError::Portal(ClientError::ResumeMismatch))?;
    let receipt = match &item.supplement_of {
        Some(number) => {
            link.client
                .submit_supplement(number, &upload, &item.container_sha256)
                .await?
        }
        None => link.client.submit(&upload, &item.container_sha256).await?,
    };
    if receipt.container_sha256 != item.container_sha256 {
        return Err(FilingError::ReceiptMismatch {
            expected: item.container_sha256.clone(),
            got: receipt.container_sha256,
        });
    }
    receipt
        .verify_signature()
        .map_err(|error| FilingError::ReceiptSignature {
            number: receipt.dossier_number.clone(),
            error,
        })?;
    let stored = StoredReceipt {
        dossier_number: receipt.dossier_number.clone(),
        supplement: receipt.supplement.unwrap_or(0),
        container_sha256: receipt.container_sha256.clone(),
        kind: receipt.kind.slug().to_owned(),
        received_at: receipt.received_at.to_string(),
        draft_id: item.draft_id,
        portal: link.portal.clone(),
        receipt: serde_json::to_value(&receipt).map_err(crate::store::StoreError::from)?,
    };
    store.outbox_filed(item.id, &stored)?;
    if receipt.supplement.is_none() && store.dossier_status(&receipt.dossier_number)?.is_none() {
        // Offline `hoso status` knows the dossier from its receipt until the first sync.
        let first = DossierStatus {
            dossier_number: receipt.dossier_number.clone(),
            kind: receipt.kind,
            status: StatusName::Received,
            receipt: receipt.clone(),
            history: vec![StatusEvent {
                at: receipt.received_at,
                status: Status::Received,
            }],
            supplements: Vec::new(),
        };
        super::status::keep(store, &first)?;
    }
    Ok(receipt)
}
