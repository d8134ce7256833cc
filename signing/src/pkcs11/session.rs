//! Logging in to a token and signing with it.
//!
//! Mechanisms are the raw ones, over a digest made in software: Vietnamese CA tokens (VNPT,
//! Viettel, BKAV, FPT) reject `CKM_SHA256_RSA_PKCS` on large input, so RSA PKCS#1 v1.5 signs
//! the SHA-256 `DigestInfo` with `CKM_RSA_PKCS`, RSA-PSS uses `CKM_RSA_PKCS_PSS` over the digest
//! and ECDSA `CKM_ECDSA` over the digest.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use x509_cert::Certificate;

use super::registry::Module;
use super::token::{Token, TokenCertificate};
use super::{Pin, token_error};
use crate::certinfo::KeyKind;
use crate::signer::{SignError, SignatureAlgorithm, Signer};

/// `DigestInfo` for SHA-256 without the digest (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// Which key to sign with, and how.
#[derive(Debug, Clone, Default)]
pub struct KeyChoice {
    /// The CKA_ID of the certificate (and of its private key). `None`: the token's only
    /// signing certificate.
    pub certificate_id: Option<Vec<u8>>,
    /// RSA keys sign with PSS instead of PKCS#1 v1.5.
    pub rsa_pss: bool,
}

/// A logged-in session on a token, holding one private key and its certificate. One login
/// signs any number of digests; dropping the session logs out and closes it.
pub struct TokenSession {
    /// Closed when the value is dropped, after `Drop::drop` has logged out.
    session: Session,
    module: Arc<Module>,
    slot: Slot,
    key: ObjectHandle,
    certificate: Certificate,
    chain: Vec<Certificate>,
    algorithm: SignatureAlgorithm,
    /// Kept only for a key with CKA_ALWAYS_AUTHENTICATE, which wants it before every use.
    context_pin: Option<Pin>,
    logins: AtomicU32,
    context_logins: AtomicU32,
    signatures: AtomicU32,
}

impl std::fmt::Debug for TokenSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSession")
            .field("algorithm", &self.algorithm)
            .field("always_authenticate", &self.context_pin.is_some())
            .finish_non_exhaustive()
    }
}

impl Token {
    /// Logs in with the token's only signing certificate and its key (RSA: PKCS#1 v1.5).
    pub fn login(&self, pin: &Pin) -> Result<TokenSession, SignError> {
        self.login_with(pin, &KeyChoice::default())
    }

    /// Logs in and takes the key chosen. Before C_Login: the certificate is chosen (so a wrong
    /// choice costs no PIN try) and a token that says its PIN is locked is refused. C_Login is
    /// called exactly once; a wrong PIN is reported with the token's flags read afterwards,
    /// never retried.
    pub fn login_with(&self, pin: &Pin, choice: &KeyChoice) -> Result<TokenSession, SignError> {
        let pkcs11 = self.module.pkcs11();
        self.pin_flags()?.check_before_login()?;
        let chosen = choose_certificate(self, choice)?;
        let algorithm = algorithm_of(&chosen.info.key, choice.rsa_pss)?;

        let session = pkcs11
            .open_ro_session(self.slot)
            .map_err(|e| token_error("C_OpenSession", e))?;
        self.login_attempts.fetch_add(1, Ordering::SeqCst);
        if let Err(e) = session.login(UserType::User, Some(&pin.auth())) {
            return Err(login_error(&self.module, self.slot, e));
        }
        let (key, always_authenticate) = match find_private_key(&session, &chosen.id) {
            Ok(found) => found,
            Err(e) => {
                if let Err(logout) = session.logout() {
                    tracing::debug!("C_Logout after a failed key search: {logout}");
                }
                return Err(e);
            }
        };
        Ok(TokenSession {
            session,
            module: self.module.clone(),
            slot: self.slot,
            key,
            certificate: chosen.certificate.clone(),
            chain: chain_from_token(&chosen.certificate, self),
            algorithm,
            context_pin: always_authenticate.then(|| pin.duplicate()),
            logins: AtomicU32::new(1),
            context_logins: AtomicU32::new(0),
            signatures: AtomicU32::new(0),
        })
    }
}

