//! A test certificate hierarchy, generated for each run: a root CA, an intermediate CA, and
//! signers with the subject shapes Vietnamese CAs issue (`UID=MST:…` for a tax code,
//! `UID=CCCD:…` for a citizen ID). For the test suites and `hoso demo` only: nothing here is
//! ever a real person's or enterprise's key, and nothing is written to the repository.

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::asn1::{Any, SetOfVec};
use der::{Decode, Encode, EncodePem, Tag, pem::LineEnding};
use pkcs8::{EncodePrivateKey, EncodePublicKey};
use rsa::RsaPrivateKey;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::signer::SignError;
use crate::software::{Pkcs8Der, SoftwareSigner};

// For the certificate checks' tests (signing/src/checks): OCSP and CRL addresses, a delegated
// OCSP responder, CRLs, extra CAs and forged certificates.
use const_oid::db::rfc5280::{ID_AD_OCSP, ID_KP_OCSP_SIGNING};
use der::asn1::{Ia5String, Uint, UtcTime};
use der::referenced::OwnedToRef;
use signature::Signer as _;
use spki::{DynSignatureAlgorithmIdentifier, SignatureBitStringEncoding};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::AsExtension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, CrlDistributionPoints,
    CrlNumber, CrlReason, ExtendedKeyUsage,
};

/// The key a test signer gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySpec {
    /// RSA of the given size, signing with PKCS#1 v1.5.
    Rsa(usize),
    /// RSA of the given size, signing with PSS.
    RsaPss(usize),
    P256,
    P384,
}

/// What a test signer's certificate says.
#[derive(Debug, Clone)]
pub struct IssueSpec {
    /// CN: the organisation's name as Vietnamese CAs put it, or a person's.
    pub common_name: String,
    pub organisation: Option<String>,
    /// `UID=MST:…`
    pub tax_code: Option<String>,
    /// `UID=CCCD:…`
    pub citizen_id: Option<String>,
    pub key: KeySpec,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    /// digitalSignature + nonRepudiation when true; keyEncipherment only when false.
    pub signing_key_usage: bool,
    /// The OCSP responder's address, put in the authority information access extension
    /// (id-ad-ocsp). `None`: no such extension.
    pub ocsp_url: Option<String>,
    /// The CRL's address, put in the CRL distribution points extension. `None`: no such
    /// extension.
    pub crl_url: Option<String>,
}

impl IssueSpec {
    /// A signer of an enterprise with the given tax code, valid from a day ago for a year.
    pub fn enterprise(name: &str, tax_code: &str, key: KeySpec) -> IssueSpec {
        let now = SystemTime::now();
        IssueSpec {
            common_name: name.to_owned(),
            organisation: Some(name.to_owned()),
            tax_code: Some(tax_code.to_owned()),
            citizen_id: None,
            key,
            not_before: now - Duration::from_secs(86_400),
            not_after: now + Duration::from_secs(365 * 86_400),
            signing_key_usage: true,
            ocsp_url: None,
            crl_url: None,
        }
    }
}

/// A generated key, its certificate and the intermediate certificate above it.
pub struct Identity {
    pub key_pkcs8: Pkcs8Der,
    pub key: KeySpec,
    pub certificate: Certificate,
    pub chain: Vec<Certificate>,
}

impl Identity {
    /// The identity as an in-memory signer.
    pub fn signer(&self) -> Result<SoftwareSigner, SignError> {
        SoftwareSigner::from_pkcs8_der(
            &self.key_pkcs8,
            self.certificate.clone(),
            self.chain.clone(),
            matches!(self.key, KeySpec::RsaPss(_)),
        )
    }

    pub fn certificate_pem(&self) -> String {
        self.certificate.to_pem(LineEnding::LF).unwrap_or_default()
    }
}

/// A root and an intermediate CA, both P-256 (fast to generate), issuing test signers.
pub struct TestPki {
    pub root: Certificate,
    root_key: p256::ecdsa::SigningKey,
    pub intermediate: Certificate,
    intermediate_key: p256::ecdsa::SigningKey,
    next_serial: std::cell::Cell<u32>,
}

fn err(e: impl std::fmt::Display) -> SignError {
    SignError::Other(format!("test PKI: {e}"))
}

