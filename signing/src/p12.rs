//! PKCS#12 files (.p12, .pfx): the second signing backend, for users without a token, for
//! `hoso demo` on machines without SoftHSM, and for tests.
//!
//! Reading takes what `openssl pkcs12 -export` writes by default since OpenSSL 3 (PBES2 with
//! PBKDF2 and AES-CBC, HMAC-SHA-256 MAC) and what older tools and Windows' "TripleDES-SHA1"
//! export write (pbeWithSHAAnd3-KeyTripleDES-CBC for the key, pbeWithSHAAnd40BitRC2-CBC for the
//! certificates, HMAC-SHA-1 MAC), and checks PBMAC1 (RFC 9579) MACs. Writing uses PBES2
//! (PBKDF2-HMAC-SHA-256, AES-256-CBC) for key and certificates and an HMAC-SHA-256 MAC.
//!
//! The MAC is checked before anything is decrypted: a wrong password is reported as such, not
//! as a broken file.

use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use hmac::{Hmac, Mac};
use pkcs12::kdf::{Pkcs12KeyType, derive_key_utf8};
use pkcs12::pbe_params::{EncryptedPrivateKeyInfo, Pbkdf2Params, Pkcs12PbeParams};
use rand_core::RngCore;
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::{Attribute, Attributes};
use zeroize::Zeroizing;

use crate::signer::SignError;
use crate::software::{Pkcs8Der, SoftwareSigner};

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const HMAC_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.7");
const HMAC_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.9");
const HMAC_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.10");
const HMAC_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.11");
const PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const PBMAC1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");
const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const PBE_SHA1_RC2_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
const PBE_SHA1_RC2_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
const KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const SAFE_CONTENTS_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.6");
const X509_CERTIFICATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");

/// Iterations of PBKDF2 and of the MAC key derivation in files we write: five times OpenSSL 3's
/// 2048. Files we write hold demo and test identities; a user's real PKCS#12 comes from the CA.
const WRITE_ITERATIONS: u32 = 10_000;
/// Iteration counts above this in a file we read are refused rather than computed for minutes.
const MAX_ITERATIONS: u32 = 10_000_000;
/// Nested SafeContents deeper than this are refused.
const MAX_NESTING: usize = 4;

/// The password of a PKCS#12 file: wiped from memory on drop, never printed.
pub struct Password(Zeroizing<String>);

impl Password {
    pub fn new(password: impl Into<String>) -> Password {
        Password(Zeroizing::new(password.into()))
    }

    fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Password {
        Password::new(s)
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Why a PKCS#12 file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum P12Error {
    /// The MAC does not match (or, in a file without MAC, nothing decrypts): the password is
    /// wrong.
    #[error("wrong password for the PKCS#12 file")]
    WrongPassword,
    /// The file uses a protection we do not read; the message says how to export it again.
    #[error("unsupported PKCS#12 file: {0}")]
    Unsupported(String),
    #[error("not a valid PKCS#12 file: {0}")]
    Malformed(String),
    #[error("the PKCS#12 file holds no private key")]
    NoKey,
    #[error("the PKCS#12 file holds {0} private keys; export the one to sign with on its own")]
    SeveralKeys(usize),
    #[error("no certificate in the PKCS#12 file belongs to its private key")]
    NoCertificate,
}

impl P12Error {
    pub fn code(&self) -> &'static str {
        match self {
            P12Error::WrongPassword => "pkcs12.wrong_password",
            P12Error::Unsupported(_) => "pkcs12.unsupported",
            P12Error::Malformed(_) => "pkcs12.malformed",
            P12Error::NoKey => "pkcs12.no_key",
            P12Error::SeveralKeys(_) => "pkcs12.several_keys",
            P12Error::NoCertificate => "pkcs12.no_certificate",
        }
    }
}

impl From<P12Error> for SignError {
    fn from(e: P12Error) -> SignError {
        SignError::Pkcs12(e.to_string())
    }
}

fn malformed(e: impl std::fmt::Display) -> P12Error {
    P12Error::Malformed(e.to_string())
}