/// A failed C_Login: a wrong PIN with the flags the token reports after the failure (a token
/// that locked itself on this try says PinLocked), a locked PIN, or the token's error.
fn login_error(module: &Module, slot: Slot, e: CkError) -> SignError {
    match e {
        CkError::Pkcs11(RvError::PinIncorrect, _) => match module.pkcs11().get_token_info(slot) {
            Ok(info) if info.user_pin_locked() => SignError::PinLocked,
            Ok(info) => SignError::PinIncorrect {
                final_try_next: info.user_pin_final_try(),
                count_low: info.user_pin_count_low(),
            },
            Err(_) => SignError::PinIncorrect {
                final_try_next: false,
                count_low: false,
            },
        },
        CkError::Pkcs11(RvError::PinLocked, _) => SignError::PinLocked,
        other => token_error("C_Login", other),
    }
}

fn choose_certificate<'t>(
    token: &'t Token,
    choice: &KeyChoice,
) -> Result<&'t TokenCertificate, SignError> {
    let label = &token.info().label;
    match &choice.certificate_id {
        Some(id) => token
            .info()
            .certificates
            .iter()
            .find(|c| &c.id == id)
            .ok_or_else(|| {
                SignError::Other(format!(
                    "no certificate with CKA_ID {} on token «{label}»",
                    hex::encode(id)
                ))
            }),
        None => {
            let mut signing = token.signing_certificates();
            match (signing.next(), signing.next()) {
                (Some(only), None) => Ok(only),
                (None, _) => Err(SignError::Other(format!(
                    "no certificate on token «{label}»"
                ))),
                (Some(_), Some(_)) => Err(SignError::Other(format!(
                    "token «{label}» holds several certificates: choose one by its CKA_ID"
                ))),
            }
        }
    }
}

fn algorithm_of(key: &KeyKind, rsa_pss: bool) -> Result<SignatureAlgorithm, SignError> {
    match key {
        KeyKind::Rsa { .. } if rsa_pss => Ok(SignatureAlgorithm::RsaPssSha256),
        KeyKind::Rsa { .. } => Ok(SignatureAlgorithm::RsaPkcs1Sha256),
        KeyKind::P256 => Ok(SignatureAlgorithm::EcdsaP256Sha256),
        KeyKind::P384 => Ok(SignatureAlgorithm::EcdsaP384Sha256),
        other => Err(SignError::Other(format!("unsupported key: {other}"))),
    }
}

/// The private key with the certificate's CKA_ID, and whether it wants a context-specific
/// login before each use.
fn find_private_key(session: &Session, id: &[u8]) -> Result<(ObjectHandle, bool), SignError> {
    let handles = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Id(id.to_vec()),
        ])
        .map_err(|e| token_error("C_FindObjects", e))?;
    let key = match handles.as_slice() {
        [only] => *only,
        [] => {
            return Err(SignError::Other(format!(
                "no private key with CKA_ID {} next to the certificate",
                hex::encode(id)
            )));
        }
        _ => {
            return Err(SignError::Other(format!(
                "several private keys share CKA_ID {}",
                hex::encode(id)
            )));
        }
    };
    let attrs = session
        .get_attributes(
            key,
            &[AttributeType::KeyType, AttributeType::AlwaysAuthenticate],
        )
        .map_err(|e| token_error("C_GetAttributeValue", e))?;
    let mut always = false;
    for attr in attrs {
        match attr {
            Attribute::AlwaysAuthenticate(a) => always = a,
            Attribute::KeyType(t) if t != KeyType::RSA && t != KeyType::EC => {
                return Err(SignError::Other(format!("unsupported key type {t}")));
            }
            _ => {}
        }
    }
    Ok((key, always))
}

/// The CA certificates on the token above the signer's, issuer first (Vietnamese tokens often
/// carry their CA's certificate); the root is left out.
fn chain_from_token(leaf: &Certificate, token: &Token) -> Vec<Certificate> {
    let mut chain = Vec::new();
    let mut issuer = &leaf.tbs_certificate.issuer;
    while chain.len() < 8 {
        let next = token
            .info()
            .certificates
            .iter()
            .map(|c| &c.certificate)
            .find(|c| {
                &c.tbs_certificate.subject == issuer
                    && c.tbs_certificate.subject != c.tbs_certificate.issuer
                    && !chain.contains(*c)
            });
        match next {
            Some(cert) => {
                chain.push(cert.clone());
                issuer = &cert.tbs_certificate.issuer;
            }
            None => break,
        }
    }
    chain
}

