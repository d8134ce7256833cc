//! Revocation by OCSP against a test responder on 127.0.0.1.

mod support;

use std::time::{Duration, Instant, SystemTime};

use hoso_signing::checks::{
    CertificateReport, CheckOptions, Code, RevocationMode, RevocationReason, RevocationSource,
    Status, check_certificate,
};
use hoso_signing::test_pki::{CrlSpec, Identity, KeySpec, TestPki};
use jiff::Timestamp;
use support::{
    OcspMode, RevocationServer, TAX_CODE, anchors_of, dead_url, online, options, signer,
};
use x509_cert::ext::pkix::CrlReason;

fn check(pki: &TestPki, id: &Identity, revocation: RevocationMode) -> CertificateReport {
    check_certificate(
        &id.certificate,
        &id.chain,
        &anchors_of(pki),
        &options(revocation, Some(TAX_CODE)),
    )
}

fn unavailable(report: &CertificateReport) {
    assert_eq!(
        report.revocation.status,
        Status::Indeterminate,
        "{:?}",
        report.revocation
    );
    assert_eq!(report.revocation.code(), Some(Code::RevocationUnavailable));
    assert!(!report.all_hold(), "unavailable is not a pass");
    assert!(report.revocation_info.is_none());
}

#[test]
fn certificate_revoked_by_ocsp_is_refused_with_time_and_reason() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    let id = signer(&pki, KeySpec::P256, Some(server.ocsp_url()), None);
    let revoked_at = SystemTime::now() - Duration::from_secs(3_600);
    server.revoke(
        &id.certificate.tbs_certificate.serial_number,
        revoked_at,
        Some(CrlReason::KeyCompromise),
    );

    let report = check(&pki, &id, online());
    assert_eq!(report.revocation.status, Status::Failed);
    assert_eq!(report.revocation.code(), Some(Code::Revoked));
    assert!(!report.all_hold());
    let info = report.revocation_info.as_ref().unwrap();
    assert_eq!(info.source, RevocationSource::Ocsp);
    assert_eq!(info.url, server.ocsp_url());
    let revoked = info.revoked.as_ref().unwrap();
    assert_eq!(revoked.reason, Some(RevocationReason::KeyCompromise));
    let expected = Timestamp::try_from(revoked_at).unwrap();
    assert!((revoked.at.as_second() - expected.as_second()).abs() <= 1);
    let message = &report.revocation.problem.as_ref().unwrap().message;
    assert!(
        message.vi.contains("thu hồi") && message.vi.contains("khóa bí mật bị lộ"),
        "{message:?}"
    );
    assert!(
        message.en.contains("revoked") && message.en.contains("key compromise"),
        "{message:?}"
    );
}

#[test]
fn signature_made_before_the_revocation_still_holds() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    let id = signer(&pki, KeySpec::P256, Some(server.ocsp_url()), None);
    server.revoke(
        &id.certificate.tbs_certificate.serial_number,
        SystemTime::now(),
        Some(CrlReason::Superseded),
    );
    let report = check_certificate(
        &id.certificate,
        &id.chain,
        &anchors_of(&pki),
        &CheckOptions {
            at: Timestamp::now() - jiff::SignedDuration::from_hours(2),
            revocation: online(),
            expected_tax_code: Some(TAX_CODE),
        },
    );
    assert_eq!(report.revocation.status, Status::Passed);
    assert!(
        report.revocation_info.unwrap().revoked.is_some(),
        "the revocation is still reported"
    );
}

#[test]
fn responder_down_makes_revocation_unavailable() {
    let pki = TestPki::generate().unwrap();
    let id = signer(&pki, KeySpec::P256, Some(dead_url("/ocsp")), None);
    let report = check(&pki, &id, online());
    unavailable(&report);
    let message = &report.revocation.problem.as_ref().unwrap().message;
    assert!(message.en.contains("cannot connect"), "{message:?}");
}

#[test]
fn hanging_responder_times_out_as_unavailable() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    server.set_mode(OcspMode::Hang);
    let id = signer(&pki, KeySpec::P256, Some(server.ocsp_url()), None);
    let started = Instant::now();
    let report = check(
        &pki,
        &id,
        RevocationMode::Online {
            timeout: Duration::from_secs(1),
        },
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    unavailable(&report);
    assert!(
        report
            .revocation
            .problem
            .as_ref()
            .unwrap()
            .message
            .en
            .contains("timed out")
    );
}