const REEXPORT: &str = "export it again with AES encryption (OpenSSL 3: `openssl pkcs12 -export` \
                        without -legacy; Windows: \"AES256-SHA256\")";

/// The contents of a PKCS#12 file: the key, its certificate, the CA certificates.
pub struct P12Contents {
    pub key_pkcs8: Pkcs8Der,
    /// The certificate whose public key is the key's.
    pub certificate: Certificate,
    /// The other certificates that are not self-signed, the signer's issuer first.
    pub chain: Vec<Certificate>,
    /// Self-signed certificates found in the file (roots), kept apart: a root is never
    /// embedded in a signature and never trusted because a file carried it.
    pub roots: Vec<Certificate>,
}

impl P12Contents {
    /// The key as a signer; RSA keys sign with PSS when `rsa_pss`, else PKCS#1 v1.5.
    pub fn signer(&self, rsa_pss: bool) -> Result<SoftwareSigner, SignError> {
        SoftwareSigner::from_pkcs8_der(
            &self.key_pkcs8,
            self.certificate.clone(),
            self.chain.clone(),
            rsa_pss,
        )
    }
}

/// Opens a PKCS#12 file as a signer (RSA keys sign with PKCS#1 v1.5).
pub fn open(bytes: &[u8], password: &Password) -> Result<SoftwareSigner, P12Error> {
    read(bytes, password)?
        .signer(false)
        .map_err(|e| P12Error::Unsupported(e.to_string()))
}

/// `SafeBag` (RFC 7292 §4.2). pkcs12 0.1's own type keeps the `[0]` wrapper in `bag_value` on
/// decoding but adds another on encoding, so we use this one both ways.
#[derive(Clone, Debug, Sequence)]
struct SafeBag {
    bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    bag_value: Any,
    bag_attributes: Option<Attributes>,
}

/// `CertBag` (RFC 7292 §4.2.3), X.509 certificates only.
#[derive(Clone, Debug, Sequence)]
struct CertBag {
    cert_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    cert_value: OctetString,
}

/// `PBMAC1-params` (RFC 8018 A.5).
#[derive(Clone, Debug, Sequence)]
struct Pbmac1Params {
    key_derivation_func: AlgorithmIdentifierOwned,
    message_auth_scheme: AlgorithmIdentifierOwned,
}

/// Reads a PKCS#12 file: checks the MAC, decrypts, and picks the key's own certificate by its
/// public key.
pub fn read(bytes: &[u8], password: &Password) -> Result<P12Contents, P12Error> {
    let pfx = pkcs12::pfx::Pfx::from_der(bytes).map_err(malformed)?;
    if pfx.auth_safe.content_type != ID_DATA {
        return Err(P12Error::Unsupported(format!(
            "public-key integrity mode ({}); {REEXPORT}",
            pfx.auth_safe.content_type
        )));
    }
    let auth_safe = pfx
        .auth_safe
        .content
        .decode_as::<OctetString>()
        .map_err(malformed)?;
    let data = auth_safe.as_bytes();
    let has_mac = match &pfx.mac_data {
        Some(mac) => {
            verify_mac(mac, data, password)?;
            true
        }
        None => false,
    };

    let contents = Vec::<cms::content_info::ContentInfo>::from_der(data).map_err(malformed)?;
    let mut keys: Vec<Pkcs8Der> = Vec::new();
    let mut certs: Vec<Certificate> = Vec::new();
    for info in contents {
        let safe_contents = match info.content_type {
            ID_DATA => Zeroizing::new(
                info.content
                    .decode_as::<OctetString>()
                    .map_err(malformed)?
                    .into_bytes(),
            ),
            ID_ENCRYPTED_DATA => {
                let ed = info
                    .content
                    .decode_as::<cms::encrypted_data::EncryptedData>()
                    .map_err(malformed)?;
                let eci = ed.enc_content_info;
                let ciphertext = eci
                    .encrypted_content
                    .ok_or_else(|| malformed("empty EncryptedData"))?;
                decrypt(
                    &eci.content_enc_alg,
                    ciphertext.as_bytes(),
                    password,
                    has_mac,
                )?
            }
            other => {
                return Err(P12Error::Unsupported(format!(
                    "content protected as {other}; {REEXPORT}"
                )));
            }
        };
        read_bags(&safe_contents, password, has_mac, 0, &mut keys, &mut certs)?;
    }

    let key = match keys.len() {
        0 => return Err(P12Error::NoKey),
        1 => keys.remove(0),
        n => return Err(P12Error::SeveralKeys(n)),
    };
    let public = public_key_of_pkcs8(&key)?;
    let index = certs
        .iter()
        .position(|c| public_key_of_certificate(c).as_ref() == Some(&public))
        .ok_or(P12Error::NoCertificate)?;
    let certificate = certs.remove(index);
    let (chain, roots) = order_chain(&certificate, certs);
    Ok(P12Contents {
        key_pkcs8: key,
        certificate,
        chain,
        roots,
    })
}

