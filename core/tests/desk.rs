//! The desktop app's functions (`hoso_core::desk`) against a real data folder: drafts edited
//! in one revision per call, profiles carried into open drafts, the home screen's urgency
//! order, and sealing a batch with one PKCS#12 login, filed with the reference portal in
//! process while uploads report their progress.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hoso_core::desk::home::ActionKind;
use hoso_core::desk::signing::SignerRef;
use hoso_core::desk::{
    FieldSet, Progress, ProgressTask, ProgressUnit, app, drafts, filing, home, profiles, signing,
};
use hoso_core::filing::{LinkOptions, server};
use hoso_core::profile::{Enterprise, Profile};
use hoso_core::store::{ItemError, OutboxState, ProfileKind, Store};
use hoso_core::{DossierKind, Text};
use hoso_portal::server::{RunningServer, Server, ServerConfig};
use hoso_signing::p12::{self, Password};
use hoso_signing::test_pki::{IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;
use jiff::civil::{Date, date};

const TODAY: Date = date(2026, 11, 23);
const APPLICANT: &str = "0101234565";
const PASSWORD: &str = "mật khẩu thử";

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    (dir, store)
}

fn sao_mai() -> Profile {
    Profile::Enterprise(Enterprise {
        name: "Công ty Cổ phần Công nghệ Sao Mai".into(),
        name_en: "Sao Mai Technology Joint Stock Company".into(),
        tax_code: APPLICANT.into(),
        address: "Số 18 phố Lý Thường Kiệt, phường Cửa Nam, thành phố Hà Nội".into(),
        country: "VN".into(),
        legal_representative: hoso_core::forms::Person {
            name: "Nguyễn Thị Ánh".into(),
            title: "Tổng Giám đốc".into(),
        },
        phone: "024 3822 1234".into(),
        email: "phaply@saomai.example.vn".into(),
    })
}

fn set(path: &str, value: &str) -> FieldSet {
    FieldSet {
        path: path.into(),
        value: value.into(),
    }
}

#[test]
fn a_draft_view_carries_report_fees_slots_and_history_and_each_set_call_is_one_revision() {
    let (_dir, mut store) = store();
    let saved = profiles::profile_save(&mut store, None, &sao_mai(), TODAY).unwrap();
    let view =
        drafts::draft_new(&mut store, DossierKind::Trademark, Some(saved.id), TODAY).unwrap();
    assert_eq!(view.rev, 1);
    assert_eq!(view.dossier.applicant().tax_code, APPLICANT);
    assert!(!view.report.is_valid(), "an empty trademark is not ready");
    let mark = view.slots.iter().find(|s| s.id == "mark_sample").unwrap();
    assert!(mark.required && mark.files.is_empty());
    let attorney = view
        .slots
        .iter()
        .find(|s| s.id == "power_of_attorney")
        .unwrap();
    assert!(!attorney.required, "no agent: no power of attorney needed");
    assert_eq!(view.fees.day, TODAY);

    let view = drafts::draft_set(
        &mut store,
        view.id,
        &[
            set("mark.description", "Nhãn hiệu SAO MAI"),
            set(
                "goods",
                r#"[{"class": 9, "items": ["Phần mềm máy tính đã ghi"]}]"#,
            ),
        ],
        TODAY,
    )
    .unwrap();
    assert_eq!(view.rev, 2, "two fields, one revision");
    assert!(view.title.contains("SAO MAI"));
    assert!(view.fees.total_at_filing_vnd > 0);
    assert_eq!(view.history[0].rev, 2, "latest first");

    let refused = drafts::draft_set(
        &mut store,
        view.id,
        &[set("note", "giữ lại?"), set("no.such.field", "x")],
        TODAY,
    )
    .unwrap_err();
    assert!(refused.code.starts_with("form."), "{refused:?}");
    assert_eq!(
        drafts::draft_get(&store, view.id, TODAY).unwrap().rev,
        2,
        "nothing saved"
    );

    let view = drafts::attach(
        &mut store,
        view.id,
        "mark_sample",
        &[example("files/mark.png")],
        TODAY,
    )
    .unwrap();
    let mark = view.slots.iter().find(|s| s.id == "mark_sample").unwrap();
    assert!(mark.required, "still required once filled");
    assert_eq!(mark.files[0].media_type, "image/png");
    let url = drafts::attachment_image(&store, &mark.files[0].sha256).unwrap();
    assert!(url.starts_with("data:image/png;base64,iVBOR"));

    let view = drafts::detach(&mut store, view.id, "mark_sample", TODAY).unwrap();
    assert!(view.dossier.attachments().is_empty());
    let view = drafts::draft_restore(&mut store, view.id, 3, TODAY).unwrap();
    assert_eq!(
        view.dossier.attachments().len(),
        1,
        "revision 3 had the mark"
    );
    assert_eq!(view.history[0].summary, "restored revision 3");
}