fn utf8(value: &str) -> Result<Any, SignError> {
    Any::new(Tag::Utf8String, value.as_bytes()).map_err(err)
}

fn printable(value: &str) -> Result<Any, SignError> {
    Any::new(Tag::PrintableString, value.as_bytes()).map_err(err)
}

/// One attribute per RDN, in the order given (the DER order, country first).
fn name(attrs: &[(&str, Any)]) -> Result<Name, SignError> {
    let mut rdns = Vec::new();
    for (oid, value) in attrs {
        let atv = AttributeTypeAndValue {
            oid: der::asn1::ObjectIdentifier::from_str(oid).map_err(err)?,
            value: value.clone(),
        };
        rdns.push(RelativeDistinguishedName(
            SetOfVec::try_from(vec![atv]).map_err(err)?,
        ));
    }
    Ok(RdnSequence(rdns))
}

const OID_C: &str = "2.5.4.6";
const OID_O: &str = "2.5.4.10";
const OID_CN: &str = "2.5.4.3";
const OID_UID: &str = "0.9.2342.19200300.100.1.1";

fn validity(from: SystemTime, to: SystemTime) -> Result<Validity, SignError> {
    Ok(Validity {
        not_before: Time::try_from(from).map_err(err)?,
        not_after: Time::try_from(to).map_err(err)?,
    })
}

fn ec_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::random(&mut rand_core::OsRng)
}

fn spki_of(public: &impl EncodePublicKey) -> Result<SubjectPublicKeyInfoOwned, SignError> {
    let der = public.to_public_key_der().map_err(err)?;
    SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(err)
}

impl TestPki {
    /// A fresh hierarchy: "Hoso Test Root CA" and "Hoso Test Issuing CA", valid ten years.
    pub fn generate() -> Result<TestPki, SignError> {
        let now = SystemTime::now();
        let ten_years = Duration::from_secs(10 * 365 * 86_400);
        let long = validity(now - Duration::from_secs(86_400), now + ten_years)?;

        let root_key = ec_key();
        let root_name = name(&[
            (OID_C, printable("VN")?),
            (OID_O, utf8("Hồ sơ số — thử nghiệm")?),
            (OID_CN, utf8("Hoso Test Root CA")?),
        ])?;
        let builder = CertificateBuilder::new(
            Profile::Root,
            SerialNumber::from(1u32),
            long,
            root_name.clone(),
            spki_of(root_key.verifying_key())?,
            &root_key,
        )
        .map_err(err)?;
        let root = builder.build::<p256::ecdsa::DerSignature>().map_err(err)?;

        let intermediate_key = ec_key();
        let builder = CertificateBuilder::new(
            Profile::SubCA {
                issuer: root_name,
                path_len_constraint: Some(0),
            },
            SerialNumber::from(2u32),
            long,
            name(&[
                (OID_C, printable("VN")?),
                (OID_O, utf8("Hồ sơ số — thử nghiệm")?),
                (OID_CN, utf8("Hoso Test Issuing CA")?),
            ])?,
            spki_of(intermediate_key.verifying_key())?,
            &root_key,
        )
        .map_err(err)?;
        let intermediate = builder.build::<p256::ecdsa::DerSignature>().map_err(err)?;
        Ok(TestPki {
            root,
            root_key,
            intermediate,
            intermediate_key,
            next_serial: std::cell::Cell::new(100),
        })
    }

    /// The root CA's key, for tests that sign CRLs or OCSP responders' certificates.
    pub fn root_key(&self) -> &p256::ecdsa::SigningKey {
        &self.root_key
    }

    /// The issuing CA's key (it signs the signers, their CRL and their OCSP responder).
    pub fn issuing_key(&self) -> &p256::ecdsa::SigningKey {
        &self.intermediate_key
    }

    pub fn root_pem(&self) -> String {
        self.root.to_pem(LineEnding::LF).unwrap_or_default()
    }

    fn serial(&self) -> SerialNumber {
        let n = self.next_serial.get();
        self.next_serial.set(n + 1);
        SerialNumber::from(n)
    }

    /// Issues a signer under the intermediate CA.
    pub fn issue(&self, spec: &IssueSpec) -> Result<Identity, SignError> {
        self.issue_with(
            spec,
            &self.intermediate,
            &self.intermediate_key,
            vec![self.intermediate.clone()],
        )
    }