fn read_bags(
    der: &[u8],
    password: &Password,
    has_mac: bool,
    depth: usize,
    keys: &mut Vec<Pkcs8Der>,
    certs: &mut Vec<Certificate>,
) -> Result<(), P12Error> {
    if depth > MAX_NESTING {
        return Err(malformed("SafeContents nested too deep"));
    }
    for bag in Vec::<SafeBag>::from_der(der).map_err(malformed)? {
        let value = bag.bag_value.to_der().map_err(malformed)?;
        match bag.bag_id {
            KEY_BAG => {
                pkcs8::PrivateKeyInfo::from_der(&value).map_err(malformed)?;
                keys.push(Zeroizing::new(value));
            }
            SHROUDED_KEY_BAG => {
                let epki = EncryptedPrivateKeyInfo::from_der(&value).map_err(malformed)?;
                let key = decrypt(
                    &epki.encryption_algorithm,
                    epki.encrypted_data.as_bytes(),
                    password,
                    has_mac,
                )?;
                if pkcs8::PrivateKeyInfo::from_der(&key).is_err() {
                    // Without a MAC, a wrong password can decrypt to garbage with valid padding.
                    return Err(if has_mac {
                        malformed("the decrypted key is not PKCS#8")
                    } else {
                        P12Error::WrongPassword
                    });
                }
                keys.push(key);
            }
            CERT_BAG => {
                let cert_bag = CertBag::from_der(&value).map_err(malformed)?;
                if cert_bag.cert_id == X509_CERTIFICATE {
                    certs.push(
                        Certificate::from_der(cert_bag.cert_value.as_bytes()).map_err(malformed)?,
                    );
                }
            }
            SAFE_CONTENTS_BAG => read_bags(&value, password, has_mac, depth + 1, keys, certs)?,
            // CRLs, secrets: not ours to use.
            _ => {}
        }
    }
    Ok(())
}

fn verify_mac(
    mac_data: &pkcs12::mac_data::MacData,
    data: &[u8],
    password: &Password,
) -> Result<(), P12Error> {
    let expected = mac_data.mac.digest.as_bytes();
    let alg = &mac_data.mac.algorithm;
    let iterations = mac_data.iterations;
    if iterations < 1 || iterations as u32 > MAX_ITERATIONS {
        return Err(malformed(format!("MAC iteration count {iterations}")));
    }
    let salt = mac_data.mac_salt.as_bytes();
    let pw = password.as_str();
    let ok = match alg.oid {
        SHA1 => pkcs12_hmac::<sha1::Sha1>(pw, salt, iterations, data, expected)?,
        SHA256 => pkcs12_hmac::<Sha256>(pw, salt, iterations, data, expected)?,
        SHA384 => pkcs12_hmac::<Sha384>(pw, salt, iterations, data, expected)?,
        SHA512 => pkcs12_hmac::<Sha512>(pw, salt, iterations, data, expected)?,
        PBMAC1 => pbmac1(alg, pw, data, expected)?,
        other => {
            return Err(P12Error::Unsupported(format!(
                "MAC algorithm {other}; {REEXPORT}"
            )));
        }
    };
    if ok {
        Ok(())
    } else {
        Err(P12Error::WrongPassword)
    }
}

