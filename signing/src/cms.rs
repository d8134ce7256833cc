//! Detached CMS `SignedData` (RFC 5652) over a SHA-256 message digest, with the ESS
//! `signing-certificate-v2` attribute (RFC 5035): the signature inside PAdES forms and the
//! signed challenge of the portal's certificate login.
//!
//! The structures are assembled here from cms 0.2.3's types rather than with its
//! `SignerInfoBuilder`: the builder wants the key as `signature::Signer<Sig>`, which funnels a
//! token's typed error (a wrong PIN, a locked token) through `signature::Error` into a bare
//! `der::ErrorKind::Failed`, and it unwraps internally. Assembling `SignerInfo` ourselves is a
//! few lines and keeps [`SignError`] intact for the caller.
//!
//! The signed attributes are content-type, message-digest, signing-certificate-v2 (SHA-256 of
//! the signer's certificate and its issuer and serial) and, only when the caller asks,
//! signing-time: PAdES takes the time from the signature dictionary's `/M` instead (ETSI EN 319
//! 142-1: a PAdES baseline signature carries no signing-time attribute).

use der::asn1::{Null, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use ::cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use ::cms::content_info::{CmsVersion, ContentInfo};
use ::cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};

use crate::signer::{SignError, SignatureAlgorithm, Signer};

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const ID_RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const ID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// Why a CMS signature could not be made or does not verify. `code()` is the stable machine
/// code the front end translates.
#[derive(Debug, thiserror::Error)]
pub enum CmsError {
    /// The signer (token, PKCS#12 file) failed; its own error, untouched.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The bytes are not DER CMS, or a certificate or attribute inside is malformed.
    #[error("malformed CMS: {0}")]
    Malformed(String),
    /// A ContentInfo of another type than SignedData.
    #[error("not a CMS SignedData")]
    NotSignedData,
    /// The content is inside the CMS: we only make and accept detached signatures.
    #[error("the CMS signature is not detached")]
    NotDetached,
    /// We accept exactly one SignerInfo.
    #[error("expected one signer, found {0}")]
    SignerCount(usize),
    /// A digest or signature algorithm we do not verify (we use SHA-256 only).
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// A signed attribute RFC 5652 or RFC 5035 requires is missing or present twice.
    #[error("signed attribute {0}: missing or repeated")]
    Attribute(&'static str),
    /// The signer's certificate named by the SignerInfo is not in the CMS.
    #[error("the signer's certificate is not in the CMS")]
    SignerCertificateNotFound,
    /// The message-digest attribute differs from the content's digest: the content was changed.
    #[error("the content's digest does not match the signed message digest")]
    DigestMismatch,
    /// The signature over the signed attributes does not verify with the signer's key.
    #[error("the signature value does not verify")]
    BadSignature,
    /// signing-certificate-v2 names another certificate than the one that signed.
    #[error("signing-certificate-v2 does not match the signer's certificate")]
    SigningCertificateMismatch,
}

impl CmsError {
    pub fn code(&self) -> &'static str {
        match self {
            CmsError::Sign(e) => e.code(),
            CmsError::Malformed(_) => "cms.malformed",
            CmsError::NotSignedData => "cms.not_signed_data",
            CmsError::NotDetached => "cms.not_detached",
            CmsError::SignerCount(_) => "cms.signer_count",
            CmsError::UnsupportedAlgorithm(_) => "cms.unsupported_algorithm",
            CmsError::Attribute(_) => "cms.attribute",
            CmsError::SignerCertificateNotFound => "cms.signer_certificate_not_found",
            CmsError::DigestMismatch => "cms.digest_mismatch",
            CmsError::BadSignature => "cms.bad_signature",
            CmsError::SigningCertificateMismatch => "cms.signing_certificate_mismatch",
        }
    }
}

fn malformed(e: impl std::fmt::Display) -> CmsError {
    CmsError::Malformed(e.to_string())
}

/// What goes into the signed attributes besides the mandatory ones.
#[derive(Debug, Clone, Default)]
pub struct CmsOptions {
    /// The signing-time attribute (RFC 5652 11.3). `None` for PAdES, whose time is `/M`.
    pub signing_time: Option<Timestamp>,
}

