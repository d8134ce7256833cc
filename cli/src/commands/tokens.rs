//! `hoso tokens [--pkcs11-module PATH]… [--no-discovery]`: every PKCS#11 module found, every
//! slot with a token, every certificate on it, with the PIN warnings a user needs before typing
//! a PIN. A module that cannot be loaded is reported and makes the exit code 3; the others are
//! still listed.

use std::path::PathBuf;
use std::process::ExitCode;

use hoso_core::Text;
use hoso_core::keys::{self, ModuleListing};
use hoso_signing::certinfo::{CertificateInfo, IdKind};
use hoso_signing::pkcs11::{ModuleCandidate, ModuleOrigin, PinFlags, TokenInfo, discover_with};

use super::Ctx;
use crate::output::{CmdResult, EXIT_ENVIRONMENT, Failure, Out};
use crate::say;

#[derive(clap::Args)]
pub struct Args {
    /// A PKCS#11 module (the token software's library) to list besides those found; repeat
    /// for several. HOSO_PKCS11_MODULE adds more.
    #[arg(long = "pkcs11-module", value_name = "PATH")]
    modules: Vec<PathBuf>,
    /// Only the modules given (--pkcs11-module, HOSO_PKCS11_MODULE): no search for the known
    /// token software.
    #[arg(long)]
    no_discovery: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let out = ctx.out;
    let candidates: Vec<ModuleCandidate> = discover_with(&args.modules)
        .into_iter()
        .filter(|c| !args.no_discovery || c.origin != ModuleOrigin::Known)
        .collect();
    if candidates.is_empty() {
        return Err(Failure {
            code: "pkcs11.no_module".into(),
            message: Text::new(
                "Không tìm thấy phần mềm token (module PKCS#11) nào. Hãy cài phần mềm của nhà \
                 cung cấp chứng thư số, hoặc chỉ đường dẫn bằng --pkcs11-module.",
                "No token software (PKCS#11 module) found. Install your CA's token software, \
                 or give its path with --pkcs11-module.",
            ),
            exit: EXIT_ENVIRONMENT,
            report: None,
        });
    }

    let reports = keys::list_modules(candidates);
    let failed = reports.iter().any(|r| r.error.is_some());