/// The classic PKCS#12 MAC: HMAC keyed with the RFC 7292 appendix B KDF over the BMPString
/// password.
fn pkcs12_hmac<D>(
    password: &str,
    salt: &[u8],
    iterations: i32,
    data: &[u8],
    expected: &[u8],
) -> Result<bool, P12Error>
where
    D: Digest + sha2::digest::FixedOutputReset + sha2::digest::core_api::BlockSizeUser + Clone,
{
    let key = Zeroizing::new(
        derive_key_utf8::<D>(
            password,
            salt,
            Pkcs12KeyType::Mac,
            iterations,
            <D as Digest>::output_size(),
        )
        .map_err(|e| P12Error::Unsupported(format!("password: {e}")))?,
    );
    let mut mac =
        <hmac::SimpleHmac<D> as sha2::digest::KeyInit>::new_from_slice(&key).map_err(malformed)?;
    Mac::update(&mut mac, data);
    Ok(mac.verify_slice(expected).is_ok())
}

/// PBMAC1 (RFC 9579): HMAC keyed with PBKDF2 over the UTF-8 password.
fn pbmac1(
    alg: &AlgorithmIdentifierOwned,
    password: &str,
    data: &[u8],
    expected: &[u8],
) -> Result<bool, P12Error> {
    let params: Pbmac1Params = alg
        .parameters
        .as_ref()
        .ok_or_else(|| malformed("PBMAC1 without parameters"))?
        .decode_as()
        .map_err(malformed)?;
    if params.key_derivation_func.oid != PBKDF2 {
        return Err(P12Error::Unsupported(format!(
            "PBMAC1 key derivation {}",
            params.key_derivation_func.oid
        )));
    }
    let kdf: Pbkdf2Params = params
        .key_derivation_func
        .parameters
        .as_ref()
        .ok_or_else(|| malformed("PBKDF2 without parameters"))?
        .decode_as()
        .map_err(malformed)?;
    let key_len = usize::from(
        kdf.key_length
            .ok_or_else(|| malformed("PBMAC1 requires the PBKDF2 key length"))?,
    );
    if kdf.iteration_count == 0 || kdf.iteration_count > MAX_ITERATIONS || key_len > 64 {
        return Err(malformed("PBKDF2 parameters out of range"));
    }
    let mut key = Zeroizing::new(vec![0u8; key_len]);
    let salt = kdf.salt.as_bytes();
    let pw = password.as_bytes();
    let n = kdf.iteration_count;
    match kdf.prf.oid {
        HMAC_SHA1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pw, salt, n, &mut key),
        HMAC_SHA256 => pbkdf2::pbkdf2_hmac::<Sha256>(pw, salt, n, &mut key),
        HMAC_SHA384 => pbkdf2::pbkdf2_hmac::<Sha384>(pw, salt, n, &mut key),
        HMAC_SHA512 => pbkdf2::pbkdf2_hmac::<Sha512>(pw, salt, n, &mut key),
        other => return Err(P12Error::Unsupported(format!("PBKDF2 function {other}"))),
    }
    fn check<M: Mac + sha2::digest::KeyInit>(
        key: &[u8],
        data: &[u8],
        expected: &[u8],
    ) -> Result<bool, P12Error> {
        let mut mac = <M as sha2::digest::KeyInit>::new_from_slice(key).map_err(malformed)?;
        mac.update(data);
        Ok(mac.verify_slice(expected).is_ok())
    }
    match params.message_auth_scheme.oid {
        HMAC_SHA1 => check::<Hmac<sha1::Sha1>>(&key, data, expected),
        HMAC_SHA256 => check::<Hmac<Sha256>>(&key, data, expected),
        HMAC_SHA384 => check::<Hmac<Sha384>>(&key, data, expected),
        HMAC_SHA512 => check::<Hmac<Sha512>>(&key, data, expected),
        other => Err(P12Error::Unsupported(format!("PBMAC1 MAC {other}"))),
    }
}