#[test]
fn dead_responder_falls_back_to_the_crl() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    server.set_crl(&pki.issue_crl(&CrlSpec::current(Vec::new())).unwrap());
    let id = signer(
        &pki,
        KeySpec::P256,
        Some(dead_url("/ocsp")),
        Some(server.crl_url()),
    );
    let report = check(&pki, &id, online());
    assert_eq!(
        report.revocation.status,
        Status::Passed,
        "{:?}",
        report.revocation
    );
    assert_eq!(
        report.revocation_info.as_ref().unwrap().source,
        RevocationSource::Crl
    );
    assert!(report.all_hold());
}

#[test]
fn responder_try_later_falls_back_to_the_crl() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    server.set_mode(OcspMode::TryLater);
    server.set_crl(&pki.issue_crl(&CrlSpec::current(Vec::new())).unwrap());
    let id = signer(
        &pki,
        KeySpec::P256,
        Some(server.ocsp_url()),
        Some(server.crl_url()),
    );
    let report = check(&pki, &id, online());
    assert_eq!(report.revocation.status, Status::Passed);
    assert_eq!(
        report.revocation_info.unwrap().source,
        RevocationSource::Crl
    );
    assert_eq!((server.ocsp_requests(), server.crl_requests()), (1, 1));
}

#[test]
fn stale_ocsp_response_is_not_trusted() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    server.set_mode(OcspMode::Stale);
    let id = signer(&pki, KeySpec::P256, Some(server.ocsp_url()), None);
    let report = check(&pki, &id, online());
    unavailable(&report);
    assert!(
        report
            .revocation
            .problem
            .unwrap()
            .message
            .en
            .contains("stale")
    );
}

#[test]
fn response_with_another_nonce_is_not_trusted() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    server.set_mode(OcspMode::WrongNonce);
    let id = signer(&pki, KeySpec::P256, Some(server.ocsp_url()), None);
    let report = check(&pki, &id, online());
    unavailable(&report);
    assert!(
        report
            .revocation
            .problem
            .unwrap()
            .message
            .en
            .contains("nonce")
    );
}

#[test]
fn response_signed_by_another_cas_responder_is_not_trusted() {
    let pki = TestPki::generate().unwrap();
    let other = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    // Same names as our responder, issued by the other hierarchy's CA.
    server.set_responder(&other.issue_ocsp_responder().unwrap());
    let id = signer(&pki, KeySpec::P256, Some(server.ocsp_url()), None);
    let report = check(&pki, &id, online());
    unavailable(&report);
    assert!(
        report
            .revocation
            .problem
            .unwrap()
            .message
            .en
            .contains("not issued by the certificate's CA")
    );
}

#[test]
fn responder_certificate_without_ocsp_signing_is_not_trusted() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    // An ordinary signer of the same CA, without id-kp-OCSPSigning.
    server.set_responder(&signer(&pki, KeySpec::P256, None, None));
    let id = signer(&pki, KeySpec::P256, Some(server.ocsp_url()), None);
    let report = check(&pki, &id, online());
    unavailable(&report);
    assert!(
        report
            .revocation
            .problem
            .unwrap()
            .message
            .en
            .contains("id-kp-OCSPSigning")
    );
}

#[test]
fn certificate_without_any_revocation_address_is_unavailable_online() {
    let pki = TestPki::generate().unwrap();
    let id = signer(&pki, KeySpec::P256, None, None);
    let report = check(&pki, &id, online());
    unavailable(&report);
    // Offline the same certificate only warns.
    let report = check(&pki, &id, RevocationMode::Offline);
    assert_eq!(report.revocation.status, Status::Warning);
    assert!(report.all_hold());
}

#[test]
fn check_may_be_called_from_an_async_runtime_thread() {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    let id = signer(&pki, KeySpec::P256, Some(server.ocsp_url()), None);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Blocking inside a task is the caller's mistake, but it must not panic.
    let report = runtime.block_on(async { check(&pki, &id, online()) });
    assert_eq!(
        report.revocation.status,
        Status::Passed,
        "{:?}",
        report.revocation
    );
}
