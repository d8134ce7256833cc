//! A private key held in memory (from a PKCS#12 file or generated for tests), as a [`Signer`].

use der::{Decode, asn1::ObjectIdentifier};
use pkcs8::PrivateKeyInfo;
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use sha2::Sha256;
use signature::hazmat::PrehashSigner;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::signer::{SignError, SignatureAlgorithm, Signer};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

enum Key {
    Rsa { key: Box<RsaPrivateKey>, pss: bool },
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

/// A key in memory with its certificate and chain. The key material is wiped on drop by the
/// key types themselves (rsa, p256 and p384 zeroize their secrets).
pub struct SoftwareSigner {
    key: Key,
    certificate: Certificate,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareSigner")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

impl SoftwareSigner {
    /// A signer from a PKCS#8 `PrivateKeyInfo` (DER). RSA keys sign with PKCS#1 v1.5 unless
    /// `rsa_pss`.
    pub fn from_pkcs8_der(
        pkcs8: &[u8],
        certificate: Certificate,
        chain: Vec<Certificate>,
        rsa_pss: bool,
    ) -> Result<SoftwareSigner, SignError> {
        let bad = |e: &dyn std::fmt::Display| SignError::Other(format!("private key: {e}"));
        let info = PrivateKeyInfo::from_der(pkcs8).map_err(|e| bad(&e))?;
        let key = match info.algorithm.oid {
            RSA_ENCRYPTION => Key::Rsa {
                key: Box::new(RsaPrivateKey::from_pkcs8_der(pkcs8).map_err(|e| bad(&e))?),
                pss: rsa_pss,
            },
            EC_PUBLIC_KEY => {
                let curve: ObjectIdentifier =
                    info.algorithm.parameters_oid().map_err(|e| bad(&e))?;
                match curve {
                    SECP256R1 => Key::P256(
                        p256::ecdsa::SigningKey::from_pkcs8_der(pkcs8).map_err(|e| bad(&e))?,
                    ),
                    SECP384R1 => Key::P384(
                        p384::ecdsa::SigningKey::from_pkcs8_der(pkcs8).map_err(|e| bad(&e))?,
                    ),
                    other => return Err(SignError::Other(format!("unsupported curve {other}"))),
                }
            }
            other => return Err(SignError::Other(format!("unsupported key type {other}"))),
        };
        Ok(SoftwareSigner {
            key,
            certificate,
            chain,
        })
    }
}

impl Signer for SoftwareSigner {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        match &self.key {
            Key::Rsa { pss: false, .. } => SignatureAlgorithm::RsaPkcs1Sha256,
            Key::Rsa { pss: true, .. } => SignatureAlgorithm::RsaPssSha256,
            Key::P256(_) => SignatureAlgorithm::EcdsaP256Sha256,
            Key::P384(_) => SignatureAlgorithm::EcdsaP384Sha256,
        }
    }

    fn sign_digest(&self, sha256: &[u8; 32]) -> Result<Vec<u8>, SignError> {
        let fail = |e: &dyn std::fmt::Display| SignError::Other(format!("signing: {e}"));
        match &self.key {
            Key::Rsa { key, pss: false } => key
                .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), sha256)
                .map_err(|e| fail(&e)),
            Key::Rsa { key, pss: true } => key
                .sign_with_rng(
                    &mut rand_core::OsRng,
                    rsa::Pss::new_with_salt::<Sha256>(32),
                    sha256,
                )
                .map_err(|e| fail(&e)),
            Key::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign_prehash(sha256).map_err(|e| fail(&e))?;
                Ok(sig.to_bytes().to_vec())
            }
            Key::P384(k) => {
                let sig: p384::ecdsa::Signature = k.sign_prehash(sha256).map_err(|e| fail(&e))?;
                Ok(sig.to_bytes().to_vec())
            }
        }
    }
}

/// A freshly generated private key as PKCS#8 DER, wiped on drop.
pub type Pkcs8Der = Zeroizing<Vec<u8>>;