/// Decrypts a bag or an EncryptedData content. A padding failure is a wrong password when the
/// file has no MAC to tell; with a verified MAC it is a broken file.
fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    password: &Password,
    has_mac: bool,
) -> Result<Zeroizing<Vec<u8>>, P12Error> {
    let failed = || {
        if has_mac {
            malformed("decryption failed although the MAC matched")
        } else {
            P12Error::WrongPassword
        }
    };
    match alg.oid {
        PBES2 => {
            let der = alg.to_der().map_err(malformed)?;
            let scheme = pkcs8::pkcs5::EncryptionScheme::from_der(&der).map_err(|e| {
                P12Error::Unsupported(format!("PBES2 parameters ({e}); {REEXPORT}"))
            })?;
            match scheme.decrypt(password.as_str().as_bytes(), ciphertext) {
                Ok(plain) => Ok(Zeroizing::new(plain)),
                Err(pkcs8::pkcs5::Error::DecryptFailed) => Err(failed()),
                Err(e) => Err(P12Error::Unsupported(format!("PBES2: {e}; {REEXPORT}"))),
            }
        }
        PBE_SHA1_3DES | PBE_SHA1_RC2_128 | PBE_SHA1_RC2_40 => {
            legacy_decrypt(alg, ciphertext, password).map_err(|e| match e {
                LegacyError::Padding => failed(),
                LegacyError::Other(e) => e,
            })
        }
        other => Err(P12Error::Unsupported(format!(
            "encryption {other}; {REEXPORT}"
        ))),
    }
}

enum LegacyError {
    Padding,
    Other(P12Error),
}

/// pbeWithSHAAnd3-KeyTripleDES-CBC and pbeWithSHAAnd{128,40}BitRC2-CBC (RFC 7292 appendix C):
/// key and IV from the PKCS#12 KDF with SHA-1.
fn legacy_decrypt(
    alg: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    password: &Password,
) -> Result<Zeroizing<Vec<u8>>, LegacyError> {
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockDecryptMut, InnerIvInit, KeyIvInit};

    let other = |e: P12Error| LegacyError::Other(e);
    let params: Pkcs12PbeParams = alg
        .parameters
        .as_ref()
        .ok_or_else(|| other(malformed("PBE without parameters")))?
        .decode_as()
        .map_err(|e| other(malformed(e)))?;
    if params.iterations < 1 || params.iterations as u32 > MAX_ITERATIONS {
        return Err(other(malformed("PBE iteration count out of range")));
    }
    let key_len = match alg.oid {
        PBE_SHA1_3DES => 24,
        PBE_SHA1_RC2_128 => 16,
        _ => 5,
    };
    let derive = |id, len| {
        derive_key_utf8::<sha1::Sha1>(
            password.as_str(),
            params.salt.as_bytes(),
            id,
            params.iterations,
            len,
        )
        .map(Zeroizing::new)
        .map_err(|e| other(P12Error::Unsupported(format!("password: {e}"))))
    };
    let key = derive(Pkcs12KeyType::EncryptionKey, key_len)?;
    let iv = derive(Pkcs12KeyType::Iv, 8)?;
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let len = if alg.oid == PBE_SHA1_3DES {
        cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|e| other(malformed(e)))?
            .decrypt_padded_mut::<Pkcs7>(&mut buf)
            .map_err(|_| LegacyError::Padding)?
            .len()
    } else {
        let cipher = rc2::Rc2::new_with_eff_key_len(&key, key_len * 8);
        cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(cipher, &iv)
            .map_err(|e| other(malformed(e)))?
            .decrypt_padded_mut::<Pkcs7>(&mut buf)
            .map_err(|_| LegacyError::Padding)?
            .len()
    };
    buf.truncate(len);
    Ok(buf)
}

/// A public key in a form two encodings of the same key compare equal in.
#[derive(PartialEq, Eq)]
enum PublicKey {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    P256(Vec<u8>),
    P384(Vec<u8>),
}