/// Signs `content_digest` (SHA-256 of the detached content) and returns the DER ContentInfo:
/// SignedData with the signer's certificate and chain, one SignerInfo identified by issuer and
/// serial, and signed attributes content-type (id-data), message-digest,
/// signing-certificate-v2 and the optional signing-time.
pub fn sign_detached(
    signer: &dyn Signer,
    content_digest: &[u8; 32],
    options: &CmsOptions,
) -> Result<Vec<u8>, CmsError> {
    let certificate = signer.certificate();
    let algorithm = signer.algorithm();

    let mut attributes = vec![
        attribute(
            ID_CONTENT_TYPE,
            Any::encode_from(&ID_DATA).map_err(malformed)?,
        )?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(content_digest.to_vec()).map_err(malformed)?)
                .map_err(malformed)?,
        )?,
        attribute(
            ID_SIGNING_CERTIFICATE_V2,
            Any::encode_from(&SigningCertificateV2 {
                certs: vec![EssCertIdV2 {
                    // DEFAULT id-sha256: DER leaves it out.
                    hash_algorithm: None,
                    cert_hash: OctetString::new(certificate_sha256(certificate)?.to_vec())
                        .map_err(malformed)?,
                    issuer_serial: Some(IssuerSerial::of(certificate)),
                }],
                policies: None,
            })
            .map_err(malformed)?,
        )?,
    ];
    if let Some(time) = options.signing_time {
        let time = Time::try_from(std::time::SystemTime::from(time)).map_err(malformed)?;
        attributes.push(attribute(
            ID_SIGNING_TIME,
            Any::encode_from(&time).map_err(malformed)?,
        )?);
    }
    // SET OF: DER-sorted on construction; this encoding (tag 0x31) is what is signed.
    let signed_attrs = SetOfVec::try_from(attributes).map_err(malformed)?;
    let to_sign = sha256(&signed_attrs.to_der().map_err(malformed)?);
    let raw = signer.sign_digest(&to_sign)?;
    let signature = if algorithm.is_ecdsa() {
        ecdsa_raw_to_der(algorithm, &raw)?
    } else {
        raw
    };

    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: certificate.tbs_certificate.issuer.clone(),
            serial_number: certificate.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_algorithm(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: signature_algorithm_identifier(algorithm)?,
        signature: OctetString::new(signature).map_err(malformed)?,
        unsigned_attrs: None,
    };
    let mut certificates = vec![CertificateChoices::Certificate(certificate.clone())];
    certificates.extend(
        signer
            .chain()
            .iter()
            .map(|c| CertificateChoices::Certificate(c.clone())),
    );
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256_algorithm()]).map_err(malformed)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet::try_from(certificates).map_err(malformed)?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(malformed)?,
    };
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(malformed)?,
    }
    .to_der()
    .map_err(malformed)
}

/// The detached content a signature is checked against: the bytes, or their SHA-256 when the
/// caller hashed them already (a PDF's byte ranges, a streamed file).
#[derive(Debug, Clone, Copy)]
pub enum DetachedContent<'a> {
    Bytes(&'a [u8]),
    Sha256([u8; 32]),
}

impl DetachedContent<'_> {
    fn sha256(&self) -> [u8; 32] {
        match self {
            DetachedContent::Bytes(b) => sha256(b),
            DetachedContent::Sha256(d) => *d,
        }
    }
}

/// Every check of a detached CMS signature, each with its own outcome, for reports that show
/// them one by one (a PDF signature's panel). [`verify_detached`] turns it into a `Result`.
#[derive(Debug, Clone)]
pub struct CmsInspection {
    pub signer: Certificate,
    /// All certificates in the CMS (the signer's among them), in their encoded order.
    pub certificates: Vec<Certificate>,
    pub signing_time: Option<Timestamp>,
    pub algorithm: SignatureAlgorithm,
    /// The message-digest attribute equals the content's SHA-256.
    pub digest_ok: bool,
    /// The signature over the DER signed attributes verifies with the signer's key.
    pub signature_ok: bool,
    /// signing-certificate-v2 is present and names the signer's certificate (hash and, when
    /// given, issuer and serial).
    pub signing_certificate_ok: bool,
}