#[test]
fn a_patent_view_suggests_the_counts_read_from_its_description() {
    let (_dir, mut store) = store();
    let view = drafts::draft_new(&mut store, DossierKind::Patent, None, TODAY).unwrap();
    let counts = view.counts.expect("a patent draft is counted");
    assert_eq!(counts.description_pages, None, "nothing attached yet");
    assert!(counts.documents.is_empty());

    let view = drafts::attach(
        &mut store,
        view.id,
        "description",
        &[example("files/description.pdf")],
        TODAY,
    )
    .unwrap();
    let counts = view.counts.unwrap();
    assert_eq!(counts.description_pages, Some(1));
    assert_eq!(counts.documents[0].file_name, "description.pdf");
    assert_eq!(
        counts.documents[0].counts.source,
        hoso_core::counting::CountSource::PdfPages,
        "the sample has no claims heading of its own"
    );
    let again = drafts::draft_get(&store, view.id, TODAY).unwrap().counts;
    assert_eq!(
        again.as_ref(),
        Some(&counts),
        "the second view reads the kept counts"
    );

    let trademark = drafts::draft_new(&mut store, DossierKind::Trademark, None, TODAY).unwrap();
    assert_eq!(
        trademark.counts, None,
        "only patents and utility solutions are counted"
    );
}

#[test]
fn a_saved_profile_is_checked_and_carried_into_its_open_drafts() {
    let (_dir, mut store) = store();
    let mut bad = sao_mai();
    if let Profile::Enterprise(e) = &mut bad {
        e.tax_code = "0101234566".into();
    }
    let report = profiles::profile_check(&store, &bad, TODAY).unwrap();
    assert!(report.problems.iter().any(|p| p.path.contains("tax_code")));
    let refused = profiles::profile_save(&mut store, None, &bad, TODAY).unwrap_err();
    assert_eq!(refused.code, "profile.invalid");
    assert!(refused.report.is_some_and(|r| !r.is_valid()));
    assert!(profiles::profiles_list(&store).unwrap().is_empty());

    let id = profiles::profile_save(&mut store, None, &sao_mai(), TODAY)
        .unwrap()
        .id;
    let draft = drafts::draft_new(&mut store, DossierKind::Trademark, Some(id), TODAY).unwrap();
    let mut moved = sao_mai();
    if let Profile::Enterprise(e) = &mut moved {
        e.address = "Số 1 phố Tràng Tiền, phường Hoàn Kiếm, thành phố Hà Nội".into();
    }
    let saved = profiles::profile_save(&mut store, Some(id), &moved, TODAY).unwrap();
    assert_eq!(saved.drafts_updated, [draft.id]);
    let draft = drafts::draft_get(&store, draft.id, TODAY).unwrap();
    assert!(
        draft
            .dossier
            .applicant()
            .address
            .starts_with("Số 1 phố Tràng Tiền")
    );
    let rows = profiles::profiles_list(&store).unwrap();
    assert_eq!(rows[0].kind, ProfileKind::Enterprise);
    assert_eq!(rows[0].code, APPLICANT);
    assert_eq!(
        profiles::profile_get(&store, id, TODAY).unwrap().profile,
        moved
    );
}

