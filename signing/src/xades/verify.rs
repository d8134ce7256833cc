//! Verifying a XAdES signature file: each reference's digest, the SignedProperties digest, the
//! signature value over the canonical SignedInfo, and SigningCertificateV2 against the
//! certificate that signed. Certificate trust is the certificate checks' business: the report
//! carries the certificates.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bergshamra_c14n::C14nMode;
use der::Decode;
use jiff::Timestamp;
use roxmltree::{Document, Node};
use x509_cert::Certificate;

use super::{
    DIGEST_SHA256, ECDSA_SHA256, NS_ASIC, NS_DS, NS_XADES, RSA_PSS_SHA256, RSA_SHA256,
    SIGNED_PROPERTIES_TYPE, XadesError, c14n, uri_to_path,
};
use crate::cms::{self, EcdsaEncoding, KeyKind, Scheme};
use crate::signer::SignatureAlgorithm;

const NS_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// What a signature file says and which of its checks hold.
#[derive(Debug, Clone)]
pub struct XadesReport {
    /// The `Id` of the `ds:Signature`.
    pub signature_id: Option<String>,
    /// The certificate SigningCertificateV2 names (else the first of `KeyInfo`).
    pub signer: Option<Certificate>,
    /// Every certificate of `KeyInfo`, for the certificate checks.
    pub certificates: Vec<Certificate>,
    pub algorithm: Option<SignatureAlgorithm>,
    /// SigningTime: claimed by the signer, not proven without a time-stamp.
    pub signing_time: Option<Timestamp>,
    /// The references to data objects (not the one to SignedProperties), in document order.
    pub references: Vec<ReferenceReport>,
    pub signed_properties_ok: bool,
    pub signature_ok: bool,
    pub signing_certificate_ok: bool,
    /// Every failed check; empty when the signature is valid.
    pub problems: Vec<XadesProblem>,
}

impl XadesReport {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// The container paths the signature covers (its data-object references).
    pub fn covered_paths(&self) -> impl Iterator<Item = &str> {
        self.references.iter().filter_map(|r| r.path.as_deref())
    }
}

/// One data-object reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceReport {
    /// The `URI` as written.
    pub uri: String,
    /// The container path it names (percent-decoded).
    pub path: Option<String>,
    /// The MimeType its DataObjectFormat gives.
    pub media_type: Option<String>,
    pub status: ReferenceStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceStatus {
    Ok,
    /// The data object's digest differs from the signed one: it was changed.
    DigestMismatch,
    /// The data object is not there.
    Missing,
    /// A reference we do not verify (transforms, another digest, a same-document target).
    Unsupported(String),
}

/// A failed check of a signature file, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XadesProblem {
    #[error("{path}: the file differs from the signed one")]
    ReferenceDigestMismatch { path: String },
    #[error("{path}: signed but missing")]
    ReferenceMissing { path: String },
    #[error("reference {uri}: {reason}")]
    UnsupportedReference { uri: String, reason: String },
    #[error("no reference to the SignedProperties")]
    SignedPropertiesMissing,
    #[error("the SignedProperties were changed")]
    SignedPropertiesDigestMismatch,
    #[error("the signature value does not verify")]
    SignatureValueInvalid,
    #[error("no SigningCertificateV2 naming a certificate of KeyInfo")]
    SigningCertificateMissing,
    #[error("SigningCertificateV2 does not match the signing certificate")]
    SigningCertificateMismatch,
    #[error("no SigningTime")]
    SigningTimeMissing,
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    #[error("{0}")]
    Malformed(String),
}

impl XadesProblem {
    pub fn code(&self) -> &'static str {
        match self {
            XadesProblem::ReferenceDigestMismatch { .. } => "xades.reference_digest_mismatch",
            XadesProblem::ReferenceMissing { .. } => "xades.reference_missing",
            XadesProblem::UnsupportedReference { .. } => "xades.unsupported_reference",
            XadesProblem::SignedPropertiesMissing => "xades.signed_properties_missing",
            XadesProblem::SignedPropertiesDigestMismatch => {
                "xades.signed_properties_digest_mismatch"
            }
            XadesProblem::SignatureValueInvalid => "xades.signature_value_invalid",
            XadesProblem::SigningCertificateMissing => "xades.signing_certificate_missing",
            XadesProblem::SigningCertificateMismatch => "xades.signing_certificate_mismatch",
            XadesProblem::SigningTimeMissing => "xades.signing_time_missing",
            XadesProblem::UnsupportedAlgorithm(_) => "xades.unsupported_algorithm",
            XadesProblem::Malformed(_) => "xades.malformed",
        }
    }
}