fn public_key_of_pkcs8(pkcs8: &[u8]) -> Result<PublicKey, P12Error> {
    use pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;

    let info = pkcs8::PrivateKeyInfo::from_der(pkcs8).map_err(malformed)?;
    let unsupported = |what: String| P12Error::Unsupported(format!("key type {what}"));
    match info.algorithm.oid.to_string().as_str() {
        "1.2.840.113549.1.1.1" => {
            let key = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8).map_err(malformed)?;
            Ok(PublicKey::Rsa {
                n: key.n().to_bytes_be(),
                e: key.e().to_bytes_be(),
            })
        }
        "1.2.840.10045.2.1" => {
            let curve: ObjectIdentifier = info.algorithm.parameters_oid().map_err(malformed)?;
            match curve.to_string().as_str() {
                "1.2.840.10045.3.1.7" => {
                    let key = p256::SecretKey::from_pkcs8_der(pkcs8).map_err(malformed)?;
                    Ok(PublicKey::P256(
                        p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(
                            &key.public_key(),
                            false,
                        )
                        .as_bytes()
                        .to_vec(),
                    ))
                }
                "1.3.132.0.34" => {
                    let key = p384::SecretKey::from_pkcs8_der(pkcs8).map_err(malformed)?;
                    Ok(PublicKey::P384(
                        p384::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(
                            &key.public_key(),
                            false,
                        )
                        .as_bytes()
                        .to_vec(),
                    ))
                }
                other => Err(unsupported(format!("EC curve {other}"))),
            }
        }
        other => Err(unsupported(other.to_owned())),
    }
}

fn public_key_of_certificate(cert: &Certificate) -> Option<PublicKey> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use rsa::traits::PublicKeyParts;
    use spki::DecodePublicKey;

    let spki_der = cert.tbs_certificate.subject_public_key_info.to_der().ok()?;
    if let Ok(key) = rsa::RsaPublicKey::from_public_key_der(&spki_der) {
        return Some(PublicKey::Rsa {
            n: key.n().to_bytes_be(),
            e: key.e().to_bytes_be(),
        });
    }
    if let Ok(key) = p256::PublicKey::from_public_key_der(&spki_der) {
        return Some(PublicKey::P256(
            key.to_encoded_point(false).as_bytes().to_vec(),
        ));
    }
    if let Ok(key) = p384::PublicKey::from_public_key_der(&spki_der) {
        return Some(PublicKey::P384(
            key.to_encoded_point(false).as_bytes().to_vec(),
        ));
    }
    None
}

fn is_self_signed(cert: &Certificate) -> bool {
    cert.tbs_certificate.subject == cert.tbs_certificate.issuer
}

/// The signer's issuer, its issuer and so on first, then any other CA certificate; roots
/// apart.
fn order_chain(
    leaf: &Certificate,
    others: Vec<Certificate>,
) -> (Vec<Certificate>, Vec<Certificate>) {
    let (roots, mut rest): (Vec<_>, Vec<_>) = others.into_iter().partition(is_self_signed);
    let mut chain = Vec::with_capacity(rest.len());
    let mut issuer = leaf.tbs_certificate.issuer.clone();
    while let Some(i) = rest
        .iter()
        .position(|c| c.tbs_certificate.subject == issuer)
    {
        let next = rest.remove(i);
        issuer = next.tbs_certificate.issuer.clone();
        chain.push(next);
    }
    chain.extend(rest);
    (chain, roots)
}

