//! Checks on a signing certificate, run before signing and when verifying a signature
//! (DESIGN.md, "Tokens and certificates"): validity period, key usage, the chain to a trust
//! anchor, revocation (OCSP, else CRL) when online, and the tax code (mã số thuế, MST) in the
//! subject against the applicant's.
//!
//! Each check has its own outcome, with a stable code and a message in Vietnamese and English
//! when it does not pass; [`CertificateReport::all_hold`] says whether the certificate may be
//! used. Revocation that could not be checked online is *indeterminate*, never a pass; in
//! offline mode it is an explicit warning.
//!
//! [`check_certificate`] blocks while it asks OCSP responders and CRL servers (each request
//! bounded by the timeout of [`RevocationMode::Online`]): call it from a worker thread
//! (`spawn_blocking`), not from an async task's thread.

mod crl;
mod http;
mod key_usage;
mod message;
mod names;
mod ocsp;
mod path;
mod revocation;
mod tax_code;
mod time;
mod validity;
mod verify;

use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use x509_cert::Certificate;

use crate::trust::TrustAnchors;

pub use message::Message;
pub use revocation::{RevocationInfo, RevocationReason, RevocationSource, Revoked};
pub use tax_code::{SubjectId, subject_ids};

/// How revocation is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationMode {
    /// Ask the certificate's OCSP responder, else download its CRL; each request gives up
    /// after `timeout`.
    Online { timeout: Duration },
    /// Not checked: the outcome is the warning `revocation.not_checked_offline`.
    Offline,
}

impl RevocationMode {
    /// The timeout of one OCSP or CRL request when the caller has no opinion.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// Online with [`Self::DEFAULT_TIMEOUT`].
    pub fn online() -> RevocationMode {
        RevocationMode::Online {
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }
}

/// What to check a certificate against.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions<'a> {
    /// The moment at which the certificate must be valid: now before signing; the signing
    /// time when verifying (a certificate revoked after it still passes, with the revocation
    /// reported in [`CertificateReport::revocation_info`]). Revocation answers themselves are
    /// always judged fresh against the current clock.
    pub at: Timestamp,
    pub revocation: RevocationMode,
    /// The applicant's tax code, already validated by the caller (`0100109106`, or a branch's
    /// `0100686209-199`). `None`: the tax-code check is skipped.
    pub expected_tax_code: Option<&'a str>,
}

/// One of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Validity,
    KeyUsage,
    Chain,
    Revocation,
    TaxCode,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    /// Holds, with something the user must be told (revocation not checked offline).
    Warning,
    /// Could not be decided (no OCSP responder or CRL reachable): not a pass.
    Indeterminate,
    Failed,
    /// Not asked for (no applicant tax code given).
    Skipped,
}

/// Stable machine codes of the problems the checks find; the UI translates by code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// `cert.expired`
    Expired,
    /// `cert.not_yet_valid`
    NotYetValid,
    /// `cert.key_usage`: neither digitalSignature nor nonRepudiation.
    KeyUsage,
    /// `chain.untrusted`: no path to a trust anchor.
    ChainUntrusted,
    /// `chain.invalid_signature`: a certificate of the path is not signed by its issuer.
    ChainInvalidSignature,
    /// `chain.issuer_not_ca`: an issuer without cA, keyCertSign, or beyond its pathLen.
    ChainIssuerNotCa,
    /// `chain.expired_issuer`: an issuer (or the anchor) outside its validity period.
    ChainExpiredIssuer,
    /// `chain.unsupported_algorithm`: a signature or key we cannot verify.
    ChainUnsupportedAlgorithm,
    /// `chain.unknown_critical_extension`: RFC 5280 requires refusing it.
    ChainUnknownCriticalExtension,
    /// `cert.revoked`
    Revoked,
    /// `revocation.unavailable`: online, but no OCSP responder or CRL gave a usable answer.
    RevocationUnavailable,
    /// `revocation.not_checked_offline`: a warning, not a failure.
    RevocationNotCheckedOffline,
    /// `cert.tax_code_mismatch`
    TaxCodeMismatch,
    /// `cert.no_tax_code`
    NoTaxCode,
    /// `cert.tax_code_branch`: a branch's certificate for its parent enterprise (or the
    /// reverse), which the sources do not settle.
    TaxCodeBranch,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Expired => "cert.expired",
            Code::NotYetValid => "cert.not_yet_valid",
            Code::KeyUsage => "cert.key_usage",
            Code::ChainUntrusted => "chain.untrusted",
            Code::ChainInvalidSignature => "chain.invalid_signature",
            Code::ChainIssuerNotCa => "chain.issuer_not_ca",
            Code::ChainExpiredIssuer => "chain.expired_issuer",
            Code::ChainUnsupportedAlgorithm => "chain.unsupported_algorithm",
            Code::ChainUnknownCriticalExtension => "chain.unknown_critical_extension",
            Code::Revoked => "cert.revoked",
            Code::RevocationUnavailable => "revocation.unavailable",
            Code::RevocationNotCheckedOffline => "revocation.not_checked_offline",
            Code::TaxCodeMismatch => "cert.tax_code_mismatch",
            Code::NoTaxCode => "cert.no_tax_code",
            Code::TaxCodeBranch => "cert.tax_code_branch",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Why a check did not simply pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: Code,
    pub message: Message,
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

