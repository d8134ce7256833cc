//! The one interface between signature formats and key backends.

use x509_cert::Certificate;

/// A signature algorithm, always over a SHA-256 digest.
///
/// SHA-256 everywhere: the formats we write (PAdES, XAdES, CMS login) use it for every
/// reference, and every token of Vietnamese CAs signs a SHA-256 `DigestInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (sha256WithRSAEncryption).
    RsaPkcs1Sha256,
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256, 32-byte salt.
    RsaPssSha256,
    /// ECDSA with SHA-256 on P-256.
    EcdsaP256Sha256,
    /// ECDSA with SHA-256 on P-384.
    EcdsaP384Sha256,
}

impl SignatureAlgorithm {
    pub fn is_ecdsa(self) -> bool {
        matches!(
            self,
            SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::EcdsaP384Sha256
        )
    }
}

/// Why a signature could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// A PKCS#11 call failed: the function and its `CKR_*` code, e.g.
    /// "C_Login: CKR_PIN_INCORRECT".
    #[error("{function}: {code}")]
    Token {
        function: &'static str,
        code: String,
    },
    /// The PIN was wrong; `tries_left` when the token tells (never retried automatically:
    /// Vietnamese CA tokens lock after three wrong PINs).
    #[error("wrong PIN")]
    PinIncorrect {
        final_try_next: bool,
        count_low: bool,
    },
    /// The token is locked after too many wrong PINs.
    #[error("the token's PIN is locked")]
    PinLocked,
    /// The key cannot make the signature asked for.
    #[error("the key cannot sign with {0:?}")]
    Unsupported(SignatureAlgorithm),
    /// A PKCS#12 file that cannot be opened (wrong password, unsupported encryption…).
    #[error("PKCS#12: {0}")]
    Pkcs12(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl SignError {
    pub fn code(&self) -> &'static str {
        match self {
            SignError::Token { .. } => "token.error",
            SignError::PinIncorrect { .. } => "token.pin_incorrect",
            SignError::PinLocked => "token.pin_locked",
            SignError::Unsupported(_) => "sign.unsupported_algorithm",
            SignError::Pkcs12(_) => "pkcs12.error",
            SignError::Other(_) => "sign.error",
        }
    }
}

/// A private key that signs, with its certificate. A logged-in token session and an opened
/// PKCS#12 file are `Signer`s; the formats take `&dyn Signer`.
pub trait Signer {
    /// The signer's certificate.
    fn certificate(&self) -> &Certificate;

    /// Intermediate certificates up to (not including) the root, to embed with signatures.
    fn chain(&self) -> &[Certificate];

    fn algorithm(&self) -> SignatureAlgorithm;

    /// Signs a SHA-256 digest. RSA gives the signature bytes; ECDSA gives the raw `r‖s`
    /// (each half the curve's size), which CMS DER-encodes and XML-DSig keeps as is.
    fn sign_digest(&self, sha256: &[u8; 32]) -> Result<Vec<u8>, SignError>;
}
