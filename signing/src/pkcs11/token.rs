//! The tokens a module sees, with their PIN flags and certificates.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass};
use cryptoki::session::Session;
use cryptoki::slot::Slot;
use der::Decode;
use serde::Serialize;
use x509_cert::Certificate;

use super::registry::Module;
use super::token_error;
use crate::certinfo::CertificateInfo;
use crate::signer::SignError;

/// The user-PIN flags of `C_GetTokenInfo`, shown before the PIN is asked for so that nobody
/// locks a token by accident (Vietnamese CA tokens lock after a few wrong PINs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PinFlags {
    /// A wrong PIN was entered since the last good one.
    pub user_pin_count_low: bool,
    /// One more wrong PIN locks the token.
    pub user_pin_final_try: bool,
    pub user_pin_locked: bool,
    pub user_pin_to_be_changed: bool,
}

impl PinFlags {
    pub(crate) fn of(info: &cryptoki::slot::TokenInfo) -> PinFlags {
        PinFlags {
            user_pin_count_low: info.user_pin_count_low(),
            user_pin_final_try: info.user_pin_final_try(),
            user_pin_locked: info.user_pin_locked(),
            user_pin_to_be_changed: info.user_pin_to_be_changed(),
        }
    }

    /// `Err(PinLocked)` when the token already says it is locked: a login would only be
    /// refused (or, on some tokens, count against the unblocking code).
    pub fn check_before_login(&self) -> Result<(), SignError> {
        if self.user_pin_locked {
            Err(SignError::PinLocked)
        } else {
            Ok(())
        }
    }
}

/// A certificate object on a token.
#[derive(Debug, Clone, Serialize)]
pub struct TokenCertificate {
    /// CKA_ID, which the certificate shares with its private key.
    #[serde(serialize_with = "hex_bytes")]
    pub id: Vec<u8>,
    /// CKA_LABEL.
    pub label: String,
    /// A CA certificate (basicConstraints cA) stored next to the signer's: never signs.
    pub is_ca: bool,
    #[serde(flatten)]
    pub info: CertificateInfo,
    #[serde(skip)]
    pub certificate: Certificate,
}

fn hex_bytes<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

/// A slot with a token, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub module: PathBuf,
    pub slot_id: u64,
    pub slot_description: String,
    /// The token's label, trailing blanks trimmed.
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    /// Uninitialised tokens (a blank token, SoftHSM's free slot) hold nothing to sign with.
    pub initialized: bool,
    pub login_required: bool,
    /// The PIN is typed on the device (a PIN pad), not given to C_Login.
    pub protected_authentication_path: bool,
    #[serde(flatten)]
    pub pin: PinFlags,
    pub certificates: Vec<TokenCertificate>,
    /// Why the certificates could not be read, if they could not (the token is listed
    /// anyway: one unreadable token must not hide the others).
    pub certificates_error: Option<String>,
}

/// A token in a slot of a loaded module: what it holds, and the door to signing with it.
pub struct Token {
    pub(crate) module: Arc<Module>,
    pub(crate) slot: Slot,
    info: TokenInfo,
    /// C_Login calls made through this value (a wrong PIN counts; nothing is ever retried).
    pub(crate) login_attempts: AtomicU32,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("slot_id", &self.info.slot_id)
            .field("label", &self.info.label)
            .finish_non_exhaustive()
    }
}

impl Token {
    pub fn info(&self) -> &TokenInfo {
        &self.info
    }

    pub fn module(&self) -> &Arc<Module> {
        &self.module
    }

    /// How many times C_Login was called through this token (tests: a wrong PIN is tried
    /// once, never again behind the user's back).
    pub fn login_attempts(&self) -> u32 {
        self.login_attempts.load(Ordering::SeqCst)
    }

    /// The PIN flags as the token reports them now.
    pub fn pin_flags(&self) -> Result<PinFlags, SignError> {
        let info = self
            .module
            .pkcs11()
            .get_token_info(self.slot)
            .map_err(|e| token_error("C_GetTokenInfo", e))?;
        Ok(PinFlags::of(&info))
    }

    /// The certificates a signature can be made with: not CA certificates.
    pub fn signing_certificates(&self) -> impl Iterator<Item = &TokenCertificate> {
        self.info.certificates.iter().filter(|c| !c.is_ca)
    }