impl TokenSession {
    /// C_Login calls for this session (one, unless the key is always-authenticate, which
    /// counts in [`context_logins`](Self::context_logins)).
    pub fn logins(&self) -> u32 {
        self.logins.load(Ordering::SeqCst)
    }

    /// Context-specific logins made before signatures (CKA_ALWAYS_AUTHENTICATE keys only).
    pub fn context_logins(&self) -> u32 {
        self.context_logins.load(Ordering::SeqCst)
    }

    /// Signatures made.
    pub fn signatures(&self) -> u32 {
        self.signatures.load(Ordering::SeqCst)
    }

    /// Whether the key wants the PIN again before every signature.
    pub fn always_authenticate(&self) -> bool {
        self.context_pin.is_some()
    }

    fn mechanism_and_input(&self, sha256: &[u8; 32]) -> (Mechanism<'static>, Vec<u8>) {
        match self.algorithm {
            SignatureAlgorithm::RsaPkcs1Sha256 => {
                let mut input = SHA256_DIGEST_INFO_PREFIX.to_vec();
                input.extend_from_slice(sha256);
                (Mechanism::RsaPkcs, input)
            }
            SignatureAlgorithm::RsaPssSha256 => (
                Mechanism::RsaPkcsPss(PkcsPssParams {
                    hash_alg: MechanismType::SHA256,
                    mgf: PkcsMgfType::MGF1_SHA256,
                    s_len: 32.into(),
                }),
                sha256.to_vec(),
            ),
            SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::EcdsaP384Sha256 => {
                (Mechanism::Ecdsa, sha256.to_vec())
            }
        }
    }

    /// Signs with a key that wants a context-specific login: C_SignInit, C_Login
    /// (CKU_CONTEXT_SPECIFIC), then the data. cryptoki's safe API has no bare C_Sign after
    /// C_SignInit, so the data goes through C_SignUpdate/C_SignFinal.
    fn sign_reauthenticated(
        &self,
        mechanism: &Mechanism<'_>,
        input: &[u8],
        pin: &Pin,
    ) -> Result<Vec<u8>, SignError> {
        self.session
            .sign_init(mechanism, self.key)
            .map_err(|e| token_error("C_SignInit", e))?;
        self.context_logins.fetch_add(1, Ordering::SeqCst);
        self.session
            .login(UserType::ContextSpecific, Some(&pin.auth()))
            .map_err(|e| login_error(&self.module, self.slot, e))?;
        self.session
            .sign_update(input)
            .map_err(|e| token_error("C_SignUpdate", e))?;
        self.session
            .sign_final()
            .map_err(|e| token_error("C_SignFinal", e))
    }
}

impl Signer for TokenSession {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn sign_digest(&self, sha256: &[u8; 32]) -> Result<Vec<u8>, SignError> {
        let (mechanism, input) = self.mechanism_and_input(sha256);
        let signature = match &self.context_pin {
            Some(pin) => self.sign_reauthenticated(&mechanism, &input, pin)?,
            None => self
                .session
                .sign(&mechanism, self.key, &input)
                .map_err(|e| token_error("C_Sign", e))?,
        };
        self.signatures.fetch_add(1, Ordering::SeqCst);
        match self.algorithm {
            SignatureAlgorithm::EcdsaP256Sha256 => raw_ecdsa::<32>(signature),
            SignatureAlgorithm::EcdsaP384Sha256 => raw_ecdsa::<48>(signature),
            _ => Ok(signature),
        }
    }
}

/// `CKM_ECDSA` returns `r‖s`; a few modules return DER instead, which is turned into `r‖s`.
fn raw_ecdsa<const N: usize>(signature: Vec<u8>) -> Result<Vec<u8>, SignError> {
    if signature.len() == 2 * N {
        return Ok(signature);
    }
    let parsed = match N {
        32 => p256::ecdsa::Signature::from_der(&signature).map(|s| s.to_bytes().to_vec()),
        _ => p384::ecdsa::Signature::from_der(&signature).map(|s| s.to_bytes().to_vec()),
    };
    parsed.map_err(|_| {
        SignError::Other(format!(
            "the token returned an ECDSA signature of {} bytes",
            signature.len()
        ))
    })
}

impl Drop for TokenSession {
    fn drop(&mut self) {
        if let Err(e) = self.session.logout() {
            tracing::debug!("C_Logout on session end: {e}");
        }
    }
}
