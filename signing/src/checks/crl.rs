//! CRLs (RFC 5280, 5): download from the certificate's distribution point, check that the
//! certificate's CA signed it, that it is current and complete, and look for the serial.

use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS, ID_CE_DELTA_CRL_INDICATOR,
    ID_CE_ISSUING_DISTRIBUTION_POINT,
};
use der::{Decode, Encode};
use jiff::Timestamp;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{CrlDistributionPoints, CrlReason, KeyUsage, KeyUsages};

use super::http::{self, Http};
use super::{names, time, verify};

pub(crate) enum Status {
    Good,
    Revoked {
        at: Timestamp,
        reason: Option<CrlReason>,
    },
}

pub(crate) struct Answer {
    pub status: Status,
    /// The CRL as received (DER).
    pub der: Vec<u8>,
}

/// The certificate's CRL addresses: full names of distribution points that cover every
/// reason and whose CRL the certificate's CA issues itself.
pub(crate) fn urls(cert: &Certificate) -> Vec<String> {
    let Ok(Some((_, points))) = cert.tbs_certificate.get::<CrlDistributionPoints>() else {
        return Vec::new();
    };
    points
        .0
        .into_iter()
        .filter(|p| p.reasons.is_none() && p.crl_issuer.is_none())
        .filter_map(|p| match p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|n| match n {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .collect()
}

fn decode(body: &[u8]) -> Result<(CertificateList, Vec<u8>), String> {
    let der = if body.starts_with(b"-----BEGIN") {
        der::pem::decode_vec(body)
            .map_err(|e| format!("malformed PEM CRL: {e}"))?
            .1
    } else {
        body.to_vec()
    };
    let crl = CertificateList::from_der(&der).map_err(|e| format!("not a CRL: {e}"))?;
    Ok((crl, der))
}

/// A complete CRL for end-entity certificates, or why not.
fn check_scope(crl: &CertificateList) -> Result<(), String> {
    for ext in crl.tbs_cert_list.crl_extensions.iter().flatten() {
        match ext.extn_id {
            ID_CE_DELTA_CRL_INDICATOR => return Err("a delta CRL, not a complete one".into()),
            ID_CE_ISSUING_DISTRIBUTION_POINT => {
                let idp = IssuingDistributionPoint::from_der(ext.extn_value.as_bytes())
                    .map_err(|e| format!("malformed issuing distribution point: {e}"))?;
                if idp.only_contains_ca_certs
                    || idp.only_contains_attribute_certs
                    || idp.indirect_crl
                    || idp.only_some_reasons.is_some()
                {
                    return Err("a partial or indirect CRL".into());
                }
            }
            ID_CE_CRL_NUMBER | ID_CE_AUTHORITY_KEY_IDENTIFIER => {}
            other if ext.critical => return Err(format!("unknown critical CRL extension {other}")),
            _ => {}
        }
    }
    Ok(())
}

/// Downloads the CRL at `url` and looks for `cert` in it.
pub(crate) fn fetch(
    http: &Http,
    url: &str,
    cert: &Certificate,
    issuer: &Certificate,
) -> Result<Answer, String> {
    let body = http.get(url, http::MAX_CRL_BYTES)?;
    let (crl, der) = decode(&body)?;
    let tbs = &crl.tbs_cert_list;
    if !names::same(&tbs.issuer, &cert.tbs_certificate.issuer) {
        return Err("the CRL is issued by another CA".into());
    }
    if let Ok(Some((_, ku))) = issuer.tbs_certificate.get::<KeyUsage>()
        && !ku.0.contains(KeyUsages::CRLSign)
    {
        return Err("the CA's key usage lacks cRLSign".into());
    }
    if tbs.signature != crl.signature_algorithm {
        return Err("the CRL's signature algorithms disagree".into());
    }
    let signed = tbs.to_der().map_err(|e| e.to_string())?;
    verify::verify(
        &issuer.tbs_certificate.subject_public_key_info,
        &crl.signature_algorithm,
        &signed,
        &crl.signature,
    )
    .map_err(|e| match e {
        verify::VerifyError::Invalid => "the CRL's signature is not the CA's".to_owned(),
        verify::VerifyError::Unsupported(what) => {
            format!("the CRL's signature: unsupported {what}")
        }
    })?;
    time::fresh(
        time::of(&tbs.this_update),
        tbs.next_update.as_ref().map(time::of),
        time::now(),
    )?;
    check_scope(&crl)?;

    let serial = &cert.tbs_certificate.serial_number;
    let entry = tbs
        .revoked_certificates
        .iter()
        .flatten()
        .find(|e| &e.serial_number == serial);
    let status = match entry {
        None => Status::Good,
        Some(entry) => Status::Revoked {
            at: time::of(&entry.revocation_date),
            reason: entry
                .crl_entry_extensions
                .iter()
                .flatten()
                .find(|e| e.extn_id == ID_CE_CRL_REASONS)
                .and_then(|e| CrlReason::from_der(e.extn_value.as_bytes()).ok()),
        },
    };
    Ok(Answer { status, der })
}
