//! `hoso submit FILE.asice|DRAFT_ID`: queues a sealed dossier in the outbox, then files it
//! (unless `--queue-only`). The container is copied into the data folder first, so the file may
//! be moved or its USB stick pulled; queuing the same container twice is one item.

use std::process::ExitCode;

use hoso_core::filing::outbox::{self, ItemReport, RunOptions};
use hoso_core::filing::{self, Link};
use hoso_core::store::{DraftId, OutboxState};

use super::login::{self, PortalArgs, TokenArgs, filing_failure};
use super::outbox::{item_line, receipt_lines};
use super::{Ctx, Target};
use crate::output::{CmdResult, EXIT_ENVIRONMENT, EXIT_INVALID, Failure};
use crate::say;

#[derive(clap::Args)]
pub struct Args {
    /// A sealed dossier (.asice), or the id of a draft whose container was submitted before.
    target: String,
    /// File it as a supplement to this dossier number (found by itself for a container sealed
    /// from a supplement draft).
    #[arg(long, value_name = "NUMBER")]
    supplement_to: Option<String>,
    /// Only queue it; `hoso outbox run` files it later.
    #[arg(long)]
    queue_only: bool,
    /// Bytes per upload request (each acknowledged one is a resume point).
    #[arg(long, value_name = "BYTES")]
    chunk_size: Option<u64>,
    #[command(flatten)]
    portal: PortalArgs,
    #[command(flatten)]
    signer: TokenArgs,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let out = ctx.out;
    let mut store = ctx.store()?;
    let queued = match Target::parse(&args.target) {
        Target::Draft(id) => outbox::queue_draft(&store, DraftId(id)),
        Target::File(path) => outbox::queue_file(&mut store, &path, args.supplement_to.as_deref()),
    }
    .map_err(filing_failure)?;
    if !out.json {
        say!(
            "{} {}",
            if queued.new {
                out.t("Đã đưa vào hộp thư đi:", "Queued:")
            } else {
                out.t("Đã có trong hộp thư đi:", "Already in the outbox:")
            },
            item_line(out, &queued.item)
        );
    }
    if args.queue_only || queued.item.state == OutboxState::Filed {
        let receipt = outbox::receipt_of(&store, &queued.item).map_err(filing_failure)?;
        let report = ItemReport {
            item: queued.item,
            receipt,
        };
        if out.json {
            out.print_json(&report);
        } else if let Some(r) = &report.receipt {
            for line in receipt_lines(out, r) {
                say!("{line}");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }

    let portal =
        filing::portal_url(&store, args.portal.portal.as_deref()).map_err(filing_failure)?;
    let mut credentials = login::credentials(&args.signer, out);
    let mut link = Link::new(
        &portal,
        &args.portal.link_options(args.chunk_size),
        credentials
            .as_mut()
            .map(|c| c as &mut dyn filing::Credentials),
    )
    .map_err(filing_failure)?;
    let options = RunOptions {
        retry_failed: true,
        only: Some(queued.item.id),
    };
    let report = login::runtime()?
        .block_on(outbox::run(&mut store, &mut link, options))
        .map_err(filing_failure)?;
    let Some(done) = report.items.into_iter().next() else {
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(stopped) = report.stopped {
        return Err(Failure {
            code: stopped.code,
            message: stopped.message,
            exit: EXIT_ENVIRONMENT,
            report: None,
        });
    }
    if done.item.state == OutboxState::Failed {
        let error = done.item.last_error.clone();
        return Err(Failure {
            code: error
                .as_ref()
                .map_or("filing.failed".into(), |e| e.code.clone()),
            message: error.map_or_else(
                || hoso_core::Text::new("Cổng từ chối hồ sơ.", "The portal refused the dossier."),
                |e| e.message,
            ),
            exit: EXIT_INVALID,
            report: None,
        });
    }
    if out.json {
        out.print_json(&done);
    } else if let Some(r) = &done.receipt {
        for line in receipt_lines(out, r) {
            say!("{line}");
        }
    } else {
        say!("{}", item_line(out, &done.item));
    }
    Ok(if done.item.state == OutboxState::Filed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_ENVIRONMENT)
    })
}