    fn issue_with(
        &self,
        spec: &IssueSpec,
        issuer: &Certificate,
        issuer_key: &p256::ecdsa::SigningKey,
        chain: Vec<Certificate>,
    ) -> Result<Identity, SignError> {
        let (key_pkcs8, spki) = match spec.key {
            KeySpec::Rsa(bits) | KeySpec::RsaPss(bits) => {
                let key = RsaPrivateKey::new(&mut rand_core::OsRng, bits).map_err(err)?;
                let spki = spki_of(&key.to_public_key())?;
                (key.to_pkcs8_der().map_err(err)?, spki)
            }
            KeySpec::P256 => {
                let key = p256::SecretKey::random(&mut rand_core::OsRng);
                let spki = spki_of(&key.public_key())?;
                (key.to_pkcs8_der().map_err(err)?, spki)
            }
            KeySpec::P384 => {
                let key = p384::SecretKey::random(&mut rand_core::OsRng);
                let spki = spki_of(&key.public_key())?;
                (key.to_pkcs8_der().map_err(err)?, spki)
            }
        };
        let mut attrs = vec![(OID_C, printable("VN")?)];
        if let Some(o) = &spec.organisation {
            attrs.push((OID_O, utf8(o)?));
        }
        attrs.push((OID_CN, utf8(&spec.common_name)?));
        if let Some(mst) = &spec.tax_code {
            attrs.push((OID_UID, utf8(&format!("MST:{mst}"))?));
        }
        if let Some(id) = &spec.citizen_id {
            attrs.push((OID_UID, utf8(&format!("CCCD:{id}"))?));
        }
        let profile = if spec.signing_key_usage {
            Profile::Leaf {
                issuer: issuer.tbs_certificate.subject.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: false,
                include_subject_key_identifier: true,
            }
        } else {
            Profile::Manual {
                issuer: Some(issuer.tbs_certificate.subject.clone()),
            }
        };
        let mut builder = CertificateBuilder::new(
            profile,
            self.serial(),
            validity(spec.not_before, spec.not_after)?,
            name(&attrs)?,
            spki,
            issuer_key,
        )
        .map_err(err)?;
        if !spec.signing_key_usage {
            builder
                .add_extension(&KeyUsage(KeyUsages::KeyEncipherment.into()))
                .map_err(err)?;
        }
        if let Some(url) = &spec.ocsp_url {
            builder
                .add_extension(&AuthorityInfoAccessSyntax(vec![AccessDescription {
                    access_method: ID_AD_OCSP,
                    access_location: uri(url)?,
                }]))
                .map_err(err)?;
        }
        if let Some(url) = &spec.crl_url {
            builder
                .add_extension(&CrlDistributionPoints(vec![DistributionPoint {
                    distribution_point: Some(DistributionPointName::FullName(vec![uri(url)?])),
                    reasons: None,
                    crl_issuer: None,
                }]))
                .map_err(err)?;
        }
        let certificate = builder.build::<p256::ecdsa::DerSignature>().map_err(err)?;
        Ok(Identity {
            key_pkcs8: zeroize::Zeroizing::new(key_pkcs8.as_bytes().to_vec()),
            key: spec.key,
            certificate,
            chain,
        })
    }
}

fn uri(url: &str) -> Result<GeneralName, SignError> {
    Ok(GeneralName::UniformResourceIdentifier(
        Ia5String::new(url).map_err(err)?,
    ))
}

/// UTCTime through 2049, GeneralizedTime after (RFC 5280, 5.1.2.4).
fn crl_time(t: SystemTime) -> Result<Time, SignError> {
    match UtcTime::from_system_time(t) {
        Ok(utc) => Ok(Time::UtcTime(utc)),
        Err(_) => Time::try_from(t).map_err(err),
    }
}

/// A CA certificate of a test hierarchy with its key, for tests that need an issuer other
/// than the intermediate CA (an expired CA, an issuer that is not a CA).
pub struct TestCa {
    pub certificate: Certificate,
    key: p256::ecdsa::SigningKey,
}

impl TestCa {
    pub fn key(&self) -> &p256::ecdsa::SigningKey {
        &self.key
    }
}

/// What an extra certificate directly under the root says.
#[derive(Debug, Clone)]
pub struct CaSpec {
    pub common_name: String,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    /// basicConstraints cA with keyCertSign when true; an end entity's shape (cA false,
    /// digitalSignature + nonRepudiation) when false.
    pub is_ca: bool,
}

