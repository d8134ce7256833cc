//! Revocation: OCSP first, else the CRL; online only. A certificate is revoked for the check
//! when its revocation time is at or before the moment checked (`CheckOptions::at`).
//!
//! Only the certificate itself is checked, not its issuing CAs.

use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use x509_cert::Certificate;
use x509_cert::ext::pkix::CrlReason;

use super::http::{self, Http};
use super::{CheckOutcome, Code, Message, RevocationMode, Status, crl, ocsp, time};

/// Where a revocation status came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationSource {
    Ocsp,
    Crl,
}

/// Why a certificate was revoked (RFC 5280, CRLReason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    RemoveFromCrl,
    PrivilegeWithdrawn,
    AaCompromise,
}

impl RevocationReason {
    fn from_crl(reason: CrlReason) -> RevocationReason {
        match reason {
            CrlReason::Unspecified => RevocationReason::Unspecified,
            CrlReason::KeyCompromise => RevocationReason::KeyCompromise,
            CrlReason::CaCompromise => RevocationReason::CaCompromise,
            CrlReason::AffiliationChanged => RevocationReason::AffiliationChanged,
            CrlReason::Superseded => RevocationReason::Superseded,
            CrlReason::CessationOfOperation => RevocationReason::CessationOfOperation,
            CrlReason::CertificateHold => RevocationReason::CertificateHold,
            CrlReason::RemoveFromCRL => RevocationReason::RemoveFromCrl,
            CrlReason::PrivilegeWithdrawn => RevocationReason::PrivilegeWithdrawn,
            CrlReason::AaCompromise => RevocationReason::AaCompromise,
        }
    }

    /// The reason in Vietnamese and English.
    pub fn message(self) -> Message {
        let (vi, en) = match self {
            RevocationReason::Unspecified => ("không nêu lý do", "unspecified"),
            RevocationReason::KeyCompromise => ("khóa bí mật bị lộ", "key compromise"),
            RevocationReason::CaCompromise => ("khóa của tổ chức cấp bị lộ", "CA compromise"),
            RevocationReason::AffiliationChanged => {
                ("thay đổi thông tin tổ chức", "affiliation changed")
            }
            RevocationReason::Superseded => ("đã được thay thế", "superseded"),
            RevocationReason::CessationOfOperation => ("ngừng hoạt động", "cessation of operation"),
            RevocationReason::CertificateHold => ("tạm dừng", "certificate hold"),
            RevocationReason::RemoveFromCrl => ("gỡ khỏi danh sách thu hồi", "remove from CRL"),
            RevocationReason::PrivilegeWithdrawn => ("bị rút quyền", "privilege withdrawn"),
            RevocationReason::AaCompromise => {
                ("tổ chức cấp thuộc tính bị lộ khóa", "AA compromise")
            }
        };
        Message::new(vi, en)
    }
}

/// When and why a certificate was revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revoked {
    pub at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<RevocationReason>,
}

/// The revocation answer the check relied on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevocationInfo {
    pub source: RevocationSource,
    pub url: String,
    /// `None`: good at the time of the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revoked>,
    /// The OCSP response or CRL as received (DER): validation data to keep with a signature.
    #[serde(skip)]
    pub evidence: Vec<u8>,
}

fn unavailable(details: &str) -> CheckOutcome {
    CheckOutcome::with(
        Status::Indeterminate,
        Code::RevocationUnavailable,
        Message::new(
            format!(
                "Không kiểm tra được chứng thư số có bị thu hồi hay không: không có máy chủ OCSP hay danh sách thu hồi (CRL) nào trả lời được ({details}). Hãy kiểm tra kết nối mạng, hoặc làm việc ngoại tuyến để bỏ qua bước kiểm tra này."
            ),
            format!(
                "Whether the certificate is revoked could not be checked: no OCSP responder or CRL gave a usable answer ({details}). Check the network connection, or work offline to skip this check."
            ),
        ),
    )
}

fn offline() -> CheckOutcome {
    CheckOutcome::with(
        Status::Warning,
        Code::RevocationNotCheckedOffline,
        Message::new(
            "Chưa kiểm tra chứng thư số có bị thu hồi hay không: đang làm việc ngoại tuyến.",
            "Revocation not checked: offline.",
        ),
    )
}