/// A detached CMS signature that passed every check. Whether the certificate is trusted,
/// valid at the time and not revoked is the certificate checks' business, not this module's.
#[derive(Debug, Clone)]
pub struct VerifiedCms {
    pub signer: Certificate,
    pub certificates: Vec<Certificate>,
    pub signing_time: Option<Timestamp>,
    pub algorithm: SignatureAlgorithm,
}

/// Checks a detached CMS signature: message-digest against the content, the signature over
/// the signed attributes (RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA P-256/P-384, all over SHA-256),
/// and signing-certificate-v2 against the signer's certificate.
pub fn verify_detached(
    cms_der: &[u8],
    content: DetachedContent<'_>,
) -> Result<VerifiedCms, CmsError> {
    let i = inspect_detached(cms_der, content)?;
    if !i.digest_ok {
        return Err(CmsError::DigestMismatch);
    }
    if !i.signature_ok {
        return Err(CmsError::BadSignature);
    }
    if !i.signing_certificate_ok {
        return Err(CmsError::SigningCertificateMismatch);
    }
    Ok(VerifiedCms {
        signer: i.signer,
        certificates: i.certificates,
        signing_time: i.signing_time,
        algorithm: i.algorithm,
    })
}

/// Runs the checks of [`verify_detached`] and reports each; fails only when the structure
/// itself is unusable (not CMS, no signer certificate, an algorithm we do not know).
pub fn inspect_detached(
    cms_der: &[u8],
    content: DetachedContent<'_>,
) -> Result<CmsInspection, CmsError> {
    let info = ContentInfo::from_der(cms_der).map_err(malformed)?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(CmsError::NotSignedData);
    }
    let signed_data: SignedData = info.content.decode_as().map_err(malformed)?;
    if signed_data.encap_content_info.econtent.is_some() {
        return Err(CmsError::NotDetached);
    }
    let signer_infos = signed_data.signer_infos.0.as_slice();
    let [signer_info] = signer_infos else {
        return Err(CmsError::SignerCount(signer_infos.len()));
    };
    if signer_info.digest_alg.oid != ID_SHA256 {
        return Err(CmsError::UnsupportedAlgorithm(
            signer_info.digest_alg.oid.to_string(),
        ));
    }
    let certificates: Vec<Certificate> = signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    let signer = certificates
        .iter()
        .find(|c| identifies(&signer_info.sid, c))
        .cloned()
        .ok_or(CmsError::SignerCertificateNotFound)?;

    let signed_attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or(CmsError::Attribute("signed attributes"))?;
    let content_type: ObjectIdentifier =
        single_value(signed_attrs, ID_CONTENT_TYPE, "content-type")?
            .ok_or(CmsError::Attribute("content-type"))?;
    if content_type != signed_data.encap_content_info.econtent_type {
        return Err(CmsError::Attribute("content-type"));
    }
    let message_digest: OctetString =
        single_value(signed_attrs, ID_MESSAGE_DIGEST, "message-digest")?
            .ok_or(CmsError::Attribute("message-digest"))?;
    let signing_time: Option<Time> = single_value(signed_attrs, ID_SIGNING_TIME, "signing-time")?;
    let signing_certificate: Option<SigningCertificateV2> = single_value(
        signed_attrs,
        ID_SIGNING_CERTIFICATE_V2,
        "signing-certificate-v2",
    )?;

    let (scheme, algorithm) = scheme_of(&signer_info.signature_algorithm, &signer)?;
    let digest_ok = message_digest.as_bytes() == content.sha256().as_slice();
    let to_verify = sha256(&signed_attrs.to_der().map_err(malformed)?);
    let signature_ok = verify_signature(
        &signer,
        scheme,
        &to_verify,
        signer_info.signature.as_bytes(),
        EcdsaEncoding::Der,
    );
    let signing_certificate_ok = match &signing_certificate {
        Some(v2) => v2.names(&signer)?,
        None => false,
    };
    let signing_time = signing_time.map(|t| {
        let d = t.to_unix_duration();
        Timestamp::new(d.as_secs() as i64, 0).unwrap_or(Timestamp::UNIX_EPOCH)
    });
    Ok(CmsInspection {
        signer,
        certificates,
        signing_time,
        algorithm,
        digest_ok,
        signature_ok,
        signing_certificate_ok,
    })
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, CmsError> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(malformed)?,
    })
}

