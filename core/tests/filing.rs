//! Filing against the reference portal in process, with hoso-core's verifiers and a test CA:
//! the outbox files a sealed dossier once however often it is queued, survives the portal being
//! down, and the status sync opens supplement drafts and keeps fee notices.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use hoso_core::DossierKind;
use hoso_core::drafting;
use hoso_core::filing::outbox::{self, RunOptions};
use hoso_core::filing::status;
use hoso_core::filing::{FilingError, Link, LinkOptions, OpenSigner, server, session};
use hoso_core::seal::{self, SealOptions, Sealed};
use hoso_core::store::{DataKey, DraftId, OutboxState, Store};
use hoso_portal::api::{Status, StatusName, codes};
use hoso_portal::client::UploadFile;
use hoso_portal::server::{RunningServer, Server, ServerConfig};
use hoso_signing::SoftwareSigner;
use hoso_signing::checks::RevocationMode;
use hoso_signing::cms::{CmsOptions, sign_detached};
use hoso_signing::test_pki::{Identity, IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;
use jiff::Timestamp;
use jiff::civil::date;
use sha2::{Digest, Sha256};

const APPLICANT: &str = "0101234565";

fn example(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../examples/{kind}.json"))
}

/// A data folder, a test CA, the trademark applicant's signer, and a portal trusting the CA.
struct World {
    dir: tempfile::TempDir,
    store: Store,
    anchors: TrustAnchors,
    identity: Identity,
    signer: SoftwareSigner,
    server: RunningServer,
    portal_dir: PathBuf,
}

async fn world() -> World {
    world_with(None).await
}

/// A world whose data folder is encrypted with `key` when one is given.
async fn world_with(key: Option<&DataKey>) -> World {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::generate().unwrap();
    let mut anchors = TrustAnchors::empty();
    anchors.add(pki.root.clone());
    let identity = pki
        .issue(&IssueSpec::enterprise(
            "Công ty Cổ phần Công nghệ Sao Mai",
            APPLICANT,
            KeySpec::P256,
        ))
        .unwrap();
    let signer = identity.signer().unwrap();
    let portal_dir = dir.path().join("portal");
    let server = portal(&portal_dir, &anchors, 0).await;
    World {
        store: match key {
            None => Store::open(&dir.path().join("data")).unwrap(),
            Some(key) => Store::open_with_key(&dir.path().join("data"), key).unwrap(),
        },
        dir,
        anchors,
        identity,
        signer,
        server,
        portal_dir,
    }
}

async fn portal(data: &Path, anchors: &TrustAnchors, port: u16) -> RunningServer {
    let verifiers = server::verifiers_for(data, anchors.clone()).unwrap();
    Server::bind(
        SocketAddr::from(([127, 0, 0, 1], port)),
        ServerConfig::new(data),
        verifiers,
    )
    .await
    .unwrap()
    .spawn()
}

impl World {
    /// A new trademark draft from the example, its note saying `note`, sealed.
    fn sealed_trademark(&mut self, note: &str) -> (DraftId, Sealed) {
        let today = date(2026, 11, 23);
        let id = drafting::new_draft(
            &mut self.store,
            DossierKind::Trademark,
            None,
            Some(&example("trademark")),
            today,
        )
        .unwrap();
        drafting::edit_fields(&mut self.store, id, &[("note".into(), note.into())]).unwrap();
        let out = self.dir.path().join(format!("trademark-{id}.asice"));
        let opts = SealOptions {
            signing_time: Timestamp::now(),
            today,
            anchors: &self.anchors,
            revocation: RevocationMode::Offline,
        };
        let sealed = seal::seal_draft(&mut self.store, id, &self.signer, &out, &opts).unwrap();
        (id, sealed)
    }

    fn filings_at_portal(&self) -> usize {
        hoso_portal::server::Store::open_existing(&self.portal_dir)
            .unwrap()
            .list(None)
            .unwrap()
            .len()
    }

    fn advance(&self, number: &str, to: Status) {
        let mut portal = hoso_portal::server::Store::open_existing(&self.portal_dir).unwrap();
        portal.advance(number, to, Timestamp::now()).unwrap();
    }
}

fn link<'c>(url: &str, credentials: &'c mut OpenSigner<'_>) -> Link<'c> {
    let options = LinkOptions {
        give_up_after: Some(Duration::from_secs(2)),
        ..LinkOptions::default()
    };
    Link::new(url, &options, Some(credentials)).unwrap()
}

#[tokio::test]
async fn a_container_queued_twice_and_run_twice_is_filed_once_with_its_receipt() {
    let mut w = world().await;
    let (draft, sealed) = w.sealed_trademark("hồ sơ 1");
    let first = outbox::queue_sealed(&mut w.store, &sealed, draft).unwrap();
    assert!(first.new);
    assert_eq!(first.item.draft_id, Some(draft));
    assert_eq!(first.item.kind, "trademark");
    // The same bytes, as a file handed over again, are the same item.
    let again = outbox::queue_file(&mut w.store, &sealed.path, None).unwrap();
    assert!(!again.new);
    assert_eq!(again.item.id, first.item.id);
    // The queue does not need the file any more (a USB stick pulled).
    std::fs::remove_file(&sealed.path).unwrap();

    let signer = w.identity.signer().unwrap();
    let mut creds = OpenSigner(&signer);
    let url = w.server.base_url();
    let mut link = link(&url, &mut creds);
    let report = outbox::run(&mut w.store, &mut link, RunOptions::default())
        .await
        .unwrap();
    assert!(report.all_filed(), "{report:?}");
    let receipt = report.items[0].receipt.clone().unwrap();
    assert_eq!(receipt.dossier_number, "4-2026-00001");
    assert_eq!(receipt.container_sha256, sealed.sha256);
    assert!(
        !receipt.portal_signature.value.is_empty()
            && !receipt.portal_signature.certificate.is_empty()
    );

    // Kept with the draft; a second run and a second filing request change nothing.
    let stored = w.store.receipt_for_draft(draft).unwrap().unwrap();
    assert_eq!(stored.dossier_number, "4-2026-00001");
    let report = outbox::run(&mut w.store, &mut link, RunOptions::default())
        .await
        .unwrap();
    assert!(report.items.is_empty(), "nothing left to file");
    let report = outbox::run(
        &mut w.store,
        &mut link,
        RunOptions {
            retry_failed: false,
            only: Some(first.item.id),
        },
    )
    .await
    .unwrap();
    assert_eq!(report.items[0].item.state, OutboxState::Filed);
    assert_eq!(w.filings_at_portal(), 1);
    // `hoso submit DRAFT_ID` finds the same item.
    assert_eq!(
        outbox::queue_draft(&w.store, draft).unwrap().item.id,
        first.item.id
    );
    // Offline status knows the dossier from its receipt.
    let known = status::last_known(&w.store, Some("4-2026-00001")).unwrap();
    assert_eq!(known[0].status.status, StatusName::Received);
    assert_eq!(known[0].draft_id, Some(draft));
}

#[tokio::test]
async fn a_filing_whose_receipt_was_lost_gets_the_same_receipt_on_the_next_run() {
    let mut w = world().await;
    let (draft, sealed) = w.sealed_trademark("biên nhận bị mất");
    let item = outbox::queue_sealed(&mut w.store, &sealed, draft)
        .unwrap()
        .item;
    let signer = w.identity.signer().unwrap();
    let mut creds = OpenSigner(&signer);
    let url = w.server.base_url();
    let mut link = link(&url, &mut creds);
    link.connect().await.unwrap();
    // A run killed after the portal filed the container and before the receipt was stored:
    // the upload state was saved, the answer to the filing never arrived.
    let opener = w.store.attachment_opener(&item.container_sha256).unwrap();
    let file = UploadFile::from_opener(
        "container",
        item.size,
        item.container_sha256.clone(),
        move || opener.open(),
    );
    let done = link.client.upload(&file, None, |_| Ok(())).await.unwrap();
    w.store
        .outbox_uploaded(item.id, &done.upload_url, done.length)
        .unwrap();
    let lost = link
        .client
        .submit(&done.upload_id().unwrap(), &item.container_sha256)
        .await
        .unwrap();

    let report = outbox::run(&mut w.store, &mut link, RunOptions::default())
        .await
        .unwrap();
    assert!(report.all_filed(), "{report:?}");
    assert_eq!(report.items[0].receipt.as_ref(), Some(&lost));
    assert_eq!(w.filings_at_portal(), 1);
}

#[tokio::test]
async fn an_encrypted_data_folder_files_its_container_and_resumes_a_cut_upload() {
    let key = DataKey::generate();
    let mut w = world_with(Some(&key)).await;
    let (draft, sealed) = w.sealed_trademark("hồ sơ mã hoá");
    let sent = std::fs::read(&sealed.path).unwrap();
    let item = outbox::queue_sealed(&mut w.store, &sealed, draft)
        .unwrap()
        .item;
    std::fs::remove_file(&sealed.path).unwrap();
    let chunk = 16 * 1024;
    assert!(item.size > 3 * chunk, "{} bytes: too few chunks", item.size);

    let signer = w.identity.signer().unwrap();
    let mut creds = OpenSigner(&signer);
    let options = LinkOptions {
        give_up_after: Some(Duration::from_secs(2)),
        chunk_size: Some(chunk),
        ..LinkOptions::default()
    };
    let mut link = Link::new(&w.server.base_url(), &options, Some(&mut creds)).unwrap();
    link.connect().await.unwrap();
    // A run killed after two chunks: the portal holds them, the outbox saved the offset.
    let opener = w.store.attachment_opener(&item.container_sha256).unwrap();
    let file = UploadFile::from_opener(
        "container",
        item.size,
        item.container_sha256.clone(),
        move || opener.open(),
    );
    let mut cut = None;
    let stopped = link
        .client
        .upload(&file, None, |state| {
            if state.offset >= 2 * chunk {
                cut = Some(state.clone());
                return Err("killed".into());
            }
            Ok(())
        })
        .await;
    assert!(stopped.is_err());
    let cut = cut.expect("cut after two chunks");
    w.store
        .outbox_save_upload(item.id, &cut.upload_url, cut.offset)
        .unwrap();

    let mut offsets = Vec::new();
    let todo = outbox::pending(&w.store, &RunOptions::default()).unwrap();
    let report = outbox::run_observed(&mut w.store, &mut link, todo, &mut |_, offset| {
        offsets.push(offset)
    })
    .await
    .unwrap();
    assert!(report.all_filed(), "{report:?}");
    assert_eq!(offsets.first(), Some(&cut.offset), "resumed, not restarted");
    let receipt = report.items[0].receipt.clone().unwrap();
    assert_eq!(receipt.container_sha256, item.container_sha256);
    let received = hoso_portal::server::Store::open_existing(&w.portal_dir)
        .unwrap()
        .container_path(&item.container_sha256);
    let received = std::fs::read(received).unwrap();
    assert_eq!(
        hex::encode(Sha256::digest(&received)),
        item.container_sha256,
        "the portal holds the decrypted container"
    );
    assert!(received == sent);
}

#[tokio::test]
async fn an_altered_encrypted_container_fails_its_item_and_is_never_filed() {
    let key = DataKey::generate();
    let mut w = world_with(Some(&key)).await;
    let (draft, sealed) = w.sealed_trademark("hồ sơ bị sửa");
    let size = outbox::queue_sealed(&mut w.store, &sealed, draft)
        .unwrap()
        .item
        .size;
    // The container's file, told from the mark's image by its length: a 27-byte header, then
    // the content with a 16-byte tag per 64 KiB chunk (store/blobs.rs).
    let encrypted_len = 27 + size + 16 * size.div_ceil(64 * 1024);
    let attachments = w.store.data_dir().join("attachments");
    let stored: Vec<PathBuf> = std::fs::read_dir(&attachments)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "tmp"))
        .flat_map(|fan_out| std::fs::read_dir(fan_out).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::metadata(p).unwrap().len() == encrypted_len)
        .collect();
    let [path] = &stored[..] else {
        panic!("one file of {encrypted_len} bytes expected: {stored:?}");
    };
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(path, bytes).unwrap();

    let signer = w.identity.signer().unwrap();
    let mut creds = OpenSigner(&signer);
    let url = w.server.base_url();
    let mut link = link(&url, &mut creds);
    let report = outbox::run(&mut w.store, &mut link, RunOptions::default())
        .await
        .unwrap();
    assert!(report.stopped.is_none(), "{report:?}");
    let item = &report.items[0].item;
    assert_eq!(item.state, OutboxState::Failed);
    let error = item.last_error.as_ref().expect("an error");
    assert_eq!(error.code, "store.undecryptable");
    assert!(error.message.en.contains("altered or damaged"), "{error:?}");
    assert_eq!(w.filings_at_portal(), 0);
}

