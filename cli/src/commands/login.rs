//! `hoso login [--portal URL] (--pkcs11-module PATH [--slot ID] | --p12 FILE) [--pin-env VAR |
//! --pass-env VAR]`: signs the portal's challenge and keeps the session in the OS keyring.
//! Also what `submit`, `outbox run` and `status` share: the portal options, the credentials
//! that log in again when a PIN source is at hand, and the mapping of filing errors.

use std::process::ExitCode;
use std::time::Duration;

use hoso_core::filing::{
    self, Credentials, CredentialsError, FilingError, Link, LinkOptions, OpenSigner, session,
};
use hoso_core::keys::AnySigner;
use hoso_signing::Signer;

use super::Ctx;
use super::keys::{self, SignerArgs, TrustArgs};
use crate::output::{CmdResult, EXIT_ENVIRONMENT, EXIT_INVALID, Failure, Out};
use crate::say;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    portal: PortalArgs,
    #[command(flatten)]
    signer: TokenArgs,
    /// Forget the session kept for this portal instead of logging in.
    #[arg(long)]
    forget: bool,
}

/// The token or PKCS#12 file to log in with: `seal`'s signer options without its certificate
/// checks (the portal checks the certificate).
#[derive(clap::Args, Debug)]
pub struct TokenArgs {
    /// The token's PKCS#11 library (default: HOSO_PKCS11_MODULE, else the known ones found).
    #[arg(long)]
    pub pkcs11_module: Option<std::path::PathBuf>,
    /// The slot id `hoso tokens` prints; may be left out when one token is plugged in.
    #[arg(long)]
    pub slot: Option<u64>,
    /// Log in with a PKCS#12 file instead of a token.
    #[arg(long, conflicts_with_all = ["pkcs11_module", "slot"])]
    pub p12: Option<std::path::PathBuf>,
    /// Read the token PIN from this environment variable (else a hidden prompt for `login`;
    /// for the other commands, given it lets them log in again by themselves).
    #[arg(long)]
    pub pin_env: Option<String>,
    /// Read the PKCS#12 password from this environment variable (as --pin-env).
    #[arg(long)]
    pub pass_env: Option<String>,
}

impl TokenArgs {
    fn signer_args(&self) -> SignerArgs {
        SignerArgs {
            pkcs11_module: self.pkcs11_module.clone(),
            slot: self.slot,
            p12: self.p12.clone(),
            pin_env: self.pin_env.clone(),
            pass_env: self.pass_env.clone(),
            trust: TrustArgs {
                trust_anchors: Vec::new(),
                offline: true,
            },
        }
    }
}

/// Which portal, and how patiently to talk to it.
#[derive(clap::Args, Debug)]
pub struct PortalArgs {
    /// The portal's base URL (else HOSO_PORTAL_URL, else the one of the last `hoso login
    /// --portal`).
    #[arg(long)]
    pub portal: Option<String>,
    /// Give up on a portal that does not answer after this many seconds (the item stays
    /// queued).
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub give_up_after: u64,
}

impl PortalArgs {
    pub fn link_options(&self, chunk_size: Option<u64>) -> LinkOptions {
        LinkOptions {
            chunk_size,
            give_up_after: Some(Duration::from_secs(self.give_up_after)),
            extra_roots: Vec::new(),
            keyring: true,
        }
    }
}

/// A filing error at the edge: its code, its message, and exit 3 when the environment (the
/// network, the portal, the keyring) is at fault, else 1.
pub fn filing_failure(e: FilingError) -> Failure {
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

/// The runtime of one command's portal calls.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure {
            code: "runtime".to_owned(),
            message: hoso_core::Text::new(e.to_string(), e.to_string()),
            exit: EXIT_ENVIRONMENT,
            report: None,
        })
}

/// The token or file of the arguments, opened only when a login is needed.
pub struct CliCredentials {
    args: SignerArgs,
    out: Out,
    open: Option<AnySigner>,
}

impl Credentials for CliCredentials {
    fn signer(&mut self) -> Result<&dyn Signer, CredentialsError> {
        let signer = match self.open.take() {
            Some(s) => s,
            None => keys::open(&self.args, self.out).map_err(|f| CredentialsError {
                code: f.code,
                message: f.message,
                environment: f.exit == EXIT_ENVIRONMENT,
            })?,
        };
        Ok(self.open.insert(signer).as_signer())
    }
}

/// Credentials for logging in again, only when a PIN or password source is at hand: a run
/// never stops at a prompt.
pub fn credentials(args: &TokenArgs, out: Out) -> Option<CliCredentials> {
    (args.pin_env.is_some() || args.pass_env.is_some()).then(|| CliCredentials {
        args: args.signer_args(),
        out,
        open: None,
    })
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let out = ctx.out;
    let mut store = ctx.store()?;
    let portal =
        filing::portal_url(&store, args.portal.portal.as_deref()).map_err(filing_failure)?;
    if args.forget {
        let had = session::forget(&portal).map_err(filing_failure)?;
        if out.json {
            out.print_json(&serde_json::json!({ "portal": portal, "forgotten": had }));
        } else if had {
            say!(
                "{} {portal}",
                out.t("Đã xóa phiên đăng nhập cổng", "Forgot the session with")
            );
        } else {
            say!(
                "{} {portal}",
                out.t(
                    "Không có phiên đăng nhập nào với",
                    "There was no session with"
                )
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let keyring = session::pick_store().map_err(filing_failure)?;
    let signer = keys::open(&args.signer.signer_args(), out)?;
    let mut credentials = OpenSigner(signer.as_signer());
    let mut link = Link::new(
        &portal,
        &args.portal.link_options(None),
        Some(&mut credentials),
    )
    .map_err(filing_failure)?;
    let session = runtime()?
        .block_on(link.log_in(false))
        .map_err(filing_failure)?
        .clone();
    if args.portal.portal.is_some() {
        store.set_setting(filing::PORTAL_URL_SETTING, &portal)?;
    }
    if out.json {
        out.print_json(&serde_json::json!({
            "portal": session.portal,
            "subject": session.subject,
            "tax_code": session.tax_code,
            "expires_at": session.expires_at,
            "keyring": keyring,
        }));
    } else {
        say!(
            "{} {}: {}{}",
            out.t("Đã đăng nhập cổng", "Logged in to"),
            session.portal,
            session.subject,
            session
                .tax_code
                .as_deref()
                .map(|t| format!(" (MST {t})"))
                .unwrap_or_default()
        );
        say!(
            "{} {} ({keyring}{})",
            out.t(
                "Phiên được lưu trong kho khóa của hệ điều hành, hết hạn lúc",
                "The session is kept in the OS keyring and expires at"
            ),
            session.expires_at,
            if cfg!(target_os = "linux") {
                out.t(
                    "; mất khi khởi động lại máy",
                    "; lost when the machine restarts",
                )
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