/// Writes a PKCS#12 file: the key (PKCS#8 DER) in a shrouded key bag and the certificate and
/// chain in an encrypted SafeContents, both PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC), with an
/// HMAC-SHA-256 MAC. The key's certificate and key share a localKeyId, as OpenSSL writes it.
pub fn write(
    key_pkcs8: &[u8],
    certificate: &Certificate,
    chain: &[Certificate],
    password: &Password,
) -> Result<Vec<u8>, P12Error> {
    let cert_der = certificate.to_der().map_err(malformed)?;
    let local_key_id = local_key_id_attribute(&sha1::Sha1::digest(&cert_der))?;

    // The key.
    let key_info = pkcs8::PrivateKeyInfo::from_der(key_pkcs8).map_err(malformed)?;
    let (salt, iv) = (random::<16>(), random::<16>());
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(WRITE_ITERATIONS, &salt, &iv)
            .map_err(malformed)?;
    let encrypted_key = key_info
        .encrypt_with_params(params, password.as_str().as_bytes())
        .map_err(malformed)?;
    let key_bag = SafeBag {
        bag_id: SHROUDED_KEY_BAG,
        bag_value: Any::from_der(encrypted_key.as_bytes()).map_err(malformed)?,
        bag_attributes: Some(local_key_id.clone()),
    };
    let key_contents = vec![key_bag].to_der().map_err(malformed)?;

    // The certificates.
    let mut cert_bags = Vec::with_capacity(1 + chain.len());
    for (i, cert) in std::iter::once(certificate).chain(chain).enumerate() {
        let bag = CertBag {
            cert_id: X509_CERTIFICATE,
            cert_value: OctetString::new(cert.to_der().map_err(malformed)?).map_err(malformed)?,
        };
        cert_bags.push(SafeBag {
            bag_id: CERT_BAG,
            bag_value: Any::from_der(&bag.to_der().map_err(malformed)?).map_err(malformed)?,
            bag_attributes: (i == 0).then(|| local_key_id.clone()),
        });
    }
    let cert_contents = cert_bags.to_der().map_err(malformed)?;
    let (salt, iv) = (random::<16>(), random::<16>());
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(WRITE_ITERATIONS, &salt, &iv)
            .map_err(malformed)?;
    let scheme = pkcs8::pkcs5::EncryptionScheme::from(params);
    let encrypted_certs = scheme
        .encrypt(password.as_str().as_bytes(), &cert_contents)
        .map_err(malformed)?;
    let scheme_alg = AlgorithmIdentifierOwned::from_der(&scheme.to_der().map_err(malformed)?)
        .map_err(malformed)?;
    let encrypted_data = cms::encrypted_data::EncryptedData {
        version: cms::content_info::CmsVersion::V0,
        enc_content_info: cms::enveloped_data::EncryptedContentInfo {
            content_type: ID_DATA,
            content_enc_alg: scheme_alg,
            encrypted_content: Some(OctetString::new(encrypted_certs).map_err(malformed)?),
        },
        unprotected_attrs: None,
    };

    let auth_safe = vec![
        cms::content_info::ContentInfo {
            content_type: ID_ENCRYPTED_DATA,
            content: Any::encode_from(&encrypted_data).map_err(malformed)?,
        },
        cms::content_info::ContentInfo {
            content_type: ID_DATA,
            content: Any::encode_from(&OctetString::new(key_contents).map_err(malformed)?)
                .map_err(malformed)?,
        },
    ]
    .to_der()
    .map_err(malformed)?;

    let mac_salt = random::<16>();
    let iterations = WRITE_ITERATIONS as i32;
    let mac_key = Zeroizing::new(
        derive_key_utf8::<Sha256>(
            password.as_str(),
            &mac_salt,
            Pkcs12KeyType::Mac,
            iterations,
            32,
        )
        .map_err(|e| P12Error::Unsupported(format!("password: {e}")))?,
    );
    let mut mac =
        <Hmac<Sha256> as sha2::digest::KeyInit>::new_from_slice(&mac_key).map_err(malformed)?;
    Mac::update(&mut mac, &auth_safe);
    let mac = mac.finalize().into_bytes();

    let pfx = pkcs12::pfx::Pfx {
        version: pkcs12::pfx::Version::V3,
        auth_safe: cms::content_info::ContentInfo {
            content_type: ID_DATA,
            content: Any::encode_from(&OctetString::new(auth_safe).map_err(malformed)?)
                .map_err(malformed)?,
        },
        mac_data: Some(pkcs12::mac_data::MacData {
            mac: pkcs12::digest_info::DigestInfo {
                algorithm: AlgorithmIdentifierOwned {
                    oid: SHA256,
                    parameters: Some(Any::null()),
                },
                digest: OctetString::new(mac.to_vec()).map_err(malformed)?,
            },
            mac_salt: OctetString::new(mac_salt.to_vec()).map_err(malformed)?,
            iterations,
        }),
    };
    pfx.to_der().map_err(malformed)
}

