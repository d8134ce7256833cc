//! Sealing with a real PKCS#11 token (SoftHSM2, set up by scripts/setup-softhsm.sh): many
//! dossiers, one login.

use std::path::{Path, PathBuf};

use hoso_core::keys;
use hoso_core::seal::{self, SealOptions};
use hoso_signing::checks::RevocationMode;
use hoso_signing::pkcs11::{Module, Pin, provision};
use hoso_signing::test_pki::{IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;
use jiff::Timestamp;
use jiff::civil::date;

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
fn two_hundred_dossiers_seal_with_one_login() {
    let Some(path) = module() else { return };
    let pki = TestPki::generate().unwrap();
    let identity = pki
        .issue(&IssueSpec::enterprise(
            "Công ty Cổ phần Công nghệ Sao Mai",
            "0101234565",
            KeySpec::Rsa(2048),
        ))
        .unwrap();
    let module = Module::load(&path).unwrap();
    let label = "hoso-seal-200";
    let pin = Pin::new("123456");
    provision::import_identity(
        &module,
        label,
        &Pin::new("12345678"),
        &pin,
        &identity,
        "signer",
        &[1],
    )
    .unwrap();
    let token = module.token_by_label(label).unwrap();
    let session = keys::login(&token, &pin).unwrap();

    let mut anchors = TrustAnchors::empty();
    anchors.add(pki.root.clone());
    let opts = SealOptions {
        signing_time: Timestamp::now(),
        today: date(2026, 11, 23),
        anchors: &anchors,
        revocation: RevocationMode::Offline,
    };
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/trademark.json");
    for i in 0..200 {
        let out = dir.path().join(format!("{i:03}.asice"));
        seal::seal_file(&example, &session, &out, &opts).unwrap();
    }
    assert_eq!(session.logins(), 1, "one login for the whole batch");
    assert_eq!(token.login_attempts(), 1);
    assert_eq!(
        session.signatures(),
        400,
        "a form and a container per dossier"
    );
    let last = dir.path().join("199.asice");
    let report =
        hoso_core::verify::verify_container(&last, &anchors, RevocationMode::Offline).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
}