impl CaSpec {
    /// A CA valid from a day ago for ten years.
    pub fn new(common_name: &str) -> CaSpec {
        let now = SystemTime::now();
        CaSpec {
            common_name: common_name.to_owned(),
            not_before: now - Duration::from_secs(86_400),
            not_after: now + Duration::from_secs(10 * 365 * 86_400),
            is_ca: true,
        }
    }
}

/// One revoked certificate in a test CRL.
#[derive(Debug, Clone)]
pub struct RevokedEntry {
    pub serial: SerialNumber,
    pub revoked_at: SystemTime,
    pub reason: Option<CrlReason>,
}

/// What a test CRL of the intermediate CA says.
#[derive(Debug, Clone)]
pub struct CrlSpec {
    pub revoked: Vec<RevokedEntry>,
    pub this_update: SystemTime,
    pub next_update: Option<SystemTime>,
}

impl CrlSpec {
    /// A current CRL: issued an hour ago, next one due in a day.
    pub fn current(revoked: Vec<RevokedEntry>) -> CrlSpec {
        let now = SystemTime::now();
        CrlSpec {
            revoked,
            this_update: now - Duration::from_secs(3_600),
            next_update: Some(now + Duration::from_secs(86_400)),
        }
    }
}

impl TestPki {
    /// A delegated OCSP responder of the intermediate CA: a P-256 key whose certificate,
    /// issued by the intermediate CA, has the extended key usage id-kp-OCSPSigning.
    pub fn issue_ocsp_responder(&self) -> Result<Identity, SignError> {
        let key = p256::SecretKey::random(&mut rand_core::OsRng);
        let spki = spki_of(&key.public_key())?;
        let now = SystemTime::now();
        let mut builder = CertificateBuilder::new(
            Profile::Leaf {
                issuer: self.intermediate.tbs_certificate.subject.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: false,
                include_subject_key_identifier: true,
            },
            self.serial(),
            validity(
                now - Duration::from_secs(86_400),
                now + Duration::from_secs(30 * 86_400),
            )?,
            name(&[
                (OID_C, printable("VN")?),
                (OID_O, utf8("Hồ sơ số — thử nghiệm")?),
                (OID_CN, utf8("Hoso Test OCSP Responder")?),
            ])?,
            spki,
            &self.intermediate_key,
        )
        .map_err(err)?;
        builder
            .add_extension(&ExtendedKeyUsage(vec![ID_KP_OCSP_SIGNING]))
            .map_err(err)?;
        let certificate = builder.build::<p256::ecdsa::DerSignature>().map_err(err)?;
        Ok(Identity {
            key_pkcs8: zeroize::Zeroizing::new(
                key.to_pkcs8_der().map_err(err)?.as_bytes().to_vec(),
            ),
            key: KeySpec::P256,
            certificate,
            chain: vec![self.intermediate.clone()],
        })
    }

    /// A certificate directly under the root, with its key (see [`CaSpec`]).
    pub fn issue_ca(&self, spec: &CaSpec) -> Result<TestCa, SignError> {
        let key = ec_key();
        let issuer = self.root.tbs_certificate.subject.clone();
        let profile = if spec.is_ca {
            Profile::SubCA {
                issuer,
                path_len_constraint: Some(0),
            }
        } else {
            Profile::Leaf {
                issuer,
                enable_key_agreement: false,
                enable_key_encipherment: false,
                include_subject_key_identifier: true,
            }
        };
        let builder = CertificateBuilder::new(
            profile,
            self.serial(),
            validity(spec.not_before, spec.not_after)?,
            name(&[
                (OID_C, printable("VN")?),
                (OID_O, utf8("Hồ sơ số — thử nghiệm")?),
                (OID_CN, utf8(&spec.common_name)?),
            ])?,
            spki_of(key.verifying_key())?,
            &self.root_key,
        )
        .map_err(err)?;
        let certificate = builder.build::<p256::ecdsa::DerSignature>().map_err(err)?;
        Ok(TestCa { certificate, key })
    }

