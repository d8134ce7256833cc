//! The signer options shared by `seal` (and later `login` and `batch`): a token or a PKCS#12
//! file, the PIN or password from an environment variable or a hidden prompt (never an
//! argument), trust anchors and the revocation mode.

use std::path::PathBuf;

use hoso_core::keys::{self, AnySigner, KeyError};
use hoso_signing::checks::RevocationMode;
use hoso_signing::p12::Password;
use hoso_signing::pkcs11::Pin;
use hoso_signing::trust::TrustAnchors;

use crate::output::{EXIT_ENVIRONMENT, EXIT_INVALID, Failure, Out};

#[derive(clap::Args, Debug)]
pub struct SignerArgs {
    /// The token's PKCS#11 library (default: HOSO_PKCS11_MODULE, else the known ones found).
    #[arg(long)]
    pub pkcs11_module: Option<PathBuf>,
    /// The slot id `hoso tokens` prints; may be left out when one token is plugged in.
    #[arg(long)]
    pub slot: Option<u64>,
    /// Sign with a PKCS#12 file instead of a token.
    #[arg(long, conflicts_with_all = ["pkcs11_module", "slot"])]
    pub p12: Option<PathBuf>,
    /// Read the token PIN from this environment variable (else a hidden prompt).
    #[arg(long)]
    pub pin_env: Option<String>,
    /// Read the PKCS#12 password from this environment variable (else a hidden prompt).
    #[arg(long)]
    pub pass_env: Option<String>,
    #[command(flatten)]
    pub trust: TrustArgs,
}

#[derive(clap::Args, Debug)]
pub struct TrustArgs {
    /// A CA certificate (PEM or DER) to trust besides the bundled ones; repeatable.
    /// HOSO_TRUST_ANCHORS adds a path list.
    #[arg(long = "trust-anchor")]
    pub trust_anchors: Vec<PathBuf>,
    /// Do not check revocation online (reported as "revocation not checked: offline").
    #[arg(long)]
    pub offline: bool,
}

impl TrustArgs {
    pub fn anchors(&self) -> Result<TrustAnchors, Failure> {
        TrustAnchors::load(&self.trust_anchors).map_err(|e| Failure {
            code: e.code().to_owned(),
            message: hoso_core::Text::new(e.message().vi, e.message().en),
            exit: EXIT_INVALID,
            report: None,
        })
    }

    pub fn revocation(&self) -> RevocationMode {
        if self.offline {
            RevocationMode::Offline
        } else {
            RevocationMode::online()
        }
    }
}

pub fn key_failure(e: KeyError) -> Failure {
    Failure {
        code: e.code().to_owned(),
        message: e.text(),
        exit: if e.is_environment() {
            EXIT_ENVIRONMENT
        } else {
            EXIT_INVALID
        },
        report: None,
    }
}

/// A secret from the named environment variable, else typed at a hidden prompt.
fn secret(env: Option<&str>, prompt: &str) -> Result<String, Failure> {
    if let Some(var) = env {
        return std::env::var(var).map_err(|_| {
            Failure::invalid(
                "input.secret_env",
                format!("Biến môi trường {var} chưa được đặt."),
                format!("The environment variable {var} is not set."),
            )
        });
    }
    rpassword::prompt_password(prompt).map_err(|e| Failure {
        code: "input.no_terminal".to_owned(),
        message: hoso_core::Text::new(
            format!("Không hỏi được mã PIN/mật khẩu ({e}); dùng --pin-env hoặc --pass-env."),
            format!("Cannot ask for the PIN or password ({e}); use --pin-env or --pass-env."),
        ),
        exit: 2,
        report: None,
    })
}

/// Opens the signer the arguments name: one PKCS#12 file, or one token with one login.
pub fn open(args: &SignerArgs, out: Out) -> Result<AnySigner, Failure> {
    if let Some(file) = &args.p12 {
        let password = Password::new(secret(
            args.pass_env.as_deref(),
            out.t("Mật khẩu tệp PKCS#12: ", "PKCS#12 password: "),
        )?);
        let signer = keys::open_p12(file, &password).map_err(key_failure)?;
        return Ok(AnySigner::File(Box::new(signer)));
    }
    let token = keys::find_token(args.pkcs11_module.as_deref(), args.slot).map_err(key_failure)?;
    let flags = token.pin_flags().map_err(|e| key_failure(e.into()))?;
    for w in keys::pin_warnings(&flags) {
        eprintln!("{}", w.get(out.lang));
    }
    let pin = Pin::new(secret(
        args.pin_env.as_deref(),
        &format!(
            "{} «{}»: ",
            out.t("Mã PIN của token", "PIN of token"),
            token.info().label
        ),
    )?);
    let session = keys::login(&token, &pin).map_err(key_failure)?;
    Ok(AnySigner::Token(Box::new(session)))
}
