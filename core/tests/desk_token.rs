//! The desktop's token list and sealing with a real PKCS#11 token (SoftHSM2, set up by
//! `source scripts/setup-softhsm.sh`): the certificate checked against the draft before any
//! PIN is typed, a wrong PIN tried once and reported, and a batch sealed with one login.

use std::path::{Path, PathBuf};

use hoso_core::DossierKind;
use hoso_core::desk::signing::{self, CheckName, CheckStatus, SignerRef};
use hoso_core::desk::{app, drafts};
use hoso_core::filing::LinkOptions;
use hoso_core::store::Store;
use hoso_signing::pkcs11::{Module, Pin, provision};
use hoso_signing::test_pki::{IssueSpec, KeySpec, TestPki};
use jiff::civil::{Date, date};

const TODAY: Date = date(2026, 11, 23);

fn module() -> Option<PathBuf> {
    match std::env::var_os("TEST_PKCS11_MODULE") {
        Some(m) => Some(PathBuf::from(m)),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "TEST_PKCS11_MODULE is not set in CI (scripts/setup-softhsm.sh sets it)"
            );
            eprintln!("skipped: TEST_PKCS11_MODULE is not set (source scripts/setup-softhsm.sh)");
            None
        }
    }
}

#[test]
fn tokens_are_listed_with_checks_against_the_draft_and_seal_a_batch_with_one_login() {
    let Some(path) = module() else { return };
    let pki = TestPki::generate().unwrap();
    let identity = pki
        .issue(&IssueSpec::enterprise(
            "Công ty Cổ phần Công nghệ Sao Mai",
            "0101234565",
            KeySpec::P256,
        ))
        .unwrap();
    let module = Module::load(&path).unwrap();
    let label = "hoso-desk-seal";
    provision::import_identity(
        &module,
        label,
        &Pin::new("12345678"),
        &Pin::new("123456"),
        &identity,
        "signer",
        &[0x4b],
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("data")).unwrap();
    let root = dir.path().join("root.pem");
    std::fs::write(&root, pki.root_pem()).unwrap();
    let mut settings = app::settings_get(&store).unwrap();
    settings.pkcs11_modules = vec![path.display().to_string()];
    settings.trust_anchors = Some(root.display().to_string());
    // The test CA publishes no OCSP responder or CRL.
    settings.check_revocation = false;
    app::settings_set(&mut store, &settings).unwrap();

    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/trademark.json");
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            hoso_core::drafting::new_draft(
                &mut store,
                DossierKind::Trademark,
                None,
                Some(&example),
                TODAY,
            )
            .unwrap(),
        );
    }

    let tokens = signing::tokens(&store, Some(ids[0])).unwrap();
    let token = tokens
        .iter()
        .find(|t| t.label == label)
        .expect("the provisioned token is listed");
    assert_eq!(
        tokens[0].module,
        path.display().to_string(),
        "configured module first"
    );
    assert!(token.pin_warnings.is_empty() && !token.pin_locked);
    let cert = token.certificates.iter().find(|c| !c.is_ca).unwrap();
    assert_eq!(cert.key_id, "4b");
    assert_eq!(cert.tax_code.as_deref(), Some("0101234565"));
    assert!(cert.usable, "{:?}", cert.checks);
    let status = |name| cert.checks.iter().find(|r| r.check == name).unwrap().status;
    assert_eq!(status(CheckName::TaxCode), CheckStatus::Passed);
    assert_eq!(status(CheckName::Chain), CheckStatus::Passed);

    let signer = SignerRef::Token {
        module: token.module.clone(),
        slot: token.slot_id.unwrap(),
        key_id: cert.key_id.clone(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let wrong = runtime
        .block_on(signing::seal(
            &mut store,
            &ids,
            &signer,
            "000000".into(),
            false,
            &LinkOptions::default(),
            TODAY,
            &mut |_| {},
        ))
        .unwrap_err();
    assert_eq!(wrong.code, "token.pin_incorrect");
    let after = signing::tokens(&store, None).unwrap();
    let after = after.iter().find(|t| t.label == label).unwrap();
    assert!(
        !after.pin_warnings.is_empty(),
        "the wrong PIN is now a warning before the next try"
    );

    let outcome = runtime
        .block_on(signing::seal(
            &mut store,
            &ids,
            &signer,
            "123456".into(),
            false,
            &LinkOptions::default(),
            TODAY,
            &mut |_| {},
        ))
        .unwrap();
    assert_eq!(outcome.sealed.len(), 3);
    for id in &ids {
        assert!(drafts::draft_get(&store, *id, TODAY).unwrap().sealed);
    }
    assert!(outcome.run.is_none());
}
