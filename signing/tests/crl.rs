//! Revocation by CRL (when there is no OCSP address, or OCSP fails) against a test server.

mod support;

use std::time::{Duration, SystemTime};

use hoso_signing::checks::{
    CertificateReport, Code, RevocationMode, RevocationReason, RevocationSource, Status,
    check_certificate,
};
use hoso_signing::test_pki::{CrlSpec, Identity, KeySpec, RevokedEntry, TestPki};
use support::{RevocationServer, TAX_CODE, anchors_of, dead_url, online, options, signer};
use x509_cert::ext::pkix::CrlReason;

fn check(pki: &TestPki, id: &Identity) -> CertificateReport {
    check_certificate(
        &id.certificate,
        &id.chain,
        &anchors_of(pki),
        &options(online(), Some(TAX_CODE)),
    )
}

fn revoked_entry(id: &Identity) -> RevokedEntry {
    RevokedEntry {
        serial: id.certificate.tbs_certificate.serial_number.clone(),
        revoked_at: SystemTime::now() - Duration::from_secs(7_200),
        reason: Some(CrlReason::CessationOfOperation),
    }
}

fn unavailable_because(report: &CertificateReport, why: &str) {
    assert_eq!(
        report.revocation.status,
        Status::Indeterminate,
        "{:?}",
        report.revocation
    );
    assert_eq!(report.revocation.code(), Some(Code::RevocationUnavailable));
    let en = &report.revocation.problem.as_ref().unwrap().message.en;
    assert!(en.contains(why), "{en}");
    assert!(!report.all_hold());
}

#[test]
fn certificate_revoked_by_crl_without_ocsp_url_is_refused() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    let id = signer(&pki, KeySpec::P256, None, Some(server.crl_url()));
    let bystander = signer(&pki, KeySpec::P256, None, None);
    server.set_crl(
        &pki.issue_crl(&CrlSpec::current(vec![
            revoked_entry(&bystander),
            revoked_entry(&id),
        ]))
        .unwrap(),
    );

    let report = check(&pki, &id);
    assert_eq!(report.revocation.status, Status::Failed);
    assert_eq!(report.revocation.code(), Some(Code::Revoked));
    let info = report.revocation_info.as_ref().unwrap();
    assert_eq!(info.source, RevocationSource::Crl);
    assert_eq!(
        info.revoked.as_ref().unwrap().reason,
        Some(RevocationReason::CessationOfOperation)
    );
    assert!(!info.evidence.is_empty());
    assert_eq!(server.ocsp_requests(), 0);
}

#[test]
fn certificate_absent_from_a_current_crl_passes() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    let id = signer(&pki, KeySpec::Rsa(2048), None, Some(server.crl_url()));
    let other = signer(&pki, KeySpec::P256, None, None);
    server.set_crl(
        &pki.issue_crl(&CrlSpec::current(vec![revoked_entry(&other)]))
            .unwrap(),
    );
    let report = check(&pki, &id);
    assert_eq!(
        report.revocation.status,
        Status::Passed,
        "{:?}",
        report.revocation
    );
    assert!(report.all_hold());
}

#[test]
fn stale_crl_is_not_trusted() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    let id = signer(&pki, KeySpec::P256, None, Some(server.crl_url()));
    let now = SystemTime::now();
    server.set_crl(
        &pki.issue_crl(&CrlSpec {
            revoked: Vec::new(),
            this_update: now - Duration::from_secs(8 * 86_400),
            next_update: Some(now - Duration::from_secs(86_400)),
        })
        .unwrap(),
    );
    unavailable_because(&check(&pki, &id), "stale");
}

#[test]
fn crl_signed_by_another_ca_is_not_trusted() {
    let pki = TestPki::generate().unwrap();
    let other = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    let id = signer(&pki, KeySpec::P256, None, Some(server.crl_url()));
    // Same issuer name, other key: a CRL that would clear (or frame) any certificate.
    server.set_crl(&other.issue_crl(&CrlSpec::current(Vec::new())).unwrap());
    unavailable_because(&check(&pki, &id), "signature is not the CA's");
}

#[test]
fn crl_server_down_makes_revocation_unavailable() {
    let pki = TestPki::generate().unwrap();
    let id = signer(&pki, KeySpec::P256, None, Some(dead_url("/crl")));
    unavailable_because(&check(&pki, &id), "cannot connect");
}

#[test]
fn missing_crl_makes_revocation_unavailable() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    let id = signer(&pki, KeySpec::P256, None, Some(server.crl_url()));
    unavailable_because(&check(&pki, &id), "404");
}

#[test]
fn offline_mode_downloads_nothing() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    let id = signer(
        &pki,
        KeySpec::P256,
        Some(server.ocsp_url()),
        Some(server.crl_url()),
    );
    let report = check_certificate(
        &id.certificate,
        &id.chain,
        &anchors_of(&pki),
        &options(RevocationMode::Offline, Some(TAX_CODE)),
    );
    assert_eq!(
        report.revocation.code(),
        Some(Code::RevocationNotCheckedOffline)
    );
    assert_eq!((server.ocsp_requests(), server.crl_requests()), (0, 0));
}
