//! `hoso demo`: the main job on sample data, in a temporary data folder unless one is given.

use crate::say;
use std::path::PathBuf;
use std::process::ExitCode;

use hoso_core::demo;

use super::{Ctx, today};
use crate::output::CmdResult;

#[derive(clap::Args)]
pub struct Args {
    /// A folder of example dossiers to use instead of the built-in ones.
    #[arg(long)]
    examples: Option<PathBuf>,
    /// Keep the demo's data folder (printed) instead of a temporary one removed at exit.
    #[arg(long)]
    keep: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let out = ctx.out;
    let run = demo::run(
        args.examples.as_deref(),
        ctx.data_dir.as_deref(),
        args.keep,
        today(),
    )?;
    if out.json {
        out.print_json(&run.dossiers);
    } else {
        say!(
            "{} {}",
            out.t("Thư mục dữ liệu:", "Data folder:"),
            run.data_dir.display()
        );
        for d in &run.dossiers {
            say!(
                "{:<18} {} {:>3}  {}  {}",
                d.kind.slug(),
                out.t("bản nháp", "draft"),
                d.draft_id,
                if d.valid {
                    out.t("hợp lệ", "valid")
                } else {
                    out.t("KHÔNG hợp lệ", "INVALID")
                },
                d.title
            );
        }
    }
    Ok(if run.dossiers.iter().all(|d| d.valid) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::output::EXIT_INVALID)
    })
}