impl CheckOutcome {
    pub fn passed() -> CheckOutcome {
        CheckOutcome {
            status: Status::Passed,
            problem: None,
        }
    }

    pub fn skipped() -> CheckOutcome {
        CheckOutcome {
            status: Status::Skipped,
            problem: None,
        }
    }

    pub(crate) fn with(status: Status, code: Code, message: Message) -> CheckOutcome {
        CheckOutcome {
            status,
            problem: Some(Problem { code, message }),
        }
    }

    pub(crate) fn failed(code: Code, message: Message) -> CheckOutcome {
        CheckOutcome::with(Status::Failed, code, message)
    }

    /// Passed, skipped, or a warning.
    pub fn holds(&self) -> bool {
        matches!(
            self.status,
            Status::Passed | Status::Warning | Status::Skipped
        )
    }

    pub fn code(&self) -> Option<Code> {
        self.problem.as_ref().map(|p| p.code)
    }
}

/// The outcome of every check on one certificate.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateReport {
    pub validity: CheckOutcome,
    pub key_usage: CheckOutcome,
    pub chain: CheckOutcome,
    pub revocation: CheckOutcome,
    pub tax_code: CheckOutcome,
    /// Where the revocation status came from, and what it said (also when revoked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_info: Option<RevocationInfo>,
    /// The validated path, from the certificate to the trust anchor (inclusive); empty when
    /// no path validated.
    #[serde(skip)]
    pub path: Vec<Certificate>,
}

impl CertificateReport {
    /// Every check holds: passed, skipped, or only a warning (revocation not checked offline).
    pub fn all_hold(&self) -> bool {
        self.outcomes().iter().all(|(_, o)| o.holds())
    }

    /// The checks in a fixed order.
    pub fn outcomes(&self) -> [(CheckKind, &CheckOutcome); 5] {
        [
            (CheckKind::Validity, &self.validity),
            (CheckKind::KeyUsage, &self.key_usage),
            (CheckKind::Chain, &self.chain),
            (CheckKind::Revocation, &self.revocation),
            (CheckKind::TaxCode, &self.tax_code),
        ]
    }

    /// The problems that stop the certificate from being used (failed or indeterminate).
    pub fn failures(&self) -> Vec<(CheckKind, &Problem)> {
        self.outcomes()
            .into_iter()
            .filter(|(_, o)| !o.holds())
            .filter_map(|(k, o)| o.problem.as_ref().map(|p| (k, p)))
            .collect()
    }

    /// The warnings to show although the certificate may be used.
    pub fn warnings(&self) -> Vec<(CheckKind, &Problem)> {
        self.outcomes()
            .into_iter()
            .filter(|(_, o)| o.status == Status::Warning)
            .filter_map(|(k, o)| o.problem.as_ref().map(|p| (k, p)))
            .collect()
    }

    /// The codes of all problems, failures and warnings alike, in check order.
    pub fn codes(&self) -> Vec<Code> {
        self.outcomes()
            .into_iter()
            .filter_map(|(_, o)| o.code())
            .collect()
    }
}

/// Runs every check on `cert`. `intermediates` are the certificates that came with it (the
/// token's or the signature's chain), untrusted: only `anchors` are trusted.
pub fn check_certificate(
    cert: &Certificate,
    intermediates: &[Certificate],
    anchors: &TrustAnchors,
    options: &CheckOptions<'_>,
) -> CertificateReport {
    let validity = validity::check(cert, options.at);
    let key_usage = key_usage::check(cert);
    let anchor_certs: Vec<&Certificate> = anchors.certificates().collect();
    let path = path::validate(cert, intermediates, &anchor_certs, options.at);
    let issuer = path
        .issuer
        .clone()
        .or_else(|| path::find_issuer(cert, intermediates, &anchor_certs));
    let (revocation, revocation_info) =
        revocation::check(cert, issuer.as_ref(), options.at, options.revocation);
    let tax_code = match options.expected_tax_code {
        Some(expected) => tax_code::check(cert, expected),
        None => CheckOutcome::skipped(),
    };
    CertificateReport {
        validity,
        key_usage,
        chain: path.outcome,
        revocation,
        tax_code,
        revocation_info,
        path: path.path,
    }
}