#[test]
fn home_lists_actions_nearest_deadline_first() {
    let (dir, mut store) = store();
    let open = drafts::draft_new(&mut store, DossierKind::Patent, None, TODAY).unwrap();
    // Two filed dossiers as a sync left them: a fee due, and a supplement due in December.
    for (number, status, extra) in [
        (
            "4-2026-00001",
            "fee_due",
            serde_json::json!({"status": "fee_due", "amount_vnd": 150000, "payment_reference": "PAY-1"}),
        ),
        (
            "4-2026-00002",
            "supplement_requested",
            serde_json::json!({"status": "supplement_requested", "deadline": "2026-12-10", "message": "Bổ sung giấy ủy quyền"}),
        ),
    ] {
        let receipt = serde_json::json!({
            "dossier_number": number, "container_sha256": "ab".repeat(32), "kind": "trademark",
            "received_at": "2026-11-01T02:00:00Z",
            "portal_signature": {"algorithm": "ecdsa-p256-sha256", "value": "", "certificate": ""}
        });
        let mut event = extra.clone();
        event["at"] = "2026-11-20T02:00:00Z".into();
        let detail = serde_json::json!({
            "dossier_number": number, "kind": "trademark", "status": status, "receipt": receipt,
            "history": [{"at": "2026-11-01T02:00:00Z", "status": "received"}, event],
            "supplements": []
        });
        store
            .save_dossier_status(number, "trademark", status, &detail)
            .unwrap();
    }
    // A container the portal refused.
    let dir2 = dir.path().join("c.asice");
    std::fs::write(&dir2, b"PK\x03\x04 refused").unwrap();
    let sha = store.add_attachment(&dir2).unwrap().sha256;
    let (item, _) = store
        .queue_container(&hoso_core::store::NewOutboxItem {
            container_sha256: &sha,
            size: 15,
            file_name: "c.asice",
            kind: "trademark",
            applicant_tax_code: None,
            draft_id: None,
            supplement_of: None,
        })
        .unwrap();
    let error = ItemError {
        code: "filing.signature_invalid".into(),
        message: Text::new("chữ ký không hợp lệ", "invalid signature"),
    };
    store.outbox_error(item.id, &error, true).unwrap();

    let h = home::home(&store).unwrap();
    assert_eq!(h.drafts.len(), 1);
    assert_eq!(h.drafts[0].id, open.id);
    assert_eq!(h.outbox[0].state, OutboxState::Failed);
    assert_eq!(h.outbox[0].total, 15);
    assert_eq!(h.filed.len(), 2);
    let kinds: Vec<ActionKind> = h.actions.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            ActionKind::SupplementRequested,
            ActionKind::FeeDue,
            ActionKind::OutboxFailed
        ]
    );
    assert_eq!(h.actions[0].deadline, Some(date(2026, 12, 10)));
    assert_eq!(
        h.actions[1].fee_due.as_ref().unwrap().payment_reference,
        "PAY-1"
    );
}

async fn portal(data: &Path, anchors: &TrustAnchors) -> RunningServer {
    let verifiers = server::verifiers_for(data, anchors.clone()).unwrap();
    Server::bind(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        ServerConfig::new(data),
        verifiers,
    )
    .await
    .unwrap()
    .spawn()
}