fn is<'a>(node: &Node<'a, '_>, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(ns) && node.tag_name().name() == name
}

fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| is(c, ns, name))
}

fn children<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| is(c, ns, name))
}

fn path<'a, 'i>(node: Node<'a, 'i>, steps: &[(&str, &str)]) -> Option<Node<'a, 'i>> {
    steps
        .iter()
        .try_fold(node, |n, (ns, name)| child(n, ns, name))
}

fn base64(node: Option<Node<'_, '_>>) -> Option<Vec<u8>> {
    let text: String = node?
        .text()?
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    B64.decode(text).ok()
}

/// The unique element whose `Id` attribute is `id`.
fn by_id<'a, 'i>(doc: &'a Document<'i>, id: &str) -> Option<Node<'a, 'i>> {
    let mut found = doc
        .descendants()
        .filter(|n| n.is_element() && n.attribute("Id") == Some(id));
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// Verifies the signature file `xml` (`asic:XAdESSignatures` with one `ds:Signature`, or a
/// bare `ds:Signature`). `resolve` gives the SHA-256 of a data object by its container path,
/// or `None` when there is no such file.
///
/// Fails only when the file is not a signature file at all; every failed check is a
/// [`XadesProblem`] in the report.
pub fn verify(
    xml: &str,
    resolve: impl Fn(&str) -> Option<[u8; 32]>,
) -> Result<XadesReport, XadesError> {
    let doc = Document::parse(xml).map_err(|e| XadesError::Malformed(e.to_string()))?;
    let root = doc.root_element();
    let signatures: Vec<Node<'_, '_>> = if is(&root, NS_DS, "Signature") {
        vec![root]
    } else if is(&root, NS_ASIC, "XAdESSignatures") {
        children(root, NS_DS, "Signature").collect()
    } else {
        return Err(XadesError::Malformed(
            "the root is neither asic:XAdESSignatures nor ds:Signature".into(),
        ));
    };
    let [signature] = signatures[..] else {
        return Err(XadesError::SignatureCount(signatures.len()));
    };
    let signed_info = child(signature, NS_DS, "SignedInfo")
        .ok_or_else(|| XadesError::Malformed("no ds:SignedInfo".into()))?;

    let mut report = XadesReport {
        signature_id: signature.attribute("Id").map(str::to_owned),
        signer: None,
        certificates: Vec::new(),
        algorithm: None,
        signing_time: None,
        references: Vec::new(),
        signed_properties_ok: false,
        signature_ok: false,
        signing_certificate_ok: false,
        problems: Vec::new(),
    };

    // The SignedProperties of this signature: in its ds:Object/xades:QualifyingProperties.
    let qualifying = children(signature, NS_DS, "Object")
        .filter_map(|o| child(o, NS_XADES, "QualifyingProperties"))
        .find(|q| {
            q.attribute("Target")
                .is_none_or(|t| Some(t.trim_start_matches('#')) == report.signature_id.as_deref())
        });
    let signed_properties = qualifying.and_then(|q| child(q, NS_XADES, "SignedProperties"));

    // References.
    let mut signed_properties_referenced = false;
    for reference in children(signed_info, NS_DS, "Reference") {
        let uri = reference.attribute("URI").unwrap_or_default().to_owned();
        let digest_ok_algorithm = child(reference, NS_DS, "DigestMethod")
            .and_then(|m| m.attribute("Algorithm"))
            == Some(DIGEST_SHA256);
        let expected = base64(child(reference, NS_DS, "DigestValue"));
        let transforms: Vec<Node<'_, '_>> = child(reference, NS_DS, "Transforms")
            .map(|t| children(t, NS_DS, "Transform").collect())
            .unwrap_or_default();

        if let Some(id) = uri.strip_prefix('#') {
            let target = by_id(&doc, id);
            let is_signed_properties = reference.attribute("Type") == Some(SIGNED_PROPERTIES_TYPE)
                || target.is_some_and(|t| is(&t, NS_XADES, "SignedProperties"));
            if !is_signed_properties {
                report.problems.push(XadesProblem::UnsupportedReference {
                    uri,
                    reason: "same-document reference to something else than SignedProperties"
                        .into(),
                });
                continue;
            }
            signed_properties_referenced = true;
            let (Some(target), Some(sp)) = (target, signed_properties) else {
                report.problems.push(XadesProblem::SignedPropertiesMissing);
                continue;
            };
            if target != sp {
                report.problems.push(XadesProblem::Malformed(
                    "the SignedProperties reference points outside this signature".into(),
                ));
                continue;
            }
            if !digest_ok_algorithm {
                report.problems.push(XadesProblem::UnsupportedAlgorithm(
                    "SignedProperties digest other than SHA-256".into(),
                ));
                continue;
            }
            let (mode, prefixes) = match transforms.as_slice() {
                [] => (C14nMode::Inclusive, Vec::new()),
                [t] => match t.attribute("Algorithm").and_then(C14nMode::from_uri) {
                    Some(mode) => (mode, inclusive_prefixes(*t)),
                    None => {
                        report.problems.push(XadesProblem::UnsupportedAlgorithm(
                            t.attribute("Algorithm").unwrap_or_default().to_owned(),
                        ));
                        continue;
                    }
                },
                _ => {
                    report.problems.push(XadesProblem::UnsupportedReference {
                        uri,
                        reason: "more than one transform".into(),
                    });
                    continue;
                }
            };
            match c14n::canonical_element(&doc, sp, mode, &prefixes) {
                Ok(bytes) => {
                    report.signed_properties_ok =
                        expected.as_deref() == Some(cms::sha256(&bytes).as_slice());
                    if !report.signed_properties_ok {
                        report
                            .problems
                            .push(XadesProblem::SignedPropertiesDigestMismatch);
                    }
                }
                Err(e) => report.problems.push(XadesProblem::Malformed(e)),
            }
            continue;
        }

        // A data object.
        let path = uri_to_path(&uri);
        let media_type = reference
            .attribute("Id")
            .and_then(|id| data_object_format(signed_properties, id).map(str::to_owned));
        let first_segment = uri.split(['/', '?', '#']).next().unwrap_or_default();
        let status = if uri.is_empty() || first_segment.contains(':') {
            ReferenceStatus::Unsupported("not a relative URI".into())
        } else if !transforms.is_empty() {
            ReferenceStatus::Unsupported("transforms on a data object".into())
        } else if !digest_ok_algorithm {
            ReferenceStatus::Unsupported("digest other than SHA-256".into())
        } else if let Some(p) = &path {
            match resolve(p) {
                None => ReferenceStatus::Missing,
                Some(actual) if expected.as_deref() == Some(actual.as_slice()) => {
                    ReferenceStatus::Ok
                }
                Some(_) => ReferenceStatus::DigestMismatch,
            }
        } else {
            ReferenceStatus::Unsupported("URI is not a UTF-8 path".into())
        };
        let shown = path.clone().unwrap_or_else(|| uri.clone());
        match &status {
            ReferenceStatus::Ok => {}
            ReferenceStatus::DigestMismatch => report
                .problems
                .push(XadesProblem::ReferenceDigestMismatch { path: shown }),
            ReferenceStatus::Missing => report
                .problems
                .push(XadesProblem::ReferenceMissing { path: shown }),
            ReferenceStatus::Unsupported(reason) => {
                report.problems.push(XadesProblem::UnsupportedReference {
                    uri: uri.clone(),
                    reason: reason.clone(),
                })
            }
        }
        report.references.push(ReferenceReport {
            uri,
            path,
            media_type,
            status,
        });
    }
    if !signed_properties_referenced {
        report.problems.push(XadesProblem::SignedPropertiesMissing);
    }

    // Certificates and the signing certificate.
    if let Some(key_info) = child(signature, NS_DS, "KeyInfo") {
        for data in children(key_info, NS_DS, "X509Data") {
            for c in children(data, NS_DS, "X509Certificate") {
                match base64(Some(c)).map(|der| Certificate::from_der(&der)) {
                    Some(Ok(cert)) => report.certificates.push(cert),
                    _ => report.problems.push(XadesProblem::Malformed(
                        "an X509Certificate that does not decode".into(),
                    )),
                }
            }
        }
    }
    let signed_signature_properties =
        signed_properties.and_then(|sp| child(sp, NS_XADES, "SignedSignatureProperties"));
    report.signing_time = signed_signature_properties
        .and_then(|p| child(p, NS_XADES, "SigningTime"))
        .and_then(|t| t.text())
        .and_then(|t| t.trim().parse::<Timestamp>().ok());
    if report.signing_time.is_none() {
        report.problems.push(XadesProblem::SigningTimeMissing);
    }
    let cert_v2 = signed_signature_properties
        .and_then(|p| path(p, &[(NS_XADES, "SigningCertificateV2"), (NS_XADES, "Cert")]));
    match cert_v2 {
        None => {
            report
                .problems
                .push(XadesProblem::SigningCertificateMissing);
            report.signer = report.certificates.first().cloned();
        }
        Some(cert) => {
            let method = path(cert, &[(NS_XADES, "CertDigest"), (NS_DS, "DigestMethod")])
                .and_then(|m| m.attribute("Algorithm"));
            let digest = base64(path(
                cert,
                &[(NS_XADES, "CertDigest"), (NS_DS, "DigestValue")],
            ));
            let issuer_serial = base64(child(cert, NS_XADES, "IssuerSerialV2"));
            if method != Some(DIGEST_SHA256) {
                report.problems.push(XadesProblem::UnsupportedAlgorithm(
                    "SigningCertificateV2 digest other than SHA-256".into(),
                ));
            }
            let named = report.certificates.iter().find(|c| {
                cms::certificate_sha256(c).is_ok_and(|d| digest.as_deref() == Some(d.as_slice()))
            });
            match named {
                Some(c) => {
                    report.signing_certificate_ok = issuer_serial
                        .as_deref()
                        .is_none_or(|is| cms::issuer_serial_matches(is, c));
                    report.signer = Some(c.clone());
                }
                None => report.signer = report.certificates.first().cloned(),
            }
            if !report.signing_certificate_ok {
                report.problems.push(if named.is_some() {
                    XadesProblem::SigningCertificateMismatch
                } else {
                    XadesProblem::SigningCertificateMissing
                });
            }
        }
    }

    // The signature value over the canonical SignedInfo.
    check_signature_value(&doc, signed_info, signature, &mut report);
    Ok(report)
}

fn check_signature_value(
    doc: &Document<'_>,
    signed_info: Node<'_, '_>,
    signature: Node<'_, '_>,
    report: &mut XadesReport,
) {
    let Some(signer) = report.signer.clone() else {
        report.problems.push(XadesProblem::SignatureValueInvalid);
        return;
    };
    let c14n_method = child(signed_info, NS_DS, "CanonicalizationMethod");
    let Some(mode) = c14n_method
        .and_then(|m| m.attribute("Algorithm"))
        .and_then(C14nMode::from_uri)
    else {
        report.problems.push(XadesProblem::UnsupportedAlgorithm(
            "canonicalization method".into(),
        ));
        return;
    };
    let prefixes = c14n_method.map(inclusive_prefixes).unwrap_or_default();
    let method = child(signed_info, NS_DS, "SignatureMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .unwrap_or_default();
    let kind = cms::key_kind(&signer);
    let (scheme, algorithm) = match (method, kind) {
        (RSA_SHA256, Some(KeyKind::Rsa)) => (Scheme::RsaPkcs1, SignatureAlgorithm::RsaPkcs1Sha256),
        (RSA_PSS_SHA256, Some(KeyKind::Rsa)) => (
            Scheme::RsaPss { salt_len: 32 },
            SignatureAlgorithm::RsaPssSha256,
        ),
        (ECDSA_SHA256, Some(KeyKind::P256)) => (Scheme::Ecdsa, SignatureAlgorithm::EcdsaP256Sha256),
        (ECDSA_SHA256, Some(KeyKind::P384)) => (Scheme::Ecdsa, SignatureAlgorithm::EcdsaP384Sha256),
        _ => {
            report
                .problems
                .push(XadesProblem::UnsupportedAlgorithm(method.to_owned()));
            return;
        }
    };
    report.algorithm = Some(algorithm);
    let Some(value) = base64(child(signature, NS_DS, "SignatureValue")) else {
        report.problems.push(XadesProblem::SignatureValueInvalid);
        return;
    };
    let canonical = match c14n::canonical_element(doc, signed_info, mode, &prefixes) {
        Ok(c) => c,
        Err(e) => {
            report.problems.push(XadesProblem::Malformed(e));
            return;
        }
    };
    report.signature_ok = cms::verify_signature(
        &signer,
        scheme,
        &cms::sha256(&canonical),
        &value,
        EcdsaEncoding::Raw,
    );
    if !report.signature_ok {
        report.problems.push(XadesProblem::SignatureValueInvalid);
    }
}

/// The `PrefixList` of an exclusive C14N method or transform.
fn inclusive_prefixes(method: Node<'_, '_>) -> Vec<String> {
    child(method, NS_EXC_C14N, "InclusiveNamespaces")
        .and_then(|n| n.attribute("PrefixList"))
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The MimeType of the DataObjectFormat pointing at reference `id`.
fn data_object_format<'a>(signed_properties: Option<Node<'a, '_>>, id: &str) -> Option<&'a str> {
    let props = child(signed_properties?, NS_XADES, "SignedDataObjectProperties")?;
    children(props, NS_XADES, "DataObjectFormat")
        .find(|f| {
            f.attribute("ObjectReference")
                .and_then(|r| r.strip_prefix('#'))
                == Some(id)
        })
        .and_then(|f| child(f, NS_XADES, "MimeType"))
        .and_then(|m| m.text())
}
