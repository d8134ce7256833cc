//! `hoso demo`: the main job on sample data, in a temporary data folder unless one is given:
//! profiles, one dossier of each kind, sealed with a test token, filed with the reference portal
//! started on loopback, moved along by its officer, and the statuses synced.

use crate::say;
use std::path::PathBuf;
use std::process::ExitCode;

use hoso_core::demo::{self, DemoError, DemoRun, DemoToken, SoftHsmDir};
use hoso_core::fees::format_amount;
use hoso_core::filing::status::status_text;
use hoso_portal::api::StatusName;

use super::{Ctx, today};
use crate::output::{CmdResult, EXIT_ENVIRONMENT, EXIT_INVALID, Failure};

#[derive(clap::Args)]
pub struct Args {
    /// A folder of example dossiers to use instead of the built-in ones.
    #[arg(long)]
    examples: Option<PathBuf>,
    /// Keep the demo's data folder (printed) instead of a temporary one removed at exit.
    #[arg(long)]
    keep: bool,
    /// Sign with generated PKCS#12 files even when SoftHSM2 is installed.
    #[arg(long)]
    pkcs12: bool,
}

/// The demo's test token: SoftHSM2 with a token folder of the demo's own when the module is
/// installed, else PKCS#12 files.
///
/// SoftHSM2 reads `SOFTHSM2_CONF` when the module is initialised, from the process
/// environment, so it is set here, first thing in the command, before any thread exists.
#[allow(unsafe_code)]
fn test_token(pkcs12: bool) -> Result<(DemoToken, Option<SoftHsmDir>), Failure> {
    let module = if pkcs12 { None } else { demo::softhsm_module() };
    let Some(module) = module else {
        return Ok((DemoToken::Pkcs12, None));
    };
    let dir = demo::softhsm_dir().map_err(|e| Failure {
        code: "demo.softhsm".to_owned(),
        message: hoso_core::Text::new(e.to_string(), e.to_string()),
        exit: EXIT_ENVIRONMENT,
        report: None,
    })?;
    // SAFETY: `hoso demo` calls this before it starts any thread (its portal's runtime, the
    // PKCS#11 module's) and nothing else in the process reads or writes the environment
    // concurrently: `main` has only parsed the arguments.
    unsafe { std::env::set_var("SOFTHSM2_CONF", &dir.conf) };
    Ok((DemoToken::SoftHsm { module }, Some(dir)))
}

fn demo_failure(e: DemoError) -> Failure {
    let exit = match &e {
        DemoError::Draft(_) | DemoError::Seal(_) => EXIT_INVALID,
        _ => EXIT_ENVIRONMENT,
    };
    Failure {
        code: e.code(),
        message: e.text(),
        exit,
        report: None,
    }
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let (token, _softhsm_dir) = test_token(args.pkcs12)?;
    let out = ctx.out;
    let run = demo::run(
        args.examples.as_deref(),
        ctx.data_dir.as_deref(),
        args.keep,
        today(),
        &token,
    )
    .map_err(demo_failure)?;
    if out.json {
        out.print_json(&run.dossiers);
    } else {
        print(ctx, &run);
    }
    let all_filed = run
        .dossiers
        .iter()
        .all(|d| d.valid && d.dossier_number.is_some());
    Ok(if all_filed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    })
}

fn print(ctx: &Ctx, run: &DemoRun) {
    let out = ctx.out;
    say!(
        "{} {} ({})",
        out.t("Thư mục dữ liệu:", "Data folder:"),
        run.data_dir.display(),
        if run.encrypted {
            out.t("đã mã hóa", "encrypted")
        } else {
            out.t(
                "chưa mã hóa: không có kho khóa bền và chưa đặt HOSO_DATA_PASSPHRASE",
                "not encrypted: no durable keyring and HOSO_DATA_PASSPHRASE not set",
            )
        }
    );
    if let (Some(portal), Some(signed_with)) = (&run.portal, run.signed_with) {
        say!(
            "{} {portal} ({}); {} {signed_with}",
            out.t("Cổng tham chiếu:", "Reference portal:"),
            out.t("đã dừng khi kết thúc", "stopped at the end"),
            out.t("ký bằng", "signed with"),
        );
    }
    for d in &run.dossiers {
        let filed = match (&d.dossier_number, &d.status) {
            (Some(n), Some(s)) => format!(
                "{n:<16} {}",
                StatusName::parse(s)
                    .map(|s| status_text(s).get(out.lang).to_owned())
                    .unwrap_or_else(|| s.clone())
            ),
            _ => String::new(),
        };
        say!(
            "{:<18} {} {:>3}  {:<14} {filed}",
            d.kind.slug(),
            out.t("bản nháp", "draft"),
            d.draft_id,
            if d.valid {
                out.t("hợp lệ", "valid")
            } else {
                out.t("KHÔNG hợp lệ", "INVALID")
            },
        );
    }
    for v in &run.statuses {
        let number = &v.status.dossier_number;
        if let Some(open) = v.open_supplement() {
            say!(
                "{number}: {} {}: {}{}",
                out.t("yêu cầu bổ sung, hạn", "supplement requested, due"),
                open.deadline,
                open.message,
                open.draft_id
                    .map(|d| format!(" → {} {d}", out.t("bản nháp bổ sung", "supplement draft")))
                    .unwrap_or_default()
            );
        }
        if let Some((amount, reference)) = v.fee_due() {
            say!(
                "{number}: {} {} {}, {} {reference}",
                out.t("phí phải nộp", "fee due"),
                format_amount(amount, out.lang),
                out.t("đồng", "VND"),
                out.t("mã thanh toán", "payment reference"),
            );
        }
    }
    for d in &run.dossiers {
        if let (Some(n), Some(at)) = (&d.dossier_number, d.received_at) {
            say!(
                "{} {n}: {} {at}",
                out.t("Biên nhận", "Receipt"),
                out.t("tiếp nhận lúc", "received at"),
            );
        }
    }
}
