//! Where a signature comes from: a token through its PKCS#11 module, or a PKCS#12 file. The
//! desktop app and the CLI both open signers here; only asking for the PIN is theirs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hoso_signing::SignError;
use hoso_signing::p12::{self, P12Error, Password};
use hoso_signing::pkcs11::modules::Confidence;
use hoso_signing::pkcs11::{
    KeyChoice, Module, ModuleCandidate, ModuleInfo, ModuleOrigin, Pin, PinFlags, Token, TokenInfo,
    TokenSession, list_tokens,
};
use serde::Serialize;

use hoso_signing::{Signer, SoftwareSigner};

use crate::text::Text;

/// The environment variable naming a PKCS#11 module to use before the known ones.
pub const PKCS11_MODULE_ENV: &str = "HOSO_PKCS11_MODULE";

/// Why no signer could be opened.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error(transparent)]
    P12(#[from] P12Error),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no token with a signing certificate was found")]
    NoToken,
    #[error("{0} tokens are plugged in: choose one with --slot")]
    SeveralTokens(usize),
    #[error("no PKCS#11 module was found: give one with --pkcs11-module or HOSO_PKCS11_MODULE")]
    NoModule,
}

impl KeyError {
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::Sign(e) => e.code(),
            KeyError::P12(e) => e.code(),
            KeyError::Read { .. } => "input.unreadable",
            KeyError::NoToken => "token.none",
            KeyError::SeveralTokens(_) => "token.several",
            KeyError::NoModule => "token.no_module",
        }
    }

    /// Whether the environment is at fault (no token, a module that fails), rather than input.
    pub fn is_environment(&self) -> bool {
        !matches!(
            self,
            KeyError::P12(_)
                | KeyError::Read { .. }
                | KeyError::Sign(SignError::PinIncorrect { .. } | SignError::PinLocked)
        )
    }

    pub fn text(&self) -> Text {
        let vi = match self {
            KeyError::Sign(SignError::PinIncorrect {
                final_try_next,
                count_low,
            }) => {
                let mut s = "Mã PIN không đúng. Không thử lại tự động để tránh khóa token.".to_owned();
                if *final_try_next {
                    s.push_str(" Lần nhập sai tiếp theo sẽ KHÓA token.");
                } else if *count_low {
                    s.push_str(" Token còn ít lần thử.");
                }
                s
            }
            KeyError::Sign(SignError::PinLocked) => {
                "Token đã bị khóa do nhập sai PIN quá số lần cho phép; liên hệ nhà cung cấp chứng thư số để mở khóa.".to_owned()
            }
            KeyError::Sign(SignError::Token { function, code }) => {
                format!("Lỗi token: {function}: {code}.")
            }
            KeyError::Sign(e) => format!("Không ký được: {e}."),
            KeyError::P12(e) => format!("Không mở được tệp PKCS#12: {e}."),
            KeyError::Read { path, source } => format!("Không đọc được {}: {source}.", path.display()),
            KeyError::NoToken => "Không tìm thấy token nào có chứng thư số để ký.".to_owned(),
            KeyError::SeveralTokens(n) => {
                format!("Đang cắm {n} token: chọn một bằng --slot (xem `hoso tokens`).")
            }
            KeyError::NoModule => {
                "Không tìm thấy thư viện PKCS#11 của token: chỉ định bằng --pkcs11-module hoặc HOSO_PKCS11_MODULE.".to_owned()
            }
        };
        let en = match self {
            KeyError::Sign(SignError::PinIncorrect {
                final_try_next,
                count_low,
            }) => {
                let mut s = "Wrong PIN. It is not retried, so the token is not locked.".to_owned();
                if *final_try_next {
                    s.push_str(" One more wrong PIN LOCKS the token.");
                } else if *count_low {
                    s.push_str(" The token has few tries left.");
                }
                s
            }
            other => other.to_string(),
        };
        Text::new(vi, en)
    }
}

/// Warnings to show before asking for a PIN, from the token's flags.
pub fn pin_warnings(flags: &PinFlags) -> Vec<Text> {
    let mut out = Vec::new();
    if flags.user_pin_locked {
        out.push(Text::new(
            "Token đã bị khóa PIN.",
            "The token's PIN is locked.",
        ));
    } else if flags.user_pin_final_try {
        out.push(Text::new(
            "Cảnh báo: chỉ còn MỘT lần thử; nhập sai lần nữa token sẽ bị khóa.",
            "Warning: ONE try left; another wrong PIN locks the token.",
        ));
    } else if flags.user_pin_count_low {
        out.push(Text::new(
            "Cảnh báo: đã có lần nhập sai PIN; token còn ít lần thử.",
            "Warning: a wrong PIN was entered before; the token has few tries left.",
        ));
    }
    if flags.user_pin_to_be_changed {
        out.push(Text::new(
            "Cần đổi mã PIN trước khi ký (bằng phần mềm của nhà cung cấp chứng thư số).",
            "The PIN must be changed before signing (with your CA's software).",
        ));
    }
    out
}

