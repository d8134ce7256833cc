//! Trust anchors the user adds: `--trust-anchor FILE` and the `HOSO_TRUST_ANCHORS` path list.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use der::EncodePem;
use der::pem::LineEnding;
use hoso_signing::checks::{Code, RevocationMode, Status, check_certificate};
use hoso_signing::test_pki::{KeySpec, TestPki};
use hoso_signing::trust::{TRUST_ANCHORS_ENV, TrustAnchors, read_certificates};
use support::{options, signer};
use x509_cert::Certificate;

/// Set for the child process of `user_anchors_from_hoso_trust_anchors_are_trusted`: the folder
/// with the certificate to check.
const CHILD: &str = "HOSO_TEST_TRUST_CHILD_DIR";

fn write_pem(dir: &Path, name: &str, certs: &[&Certificate]) -> PathBuf {
    let pem: String = certs
        .iter()
        .map(|c| c.to_pem(LineEnding::LF).unwrap())
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path
}

#[test]
fn bundled_set_is_empty_until_the_national_root_is_confirmed() {
    assert!(TrustAnchors::bundled().unwrap().is_empty());
}

#[test]
fn user_anchor_from_a_pem_file_is_trusted() {
    let pki = TestPki::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = write_pem(dir.path(), "root.pem", &[&pki.root]);
    let id = signer(&pki, KeySpec::P256, None, None);

    let mut anchors = TrustAnchors::empty();
    assert_eq!(anchors.add_file(&root).unwrap(), 1);
    assert_eq!(
        anchors.add_file(&root).unwrap(),
        0,
        "the same root twice is one anchor"
    );
    let report = check_certificate(
        &id.certificate,
        &id.chain,
        &anchors,
        &options(RevocationMode::Offline, None),
    );
    assert_eq!(report.chain.status, Status::Passed, "{:?}", report.chain);

    // Without it, the same certificate is untrusted.
    let report = check_certificate(
        &id.certificate,
        &id.chain,
        &TrustAnchors::empty(),
        &options(RevocationMode::Offline, None),
    );
    assert_eq!(report.chain.code(), Some(Code::ChainUntrusted));
}

#[test]
fn der_anchor_file_and_intermediates_from_a_file_work() {
    let pki = TestPki::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root.cer");
    std::fs::write(&root, hoso_signing::test_pki::certificate_der(&pki.root)).unwrap();
    let chain = write_pem(dir.path(), "chain.pem", &[&pki.intermediate]);
    let id = signer(&pki, KeySpec::P256, None, None);

    let anchors = TrustAnchors::load(&[root]).unwrap();
    let intermediates = read_certificates(&chain).unwrap();
    let report = check_certificate(
        &id.certificate,
        &intermediates,
        &anchors,
        &options(RevocationMode::Offline, None),
    );
    assert_eq!(report.chain.status, Status::Passed, "{:?}", report.chain);
}

#[test]
fn unreadable_or_wrong_anchor_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = TrustAnchors::load(&[dir.path().join("absent.pem")]).unwrap_err();
    assert_eq!(missing.code(), "trust.file_unreadable");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a certificate").unwrap();
    let wrong = TrustAnchors::load(&[text]).unwrap_err();
    assert_eq!(wrong.code(), "trust.not_a_certificate");
    assert!(wrong.message().vi.contains("không phải là chứng thư số"));
}

#[test]
fn user_anchors_from_hoso_trust_anchors_are_trusted() {
    let pki = TestPki::generate().unwrap();
    let other = TestPki::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ours = write_pem(dir.path(), "root.pem", &[&pki.root]);
    let theirs = write_pem(dir.path(), "other-root.pem", &[&other.root]);
    let id = signer(&pki, KeySpec::P256, None, None);
    write_pem(dir.path(), "cert.pem", &[&id.certificate]);
    write_pem(dir.path(), "chain.pem", &[&pki.intermediate]);

    // An empty entry in the list is skipped.
    let list = std::env::join_paths([theirs, PathBuf::new(), ours]).unwrap();
    // The variable is read by the application at start: set it for a child process (this
    // test binary, running only the test below), not for this one.
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_checks_the_certificate_against_the_env_anchors",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(TRUST_ANCHORS_ENV, &list)
        .env(CHILD, dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(stdout.contains("env anchors: 2"), "{stdout}");
}

/// Runs only as the child of `user_anchors_from_hoso_trust_anchors_are_trusted`.
#[test]
fn child_checks_the_certificate_against_the_env_anchors() {
    let Some(dir) = std::env::var_os(CHILD).map(PathBuf::from) else {
        return;
    };
    let anchors = TrustAnchors::load(&[]).unwrap();
    println!("env anchors: {}", anchors.len());
    let cert = read_certificates(&dir.join("cert.pem")).unwrap().remove(0);
    let chain = read_certificates(&dir.join("chain.pem")).unwrap();
    let report = check_certificate(
        &cert,
        &chain,
        &anchors,
        &options(RevocationMode::Offline, None),
    );
    assert_eq!(report.chain.status, Status::Passed, "{:?}", report.chain);
}