#[tokio::test]
async fn a_portal_that_is_down_leaves_the_item_queued_with_its_error_until_a_later_run() {
    let mut w = world().await;
    let (draft, sealed) = w.sealed_trademark("hồ sơ 2");
    outbox::queue_sealed(&mut w.store, &sealed, draft).unwrap();
    let signer = w.identity.signer().unwrap();

    // A port nobody listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let mut creds = OpenSigner(&signer);
    let mut down = link(&dead_url, &mut creds);
    let report = outbox::run(&mut w.store, &mut down, RunOptions::default())
        .await
        .unwrap();
    let stopped = report.stopped.clone().expect("the run stops");
    assert_eq!(stopped.code, "portal.unreachable");
    assert!(
        stopped.message.en.contains("stays in the outbox"),
        "{stopped:?}"
    );
    let item = &w.store.outbox().unwrap()[0];
    assert_eq!(item.state, OutboxState::Queued);
    assert_eq!(
        item.last_error.as_ref().map(|e| e.code.as_str()),
        Some("portal.unreachable")
    );

    let mut creds = OpenSigner(&signer);
    let url = w.server.base_url();
    let mut up = link(&url, &mut creds);
    let report = outbox::run(&mut w.store, &mut up, RunOptions::default())
        .await
        .unwrap();
    assert!(report.all_filed(), "{report:?}");
    assert!(w.store.outbox().unwrap()[0].last_error.is_none());
    assert_eq!(w.filings_at_portal(), 1);
}

