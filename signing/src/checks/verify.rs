//! Signature verification for certificates, CRLs and OCSP responses: RSA PKCS#1 v1.5 and
//! PSS, ECDSA on P-256 and P-384, with SHA-256, SHA-384 or SHA-512 as the signature's
//! algorithm identifier says. SHA-1 signatures are refused as unsupported.

use der::asn1::{BitString, ObjectIdentifier};
use der::referenced::OwnedToRef;
use der::{Decode, Encode};
use rsa::pkcs1::RsaPssParams;
use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// RSA moduli up to this size are accepted (the rsa crate's default stops at 4096).
const RSA_MAX_BITS: usize = 8192;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VerifyError {
    /// An algorithm, key type or parameter set we do not verify (in English, for details).
    Unsupported(String),
    /// The signature does not verify, or the key or signature is malformed.
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_oid(oid: ObjectIdentifier) -> Option<Hash> {
        match oid {
            SHA256 => Some(Hash::Sha256),
            SHA384 => Some(Hash::Sha384),
            SHA512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(message).to_vec(),
            Hash::Sha384 => Sha384::digest(message).to_vec(),
            Hash::Sha512 => Sha512::digest(message).to_vec(),
        }
    }

    fn pkcs1v15(self) -> Pkcs1v15Sign {
        match self {
            Hash::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
            Hash::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
            Hash::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        }
    }

    fn pss(self, salt_len: usize) -> Pss {
        match self {
            Hash::Sha256 => Pss::new_with_salt::<Sha256>(salt_len),
            Hash::Sha384 => Pss::new_with_salt::<Sha384>(salt_len),
            Hash::Sha512 => Pss::new_with_salt::<Sha512>(salt_len),
        }
    }
}

enum Scheme {
    Pkcs1v15(Hash),
    Pss { hash: Hash, salt_len: usize },
    Ecdsa(Hash),
}

fn unsupported(what: impl Into<String>) -> VerifyError {
    VerifyError::Unsupported(what.into())
}

fn scheme(algorithm: &AlgorithmIdentifierOwned) -> Result<Scheme, VerifyError> {
    Ok(match algorithm.oid {
        SHA256_WITH_RSA => Scheme::Pkcs1v15(Hash::Sha256),
        SHA384_WITH_RSA => Scheme::Pkcs1v15(Hash::Sha384),
        SHA512_WITH_RSA => Scheme::Pkcs1v15(Hash::Sha512),
        ECDSA_SHA256 => Scheme::Ecdsa(Hash::Sha256),
        ECDSA_SHA384 => Scheme::Ecdsa(Hash::Sha384),
        ECDSA_SHA512 => Scheme::Ecdsa(Hash::Sha512),
        RSASSA_PSS => {
            // Absent parameters mean SHA-1 (RFC 4055), which we do not accept.
            let any = algorithm
                .parameters
                .as_ref()
                .ok_or_else(|| unsupported("RSASSA-PSS with SHA-1 (no parameters)"))?;
            let der = any.to_der().map_err(|_| VerifyError::Invalid)?;
            let params = RsaPssParams::from_der(&der).map_err(|_| VerifyError::Invalid)?;
            let hash = Hash::from_oid(params.hash.oid)
                .ok_or_else(|| unsupported(format!("RSASSA-PSS with hash {}", params.hash.oid)))?;
            let mgf_hash = params.mask_gen.parameters.as_ref().map(|p| p.oid);
            if params.mask_gen.oid != MGF1 || mgf_hash != Some(params.hash.oid) {
                return Err(unsupported(
                    "RSASSA-PSS with a mask generation other than MGF1 on the same hash",
                ));
            }
            Scheme::Pss {
                hash,
                salt_len: usize::from(params.salt_len),
            }
        }
        other => return Err(unsupported(format!("signature algorithm {other}"))),
    })
}

fn rsa_key(spki: &SubjectPublicKeyInfoOwned) -> Result<RsaPublicKey, VerifyError> {
    let key = rsa::pkcs1::RsaPublicKey::from_der(spki.subject_public_key.raw_bytes())
        .map_err(|_| VerifyError::Invalid)?;
    RsaPublicKey::new_with_max_size(
        BigUint::from_bytes_be(key.modulus.as_bytes()),
        BigUint::from_bytes_be(key.public_exponent.as_bytes()),
        RSA_MAX_BITS,
    )
    .map_err(|_| VerifyError::Invalid)
}

