//! `hoso verify FILE.asice|FILE.pdf`: every signature, digest and certificate; exit 0 only
//! if all hold, else 1 with each problem naming its file.

use std::path::PathBuf;
use std::process::ExitCode;

use hoso_core::verify::{self, VerifyReport};

use super::Ctx;
use super::keys::TrustArgs;
use crate::output::{CmdResult, EXIT_INVALID, Failure};
use crate::say;

#[derive(clap::Args)]
pub struct Args {
    /// A sealed dossier (.asice) or a signed form (.pdf).
    file: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let out = ctx.out;
    let anchors = args.trust.anchors()?;
    let is_pdf = args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    let result = if is_pdf {
        verify::verify_pdf(&args.file, &anchors, args.trust.revocation())
    } else {
        verify::verify_container(&args.file, &anchors, args.trust.revocation())
    };
    let report = result.map_err(|e| Failure {
        code: e.code().to_owned(),
        message: e.text(),
        exit: EXIT_INVALID,
        report: None,
    })?;
    if out.json {
        out.print_json(&serde_json::json!({ "valid": report.is_valid(), "report": report }));
    } else {
        print(ctx, &report);
    }
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    })
}

fn print(ctx: &Ctx, report: &VerifyReport) {
    let out = ctx.out;
    for s in &report.signatures {
        say!(
            "{} {}  {}  {}",
            if s.valid { "✓" } else { "✗" },
            s.file,
            s.signer.as_deref().unwrap_or("?"),
            s.tax_code
                .as_deref()
                .map(|t| format!("MST {t}"))
                .unwrap_or_default()
        );
    }
    for p in &report.problems {
        say!("  ✗ {}  [{}] {}", p.file, p.code, p.message.get(out.lang));
    }
    for w in &report.warnings {
        say!("  ! {}  [{}] {}", w.file, w.code, w.message.get(out.lang));
    }
    say!(
        "{}",
        if report.is_valid() {
            out.t(
                "Hồ sơ hợp lệ: mọi chữ ký và tệp đều đúng.",
                "Valid: every signature and file holds.",
            )
        } else {
            out.t("Hồ sơ KHÔNG hợp lệ.", "NOT valid.")
        }
    );
}