    if out.json {
        out.print_json(&reports);
    } else {
        for (i, report) in reports.iter().enumerate() {
            if i > 0 {
                say!("");
            }
            print_module(&out, report);
        }
    }
    Ok(if failed {
        ExitCode::from(EXIT_ENVIRONMENT)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_module(out: &Out, report: &ModuleListing) {
    let mut head = format!(
        "{} {}",
        out.t("Module PKCS#11", "PKCS#11 module"),
        report.module.display()
    );
    if let Some(vendor) = &report.vendor {
        head.push_str(&format!("  [{vendor}]"));
    }
    say!("{head}");
    if let Some(lib) = &report.library {
        say!(
            "  {}: {}, {} {}",
            out.t("Thư viện", "Library"),
            lib.manufacturer,
            lib.description,
            lib.library_version
        );
    }
    if let Some(error) = &report.error {
        say!("  ✗ {}", error.message.get(out.lang));
        return;
    }
    if report.tokens.is_empty() {
        say!(
            "  {}",
            out.t("Không có token nào được cắm.", "No token plugged in.")
        );
    }
    for token in &report.tokens {
        print_token(out, token);
    }
}

fn print_token(out: &Out, token: &TokenInfo) {
    if !token.initialized {
        say!(
            "  {} ({} {})",
            out.t("Token chưa khởi tạo", "Uninitialised token"),
            out.t("khe", "slot"),
            token.slot_id
        );
        return;
    }
    say!(
        "  Token «{}» — {} {}, {} {}, {} {}",
        token.label,
        out.t("khe", "slot"),
        token.slot_id,
        token.manufacturer,
        token.model,
        out.t("số sê-ri", "serial"),
        token.serial
    );
    for warning in pin_warnings(out, &token.pin) {
        say!("    ! {warning}");
    }
    if let Some(error) = &token.certificates_error {
        say!(
            "    ✗ {}: {error}",
            out.t(
                "Không đọc được chứng thư số",
                "Cannot read the certificates"
            )
        );
    } else if token.certificates.is_empty() {
        say!(
            "    {}",
            out.t("Không có chứng thư số nào.", "No certificate.")
        );
    }
    for cert in &token.certificates {
        let kind = if cert.is_ca {
            out.t("Chứng thư của CA", "CA certificate")
        } else {
            out.t("Chứng thư số", "Certificate")
        };
        say!("    {kind} «{}» (CKA_ID {})", cert.label, hex_id(&cert.id));
        print_certificate(out, &cert.info);
    }
}

/// The PIN flags as warnings, worst first.
fn pin_warnings<'a>(out: &Out, pin: &PinFlags) -> Vec<&'a str> {
    let mut w = Vec::new();
    let t = |vi: &'static str, en: &'static str| -> &'a str { out.t(vi, en) };
    if pin.user_pin_locked {
        w.push(t(
            "Mã PIN đã bị khóa: token không ký được cho đến khi nhà cung cấp chứng thư số mở khóa.",
            "The PIN is locked: the token cannot sign until your CA unlocks it.",
        ));
    } else if pin.user_pin_final_try {
        w.push(t(
            "Chỉ còn một lần nhập PIN: nhập sai lần nữa, token sẽ bị khóa.",
            "Final PIN try: one more wrong PIN locks the token.",
        ));
    } else if pin.user_pin_count_low {
        w.push(t(
            "Đã có lần nhập sai mã PIN: số lần thử còn lại ít, hãy nhập thật cẩn thận.",
            "A wrong PIN was entered before: few tries are left, type it carefully.",
        ));
    }
    if pin.user_pin_to_be_changed {
        w.push(t(
            "Cần đổi mã PIN trước khi ký (bằng phần mềm của nhà cung cấp).",
            "The PIN must be changed before signing (with your CA's software).",
        ));
    }
    w
}

fn print_certificate(out: &Out, info: &CertificateInfo) {
    let now = jiff::Timestamp::now();
    let date = |ts: jiff::Timestamp| {
        let zoned = ts.to_zoned(jiff::tz::TimeZone::system());
        match out.lang {
            hoso_core::Lang::Vi => zoned.strftime("%d/%m/%Y").to_string(),
            hoso_core::Lang::En => zoned.strftime("%Y-%m-%d").to_string(),
        }
    };
    let state = if now < info.not_before {
        out.t(" (chưa có hiệu lực)", " (not yet valid)")
    } else if now > info.not_after {
        out.t(" (đã hết hạn)", " (expired)")
    } else {
        ""
    };
    say!("      {}: {}", out.t("Chủ thể", "Subject"), info.subject);
    say!("      {}: {}", out.t("Bên cấp", "Issuer"), info.issuer);
    say!("      {}: {}", out.t("Số sê-ri", "Serial"), info.serial);
    say!(
        "      {}: {} – {}{state}",
        out.t("Hiệu lực", "Valid"),
        date(info.not_before),
        date(info.not_after)
    );
    say!("      {}: {}", out.t("Khóa", "Key"), info.key);
    for id in &info.identifiers {
        let name = match id.kind {
            IdKind::TaxCode => out.t("MST (mã số thuế)", "Tax code (MST)"),
            IdKind::CitizenId => out.t("CCCD (căn cước)", "Citizen ID (CCCD)"),
            IdKind::OldIdCard => out.t("CMND", "Old ID card (CMND)"),
            IdKind::BudgetUnit => out.t("Mã ngân sách (MNS)", "Budget-unit code (MNS)"),
            IdKind::Other => {
                say!("      UID: {id}");
                continue;
            }
        };
        say!("      {name}: {}", id.value);
    }
}

fn hex_id(id: &[u8]) -> String {
    if id.is_empty() {
        "—".into()
    } else {
        id.iter().map(|b| format!("{b:02x}")).collect()
    }
}