/// The one value of the attribute `oid`, if present; an error if it is repeated or has more
/// than one value (RFC 5652, 11: these attributes are single-valued).
fn single_value<T: for<'a> Decode<'a>>(
    attrs: &SetOfVec<Attribute>,
    oid: ObjectIdentifier,
    name: &'static str,
) -> Result<Option<T>, CmsError> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(attr) = found.next() else {
        return Ok(None);
    };
    if found.next().is_some() || attr.values.len() != 1 {
        return Err(CmsError::Attribute(name));
    }
    let value = attr.values.get(0).ok_or(CmsError::Attribute(name))?;
    let der = value.to_der().map_err(malformed)?;
    T::from_der(&der).map(Some).map_err(malformed)
}

fn identifies(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            ias.issuer == cert.tbs_certificate.issuer
                && ias.serial_number == cert.tbs_certificate.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => cert
            .tbs_certificate
            .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, own)| own == *ski),
    }
}

fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    // RFC 5754, 2: SHA-2 AlgorithmIdentifiers are generated with absent parameters.
    AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    }
}

fn signature_algorithm_identifier(
    algorithm: SignatureAlgorithm,
) -> Result<AlgorithmIdentifierOwned, CmsError> {
    Ok(match algorithm {
        SignatureAlgorithm::RsaPkcs1Sha256 => AlgorithmIdentifierOwned {
            oid: SHA256_WITH_RSA,
            parameters: Some(Any::from(Null)),
        },
        // hash SHA-256, MGF1 with SHA-256, salt 32, trailer 1 (RFC 4055 3.1).
        SignatureAlgorithm::RsaPssSha256 => {
            rsa::pss::get_default_pss_signature_algo_id::<Sha256>().map_err(malformed)?
        }
        SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::EcdsaP384Sha256 => {
            AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA256,
                parameters: None,
            }
        }
    })
}

/// How a signature value is checked, independent of the container format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    RsaPkcs1,
    RsaPss { salt_len: usize },
    Ecdsa,
}

/// How an ECDSA signature value is encoded: DER `Ecdsa-Sig-Value` in CMS, raw `r‖s` in
/// XML-DSig (RFC 4050 / RFC 6931).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EcdsaEncoding {
    Der,
    Raw,
}