fn revoked(info: &RevocationInfo, revoked: &Revoked) -> CheckOutcome {
    let when = time::show(revoked.at);
    let source = match info.source {
        RevocationSource::Ocsp => "OCSP",
        RevocationSource::Crl => "CRL",
    };
    let reason = revoked.reason.map(RevocationReason::message);
    let (reason_vi, reason_en) = match &reason {
        Some(m) => (format!(", lý do: {}", m.vi), format!(", reason: {}", m.en)),
        None => (String::new(), String::new()),
    };
    CheckOutcome::failed(
        Code::Revoked,
        Message::new(
            format!(
                "Chứng thư số đã bị thu hồi vào {when}{reason_vi} (theo {source} {}).",
                info.url
            ),
            format!(
                "The certificate was revoked on {when}{reason_en} (according to {source} {}).",
                info.url
            ),
        ),
    )
}

/// Asks the responders, then the CRLs, in order; the first usable answer wins. The reasons
/// of those that failed otherwise.
fn online(
    cert: &Certificate,
    issuer: &Certificate,
    ocsp_urls: &[String],
    crl_urls: &[String],
    timeout: Duration,
) -> Result<RevocationInfo, Vec<String>> {
    let http = Http::new(timeout).map_err(|e| vec![e])?;
    let mut failures = Vec::new();
    let to_revoked = |at, reason: Option<CrlReason>| Revoked {
        at,
        reason: reason.map(RevocationReason::from_crl),
    };
    for url in ocsp_urls {
        match ocsp::query(&http, url, cert, issuer) {
            Ok(answer) => {
                let revoked = match answer.status {
                    ocsp::Status::Good => None,
                    ocsp::Status::Revoked { at, reason } => Some(to_revoked(at, reason)),
                    ocsp::Status::Unknown => {
                        failures.push(format!(
                            "OCSP {url}: the responder does not know the certificate"
                        ));
                        continue;
                    }
                };
                return Ok(RevocationInfo {
                    source: RevocationSource::Ocsp,
                    url: url.clone(),
                    revoked,
                    evidence: answer.der,
                });
            }
            Err(e) => failures.push(format!("OCSP {url}: {e}")),
        }
    }
    for url in crl_urls {
        match crl::fetch(&http, url, cert, issuer) {
            Ok(answer) => {
                let revoked = match answer.status {
                    crl::Status::Good => None,
                    crl::Status::Revoked { at, reason } => Some(to_revoked(at, reason)),
                };
                return Ok(RevocationInfo {
                    source: RevocationSource::Crl,
                    url: url.clone(),
                    revoked,
                    evidence: answer.der,
                });
            }
            Err(e) => failures.push(format!("CRL {url}: {e}")),
        }
    }
    Err(failures)
}

pub(crate) fn check(
    cert: &Certificate,
    issuer: Option<&Certificate>,
    at: Timestamp,
    mode: RevocationMode,
) -> (CheckOutcome, Option<RevocationInfo>) {
    let timeout = match mode {
        RevocationMode::Offline => return (offline(), None),
        RevocationMode::Online { timeout } => timeout,
    };
    let ocsp_urls: Vec<String> = ocsp::urls(cert)
        .into_iter()
        .filter(|u| http::fetchable(u))
        .collect();
    let crl_urls: Vec<String> = crl::urls(cert)
        .into_iter()
        .filter(|u| http::fetchable(u))
        .collect();
    if ocsp_urls.is_empty() && crl_urls.is_empty() {
        return (
            unavailable("the certificate gives no OCSP or CRL address over HTTP"),
            None,
        );
    }
    let Some(issuer) = issuer else {
        return (unavailable("the issuer's certificate is missing"), None);
    };
    // On a thread of its own: reqwest's blocking client must not run on (or be dropped in)
    // an async runtime's thread, and the caller may be on one.
    let result = std::thread::scope(|s| {
        s.spawn(|| online(cert, issuer, &ocsp_urls, &crl_urls, timeout))
            .join()
    });
    match result {
        Ok(Ok(info)) => {
            let outcome = match &info.revoked {
                Some(r) if r.at <= at => revoked(&info, r),
                _ => CheckOutcome::passed(),
            };
            (outcome, Some(info))
        }
        Ok(Err(failures)) => (unavailable(&failures.join("; ")), None),
        Err(_) => (unavailable("internal error"), None),
    }
}
