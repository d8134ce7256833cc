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
                issuer: self.intermediate.tbs_certificate.subject.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: false,
                include_subject_key_identifier: true,
            }
        } else {
            Profile::Manual {
                issuer: Some(self.intermediate.tbs_certificate.subject.clone()),
            }
        };
        let mut builder = CertificateBuilder::new(
            profile,
            self.serial(),
            validity(spec.not_before, spec.not_after)?,
            name(&attrs)?,
            spki,
            &self.intermediate_key,
        )
        .map_err(err)?;
        if !spec.signing_key_usage {
            builder
                .add_extension(&KeyUsage(KeyUsages::KeyEncipherment.into()))
                .map_err(err)?;
        }
        let certificate = builder.build::<p256::ecdsa::DerSignature>().map_err(err)?;
        Ok(Identity {
            key_pkcs8: zeroize::Zeroizing::new(key_pkcs8.as_bytes().to_vec()),
            key: spec.key,
            certificate,
            chain: vec![self.intermediate.clone()],
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