fn scheme_of(
    alg: &AlgorithmIdentifierOwned,
    signer: &Certificate,
) -> Result<(Scheme, SignatureAlgorithm), CmsError> {
    let unsupported = || CmsError::UnsupportedAlgorithm(alg.oid.to_string());
    let key = key_kind(signer).ok_or_else(unsupported)?;
    match (alg.oid, key) {
        (SHA256_WITH_RSA | RSA_ENCRYPTION, KeyKind::Rsa) => {
            Ok((Scheme::RsaPkcs1, SignatureAlgorithm::RsaPkcs1Sha256))
        }
        (ID_RSASSA_PSS, KeyKind::Rsa) => {
            let params = alg.parameters.as_ref().ok_or_else(unsupported)?;
            let params: rsa::pkcs1::RsaPssParams<'_> = params.decode_as().map_err(malformed)?;
            let mgf_hash = params.mask_gen.parameters.map(|p| p.oid);
            if params.hash.oid != ID_SHA256
                || params.mask_gen.oid != ID_MGF1
                || mgf_hash != Some(ID_SHA256)
            {
                return Err(CmsError::UnsupportedAlgorithm(
                    "RSASSA-PSS with another hash than SHA-256".into(),
                ));
            }
            Ok((
                Scheme::RsaPss {
                    salt_len: usize::from(params.salt_len),
                },
                SignatureAlgorithm::RsaPssSha256,
            ))
        }
        (ECDSA_WITH_SHA256, KeyKind::P256) => {
            Ok((Scheme::Ecdsa, SignatureAlgorithm::EcdsaP256Sha256))
        }
        (ECDSA_WITH_SHA256, KeyKind::P384) => {
            Ok((Scheme::Ecdsa, SignatureAlgorithm::EcdsaP384Sha256))
        }
        _ => Err(unsupported()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa,
    P256,
    P384,
}

/// The kind of public key in a certificate, if it is one we verify with.
pub(crate) fn key_kind(cert: &Certificate) -> Option<KeyKind> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    match spki.algorithm.oid {
        RSA_ENCRYPTION => Some(KeyKind::Rsa),
        EC_PUBLIC_KEY => match spki
            .algorithm
            .parameters
            .as_ref()?
            .decode_as::<ObjectIdentifier>()
            .ok()?
        {
            SECP256R1 => Some(KeyKind::P256),
            SECP384R1 => Some(KeyKind::P384),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `signature` is `algorithm`'s signature over the SHA-256 `digest` by the
/// certificate's key, in the raw form a [`Signer`] gives and XML-DSig keeps: RSA as the
/// modulus-sized integer, ECDSA as `r‖s`. For signatures outside any container (the portal's
/// receipts).
pub fn verify_raw(
    cert: &Certificate,
    algorithm: SignatureAlgorithm,
    digest: &[u8; 32],
    signature: &[u8],
) -> bool {
    let scheme = match (algorithm, key_kind(cert)) {
        (SignatureAlgorithm::RsaPkcs1Sha256, Some(KeyKind::Rsa)) => Scheme::RsaPkcs1,
        (SignatureAlgorithm::RsaPssSha256, Some(KeyKind::Rsa)) => Scheme::RsaPss { salt_len: 32 },
        (SignatureAlgorithm::EcdsaP256Sha256, Some(KeyKind::P256))
        | (SignatureAlgorithm::EcdsaP384Sha256, Some(KeyKind::P384)) => Scheme::Ecdsa,
        _ => return false,
    };
    verify_signature(cert, scheme, digest, signature, EcdsaEncoding::Raw)
}

/// Verifies `signature` over the SHA-256 `digest` with the certificate's public key.
pub(crate) fn verify_signature(
    cert: &Certificate,
    scheme: Scheme,
    digest: &[u8; 32],
    signature: &[u8],
    encoding: EcdsaEncoding,
) -> bool {
    use rsa::pkcs8::DecodePublicKey;
    use signature::hazmat::PrehashVerifier;

    let Ok(spki_der) = cert.tbs_certificate.subject_public_key_info.to_der() else {
        return false;
    };
    match (scheme, key_kind(cert)) {
        (Scheme::RsaPkcs1, Some(KeyKind::Rsa)) => rsa::RsaPublicKey::from_public_key_der(&spki_der)
            .is_ok_and(|k| {
                k.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), digest, signature)
                    .is_ok()
            }),
        (Scheme::RsaPss { salt_len }, Some(KeyKind::Rsa)) => {
            rsa::RsaPublicKey::from_public_key_der(&spki_der).is_ok_and(|k| {
                k.verify(
                    rsa::Pss::new_with_salt::<Sha256>(salt_len),
                    digest,
                    signature,
                )
                .is_ok()
            })
        }
        (Scheme::Ecdsa, Some(KeyKind::P256)) => {
            let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der) else {
                return false;
            };
            let sig = match encoding {
                EcdsaEncoding::Der => p256::ecdsa::Signature::from_der(signature),
                EcdsaEncoding::Raw => p256::ecdsa::Signature::from_slice(signature),
            };
            sig.is_ok_and(|s| key.verify_prehash(digest, &s).is_ok())
        }
        (Scheme::Ecdsa, Some(KeyKind::P384)) => {
            let Ok(key) = p384::ecdsa::VerifyingKey::from_public_key_der(&spki_der) else {
                return false;
            };
            let sig = match encoding {
                EcdsaEncoding::Der => p384::ecdsa::Signature::from_der(signature),
                EcdsaEncoding::Raw => p384::ecdsa::Signature::from_slice(signature),
            };
            sig.is_ok_and(|s| key.verify_prehash(digest, &s).is_ok())
        }
        _ => false,
    }
}

/// DER `Ecdsa-Sig-Value` of a raw `r‖s` signature from a [`Signer`].
fn ecdsa_raw_to_der(algorithm: SignatureAlgorithm, raw: &[u8]) -> Result<Vec<u8>, CmsError> {
    let bad = |e: ecdsa::Error| CmsError::Sign(SignError::Other(format!("ECDSA signature: {e}")));
    Ok(match algorithm {
        SignatureAlgorithm::EcdsaP384Sha256 => p384::ecdsa::Signature::from_slice(raw)
            .map_err(bad)?
            .to_der()
            .as_bytes()
            .to_vec(),
        _ => p256::ecdsa::Signature::from_slice(raw)
            .map_err(bad)?
            .to_der()
            .as_bytes()
            .to_vec(),
    })
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// SHA-256 of the certificate's DER: the ESSCertIDv2 and XAdES CertDigest value.
pub(crate) fn certificate_sha256(cert: &Certificate) -> Result<[u8; 32], CmsError> {
    Ok(sha256(&cert.to_der().map_err(malformed)?))
}

/// DER of the certificate's RFC 5035 `IssuerSerial` (issuer as a directoryName, serial): the
/// XAdES `IssuerSerialV2` value (ETSI EN 319 132-1, 5.2.2) is its base64.
pub(crate) fn issuer_serial_der(cert: &Certificate) -> Result<Vec<u8>, CmsError> {
    IssuerSerial::of(cert).to_der().map_err(malformed)
}

/// Whether `der` is the `IssuerSerial` of `cert`.
pub(crate) fn issuer_serial_matches(der: &[u8], cert: &Certificate) -> bool {
    IssuerSerial::from_der(der).is_ok_and(|is| is.is_of(cert))
}

/// RFC 5035: `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies
/// SEQUENCE OF PolicyInformation OPTIONAL }`.
#[derive(Clone, Debug, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

impl SigningCertificateV2 {
    /// RFC 5035 5.4: the first ESSCertIDv2 identifies the signer's certificate.
    fn names(&self, cert: &Certificate) -> Result<bool, CmsError> {
        let Some(first) = self.certs.first() else {
            return Ok(false);
        };
        if first
            .hash_algorithm
            .as_ref()
            .is_some_and(|a| a.oid != ID_SHA256)
        {
            return Err(CmsError::UnsupportedAlgorithm(
                "signing-certificate-v2 with another hash than SHA-256".into(),
            ));
        }
        let hash_ok = first.cert_hash.as_bytes() == certificate_sha256(cert)?.as_slice();
        let serial_ok = first.issuer_serial.as_ref().is_none_or(|is| is.is_of(cert));
        Ok(hash_ok && serial_ok)
    }
}

/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT {id-sha256}, certHash
/// OCTET STRING, issuerSerial IssuerSerial OPTIONAL }`.
#[derive(Clone, Debug, Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

/// `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }`.
#[derive(Clone, Debug, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

impl IssuerSerial {
    fn of(cert: &Certificate) -> IssuerSerial {
        IssuerSerial {
            issuer: vec![GeneralName::DirectoryName(
                cert.tbs_certificate.issuer.clone(),
            )],
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }
    }

    fn is_of(&self, cert: &Certificate) -> bool {
        self.serial_number == cert.tbs_certificate.serial_number
            && self.issuer.iter().any(|name| {
                matches!(name, GeneralName::DirectoryName(n) if *n == cert.tbs_certificate.issuer)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_pki::{IssueSpec, KeySpec, TestPki};

    #[test]
    fn signature_verifies_and_a_changed_digest_does_not() {
        let pki = TestPki::generate().unwrap();
        let id = pki
            .issue(&IssueSpec::enterprise(
                "Công ty A",
                "0101234565",
                KeySpec::P256,
            ))
            .unwrap();
        let signer = id.signer().unwrap();
        let digest = sha256(b"noi dung");
        let der = sign_detached(&signer, &digest, &CmsOptions::default()).unwrap();
        let ok = verify_detached(&der, DetachedContent::Bytes(b"noi dung")).unwrap();
        assert_eq!(ok.signer, id.certificate);
        assert_eq!(ok.certificates.len(), 2);
        assert!(ok.signing_time.is_none());
        let err = verify_detached(&der, DetachedContent::Bytes(b"noi dung!")).unwrap_err();
        assert_eq!(err.code(), "cms.digest_mismatch");
    }

    #[test]
    fn issuer_serial_round_trips() {
        let pki = TestPki::generate().unwrap();
        let id = pki
            .issue(&IssueSpec::enterprise(
                "Công ty A",
                "0101234565",
                KeySpec::P256,
            ))
            .unwrap();
        let der = issuer_serial_der(&id.certificate).unwrap();
        assert!(issuer_serial_matches(&der, &id.certificate));
        assert!(!issuer_serial_matches(&der, &pki.intermediate));
    }
}