#[tokio::test]
async fn a_supplement_request_opens_a_linked_draft_and_a_fee_notice_is_kept() {
    let mut w = world().await;
    let (first_draft, first) = w.sealed_trademark("hồ sơ 3");
    let (_, second) = w.sealed_trademark("hồ sơ 4");
    outbox::queue_sealed(&mut w.store, &first, first_draft).unwrap();
    outbox::queue_file(&mut w.store, &second.path, None).unwrap();
    let signer = w.identity.signer().unwrap();
    let mut creds = OpenSigner(&signer);
    let url = w.server.base_url();
    let mut link = link(&url, &mut creds);
    let report = outbox::run(&mut w.store, &mut link, RunOptions::default())
        .await
        .unwrap();
    assert!(report.all_filed(), "{report:?}");
    let numbers: Vec<String> = report
        .items
        .iter()
        .map(|r| r.item.dossier_number.clone().unwrap())
        .collect();
    // The second container was linked to its draft by its dossier.xml.
    assert!(report.items[1].item.draft_id.is_some());

    let deadline = date(2026, 12, 31);
    w.advance(&numbers[0], Status::InReview { message: None });
    w.advance(
        &numbers[0],
        Status::SupplementRequested {
            deadline,
            message: "Bổ sung mẫu nhãn rõ nét hơn".into(),
        },
    );
    w.advance(&numbers[1], Status::InReview { message: None });
    w.advance(
        &numbers[1],
        Status::FeeDue {
            amount_vnd: 150_000,
            payment_reference: "PHI-0001".into(),
            message: None,
        },
    );

    let views = status::sync(&mut w.store, &mut link, None).await.unwrap();
    let asked = views
        .iter()
        .find(|v| v.status.dossier_number == numbers[0])
        .unwrap();
    let open = asked.open_supplement().expect("a supplement request");
    assert_eq!(open.deadline, "2026-12-31");
    assert_eq!(open.message, "Bổ sung mẫu nhãn rõ nét hơn");
    assert_eq!(open.original_draft_id, Some(first_draft));
    let supplement = open.draft_id.expect("a supplement draft");
    // A copy of the filed dossier, saying which request it answers.
    let copy = w.store.draft(supplement).unwrap();
    assert_eq!(copy.doc, w.store.draft(first_draft).unwrap().doc);
    assert!(copy.sealed_at.is_none());
    let history = w.store.history(supplement).unwrap();
    assert!(history[0].summary.contains(&numbers[0]), "{history:?}");
    assert!(history[0].summary.contains("2026-12-31"));
    let fee = views
        .iter()
        .find(|v| v.status.dossier_number == numbers[1])
        .unwrap();
    assert_eq!(fee.fee_due(), Some((150_000, "PHI-0001")));

    // Syncing again opens no second draft; offline shows the same.
    let drafts_before = w.store.drafts().unwrap().len();
    status::sync(&mut w.store, &mut link, Some(&numbers[0]))
        .await
        .unwrap();
    assert_eq!(w.store.drafts().unwrap().len(), drafts_before);
    let offline = status::last_known(&w.store, None).unwrap();
    assert_eq!(offline.len(), 2);
    assert_eq!(
        offline[1].fee_due().or(offline[0].fee_due()),
        Some((150_000, "PHI-0001"))
    );

    // The supplement draft, amended and sealed, is filed as a supplement to its dossier.
    drafting::edit_fields(
        &mut w.store,
        supplement,
        &[("note".into(), "Mẫu nhãn rõ nét hơn".into())],
    )
    .unwrap();
    let out = w.dir.path().join("supplement.asice");
    let opts = SealOptions {
        signing_time: Timestamp::now(),
        today: date(2026, 11, 23),
        anchors: &w.anchors,
        revocation: RevocationMode::Offline,
    };
    let sealed = seal::seal_draft(&mut w.store, supplement, &signer, &out, &opts).unwrap();
    let queued = outbox::queue_file(&mut w.store, &sealed.path, None).unwrap();
    assert_eq!(
        queued.item.supplement_of.as_deref(),
        Some(numbers[0].as_str())
    );
    let report = outbox::run(&mut w.store, &mut link, RunOptions::default())
        .await
        .unwrap();
    let receipt = report.items[0].receipt.clone().unwrap();
    assert_eq!(receipt.dossier_number, numbers[0]);
    assert_eq!(receipt.supplement, Some(1));
    let views = status::sync(&mut w.store, &mut link, Some(&numbers[0]))
        .await
        .unwrap();
    assert_eq!(views[0].status.status, StatusName::InReview);
    assert_eq!(w.filings_at_portal(), 2);
}