/// One PKCS#11 module as listed: the library, its tokens with their certificates, or why it
/// could not be used. `hoso tokens --json` prints these.
#[derive(Debug, Serialize)]
pub struct ModuleListing {
    pub module: PathBuf,
    pub origin: ModuleOrigin,
    pub vendor: Option<String>,
    pub confidence: Option<Confidence>,
    pub library: Option<ModuleInfo>,
    pub tokens: Vec<TokenInfo>,
    pub error: Option<ListingError>,
}

/// Why a module or its token list could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct ListingError {
    pub code: String,
    pub message: Text,
}

/// Loads each candidate module and lists its tokens; a module that cannot be loaded is listed
/// with its error and does not hide the others.
pub fn list_modules(candidates: Vec<ModuleCandidate>) -> Vec<ModuleListing> {
    candidates
        .into_iter()
        .map(|c| {
            let mut listing = ModuleListing {
                module: c.path.clone(),
                origin: c.origin,
                vendor: c.vendor.clone(),
                confidence: c.confidence,
                library: None,
                tokens: Vec::new(),
                error: None,
            };
            match Module::load(&c.path) {
                Err(e) => {
                    let path = c.path.display();
                    listing.error = Some(ListingError {
                        code: "pkcs11.module_unusable".into(),
                        message: Text::new(
                            format!("Không dùng được module PKCS#11 {path}: {e}"),
                            format!("Cannot use the PKCS#11 module {path}: {e}"),
                        ),
                    });
                }
                Ok(module) => {
                    listing.library = Some(module.info().clone());
                    match list_tokens(&module) {
                        Ok(tokens) => listing.tokens = tokens,
                        Err(e) => {
                            listing.error = Some(ListingError {
                                code: e.code().into(),
                                message: Text::new(
                                    format!("Không đọc được danh sách token: {e}"),
                                    format!("Cannot list the tokens: {e}"),
                                ),
                            })
                        }
                    }
                }
            }
            listing
        })
        .collect()
}

/// Opens the token in `slot` of `module` and logs in once with the key whose CKA_ID is
/// `key_id` (the token's only signing key when `None`). A wrong PIN is never retried.
pub fn open_token(
    module: &Path,
    slot: u64,
    key_id: Option<Vec<u8>>,
    pin: &Pin,
) -> Result<TokenSession, KeyError> {
    let token = Module::load(module)?.token_in_slot(slot)?;
    let choice = KeyChoice {
        certificate_id: key_id,
        ..KeyChoice::default()
    };
    Ok(token.login_with(pin, &choice)?)
}

/// The token to sign with: in `slot` if given, else the only initialised token with a
/// signing certificate. `module`: the given path, else `HOSO_PKCS11_MODULE`, else the first
/// known module found on this machine.
pub fn find_token(module: Option<&Path>, slot: Option<u64>) -> Result<Token, KeyError> {
    let path = match module {
        Some(p) => p.to_owned(),
        None => match std::env::var_os(PKCS11_MODULE_ENV) {
            Some(p) => PathBuf::from(p),
            None => hoso_signing::pkcs11::modules::discover()
                .into_iter()
                .map(|c| c.path)
                .next()
                .ok_or(KeyError::NoModule)?,
        },
    };
    let module: Arc<Module> = Module::load(&path)?;
    if let Some(slot) = slot {
        return Ok(module.token_in_slot(slot)?);
    }
    let mut tokens: Vec<Token> = module
        .tokens()?
        .into_iter()
        .filter(|t| t.info().initialized && t.signing_certificates().next().is_some())
        .collect();
    match tokens.len() {
        0 => Err(KeyError::NoToken),
        1 => Ok(tokens.remove(0)),
        n => Err(KeyError::SeveralTokens(n)),
    }
}

/// Logs in once; the session signs everything until dropped. A wrong PIN is never retried.
pub fn login(token: &Token, pin: &Pin) -> Result<TokenSession, KeyError> {
    token.pin_flags()?.check_before_login()?;
    Ok(token.login(pin)?)
}

/// Opens a PKCS#12 file.
pub fn open_p12(path: &Path, password: &Password) -> Result<SoftwareSigner, KeyError> {
    let bytes = std::fs::read(path).map_err(|source| KeyError::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(p12::open(&bytes, password)?)
}

/// A signer of either kind, for callers that hold one or the other.
pub enum AnySigner {
    Token(Box<TokenSession>),
    File(Box<SoftwareSigner>),
}

impl AnySigner {
    pub fn as_signer(&self) -> &dyn Signer {
        match self {
            AnySigner::Token(s) => s.as_ref(),
            AnySigner::File(s) => s.as_ref(),
        }
    }
}
