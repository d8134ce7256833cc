//! `hoso outbox [--json]`: every queued dossier with its state and progress; `hoso outbox run`:
//! files them, resuming uploads where the portal stands.

use std::process::ExitCode;

use clap::Subcommand;
use hoso_core::filing::outbox::{self, ItemReport, RunOptions};
use hoso_core::filing::{self, Link};
use hoso_core::store::{OutboxItem, OutboxState};
use hoso_portal::api::Receipt;

use super::Ctx;
use super::login::{self, PortalArgs, TokenArgs, filing_failure};
use crate::output::{CmdResult, EXIT_ENVIRONMENT, EXIT_INVALID, Out};
use crate::say;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// File every queued dossier (uploads resume from the portal's offset).
    Run(RunArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Try again the items the portal refused.
    #[arg(long)]
    retry_failed: bool,
    /// Bytes per upload request (each acknowledged one is a resume point).
    #[arg(long, value_name = "BYTES")]
    chunk_size: Option<u64>,
    #[command(flatten)]
    portal: PortalArgs,
    #[command(flatten)]
    signer: TokenArgs,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    match args.cmd {
        None => list(ctx),
        Some(Cmd::Run(run_args)) => work(ctx, &run_args),
    }
}

fn list(ctx: &Ctx) -> CmdResult {
    let out = ctx.out;
    let store = ctx.store()?;
    let mut reports = Vec::new();
    for item in store.outbox()? {
        let receipt = outbox::receipt_of(&store, &item).map_err(filing_failure)?;
        reports.push(ItemReport { item, receipt });
    }
    if out.json {
        out.print_json(&reports);
    } else if reports.is_empty() {
        say!("{}", out.t("Hộp thư đi trống.", "The outbox is empty."));
    } else {
        for r in &reports {
            say!("{}", item_line(out, &r.item));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn work(ctx: &Ctx, args: &RunArgs) -> CmdResult {
    let out = ctx.out;
    let mut store = ctx.store()?;
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
        retry_failed: args.retry_failed,
        only: None,
    };
    let report = login::runtime()?
        .block_on(outbox::run(&mut store, &mut link, options))
        .map_err(filing_failure)?;
    if out.json {
        out.print_json(&report);
    } else {
        if report.items.is_empty() {
            say!(
                "{}",
                out.t("Không có hồ sơ nào chờ nộp.", "Nothing waits to be filed.")
            );
        }
        for r in &report.items {
            say!("{}", item_line(out, &r.item));
            if let Some(receipt) = &r.receipt {
                for line in receipt_lines(out, receipt) {
                    say!("    {line}");
                }
            }
        }
        if let Some(stopped) = &report.stopped {
            eprintln!(
                "{}: {}",
                out.t("Dừng", "Stopped"),
                stopped.message.get(out.lang)
            );
        }
    }
    Ok(if report.stopped.is_some() {
        ExitCode::from(EXIT_ENVIRONMENT)
    } else if report
        .items
        .iter()
        .any(|r| r.item.state == OutboxState::Failed)
    {
        ExitCode::from(EXIT_INVALID)
    } else if report.all_filed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_ENVIRONMENT)
    })
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// One line about an item: id, kind, state with progress or receipt, last error.
pub fn item_line(out: Out, item: &OutboxItem) -> String {
    let state = match item.state {
        OutboxState::Queued => out.t("chờ gửi", "queued").to_owned(),
        OutboxState::Uploading => {
            let percent = item
                .upload_offset
                .saturating_mul(100)
                .checked_div(item.size)
                .unwrap_or(100);
            format!(
                "{} {} / {} ({percent}%)",
                out.t("đang tải lên", "uploading"),
                mib(item.upload_offset),
                mib(item.size)
            )
        }
        OutboxState::Uploaded => out
            .t("đã tải lên, chờ nộp", "uploaded, not filed yet")
            .to_owned(),
        OutboxState::Filed => format!(
            "{} {}",
            out.t("đã nộp, số hồ sơ", "filed as"),
            item.dossier_number.as_deref().unwrap_or("?")
        ),
        OutboxState::Failed => out.t("bị từ chối", "failed").to_owned(),
    };
    let mut line = format!(
        "#{:<3} {:<18} {state:<32} {}  [{}]",
        item.id,
        item.kind,
        item.file_name,
        &item.container_sha256[..12.min(item.container_sha256.len())]
    );
    if let Some(draft) = item.draft_id {
        line.push_str(&format!("  {} {draft}", out.t("bản nháp", "draft")));
    }
    if let Some(n) = &item.supplement_of {
        line.push_str(&format!("  {} {n}", out.t("bổ sung cho", "supplement to")));
    }
    if item.state != OutboxState::Filed
        && let Some(e) = &item.last_error
    {
        line.push_str(&format!(
            "\n      {} {}: [{}] {}",
            out.t("lần thử", "attempts"),
            item.attempts,
            e.code,
            e.message.get(out.lang)
        ));
    }
    line
}

/// A receipt in a few lines: number, time received, what the portal signed.
pub fn receipt_lines(out: Out, r: &Receipt) -> Vec<String> {
    let mut lines = vec![format!(
        "{} {}{}: {} {}",
        out.t("Biên nhận", "Receipt"),
        r.dossier_number,
        r.supplement
            .map(|n| format!(" ({} {n})", out.t("bổ sung", "supplement")))
            .unwrap_or_default(),
        out.t("tiếp nhận lúc", "received at"),
        r.received_at
    )];
    let algorithm = serde_json::to_value(r.portal_signature.algorithm)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    lines.push(format!(
        "  {} {algorithm}, SHA-256 {}",
        out.t("chữ ký của cổng:", "portal signature:"),
        r.container_sha256
    ));
    lines
}
