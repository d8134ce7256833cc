//! Certification path building and validation: our own subset of RFC 5280, chapter 6.
//!
//! The path is built from the certificate upwards by issuer name (and authority / subject key
//! identifiers where both are present) through the supplied intermediates to a trust anchor,
//! trying every candidate. A path is valid when each certificate's signature verifies with its
//! issuer's key, every issuer is a CA (basicConstraints cA, keyCertSign when keyUsage is
//! present, pathLenConstraint respected), every certificate of the path and the anchor are
//! within their validity period at the time of the check, and no certificate has a critical
//! extension we do not process. Not implemented: certificate policies, name constraints
//! (refused as an unknown critical extension), policy mapping.

use der::asn1::ObjectIdentifier;
use jiff::Timestamp;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};

use super::verify::{self, VerifyError};
use super::{CheckOutcome, Code, Message, names, time};

/// Longest path tried, anchor included; real Vietnamese paths have three certificates.
const MAX_DEPTH: usize = 8;
/// Candidate paths tried before giving up (a bound against crafted certificate sets).
const MAX_PATHS: usize = 32;

/// Critical extensions we process (RFC 5280, 4.2): anything else critical is refused.
const UNDERSTOOD: [&str; 9] = [
    "2.5.29.15",         // keyUsage
    "2.5.29.19",         // basicConstraints
    "2.5.29.37",         // extKeyUsage
    "2.5.29.14",         // subjectKeyIdentifier
    "2.5.29.35",         // authorityKeyIdentifier
    "2.5.29.17",         // subjectAltName
    "2.5.29.32",         // certificatePolicies (no policy is required, so none can be unmet)
    "2.5.29.31",         // cRLDistributionPoints
    "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
];

pub(crate) struct PathOutcome {
    pub outcome: CheckOutcome,
    /// The validated path, certificate first and anchor last; empty when none validated.
    pub path: Vec<Certificate>,
    /// The certificate's issuer on the validated path, or on the first complete path tried.
    pub issuer: Option<Certificate>,
}

fn key_id(cert: &Certificate) -> Option<Vec<u8>> {
    match cert.tbs_certificate.get::<SubjectKeyIdentifier>() {
        Ok(Some((_, ski))) => Some(ski.0.as_bytes().to_vec()),
        _ => None,
    }
}

fn authority_key_id(cert: &Certificate) -> Option<Vec<u8>> {
    match cert.tbs_certificate.get::<AuthorityKeyIdentifier>() {
        Ok(Some((_, aki))) => aki.key_identifier.map(|k| k.as_bytes().to_vec()),
        _ => None,
    }
}

/// Whether `candidate` may be `child`'s issuer: its subject is the child's issuer name, and
/// the key identifiers agree when both are present.
fn may_issue(candidate: &Certificate, child: &Certificate) -> bool {
    if !names::same(
        &candidate.tbs_certificate.subject,
        &child.tbs_certificate.issuer,
    ) {
        return false;
    }
    match (authority_key_id(child), key_id(candidate)) {
        (Some(aki), Some(ski)) => aki == ski,
        _ => true,
    }
}

/// The certificate's issuer among the intermediates and anchors, checked by signature: for
/// revocation when no path validated.
pub(crate) fn find_issuer(
    cert: &Certificate,
    intermediates: &[Certificate],
    anchors: &[&Certificate],
) -> Option<Certificate> {
    anchors
        .iter()
        .copied()
        .chain(intermediates.iter())
        .filter(|c| may_issue(c, cert))
        .find(|c| verify::certificate(cert, &c.tbs_certificate.subject_public_key_info).is_ok())
        .cloned()
}

/// Every path from `cert` to an anchor, depth first, anchors tried before intermediates.
fn build<'a>(
    chain: &mut Vec<&'a Certificate>,
    intermediates: &'a [Certificate],
    anchors: &[&'a Certificate],
    found: &mut Vec<Vec<&'a Certificate>>,
) {
    let Some(&current) = chain.last() else {
        return;
    };
    if found.len() >= MAX_PATHS || chain.len() >= MAX_DEPTH {
        return;
    }
    for &anchor in anchors {
        if may_issue(anchor, current) && !chain.contains(&anchor) {
            let mut path = chain.clone();
            path.push(anchor);
            found.push(path);
        }
    }
    for candidate in intermediates {
        let already = chain.contains(&candidate) || anchors.contains(&candidate);
        if !already && may_issue(candidate, current) {
            chain.push(candidate);
            build(chain, intermediates, anchors, found);
            chain.pop();
        }
    }
}

