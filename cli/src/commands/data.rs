//! `hoso data`: how the data folder is protected (encrypted or not, a passphrase copy of its
//! key or not); `hoso data passphrase [--pass-env VAR]` adds or replaces that passphrase, so
//! that the folder opens where the OS keyring does not have its key.

use std::process::ExitCode;

use hoso_core::store::{PASSPHRASE_ENV, StoreError};
use serde_json::json;
use zeroize::Zeroizing;

use super::Ctx;
use crate::output::{CmdResult, Failure};
use crate::say;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// Add or replace the passphrase that opens the folder without the OS keyring.
    Passphrase {
        /// Read the new passphrase from this environment variable (else asked twice).
        #[arg(long)]
        pass_env: Option<String>,
    },
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let store = ctx.store()?;
    let out = ctx.out;
    if let Some(Cmd::Passphrase { pass_env }) = args.cmd {
        if !store.is_encrypted() {
            return Err(Failure::invalid(
                "store.not_encrypted",
                "Thư mục dữ liệu này không được mã hóa nên không có khóa để bảo vệ bằng cụm mật khẩu.",
                "This data folder is not encrypted: it has no key for a passphrase to protect.",
            ));
        }
        let passphrase = new_passphrase(pass_env.as_deref())?;
        store.set_passphrase(&passphrase)?;
    }
    let protection = store.protection()?;
    let keyring = hoso_core::keyring::pick_store().ok();
    if out.json {
        out.print_json(&json!({
            "data_dir": store.data_dir(),
            "encrypted": protection.encrypted,
            "passphrase_copy": protection.passphrase_copy,
            "keyring": keyring,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "{} {}",
        out.t("Thư mục dữ liệu:", "Data folder:"),
        store.data_dir().display()
    );
    say!(
        "{}",
        match (protection.encrypted, protection.passphrase_copy) {
            (true, true) => out.t(
                "Đã mã hóa; khóa ở trong kho khóa của hệ điều hành và có bản sao mở bằng cụm mật khẩu.",
                "Encrypted; its key is in the OS keyring, with a copy the passphrase opens.",
            ),
            (true, false) => out.t(
                "Đã mã hóa; khóa chỉ ở trong kho khóa của hệ điều hành (`hoso data passphrase` thêm bản sao mở bằng cụm mật khẩu).",
                "Encrypted; its key is only in the OS keyring (`hoso data passphrase` adds a copy a passphrase opens).",
            ),
            _ => out.t(
                "Chưa mã hóa: khi tạo thư mục không có kho khóa bền và chưa đặt HOSO_DATA_PASSPHRASE.",
                "Not encrypted: when it was created there was no durable keyring and HOSO_DATA_PASSPHRASE was not set.",
            ),
        }
    );
    say!(
        "{} {}",
        out.t("Kho khóa:", "Keyring:"),
        keyring.unwrap_or_else(|| out.t("không có", "none"))
    );
    Ok(ExitCode::SUCCESS)
}

/// The new passphrase: from `env`, else typed twice at a hidden prompt.
fn new_passphrase(env: Option<&str>) -> Result<Zeroizing<String>, Failure> {
    if let Some(var) = env {
        return std::env::var(var).map(Zeroizing::new).map_err(|_| {
            Failure::invalid(
                "input.secret_env",
                format!("Biến môi trường {var} chưa được đặt."),
                format!("The environment variable {var} is not set."),
            )
        });
    }
    let first = ask("Cụm mật khẩu mới / new passphrase: ")?;
    let again = ask("Nhập lại / again: ")?;
    if *first != *again {
        return Err(Failure::invalid(
            "input.passphrase_mismatch",
            "Hai lần nhập cụm mật khẩu không khớp nhau.",
            "The two passphrases typed differ.",
        ));
    }
    Ok(first)
}

/// Asks for a passphrase at a hidden prompt.
pub fn ask(prompt: &str) -> Result<Zeroizing<String>, Failure> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| Failure {
            code: "input.no_terminal".to_owned(),
            message: hoso_core::Text::new(
                format!(
                    "Không hỏi được cụm mật khẩu ({e}); dùng --pass-env hoặc {PASSPHRASE_ENV}."
                ),
                format!("Cannot ask for the passphrase ({e}); use --pass-env or {PASSPHRASE_ENV}."),
            ),
            exit: 2,
            report: None,
        })
}

/// Whether opening failed only for want of the passphrase, which a person at a terminal can
/// type.
pub fn wants_passphrase(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Locked {
            has_passphrase_copy: true
        }
    )
}
