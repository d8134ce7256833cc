//! OCSP (RFC 6960): one request for one certificate, and the checks on the answer that the
//! x509-ocsp types leave to us: response status, the responder's signature and authority
//! (the issuing CA itself, or a responder certificate it issued with id-kp-OCSPSigning), the
//! CertID, thisUpdate/nextUpdate freshness and the nonce.

use const_oid::db::rfc5280::{ID_AD_OCSP, ID_KP_OCSP_SIGNING};
use const_oid::db::rfc6960::ID_PKIX_OCSP_BASIC;
use der::asn1::{Null, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use jiff::Timestamp;
use rand_core::RngCore;
use sha1::{Digest, Sha1};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlReason, ExtendedKeyUsage};
use x509_ocsp::builder::OcspRequestBuilder;
use x509_ocsp::ext::Nonce;
use x509_ocsp::{BasicOcspResponse, CertId, CertStatus, OcspResponse, OcspResponseStatus, Request};

use super::http::Http;
use super::{names, time, verify};

/// SHA-1 for the CertID, as OpenSSL, browsers and RFC 5019's lightweight profile do: every
/// responder understands it; it identifies, it does not protect.
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

pub(crate) enum Status {
    Good,
    Revoked {
        at: Timestamp,
        reason: Option<CrlReason>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

pub(crate) struct Answer {
    pub status: Status,
    /// The OCSP response as received.
    pub der: Vec<u8>,
}

/// The certificate's OCSP responders (authority information access, id-ad-ocsp).
pub(crate) fn urls(cert: &Certificate) -> Vec<String> {
    let Ok(Some((_, aia))) = cert.tbs_certificate.get::<AuthorityInfoAccessSyntax>() else {
        return Vec::new();
    };
    aia.0
        .into_iter()
        .filter(|d| d.access_method == ID_AD_OCSP)
        .filter_map(|d| match d.access_location {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .collect()
}

fn cert_id(cert: &Certificate, issuer: &Certificate) -> Result<CertId, String> {
    let name = cert
        .tbs_certificate
        .issuer
        .to_der()
        .map_err(|e| e.to_string())?;
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    let hash =
        |bytes: &[u8]| OctetString::new(Sha1::digest(bytes).to_vec()).map_err(|e| e.to_string());
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: SHA1,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: hash(&name)?,
        issuer_key_hash: hash(key)?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    })
}

/// The same certificate, whether or not the responder echoes the hash's NULL parameters.
fn same_id(a: &CertId, b: &CertId) -> bool {
    a.hash_algorithm.oid == b.hash_algorithm.oid
        && a.issuer_name_hash == b.issuer_name_hash
        && a.issuer_key_hash == b.issuer_key_hash
        && a.serial_number == b.serial_number
}

/// Whether `responder` is a responder `issuer` delegated to (RFC 6960, 4.2.2.2).
fn delegated(responder: &Certificate, issuer: &Certificate, now: Timestamp) -> Result<(), String> {
    if !names::same(
        &responder.tbs_certificate.issuer,
        &issuer.tbs_certificate.subject,
    ) || verify::certificate(responder, &issuer.tbs_certificate.subject_public_key_info).is_err()
    {
        return Err("the responder's certificate is not issued by the certificate's CA".into());
    }
    match responder.tbs_certificate.get::<ExtendedKeyUsage>() {
        Ok(Some((_, eku))) if eku.0.contains(&ID_KP_OCSP_SIGNING) => {}
        _ => return Err("the responder's certificate lacks id-kp-OCSPSigning".into()),
    }
    let validity = &responder.tbs_certificate.validity;
    if now < time::of(&validity.not_before) || now > time::of(&validity.not_after) {
        return Err("the responder's certificate is outside its validity period".into());
    }
    Ok(())
}

fn check_signature(
    basic: &BasicOcspResponse,
    issuer: &Certificate,
    now: Timestamp,
) -> Result<(), String> {
    let tbs = basic
        .tbs_response_data
        .to_der()
        .map_err(|e| e.to_string())?;
    let signed_by = |c: &Certificate| {
        verify::verify(
            &c.tbs_certificate.subject_public_key_info,
            &basic.signature_algorithm,
            &tbs,
            &basic.signature,
        )
    };
    if signed_by(issuer).is_ok() {
        return Ok(());
    }
    let mut why =
        "the response is not signed by the CA or by a responder certificate it issued".to_owned();
    for candidate in basic.certs.iter().flatten() {
        if verify::same_key(candidate, issuer) || signed_by(candidate).is_err() {
            continue;
        }
        match delegated(candidate, issuer, now) {
            Ok(()) => return Ok(()),
            Err(e) => why = e,
        }
    }
    Err(why)
}

/// Asks the responder at `url` about `cert`, issued by `issuer`.
pub(crate) fn query(
    http: &Http,
    url: &str,
    cert: &Certificate,
    issuer: &Certificate,
) -> Result<Answer, String> {
    let id = cert_id(cert, issuer)?;
    let mut nonce = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut nonce);
    let nonce = Nonce::new(nonce.to_vec()).map_err(|e| e.to_string())?;
    let request = OcspRequestBuilder::default()
        .with_request(Request::new(id.clone()))
        .with_extension(nonce.clone())
        .map_err(|e| e.to_string())?
        .build()
        .to_der()
        .map_err(|e| e.to_string())?;

    let der = http.post_ocsp(url, request)?;
    let response =
        OcspResponse::from_der(&der).map_err(|e| format!("not an OCSP response: {e}"))?;
    if response.response_status != OcspResponseStatus::Successful {
        return Err(format!(
            "the responder answered {:?}",
            response.response_status
        ));
    }
    let bytes = response
        .response_bytes
        .ok_or("a successful response without content")?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(format!("unsupported response type {}", bytes.response_type));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| format!("malformed basic OCSP response: {e}"))?;

    let now = time::now();
    check_signature(&basic, issuer, now)?;
    // A responder that answers from precomputed responses sends no nonce; one that sends a
    // different nonce answers another request.
    if basic.nonce().is_some_and(|n| n != nonce) {
        return Err("the response's nonce is not the request's".into());
    }
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|r| same_id(&r.cert_id, &id))
        .ok_or("the response is about another certificate")?;
    time::fresh(
        time::of_generalized(&single.this_update.0),
        single.next_update.map(|t| time::of_generalized(&t.0)),
        now,
    )?;
    let status = match single.cert_status {
        CertStatus::Good(_) => Status::Good,
        CertStatus::Revoked(info) => Status::Revoked {
            at: time::of_generalized(&info.revocation_time.0),
            reason: info.revocation_reason,
        },
        CertStatus::Unknown(_) => Status::Unknown,
    };
    Ok(Answer { status, der })
}
