//! `hoso render ID_OR_FILE --out DIR`: the official forms as PDF files.

use std::path::PathBuf;
use std::process::ExitCode;

use hoso_core::drafting;
use hoso_core::store::DraftId;

use super::{Ctx, Target, today};
use crate::output::{CmdResult, Failure};
use crate::say;

#[derive(clap::Args)]
pub struct Args {
    /// A draft id, or the path of a dossier JSON file.
    target: String,
    /// Folder to write the forms into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let forms = match Target::parse(&args.target) {
        Target::Draft(id) => drafting::render_draft(&ctx.store()?, DraftId(id))?,
        Target::File(path) => drafting::render_file(&path, today())?,
    };
    let unwritable = |e: std::io::Error| {
        Failure::invalid(
            "output.unwritable",
            format!("Không ghi được vào {}: {e}.", args.out.display()),
            format!("Cannot write to {}: {e}.", args.out.display()),
        )
    };
    std::fs::create_dir_all(&args.out).map_err(unwritable)?;
    let mut written = Vec::new();
    for form in &forms {
        let path = args.out.join(&form.file_name);
        std::fs::write(&path, &form.pdf.bytes).map_err(unwritable)?;
        written.push(serde_json::json!({ "path": path, "pages": form.pdf.pages, "bytes": form.pdf.bytes.len() }));
        if !ctx.out.json {
            say!(
                "{}  ({} {})",
                path.display(),
                form.pdf.pages,
                ctx.out.t("trang", "pages")
            );
        }
    }
    if ctx.out.json {
        ctx.out.print_json(&written);
    }
    Ok(ExitCode::SUCCESS)
}