    pub(crate) fn read(module: &Arc<Module>, slot: Slot) -> Result<Token, SignError> {
        let pkcs11 = module.pkcs11();
        let slot_info = pkcs11
            .get_slot_info(slot)
            .map_err(|e| token_error("C_GetSlotInfo", e))?;
        let info = pkcs11
            .get_token_info(slot)
            .map_err(|e| token_error("C_GetTokenInfo", e))?;
        let (certificates, certificates_error) = if info.token_initialized() {
            let read = pkcs11
                .open_ro_session(slot)
                .map_err(|e| token_error("C_OpenSession", e))
                .and_then(|session| read_certificates(&session));
            match read {
                Ok(certificates) => (certificates, None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            }
        } else {
            (Vec::new(), None)
        };
        Ok(Token {
            module: module.clone(),
            slot,
            info: TokenInfo {
                module: module.path().to_path_buf(),
                slot_id: slot.id(),
                slot_description: slot_info.slot_description().trim().to_owned(),
                label: info.label().trim().to_owned(),
                manufacturer: info.manufacturer_id().trim().to_owned(),
                model: info.model().trim().to_owned(),
                serial: info.serial_number().trim().to_owned(),
                initialized: info.token_initialized(),
                login_required: info.login_required(),
                protected_authentication_path: info.protected_authentication_path(),
                pin: PinFlags::of(&info),
                certificates,
                certificates_error,
            },
            login_attempts: AtomicU32::new(0),
        })
    }
}

/// Every X.509 certificate object the session can see. A certificate that does not parse is
/// skipped with a warning: one broken object must not hide the others.
pub(crate) fn read_certificates(session: &Session) -> Result<Vec<TokenCertificate>, SignError> {
    let handles = session
        .find_objects(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
        ])
        .map_err(|e| token_error("C_FindObjects", e))?;
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        let attrs = session
            .get_attributes(
                handle,
                &[
                    AttributeType::Value,
                    AttributeType::Id,
                    AttributeType::Label,
                ],
            )
            .map_err(|e| token_error("C_GetAttributeValue", e))?;
        let (mut value, mut id, mut label) = (None, Vec::new(), String::new());
        for attr in attrs {
            match attr {
                Attribute::Value(v) => value = Some(v),
                Attribute::Id(v) => id = v,
                Attribute::Label(v) => label = String::from_utf8_lossy(&v).trim().to_owned(),
                _ => {}
            }
        }
        let Some(der) = value else { continue };
        match Certificate::from_der(&der) {
            Ok(certificate) => out.push(TokenCertificate {
                id,
                label,
                is_ca: is_ca(&certificate),
                info: CertificateInfo::from_certificate(&certificate),
                certificate,
            }),
            Err(e) => tracing::warn!(label, "certificate object that does not parse: {e}"),
        }
    }
    Ok(out)
}

fn is_ca(cert: &Certificate) -> bool {
    use der::asn1::ObjectIdentifier;
    use x509_cert::ext::pkix::BasicConstraints;
    const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == BASIC_CONSTRAINTS)
        .any(|e| {
            BasicConstraints::from_der(e.extn_value.as_bytes())
                .map(|bc| bc.ca)
                .unwrap_or(false)
        })
}

impl Module {
    /// Every slot with a token, with what it holds.
    pub fn tokens(self: &Arc<Self>) -> Result<Vec<Token>, SignError> {
        let slots = self
            .pkcs11()
            .get_slots_with_token()
            .map_err(|e| token_error("C_GetSlotList", e))?;
        slots
            .into_iter()
            .map(|slot| Token::read(self, slot))
            .collect()
    }

    /// The initialised token labelled `label` (trailing blanks ignored). Select tokens by
    /// label, never by slot number: slot ids change (SoftHSM moves a token to a new slot when
    /// it is initialised, USB tokens get a new slot when plugged into another port).
    pub fn token_by_label(self: &Arc<Self>, label: &str) -> Result<Token, SignError> {
        let label = label.trim();
        let mut found: Vec<Token> = self
            .tokens()?
            .into_iter()
            .filter(|t| t.info.initialized && t.info.label == label)
            .collect();
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(SignError::Other(format!("no token labelled «{label}»"))),
            n => Err(SignError::Other(format!(
                "{n} tokens are labelled «{label}»; unplug the others"
            ))),
        }
    }

    /// The token in the slot with this id.
    pub fn token_in_slot(self: &Arc<Self>, slot_id: u64) -> Result<Token, SignError> {
        let slot = Slot::try_from(slot_id).map_err(|e| token_error("C_GetSlotInfo", e))?;
        Token::read(self, slot)
    }
}

/// What each slot with a token holds.
pub fn list_tokens(module: &Arc<Module>) -> Result<Vec<TokenInfo>, SignError> {
    Ok(module.tokens()?.into_iter().map(|t| t.info).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_that_says_locked_is_refused_before_login() {
        let locked = PinFlags {
            user_pin_locked: true,
            ..PinFlags::default()
        };
        assert!(matches!(
            locked.check_before_login(),
            Err(SignError::PinLocked)
        ));
        let low = PinFlags {
            user_pin_count_low: true,
            user_pin_final_try: true,
            ..PinFlags::default()
        };
        assert!(low.check_before_login().is_ok());
    }
}