fn subject(cert: &Certificate) -> String {
    names::short(&cert.tbs_certificate.subject)
}

fn unknown_critical(cert: &Certificate) -> Option<ObjectIdentifier> {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.critical)
        .map(|e| e.extn_id)
        .find(|oid| !UNDERSTOOD.iter().any(|u| oid.to_string() == *u))
}

fn not_ca(issuer: &Certificate, why_vi: &str, why_en: &str) -> CheckOutcome {
    let name = subject(issuer);
    CheckOutcome::failed(
        Code::ChainIssuerNotCa,
        Message::new(
            format!("Chứng thư số \"{name}\" không được phép cấp chứng thư số: {why_vi}."),
            format!("\"{name}\" may not issue certificates: {why_en}."),
        ),
    )
}

/// What keeps an issuer from being a CA at `depth` (the number of intermediates below it).
fn check_issuer(issuer: &Certificate, depth: usize, is_anchor: bool) -> Result<(), CheckOutcome> {
    match issuer.tbs_certificate.get::<BasicConstraints>() {
        Ok(Some((_, bc))) if !bc.ca => {
            return Err(not_ca(
                issuer,
                "không phải CA (basicConstraints cA = false)",
                "it is not a CA (basicConstraints cA is false)",
            ));
        }
        Ok(Some((_, bc))) => {
            if let Some(max) = bc.path_len_constraint
                && depth > usize::from(max)
            {
                return Err(not_ca(
                    issuer,
                    &format!("vượt giới hạn độ dài đường dẫn (pathLen {max})"),
                    &format!("the path exceeds its path length constraint ({max})"),
                ));
            }
        }
        // An anchor may be a version 1 certificate without extensions: it is trusted as a
        // name and a key.
        Ok(None) if is_anchor => {}
        Ok(None) => {
            return Err(not_ca(
                issuer,
                "thiếu basicConstraints",
                "it has no basicConstraints",
            ));
        }
        Err(_) => {
            return Err(not_ca(
                issuer,
                "basicConstraints bị lỗi định dạng",
                "its basicConstraints is malformed",
            ));
        }
    }
    match issuer.tbs_certificate.get::<KeyUsage>() {
        Ok(Some((_, ku))) if !ku.0.contains(KeyUsages::KeyCertSign) => Err(not_ca(
            issuer,
            "mục đích sử dụng khóa không có keyCertSign",
            "its key usage lacks keyCertSign",
        )),
        Ok(_) => Ok(()),
        Err(_) => Err(not_ca(
            issuer,
            "keyUsage bị lỗi định dạng",
            "its key usage is malformed",
        )),
    }
}

fn check_validity(cert: &Certificate, at: Timestamp) -> Result<(), CheckOutcome> {
    let validity = &cert.tbs_certificate.validity;
    let (from, to) = (
        time::of(&validity.not_before),
        time::of(&validity.not_after),
    );
    if at >= from && at <= to {
        return Ok(());
    }
    let name = subject(cert);
    let (from, to) = (time::show(from), time::show(to));
    Err(CheckOutcome::failed(
        Code::ChainExpiredIssuer,
        Message::new(
            format!(
                "Chứng thư số của tổ chức cấp \"{name}\" không có hiệu lực vào thời điểm kiểm tra (hiệu lực từ {from} đến {to})."
            ),
            format!(
                "The issuer certificate \"{name}\" is not valid at the time of the check (valid from {from} to {to})."
            ),
        ),
    ))
}