/// Verifies `signature` over `message` with the key in `spki`, by `algorithm`.
pub(crate) fn verify(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &BitString,
) -> Result<(), VerifyError> {
    let scheme = scheme(algorithm)?;
    let sig = signature.as_bytes().ok_or(VerifyError::Invalid)?;
    match (spki.algorithm.oid, scheme) {
        (RSA_ENCRYPTION | RSASSA_PSS, Scheme::Pkcs1v15(hash)) => rsa_key(spki)?
            .verify(hash.pkcs1v15(), &hash.digest(message), sig)
            .map_err(|_| VerifyError::Invalid),
        (RSA_ENCRYPTION | RSASSA_PSS, Scheme::Pss { hash, salt_len }) => rsa_key(spki)?
            .verify(hash.pss(salt_len), &hash.digest(message), sig)
            .map_err(|_| VerifyError::Invalid),
        (EC_PUBLIC_KEY, Scheme::Ecdsa(hash)) => {
            let curve: ObjectIdentifier = spki
                .algorithm
                .owned_to_ref()
                .parameters_oid()
                .map_err(|_| VerifyError::Invalid)?;
            let point = spki.subject_public_key.raw_bytes();
            let prehash = hash.digest(message);
            match curve {
                SECP256R1 => {
                    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map_err(|_| VerifyError::Invalid)?;
                    let sig =
                        p256::ecdsa::Signature::from_der(sig).map_err(|_| VerifyError::Invalid)?;
                    key.verify_prehash(&prehash, &sig)
                        .map_err(|_| VerifyError::Invalid)
                }
                SECP384R1 => {
                    let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map_err(|_| VerifyError::Invalid)?;
                    let sig =
                        p384::ecdsa::Signature::from_der(sig).map_err(|_| VerifyError::Invalid)?;
                    key.verify_prehash(&prehash, &sig)
                        .map_err(|_| VerifyError::Invalid)
                }
                other => Err(unsupported(format!("elliptic curve {other}"))),
            }
        }
        (key, _) => Err(unsupported(format!(
            "signature algorithm {} with a key of type {key}",
            algorithm.oid
        ))),
    }
}

/// Verifies that `cert` is signed by the key in `issuer`.
pub(crate) fn certificate(
    cert: &Certificate,
    issuer: &SubjectPublicKeyInfoOwned,
) -> Result<(), VerifyError> {
    // The outer and inner algorithm identifiers must agree (RFC 5280, 4.1.1.2).
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err(VerifyError::Invalid);
    }
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(|_| VerifyError::Invalid)?;
    verify(issuer, &cert.signature_algorithm, &tbs, &cert.signature)
}

/// Whether two certificates carry the same public key.
pub(crate) fn same_key(a: &Certificate, b: &Certificate) -> bool {
    a.tbs_certificate.subject_public_key_info == b.tbs_certificate.subject_public_key_info
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::RsaPrivateKey;
    use rsa::pkcs8::EncodePublicKey;
    use signature::{RandomizedSigner, SignatureEncoding, Signer};
    use spki::DynSignatureAlgorithmIdentifier;

    fn spki(der: &[u8]) -> SubjectPublicKeyInfoOwned {
        SubjectPublicKeyInfoOwned::from_der(der).unwrap()
    }

    fn bits(bytes: &[u8]) -> BitString {
        BitString::from_bytes(bytes).unwrap()
    }

    #[test]
    fn rsa_pkcs1_and_pss_signatures_verify_and_tampering_is_caught() {
        let key = RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
        let public = spki(key.to_public_key().to_public_key_der().unwrap().as_bytes());
        let message = b"to be signed";

        let pkcs1 = rsa::pkcs1v15::SigningKey::<Sha384>::new(key.clone());
        let sig = pkcs1.sign(message).to_vec();
        let alg = pkcs1.signature_algorithm_identifier().unwrap();
        assert_eq!(verify(&public, &alg, message, &bits(&sig)), Ok(()));
        assert_eq!(
            verify(&public, &alg, b"other", &bits(&sig)),
            Err(VerifyError::Invalid)
        );

        let pss = rsa::pss::SigningKey::<Sha256>::new(key);
        let sig = pss.sign_with_rng(&mut rand_core::OsRng, message).to_vec();
        let alg = pss.signature_algorithm_identifier().unwrap();
        assert_eq!(verify(&public, &alg, message, &bits(&sig)), Ok(()));
        let mut bad = sig.clone();
        bad[10] ^= 1;
        assert_eq!(
            verify(&public, &alg, message, &bits(&bad)),
            Err(VerifyError::Invalid)
        );
    }

    #[test]
    fn ecdsa_p384_signature_verifies() {
        let key = p384::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let public = spki(key.verifying_key().to_public_key_der().unwrap().as_bytes());
        let sig: p384::ecdsa::DerSignature = key.sign(b"m");
        let alg = key.signature_algorithm_identifier().unwrap();
        assert_eq!(alg.oid, ECDSA_SHA384);
        assert_eq!(verify(&public, &alg, b"m", &bits(sig.as_bytes())), Ok(()));
        assert_eq!(
            verify(&public, &alg, b"n", &bits(sig.as_bytes())),
            Err(VerifyError::Invalid)
        );
    }

    #[test]
    fn sha1_signatures_are_unsupported() {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let public = spki(key.verifying_key().to_public_key_der().unwrap().as_bytes());
        let alg = AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.10045.4.1"),
            parameters: None,
        };
        assert!(matches!(
            verify(&public, &alg, b"m", &bits(&[0x30, 0])),
            Err(VerifyError::Unsupported(_))
        ));
    }
}