#[tokio::test]
async fn without_credentials_a_missing_session_asks_for_hoso_login() {
    let mut w = world().await;
    let (draft, sealed) = w.sealed_trademark("hồ sơ 5");
    outbox::queue_sealed(&mut w.store, &sealed, draft).unwrap();
    let url = w.server.base_url();
    let mut link = Link::new(&url, &LinkOptions::default(), None).unwrap();
    let e = outbox::run(&mut w.store, &mut link, RunOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "session.login_required");
    assert!(e.text().en.contains("hoso login"), "{}", e.text().en);
    assert!(matches!(
        e,
        FilingError::LoginRequired { expired: false, .. }
    ));
    assert_eq!(w.store.outbox().unwrap()[0].state, OutboxState::Queued);
}

#[tokio::test]
async fn the_portal_refuses_untrusted_logins_and_tampered_containers() {
    let w = world().await;
    let verifiers = server::verifiers_for(&w.portal_dir, w.anchors.clone()).unwrap();

    // A login signed by a certificate of another CA.
    let stranger = TestPki::generate()
        .unwrap()
        .issue(&IssueSpec::enterprise("Kẻ lạ", APPLICANT, KeySpec::P256))
        .unwrap()
        .signer()
        .unwrap();
    let nonce = b"nonce of the portal";
    let digest: [u8; 32] = Sha256::digest(nonce).into();
    let sign = |s: &SoftwareSigner| sign_detached(s, &digest, &CmsOptions::default()).unwrap();
    let refused = verifiers.login.verify(nonce, &sign(&stranger)).unwrap_err();
    assert_eq!(refused.code, "auth.chain_untrusted");
    let who = verifiers.login.verify(nonce, &sign(&w.signer)).unwrap();
    assert_eq!(who.tax_code.as_deref(), Some(APPLICANT));
    let bad = verifiers
        .login
        .verify(b"another nonce", &sign(&w.signer))
        .unwrap_err();
    assert_eq!(bad.code, codes::AUTH_SIGNATURE_INVALID);

    // A container with an attachment changed after sealing.
    let mut w = w;
    let (_, sealed) = w.sealed_trademark("hồ sơ 6");
    let filing = verifiers.filing.verify(&sealed.path).unwrap();
    assert_eq!(filing.applicant_tax_code, APPLICANT);
    assert_eq!(filing.signers[0].tax_code.as_deref(), Some(APPLICANT));
    let tampered = w.dir.path().join("tampered.asice");
    rewrite(&sealed.path, &tampered, |name, bytes| {
        if name.starts_with("attachments/") {
            bytes.push(0);
        }
    });
    let refused = verifiers.filing.verify(&tampered).unwrap_err();
    assert!(refused.code.starts_with("filing."), "{refused:?}");
    assert!(refused.message.en.contains("attachments/"), "{refused:?}");

    // With no trust anchor nothing is accepted.
    let blind = server::verifiers_for(&w.portal_dir, TrustAnchors::empty()).unwrap();
    assert_eq!(
        blind.filing.verify(&sealed.path).unwrap_err().code,
        codes::VERIFICATION_UNAVAILABLE
    );
}

