//! `hoso catalog`: the procedures this installation files, with the data set in use.

use std::process::ExitCode;

use hoso_core::catalog::Library;

use super::Ctx;
use crate::output::CmdResult;
use crate::say;

#[derive(clap::Args)]
pub struct Args {
    /// Ask the portal whether it offers a newer data set (catalog, forms, fees).
    #[arg(long)]
    check: bool,
    /// The portal (default: HOSO_PORTAL_URL, else the one `hoso login` used).
    #[arg(long)]
    portal: Option<String>,
    /// Adopt a data pack signed by the portal: its signature, data and version are checked
    /// first; older data sets are kept for the drafts started under them.
    #[arg(long, value_name = "PACK")]
    import: Option<std::path::PathBuf>,
    /// SHA-256 fingerprint of the portal's signing certificate; only it may sign packs.
    #[arg(long)]
    pin_signer: Vec<String>,
    #[command(flatten)]
    trust: super::keys::TrustArgs,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let out = ctx.out;
    let mut store = ctx.store()?;
    if let Some(file) = &args.import {
        let bytes = std::fs::read(file).map_err(|e| {
            crate::output::Failure::invalid(
                "input.unreadable",
                format!("Không đọc được {}: {e}.", file.display()),
                format!("Cannot read {}: {e}.", file.display()),
            )
        })?;
        let anchors = args.trust.anchors()?;
        let verifier = hoso_core::catalog::pack::CmsPackVerifier {
            anchors: &anchors,
            pinned: args.pin_signer.clone(),
        };
        let adopted = hoso_core::catalog::pack::adopt(&mut store, &bytes, &verifier)
            .map_err(|e| crate::output::Failure::invalid(e.code(), e.text().vi, e.text().en))?;
        if out.json {
            out.print_json(
                &serde_json::json!({ "adopted": adopted.set.version(), "signer": adopted.signer }),
            );
        } else {
            say!(
                "{} {} ({})",
                out.t("Đã dùng bộ dữ liệu", "Adopted data set"),
                adopted.set.version(),
                adopted.signer
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let library = Library::load(&store)?;
    if args.check {
        let url = hoso_core::filing::portal_url(&store, args.portal.as_deref())
            .map_err(super::login::filing_failure)?;
        let config = hoso_portal::client::ClientConfig::parse(&url)
            .map_err(|e| super::login::filing_failure(hoso_core::filing::FilingError::from(e)))?;
        let client = hoso_portal::client::PortalClient::new(config)
            .map_err(|e| super::login::filing_failure(hoso_core::filing::FilingError::from(e)))?;
        let offered = super::login::runtime()?
            .block_on(client.catalog())
            .map_err(|e| super::login::filing_failure(hoso_core::filing::FilingError::from(e)))?;
        let have = library.newest().version().to_owned();
        let newer = library.is_newer(&offered.version);
        if out.json {
            out.print_json(&serde_json::json!({
                "have": have, "offered": offered.version, "date": offered.date,
                "newer": newer, "pack_url": offered.pack_url,
            }));
        } else if newer {
            say!(
                "{} {} ({}); {} {}",
                out.t(
                    "Cổng dịch vụ công có bộ dữ liệu mới hơn:",
                    "The portal offers a newer data set:"
                ),
                offered.version,
                offered.date,
                out.t("đang dùng", "in use:"),
                have
            );
        } else {
            say!(
                "{} {have}",
                out.t(
                    "Bộ dữ liệu đang dùng là mới nhất:",
                    "The data set in use is the newest:"
                )
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let set = library.newest();
    if out.json {
        out.print_json(&serde_json::json!({
            "version": set.catalog.version,
            "date": set.catalog.date,
            "known_versions": library.versions(),
            "procedures": set.catalog.procedures,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "{} {} ({})",
        out.t("Danh mục thủ tục, phiên bản", "Procedure catalog, version"),
        set.catalog.version,
        set.catalog.date
    );
    for p in &set.catalog.procedures {
        say!("");
        say!("{}  [{}]", p.name().get(out.lang), p.kind.slug());
        say!(
            "  {}: {}",
            out.t("Cơ quan", "Authority"),
            p.authority().get(out.lang)
        );
        let code = if p.national_code.is_empty() {
            out.t("chưa xác định", "not known")
        } else {
            &p.national_code
        };
        say!("  {}: {code}", out.t("Mã thủ tục", "Procedure code"));
        let processing = match out.lang {
            hoso_core::Lang::Vi => &p.processing_vi,
            hoso_core::Lang::En => &p.processing_en,
        };
        say!(
            "  {}: {processing}",
            out.t("Thời hạn giải quyết", "Processing time")
        );
        if let Some(form) = set.forms.in_force(p.kind, super::today()) {
            let title = match out.lang {
                hoso_core::Lang::Vi => &form.title_vi,
                hoso_core::Lang::En => &form.title_en,
            };
            say!(
                "  {}: {} — {} ({})",
                out.t("Mẫu tờ khai", "Form"),
                form.number,
                title,
                form.confidence.label().get(out.lang)
            );
            for slot in &form.slots {
                let need = match slot.required {
                    hoso_core::legal::Requirement::Always => out.t("bắt buộc", "required"),
                    hoso_core::legal::Requirement::Never => out.t("không bắt buộc", "optional"),
                    _ => out.t("bắt buộc khi áp dụng", "required when it applies"),
                };
                say!(
                    "    - {} ({need}; {}; ≤ {} MiB)",
                    slot.label().get(out.lang),
                    slot.accept.join(", "),
                    slot.max_mib
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