/// Validates one complete path: `path[0]` is the certificate, the last one the anchor.
fn check_path(path: &[&Certificate], at: Timestamp) -> Result<(), CheckOutcome> {
    let anchor_index = path.len() - 1;
    for (i, pair) in path.windows(2).enumerate() {
        let (child, issuer) = (pair[0], pair[1]);
        match verify::certificate(child, &issuer.tbs_certificate.subject_public_key_info) {
            Ok(()) => {}
            Err(VerifyError::Invalid) => {
                let (c, s) = (subject(child), subject(issuer));
                return Err(CheckOutcome::failed(
                    Code::ChainInvalidSignature,
                    Message::new(
                        format!(
                            "Chữ ký trên chứng thư số \"{c}\" không phải của tổ chức cấp \"{s}\": chứng thư số có thể bị giả mạo."
                        ),
                        format!(
                            "The signature on the certificate \"{c}\" is not by its issuer \"{s}\": the certificate may be forged."
                        ),
                    ),
                ));
            }
            Err(VerifyError::Unsupported(what)) => {
                let c = subject(child);
                return Err(CheckOutcome::failed(
                    Code::ChainUnsupportedAlgorithm,
                    Message::new(
                        format!(
                            "Không kiểm tra được chữ ký trên chứng thư số \"{c}\": thuật toán không được hỗ trợ ({what})."
                        ),
                        format!(
                            "The signature on the certificate \"{c}\" cannot be checked: unsupported {what}."
                        ),
                    ),
                ));
            }
        }
        check_issuer(issuer, i, i + 1 == anchor_index)?;
    }
    // The certificate's own validity is its own check (validity); its issuers' and the
    // anchor's belong to the chain.
    for cert in &path[1..] {
        check_validity(cert, at)?;
    }
    for cert in &path[..anchor_index] {
        if let Some(oid) = unknown_critical(cert) {
            let c = subject(cert);
            return Err(CheckOutcome::failed(
                Code::ChainUnknownCriticalExtension,
                Message::new(
                    format!(
                        "Chứng thư số \"{c}\" có phần mở rộng bắt buộc (critical) không được hỗ trợ: {oid}."
                    ),
                    format!(
                        "The certificate \"{c}\" has a critical extension we do not support: {oid}."
                    ),
                ),
            ));
        }
    }
    Ok(())
}

fn untrusted(cert: &Certificate) -> CheckOutcome {
    let issuer = names::short(&cert.tbs_certificate.issuer);
    CheckOutcome::failed(
        Code::ChainUntrusted,
        Message::new(
            format!(
                "Chứng thư số không dẫn tới tổ chức chứng thực tin cậy nào (tổ chức cấp: \"{issuer}\"). Hãy thêm chứng thư số gốc (--trust-anchor) hoặc các chứng thư số trung gian còn thiếu."
            ),
            format!(
                "The certificate does not chain to a trusted root (issuer: \"{issuer}\"). Add the root certificate (--trust-anchor) or the missing intermediate certificates."
            ),
        ),
    )
}

/// Builds and validates the certificate's path; the first valid path wins, else the
/// problem of the first complete path, else `chain.untrusted`.
pub(crate) fn validate(
    cert: &Certificate,
    intermediates: &[Certificate],
    anchors: &[&Certificate],
    at: Timestamp,
) -> PathOutcome {
    // A certificate that is itself an anchor is trusted as such.
    if anchors.contains(&cert) {
        return PathOutcome {
            outcome: CheckOutcome::passed(),
            path: vec![cert.clone()],
            issuer: None,
        };
    }
    let mut found = Vec::new();
    build(&mut vec![cert], intermediates, anchors, &mut found);
    let mut first_problem = None;
    for path in &found {
        match check_path(path, at) {
            Ok(()) => {
                return PathOutcome {
                    outcome: CheckOutcome::passed(),
                    path: path.iter().map(|c| (*c).clone()).collect(),
                    issuer: path.get(1).map(|c| (*c).clone()),
                };
            }
            Err(problem) => {
                if first_problem.is_none() {
                    first_problem = Some((problem, path.get(1).map(|c| (*c).clone())));
                }
            }
        }
    }
    match first_problem {
        Some((outcome, issuer)) => PathOutcome {
            outcome,
            path: Vec::new(),
            // The issuer of a path whose signature failed is not the issuer.
            issuer: issuer.filter(|i| {
                verify::certificate(cert, &i.tbs_certificate.subject_public_key_info).is_ok()
            }),
        },
        None => PathOutcome {
            outcome: untrusted(cert),
            path: Vec::new(),
            issuer: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn understood_extensions_are_valid_oids() {
        for oid in UNDERSTOOD {
            assert!(ObjectIdentifier::new(oid).is_ok(), "{oid}");
        }
    }
}