#[test]
fn a_session_kept_in_the_keyring_is_read_back_and_forgotten() {
    let portal = format!(
        "http://127.0.0.1:1/keyring-test-{}-{}",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    );
    let s = session::Session {
        portal: portal.clone(),
        access_token: base64::engine::general_purpose::STANDARD.encode(b"token"),
        expires_at: Timestamp::now() + jiff::SignedDuration::from_secs(600),
        subject: "CN=Công ty Cổ phần Công nghệ Sao Mai".into(),
        tax_code: Some(APPLICANT.into()),
    };
    assert!(session::pick_store().is_ok());
    session::save(&s).unwrap();
    assert_eq!(session::load(&format!("{portal}/")).unwrap(), Some(s));
    assert!(session::forget(&portal).unwrap());
    assert_eq!(session::load(&portal).unwrap(), None);
    assert!(!session::forget(&portal).unwrap());
}

/// Rewrites a container, each entry passed through `edit`, keeping `mimetype` first and stored.
fn rewrite(src: &Path, dst: &Path, edit: impl Fn(&str, &mut Vec<u8>)) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    for i in 0..zip.len() {
        let mut e = zip.by_index(i).unwrap();
        let name = e.name().unwrap().to_string();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        edit(&name, &mut bytes);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        out.start_file(name, opts).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
}