#[tokio::test]
async fn two_drafts_seal_with_one_login_and_are_filed_with_upload_progress() {
    let (dir, mut store) = store();
    let pki = TestPki::generate().unwrap();
    let identity = pki
        .issue(&IssueSpec::enterprise(
            "Công ty Cổ phần Công nghệ Sao Mai",
            APPLICANT,
            KeySpec::P256,
        ))
        .unwrap();
    let p12_path = dir.path().join("signer.p12");
    let bytes = p12::write(
        &identity.key_pkcs8,
        &identity.certificate,
        &identity.chain,
        &Password::new(PASSWORD),
    )
    .unwrap();
    std::fs::write(&p12_path, bytes).unwrap();
    let root = dir.path().join("root.pem");
    std::fs::write(&root, pki.root_pem()).unwrap();
    let mut anchors = TrustAnchors::empty();
    anchors.add(pki.root.clone());
    let server = portal(&dir.path().join("portal"), &anchors).await;

    let mut settings = app::settings_get(&store).unwrap();
    settings.portal_url = Some(server.base_url());
    settings.trust_anchors = Some(root.display().to_string());
    // The test CA publishes no OCSP responder or CRL.
    settings.check_revocation = false;
    app::settings_set(&mut store, &settings).unwrap();

    let mut ids = Vec::new();
    for note in ["một", "hai"] {
        let id = hoso_core::drafting::new_draft(
            &mut store,
            DossierKind::Trademark,
            None,
            Some(&example("trademark.json")),
            TODAY,
        )
        .unwrap();
        drafts::draft_set(&mut store, id, &[set("note", note)], TODAY).unwrap();
        ids.push(id);
    }
    let signer = SignerRef::File {
        path: p12_path.display().to_string(),
    };
    let wrong = signing::seal(
        &mut store,
        &ids,
        &signer,
        "sai".into(),
        false,
        &LinkOptions::default(),
        TODAY,
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(wrong.code, "pkcs12.wrong_password");
    assert!(!drafts::draft_get(&store, ids[0], TODAY).unwrap().sealed);

    let options = LinkOptions {
        chunk_size: Some(16 * 1024),
        give_up_after: Some(Duration::from_secs(5)),
        ..LinkOptions::default()
    };
    let mut events: Vec<Progress> = Vec::new();
    let outcome = signing::seal(
        &mut store,
        &ids,
        &signer,
        PASSWORD.into(),
        true,
        &options,
        TODAY,
        &mut |p| events.push(p),
    )
    .await
    .unwrap();
    assert_eq!(outcome.sealed.len(), 2);
    for s in &outcome.sealed {
        assert!(Path::new(&s.path).starts_with(store.data_dir().join("sealed")));
    }
    assert_eq!(
        outcome.session.unwrap().tax_code.as_deref(),
        Some(APPLICANT)
    );
    let run = outcome.run.unwrap();
    assert!(run.all_filed, "{run:?}");
    assert_eq!(run.items.len(), 2);

    let sealing: Vec<&Progress> = events
        .iter()
        .filter(|p| p.task == ProgressTask::Seal)
        .collect();
    assert_eq!(sealing.last().map(|p| (p.done, p.total)), Some((2, 2)));
    let total: u64 = outcome.sealed.iter().map(|s| s.size).sum();
    let overall: Vec<&Progress> = events
        .iter()
        .filter(|p| p.task == ProgressTask::Upload && p.item.is_none())
        .collect();
    assert!(
        overall
            .iter()
            .all(|p| p.unit == ProgressUnit::Bytes && p.total == total)
    );
    assert!(
        overall.windows(2).all(|w| w[0].done <= w[1].done),
        "never goes back"
    );
    assert_eq!(overall.last().unwrap().done, total);
    let per_file = events
        .iter()
        .filter(|p| p.task == ProgressTask::Upload && p.item.is_some())
        .count();
    assert!(per_file > 4, "several chunks per file: {per_file}");

    // Filed: off the home screen's drafts, on its filed list; the container can be carried out.
    let h = home::home(&store).unwrap();
    assert!(h.drafts.is_empty(), "{:?}", h.drafts);
    assert!(h.outbox.is_empty());
    assert_eq!(h.filed.len(), 2);
    let number = &run.items[0].receipt.as_ref().unwrap().dossier_number;
    let detail = filing::dossier_get(&store, number).unwrap();
    assert_eq!(detail.receipts.len(), 1);
    let out = dir.path().join("usb").join("carried.asice");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    filing::container_export(&store, ids[0], &out).unwrap();
    assert_eq!(
        hoso_core::seal::hash_file(&out).unwrap().0,
        outcome.sealed[0].sha256
    );
    // Carried into another data folder, it is queued there.
    let (_other_dir, mut other) = self::store();
    let row = filing::container_import(&mut other, &out).unwrap();
    assert_eq!(row.state, OutboxState::Queued);
    assert_eq!(row.container_sha256, outcome.sealed[0].sha256);
}

#[tokio::test]
async fn running_the_outbox_without_a_session_asks_to_log_in() {
    let (_dir, mut store) = store();
    let mut settings = app::settings_get(&store).unwrap();
    settings.portal_url = Some("http://127.0.0.1:9".into());
    app::settings_set(&mut store, &settings).unwrap();
    let file = store.data_dir().join("c.asice");
    std::fs::write(&file, b"PK\x03\x04 waiting").unwrap();
    let sha = store.add_attachment(&file).unwrap().sha256;
    store
        .queue_container(&hoso_core::store::NewOutboxItem {
            container_sha256: &sha,
            size: 14,
            file_name: "c.asice",
            kind: "trademark",
            applicant_tax_code: None,
            draft_id: None,
            supplement_of: None,
        })
        .unwrap();
    let e = filing::outbox_run(&mut store, &LinkOptions::default(), &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(e.code, "session.login_required");
}