    /// Issues a signer under `ca` (from [`TestPki::issue_ca`]) instead of the intermediate CA;
    /// its chain is `ca`'s certificate.
    pub fn issue_under(&self, ca: &TestCa, spec: &IssueSpec) -> Result<Identity, SignError> {
        self.issue_with(spec, &ca.certificate, &ca.key, vec![ca.certificate.clone()])
    }

    /// A forgery: a signer's certificate that names the intermediate CA as its issuer (name
    /// and authority key identifier) but is signed by another key.
    pub fn issue_forged(&self, spec: &IssueSpec) -> Result<Identity, SignError> {
        let mut identity = self.issue(spec)?;
        let tbs = identity.certificate.tbs_certificate.to_der().map_err(err)?;
        let forger = ec_key();
        let signature: p256::ecdsa::DerSignature = forger.try_sign(&tbs).map_err(err)?;
        identity.certificate.signature = signature.to_bitstring().map_err(err)?;
        Ok(identity)
    }

    /// A CRL of the intermediate CA (v2, with CRL number and authority key identifier),
    /// signed with its key.
    pub fn issue_crl(&self, spec: &CrlSpec) -> Result<CertificateList, SignError> {
        let issuer = self.intermediate.tbs_certificate.subject.clone();
        let mut revoked = Vec::new();
        for entry in &spec.revoked {
            let extensions = match entry.reason {
                Some(reason) => Some(vec![reason.to_extension(&issuer, &[]).map_err(err)?]),
                None => None,
            };
            revoked.push(RevokedCert {
                serial_number: entry.serial.clone(),
                revocation_date: crl_time(entry.revoked_at)?,
                crl_entry_extensions: extensions,
            });
        }
        let number = self.next_serial.get();
        let crl_extensions = vec![
            CrlNumber(Uint::new(&number.to_be_bytes()).map_err(err)?)
                .to_extension(&issuer, &[])
                .map_err(err)?,
            AuthorityKeyIdentifier::try_from(
                self.intermediate
                    .tbs_certificate
                    .subject_public_key_info
                    .owned_to_ref(),
            )
            .map_err(err)?
            .to_extension(&issuer, &[])
            .map_err(err)?,
        ];
        let algorithm = self
            .intermediate_key
            .signature_algorithm_identifier()
            .map_err(err)?;
        let tbs_cert_list = TbsCertList {
            version: x509_cert::Version::V2,
            signature: algorithm.clone(),
            issuer,
            this_update: crl_time(spec.this_update)?,
            next_update: spec.next_update.map(crl_time).transpose()?,
            revoked_certificates: (!revoked.is_empty()).then_some(revoked),
            crl_extensions: Some(crl_extensions),
        };
        let tbs = tbs_cert_list.to_der().map_err(err)?;
        let signature: p256::ecdsa::DerSignature =
            self.intermediate_key.try_sign(&tbs).map_err(err)?;
        Ok(CertificateList {
            tbs_cert_list,
            signature_algorithm: algorithm,
            signature: signature.to_bitstring().map_err(err)?,
        })
    }
}

/// DER of a certificate (for files and tokens).
pub fn certificate_der(cert: &Certificate) -> Vec<u8> {
    cert.to_der().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signer::{SignatureAlgorithm, Signer};

    #[test]
    fn issued_signers_chain_to_the_root_and_sign() {
        let pki = TestPki::generate().unwrap();
        for (key, alg) in [
            (KeySpec::P256, SignatureAlgorithm::EcdsaP256Sha256),
            (KeySpec::P384, SignatureAlgorithm::EcdsaP384Sha256),
            (KeySpec::Rsa(2048), SignatureAlgorithm::RsaPkcs1Sha256),
            (KeySpec::RsaPss(2048), SignatureAlgorithm::RsaPssSha256),
        ] {
            let id = pki
                .issue(&IssueSpec::enterprise(
                    "Công ty Thử nghiệm",
                    "0101234565",
                    key,
                ))
                .unwrap();
            assert_eq!(
                id.certificate.tbs_certificate.issuer,
                pki.intermediate.tbs_certificate.subject
            );
            let signer = id.signer().unwrap();
            assert_eq!(signer.algorithm(), alg);
            let sig = signer.sign_digest(&[7u8; 32]).unwrap();
            assert!(!sig.is_empty());
            if alg == SignatureAlgorithm::EcdsaP256Sha256 {
                assert_eq!(sig.len(), 64);
            }
        }
    }
}
