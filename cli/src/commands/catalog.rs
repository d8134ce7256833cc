//! `hoso catalog`: the procedures this installation files, with the data set in use.

use std::process::ExitCode;

use hoso_core::catalog::Library;

use super::Ctx;
use crate::output::CmdResult;
use crate::say;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args) -> CmdResult {
    let out = ctx.out;
    let store = ctx.store()?;
    let library = Library::load(&store)?;
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
