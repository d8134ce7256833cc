//! Certificate checks before signing: validity, key usage, chain, revocation, tax code.

mod support;

use std::time::{Duration, SystemTime};

use hoso_signing::checks::{
    CheckOptions, Code, RevocationMode, RevocationSource, Status, check_certificate,
};
use hoso_signing::test_pki::{CaSpec, IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;
use jiff::Timestamp;
use support::{RevocationServer, TAX_CODE, anchors_of, online, options, signer};

const DAY: Duration = Duration::from_secs(86_400);

fn passes_everything_online(key: KeySpec) {
    let pki = TestPki::generate().unwrap();
    let server = RevocationServer::start(&pki);
    let id = signer(&pki, key, Some(server.ocsp_url()), Some(server.crl_url()));
    let report = check_certificate(
        &id.certificate,
        &id.chain,
        &anchors_of(&pki),
        &options(online(), Some(TAX_CODE)),
    );
    for (kind, outcome) in report.outcomes() {
        assert_eq!(outcome.status, Status::Passed, "{kind:?}: {outcome:?}");
    }
    assert!(report.all_hold());
    assert!(report.failures().is_empty() && report.warnings().is_empty());
    let info = report.revocation_info.as_ref().unwrap();
    assert_eq!(info.source, RevocationSource::Ocsp);
    assert_eq!(info.revoked, None);
    assert!(!info.evidence.is_empty());
    assert_eq!(server.ocsp_requests(), 1);
    assert_eq!(server.crl_requests(), 0, "no CRL when OCSP answers");
    assert_eq!(report.path.len(), 3);
    assert_eq!(report.path[2], pki.root);
}

#[test]
fn valid_p256_signer_passes_every_check_online() {
    passes_everything_online(KeySpec::P256);
}

#[test]
fn valid_rsa_signer_passes_every_check_online() {
    passes_everything_online(KeySpec::Rsa(2048));
}

fn issued_with(
    pki: &TestPki,
    edit: impl FnOnce(&mut IssueSpec),
) -> hoso_signing::test_pki::Identity {
    let mut spec = IssueSpec::enterprise("Công ty TNHH Thử nghiệm", TAX_CODE, KeySpec::P256);
    edit(&mut spec);
    pki.issue(&spec).unwrap()
}

fn offline_report(
    pki: &TestPki,
    id: &hoso_signing::test_pki::Identity,
    tax: Option<&str>,
) -> hoso_signing::checks::CertificateReport {
    check_certificate(
        &id.certificate,
        &id.chain,
        &anchors_of(pki),
        &options(RevocationMode::Offline, tax),
    )
}

#[test]
fn expired_certificate_is_refused() {
    let pki = TestPki::generate().unwrap();
    let now = SystemTime::now();
    let id = issued_with(&pki, |s| {
        s.not_before = now - 30 * DAY;
        s.not_after = now - DAY;
    });
    let report = offline_report(&pki, &id, Some(TAX_CODE));
    assert_eq!(report.validity.status, Status::Failed);
    assert_eq!(report.validity.code(), Some(Code::Expired));
    assert!(!report.all_hold());
    assert_eq!(
        report.chain.status,
        Status::Passed,
        "the chain is its own check"
    );
    let message = &report.validity.problem.as_ref().unwrap().message;
    assert!(
        message.vi.contains("hết hạn") && message.en.contains("expired"),
        "{message:?}"
    );
}

#[test]
fn not_yet_valid_certificate_is_refused() {
    let pki = TestPki::generate().unwrap();
    let now = SystemTime::now();
    let id = issued_with(&pki, |s| {
        s.not_before = now + DAY;
        s.not_after = now + 30 * DAY;
    });
    let report = offline_report(&pki, &id, Some(TAX_CODE));
    assert_eq!(report.validity.code(), Some(Code::NotYetValid));
    assert!(!report.all_hold());
}

#[test]
fn expired_certificate_is_valid_at_a_past_signing_time() {
    let pki = TestPki::generate().unwrap();
    let now = SystemTime::now();
    let id = issued_with(&pki, |s| {
        s.not_before = now - Duration::from_secs(20 * 3_600);
        s.not_after = now - Duration::from_secs(3_600);
    });
    let signed_at = Timestamp::now() - jiff::SignedDuration::from_hours(10);
    let report = check_certificate(
        &id.certificate,
        &id.chain,
        &anchors_of(&pki),
        &CheckOptions {
            at: signed_at,
            revocation: RevocationMode::Offline,
            expected_tax_code: Some(TAX_CODE),
        },
    );
    assert!(report.all_hold(), "{:?}", report.codes());
}

#[test]
fn offline_revocation_is_a_warning_not_a_failure() {
    let pki = TestPki::generate().unwrap();
    // Addresses that would fail if they were asked.
    let id = signer(&pki, KeySpec::P256, Some(support::dead_url("/ocsp")), None);
    let report = offline_report(&pki, &id, Some(TAX_CODE));
    assert_eq!(report.revocation.status, Status::Warning);
    assert_eq!(
        report.revocation.code(),
        Some(Code::RevocationNotCheckedOffline)
    );
    assert_eq!(
        report.revocation.problem.as_ref().unwrap().message.en,
        "Revocation not checked: offline."
    );
    assert!(report.all_hold());
    assert_eq!(report.warnings().len(), 1);
    assert!(report.failures().is_empty());
}

#[test]
fn wrong_tax_code_is_refused() {
    let pki = TestPki::generate().unwrap();
    let id = signer(&pki, KeySpec::P256, None, None);
    let report = offline_report(&pki, &id, Some("0100109106"));
    assert_eq!(report.tax_code.code(), Some(Code::TaxCodeMismatch));
    assert!(!report.all_hold());
}

#[test]
fn tax_codes_are_compared_as_values_not_text() {
    let pki = TestPki::generate().unwrap();
    let id = signer(&pki, KeySpec::P256, None, None);
    let report = offline_report(&pki, &id, Some(" 0101234565 "));
    assert_eq!(report.tax_code.status, Status::Passed);
}

#[test]
fn certificate_without_tax_code_is_refused() {
    let pki = TestPki::generate().unwrap();
    let id = issued_with(&pki, |s| {
        s.tax_code = None;
        s.citizen_id = Some("025199009534".into());
    });
    let report = offline_report(&pki, &id, Some(TAX_CODE));
    assert_eq!(report.tax_code.code(), Some(Code::NoTaxCode));
}

#[test]
fn branch_certificate_signing_for_its_parent_is_refused() {
    let pki = TestPki::generate().unwrap();
    let id = issued_with(&pki, |s| s.tax_code = Some("0100686209-199".into()));
    let report = offline_report(&pki, &id, Some("0100686209"));
    assert_eq!(report.tax_code.status, Status::Failed);
    assert_eq!(report.tax_code.code(), Some(Code::TaxCodeBranch));
    // The branch signing for itself is fine.
    let report = offline_report(&pki, &id, Some("0100686209-199"));
    assert_eq!(report.tax_code.status, Status::Passed);
    // Another branch of the same enterprise is another unit.
    let report = offline_report(&pki, &id, Some("0100686209-001"));
    assert_eq!(report.tax_code.code(), Some(Code::TaxCodeMismatch));
}

#[test]
fn tax_code_check_is_skipped_without_an_applicant_code() {
    let pki = TestPki::generate().unwrap();
    let id = issued_with(&pki, |s| s.tax_code = None);
    let report = offline_report(&pki, &id, None);
    assert_eq!(report.tax_code.status, Status::Skipped);
    assert!(report.all_hold());
}

#[test]
fn root_of_another_hierarchy_is_untrusted() {
    let pki = TestPki::generate().unwrap();
    let other = TestPki::generate().unwrap();
    let id = signer(&pki, KeySpec::P256, None, None);
    // Same names, other keys: the other root must not be taken for ours.
    let report = offline_report(&other, &id, Some(TAX_CODE));
    assert_eq!(report.chain.code(), Some(Code::ChainUntrusted));
    assert!(report.path.is_empty());
    assert!(!report.all_hold());
}

#[test]
fn no_anchor_at_all_is_untrusted() {
    let pki = TestPki::generate().unwrap();
    let id = signer(&pki, KeySpec::P256, None, None);
    let report = check_certificate(
        &id.certificate,
        &id.chain,
        &TrustAnchors::empty(),
        &options(RevocationMode::Offline, None),
    );
    assert_eq!(report.chain.code(), Some(Code::ChainUntrusted));
}

#[test]
fn missing_intermediate_is_untrusted() {
    let pki = TestPki::generate().unwrap();
    let id = signer(&pki, KeySpec::P256, None, None);
    let report = check_certificate(
        &id.certificate,
        &[],
        &anchors_of(&pki),
        &options(RevocationMode::Offline, None),
    );
    assert_eq!(report.chain.code(), Some(Code::ChainUntrusted));
}

#[test]
fn forged_certificate_has_an_invalid_signature() {
    let pki = TestPki::generate().unwrap();
    let spec = IssueSpec::enterprise("Công ty TNHH Thử nghiệm", TAX_CODE, KeySpec::P256);
    let id = pki.issue_forged(&spec).unwrap();
    let report = offline_report(&pki, &id, Some(TAX_CODE));
    assert_eq!(report.chain.code(), Some(Code::ChainInvalidSignature));
    assert!(!report.all_hold());
}

#[test]
fn key_encipherment_only_certificate_is_refused() {
    let pki = TestPki::generate().unwrap();
    let id = issued_with(&pki, |s| s.signing_key_usage = false);
    let report = offline_report(&pki, &id, Some(TAX_CODE));
    assert_eq!(report.key_usage.code(), Some(Code::KeyUsage));
    assert!(!report.all_hold());
}

#[test]
fn certificate_issued_by_a_non_ca_is_refused() {
    let pki = TestPki::generate().unwrap();
    let mut spec = CaSpec::new("Hoso Test Not A CA");
    spec.is_ca = false;
    let not_ca = pki.issue_ca(&spec).unwrap();
    let id = pki
        .issue_under(
            &not_ca,
            &IssueSpec::enterprise("Công ty TNHH Thử nghiệm", TAX_CODE, KeySpec::P256),
        )
        .unwrap();
    let report = offline_report(&pki, &id, Some(TAX_CODE));
    assert_eq!(report.chain.code(), Some(Code::ChainIssuerNotCa));
}

#[test]
fn certificate_under_an_expired_ca_is_refused() {
    let pki = TestPki::generate().unwrap();
    let now = SystemTime::now();
    let mut spec = CaSpec::new("Hoso Test Expired CA");
    spec.not_before = now - 400 * DAY;
    spec.not_after = now - DAY;
    let expired = pki.issue_ca(&spec).unwrap();
    let id = pki
        .issue_under(
            &expired,
            &IssueSpec::enterprise("Công ty TNHH Thử nghiệm", TAX_CODE, KeySpec::P256),
        )
        .unwrap();
    let report = offline_report(&pki, &id, Some(TAX_CODE));
    assert_eq!(report.validity.status, Status::Passed);
    assert_eq!(report.chain.code(), Some(Code::ChainExpiredIssuer));
}

#[test]
fn extra_and_unrelated_intermediates_do_not_hide_the_path() {
    let pki = TestPki::generate().unwrap();
    let other = TestPki::generate().unwrap();
    let id = signer(&pki, KeySpec::P256, None, None);
    // The other hierarchy's intermediate has the very same name: it must be skipped.
    let intermediates = vec![
        other.intermediate.clone(),
        other.root.clone(),
        pki.intermediate.clone(),
        pki.root.clone(),
    ];
    let report = check_certificate(
        &id.certificate,
        &intermediates,
        &anchors_of(&pki),
        &options(RevocationMode::Offline, None),
    );
    assert_eq!(report.chain.status, Status::Passed, "{:?}", report.chain);
}

#[test]
fn report_serialises_stable_codes_and_both_languages() {
    let pki = TestPki::generate().unwrap();
    let id = issued_with(&pki, |s| s.signing_key_usage = false);
    let report = offline_report(&pki, &id, Some("0100109106"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["validity"]["status"], "passed");
    assert!(json["validity"].get("problem").is_none());
    assert_eq!(json["key_usage"]["status"], "failed");
    assert_eq!(json["key_usage"]["problem"]["code"], "cert.key_usage");
    assert!(
        json["key_usage"]["problem"]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("ký")
    );
    assert!(
        json["key_usage"]["problem"]["message"]["en"]
            .as_str()
            .unwrap()
            .contains("signing")
    );
    assert_eq!(json["revocation"]["status"], "warning");
    assert_eq!(
        json["revocation"]["problem"]["code"],
        "revocation.not_checked_offline"
    );
    assert_eq!(
        json["tax_code"]["problem"]["code"],
        "cert.tax_code_mismatch"
    );
    assert_eq!(
        report.codes(),
        vec![
            Code::KeyUsage,
            Code::RevocationNotCheckedOffline,
            Code::TaxCodeMismatch
        ]
    );
}

#[test]
fn every_uid_is_read_from_the_der_subject() {
    let pki = TestPki::generate().unwrap();
    let id = issued_with(&pki, |s| s.citizen_id = Some("025199009534".into()));
    let ids = hoso_signing::checks::subject_ids(&id.certificate.tbs_certificate.subject);
    let pairs: Vec<(&str, &str)> = ids
        .iter()
        .map(|i| (i.prefix.as_str(), i.value.as_str()))
        .collect();
    assert_eq!(pairs, vec![("MST", TAX_CODE), ("CCCD", "025199009534")]);
    let report = offline_report(&pki, &id, Some(TAX_CODE));
    assert_eq!(report.tax_code.status, Status::Passed);
}
