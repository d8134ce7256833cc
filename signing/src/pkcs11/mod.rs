//! PKCS#11 tokens: the USB tokens of Vietnamese CAs (rebranded Feitian and WatchData chips
//! behind each CA's own module), and SoftHSM2 in tests and the demo.
//!
//! - [`modules`]: where the vendor modules are (versioned data) and [`discover`] over them.
//! - [`Module`]: a loaded module, one per canonical path per process
//!   (`C_Initialize` may be called once per process).
//! - [`list_tokens`] / [`Module::tokens`]: every slot with a token, its PIN flags and its
//!   certificates with their [`CertificateInfo`](crate::certinfo::CertificateInfo).
//! - [`Token::login`] → [`TokenSession`], a [`Signer`](crate::Signer): one login signs any number
//!   of digests; dropping the session logs out. A wrong PIN is never retried.
//! - [`TokenWatcher`]: notices tokens plugged in and pulled out.
//! - [`provision`]: puts a test identity on a SoftHSM token (tests, `hoso demo`).
//!
//! Every call blocks; async callers use `spawn_blocking`.

pub mod modules;
pub mod provision;
mod registry;
mod session;
mod token;
mod watcher;

pub use modules::{ModuleCandidate, ModuleOrigin, discover, discover_with};
pub use registry::{Module, ModuleInfo};
pub use session::{KeyChoice, TokenSession};
pub use token::{PinFlags, Token, TokenCertificate, TokenInfo, list_tokens};
pub use watcher::{TokenEvent, TokenSummary, TokenWatcher, WatchHandle};

use cryptoki::context::Function;
use cryptoki::error::{Error as CkError, RvError};
use zeroize::Zeroizing;

use crate::signer::SignError;

/// A token's user PIN: asked for at the moment of signing, wiped from memory on drop, never
/// printed (its `Debug` shows nothing of it, and it has no `Display`).
pub struct Pin(Zeroizing<String>);

impl Pin {
    pub fn new(pin: impl Into<String>) -> Pin {
        Pin(Zeroizing::new(pin.into()))
    }

    /// The PIN as cryptoki takes it (a `SecretString`, itself wiped on drop).
    fn auth(&self) -> cryptoki::types::AuthPin {
        cryptoki::types::AuthPin::new(self.0.as_str().into())
    }

    /// A second copy, for a key that wants the PIN again before every signature.
    fn duplicate(&self) -> Pin {
        Pin::new(self.0.as_str())
    }
}

impl From<&str> for Pin {
    fn from(s: &str) -> Pin {
        Pin::new(s)
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(…)")
    }
}

/// `CKR_PIN_INCORRECT` from cryptoki's `RvError::PinIncorrect`: the name as in the PKCS#11
/// headers, so that a user's report reads "C_Login: CKR_PIN_INCORRECT".
pub(crate) fn ckr_name(rv: RvError) -> String {
    match rv {
        RvError::VendorDefined(code) => format!("CKR_VENDOR_DEFINED+{code:#x}"),
        RvError::UnknownErrorCode(code) => format!("CKR_{code:#x}"),
        other => {
            let camel = format!("{other:?}");
            let mut name = String::from("CKR");
            for c in camel.chars() {
                if c.is_ascii_uppercase() {
                    name.push('_');
                }
                name.push(c.to_ascii_uppercase());
            }
            name
        }
    }
}

/// The C name of a cryptoki function.
fn function_name(f: Function) -> &'static str {
    match f {
        Function::Initialize => "C_Initialize",
        Function::GetInfo => "C_GetInfo",
        Function::GetSlotList => "C_GetSlotList",
        Function::GetSlotInfo => "C_GetSlotInfo",
        Function::GetTokenInfo => "C_GetTokenInfo",
        Function::GetMechanismList => "C_GetMechanismList",
        Function::InitToken => "C_InitToken",
        Function::InitPIN => "C_InitPIN",
        Function::OpenSession => "C_OpenSession",
        Function::CloseSession => "C_CloseSession",
        Function::Login => "C_Login",
        Function::Logout => "C_Logout",
        Function::CreateObject => "C_CreateObject",
        Function::GetAttributeValue => "C_GetAttributeValue",
        Function::FindObjectsInit => "C_FindObjectsInit",
        Function::FindObjects => "C_FindObjects",
        Function::FindObjectsFinal => "C_FindObjectsFinal",
        Function::SignInit => "C_SignInit",
        Function::Sign => "C_Sign",
        Function::SignUpdate => "C_SignUpdate",
        Function::SignFinal => "C_SignFinal",
        _ => "C_?",
    }
}

/// A cryptoki error as a [`SignError`]: `Token { function, code }` for a `CKR_*` return,
/// `Other` for the wrapper's own errors (`call` names what was being done).
pub(crate) fn token_error(call: &'static str, e: CkError) -> SignError {
    match e {
        CkError::Pkcs11(rv, function) => {
            let name = function_name(function);
            SignError::Token {
                function: if name == "C_?" { call } else { name },
                code: ckr_name(rv),
            }
        }
        other => SignError::Other(format!("{call}: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_values_are_named_as_in_the_pkcs11_headers() {
        assert_eq!(ckr_name(RvError::PinIncorrect), "CKR_PIN_INCORRECT");
        assert_eq!(ckr_name(RvError::PinLocked), "CKR_PIN_LOCKED");
        assert_eq!(
            ckr_name(RvError::CryptokiAlreadyInitialized),
            "CKR_CRYPTOKI_ALREADY_INITIALIZED"
        );
        assert_eq!(
            ckr_name(RvError::SessionReadWriteSoExists),
            "CKR_SESSION_READ_WRITE_SO_EXISTS"
        );
        assert_eq!(
            ckr_name(RvError::VendorDefined(0x8000_0001)),
            "CKR_VENDOR_DEFINED+0x80000001"
        );
    }

    #[test]
    fn token_errors_carry_function_and_code() {
        let e = token_error(
            "login",
            CkError::Pkcs11(RvError::DeviceRemoved, Function::Login),
        );
        assert_eq!(e.to_string(), "C_Login: CKR_DEVICE_REMOVED");
    }

    #[test]
    fn a_pin_never_shows_in_debug() {
        let pin = Pin::new("123456");
        assert_eq!(format!("{pin:?}"), "Pin(…)");
        assert!(!format!("{:?}", Some(&pin)).contains("123456"));
    }
}