fn local_key_id_attribute(id: &[u8]) -> Result<Attributes, P12Error> {
    let value = Any::encode_from(&OctetString::new(id).map_err(malformed)?).map_err(malformed)?;
    let attribute = Attribute {
        oid: LOCAL_KEY_ID,
        values: SetOfVec::try_from(vec![value]).map_err(malformed)?,
    };
    SetOfVec::try_from(vec![attribute]).map_err(malformed)
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand_core::OsRng.fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_pki::{IssueSpec, KeySpec, TestPki};

    /// Replaces the MAC of a file we wrote by a PBMAC1 one (RFC 9579: PBKDF2-HMAC-SHA-256 key,
    /// HMAC-SHA-256), as OpenSSL 3.4+ writes with `-pbmac1_pbkdf2`.
    fn with_pbmac1(bytes: &[u8], password: &str) -> Vec<u8> {
        let mut pfx = pkcs12::pfx::Pfx::from_der(bytes).unwrap();
        let data = pfx.auth_safe.content.decode_as::<OctetString>().unwrap();
        let salt = [7u8; 16];
        let mut key = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, 4096, &mut key);
        let mut mac = <Hmac<Sha256> as sha2::digest::KeyInit>::new_from_slice(&key).unwrap();
        Mac::update(&mut mac, data.as_bytes());
        let kdf = Pbkdf2Params {
            salt: OctetString::new(salt.to_vec()).unwrap(),
            iteration_count: 4096,
            key_length: Some(32),
            prf: AlgorithmIdentifierOwned {
                oid: HMAC_SHA256,
                parameters: Some(Any::null()),
            },
        };
        let params = Pbmac1Params {
            key_derivation_func: AlgorithmIdentifierOwned {
                oid: PBKDF2,
                parameters: Some(Any::encode_from(&kdf).unwrap()),
            },
            message_auth_scheme: AlgorithmIdentifierOwned {
                oid: HMAC_SHA256,
                parameters: Some(Any::null()),
            },
        };
        pfx.mac_data = Some(pkcs12::mac_data::MacData {
            mac: pkcs12::digest_info::DigestInfo {
                algorithm: AlgorithmIdentifierOwned {
                    oid: PBMAC1,
                    parameters: Some(Any::encode_from(&params).unwrap()),
                },
                digest: OctetString::new(mac.finalize().into_bytes().to_vec()).unwrap(),
            },
            mac_salt: OctetString::new(b"NOT USED".to_vec()).unwrap(),
            iterations: 1,
        });
        pfx.to_der().unwrap()
    }

    #[test]
    fn pbmac1_macs_are_checked() {
        let pki = TestPki::generate().unwrap();
        let id = pki
            .issue(&IssueSpec::enterprise(
                "Công ty D",
                "0101234565",
                KeySpec::P256,
            ))
            .unwrap();
        let password = Password::from("1234");
        let ours = write(&id.key_pkcs8, &id.certificate, &id.chain, &password).unwrap();
        let bytes = with_pbmac1(&ours, "1234");
        assert_eq!(read(&bytes, &password).unwrap().certificate, id.certificate);
        assert!(matches!(
            read(&bytes, &Password::from("4321")),
            Err(P12Error::WrongPassword)
        ));
    }

    #[test]
    fn errors_have_stable_codes_and_become_sign_errors() {
        assert_eq!(P12Error::WrongPassword.code(), "pkcs12.wrong_password");
        let e: SignError = P12Error::Unsupported("x".into()).into();
        assert_eq!(e.code(), "pkcs12.error");
    }
}
