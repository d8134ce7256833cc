//! `hoso status [NUMBER] [--json]`: syncs from the portal and shows each dossier's status
//! history; a supplement request shows its deadline and message and the supplement draft opened
//! for it, a fee notice its amount and payment reference. `--offline` (or a portal that cannot be
//! reached) shows the last known.

use std::process::ExitCode;

use hoso_core::fees::format_amount;
use hoso_core::filing::status::{self, DossierView, status_text};
use hoso_core::filing::{self, FilingError, Link};
use hoso_portal::api::Status;

use super::Ctx;
use super::login::{self, PortalArgs, TokenArgs, filing_failure};
use crate::output::{CmdResult, EXIT_ENVIRONMENT, Out};
use crate::say;

#[derive(clap::Args)]
pub struct Args {
    /// One dossier number (số hồ sơ); all of them when left out.
    number: Option<String>,
    /// Do not ask the portal: show what was last synced.
    #[arg(long)]
    offline: bool,
    #[command(flatten)]
    portal: PortalArgs,
    #[command(flatten)]
    signer: TokenArgs,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let out = ctx.out;
    let mut store = ctx.store()?;
    let number = args.number.as_deref();
    let mut exit = ExitCode::SUCCESS;
    let views = if args.offline {
        status::last_known(&store, number).map_err(filing_failure)?
    } else {
        let portal =
            filing::portal_url(&store, args.portal.portal.as_deref()).map_err(filing_failure)?;
        let mut credentials = login::credentials(&args.signer, out);
        let mut link = Link::new(
            &portal,
            &args.portal.link_options(None),
            credentials
                .as_mut()
                .map(|c| c as &mut dyn filing::Credentials),
        )
        .map_err(filing_failure)?;
        match login::runtime()?.block_on(status::sync(&mut store, &mut link, number)) {
            Ok(views) => views,
            // The portal cannot be reached: the last known, said to be so.
            Err(FilingError::Portal(e)) if e.is_retryable() => {
                eprintln!(
                    "{}: {}",
                    out.t(
                        "Không đồng bộ được, trạng thái dưới đây là lần biết cuối",
                        "Could not sync; showing the last known status"
                    ),
                    filing::client_text(&e).get(out.lang)
                );
                exit = ExitCode::from(EXIT_ENVIRONMENT);
                status::last_known(&store, number).map_err(filing_failure)?
            }
            Err(e) => return Err(filing_failure(e)),
        }
    };
    if out.json {
        out.print_json(&views);
    } else if views.is_empty() {
        say!(
            "{}",
            out.t("Chưa có hồ sơ nào đã nộp.", "No dossier filed yet.")
        );
    } else {
        for v in &views {
            print_view(out, v);
        }
    }
    Ok(exit)
}

fn print_view(out: Out, v: &DossierView) {
    let s = &v.status;
    let mut head = format!(
        "{}  {}  {}",
        s.dossier_number,
        s.kind.slug(),
        status_text(s.status).get(out.lang)
    );
    if let Some(d) = v.draft_id {
        head.push_str(&format!("  ({} {d})", out.t("bản nháp", "draft")));
    }
    say!("{head}");
    for e in &s.history {
        let detail = match &e.status {
            Status::SupplementRequested { deadline, message } => {
                format!(" — {} {deadline}: {message}", out.t("hạn", "deadline"))
            }
            Status::FeeDue {
                amount_vnd,
                payment_reference,
                message,
            } => format!(
                " — {} {}, {} {payment_reference}{}",
                format_amount(*amount_vnd, out.lang),
                out.t("đồng", "VND"),
                out.t("mã thanh toán", "payment reference"),
                message
                    .as_deref()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            ),
            Status::Rejected { reason } => format!(" — {reason}"),
            Status::InReview { message: Some(m) } | Status::Approved { message: Some(m) } => {
                format!(" — {m}")
            }
            _ => String::new(),
        };
        say!(
            "  {}  {}{detail}",
            e.at,
            status_text(e.status.name()).get(out.lang)
        );
    }
    for r in &s.supplements {
        say!(
            "  {} {}: {}",
            out.t("Đã nộp bổ sung", "Supplement filed"),
            r.supplement.unwrap_or(0),
            r.received_at
        );
    }
    if let Some(open) = v.open_supplement() {
        match open.draft_id {
            Some(d) => say!(
                "  → {} {d} (`hoso draft show {d}`; {} `hoso seal {d} …`, `hoso submit …`)",
                out.t("Bản nháp bổ sung", "Supplement draft"),
                out.t("rồi", "then"),
            ),
            None => say!(
                "  → {}",
                out.t(
                    "Không có bản nháp gốc trong thư mục dữ liệu này để sao chép làm bản bổ sung.",
                    "No draft of this dossier in this data folder to copy as the supplement."
                )
            ),
        }
    }
    say!("  {} {}", out.t("Đồng bộ lúc", "Synced at"), v.synced_at);
}
