//! `hoso validate ID_OR_FILE`: every problem at once; exit 1 when the dossier is invalid.

use crate::say;
use std::process::ExitCode;

use hoso_core::drafting;
use hoso_core::store::DraftId;
use hoso_core::validate::Report;

use super::{Ctx, Target, today};
use crate::output::{CmdResult, EXIT_INVALID};

#[derive(clap::Args)]
pub struct Args {
    /// A draft id, or the path of a dossier JSON file.
    target: String,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let (dossier, report) = match Target::parse(&args.target) {
        Target::Draft(id) => {
            let store = ctx.store()?;
            let report = drafting::validate_draft(&store, DraftId(id), today())?;
            (drafting::load(&store, DraftId(id))?, report)
        }
        Target::File(path) => drafting::validate_file(&path, today())?,
    };
    print_report(ctx, &dossier, &report);
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    })
}

fn print_report(ctx: &Ctx, dossier: &hoso_core::Dossier, report: &Report) {
    let out = ctx.out;
    if out.json {
        out.print_json(&serde_json::json!({
            "valid": report.is_valid(),
            "kind": dossier.kind(),
            "form_version": dossier.form_version(),
            "problems": report.problems,
        }));
        return;
    }
    let errors = report.errors().count();
    let warnings = report.problems.len() - errors;
    let kind = dossier.kind().name(out.lang);
    if report.problems.is_empty() {
        say!("{kind}: {}", out.t("hợp lệ.", "valid."));
    } else {
        say!(
            "{kind}: {errors} {}, {warnings} {}",
            out.t("lỗi", "errors"),
            out.t("cảnh báo", "warnings")
        );
        print!("{}", out.problems_text(report));
    }
}
