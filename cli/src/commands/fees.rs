//! `hoso fees ID_OR_FILE`: the fees (phí, lệ phí) of a dossier, due at filing and later, each
//! line with its basis and source, and a mark on every line that is not confirmed.

use crate::say;
use std::process::ExitCode;

use hoso_core::fees::{self, FeeLine, FeeSchedule, Stage};
use hoso_core::legal::Confidence;
use hoso_core::store::DraftId;
use hoso_core::{Dossier, drafting};

use super::{Ctx, Target, today};
use crate::output::{CmdResult, Out};

#[derive(clap::Args)]
pub struct Args {
    /// A draft id, or the path of a dossier JSON file.
    target: String,
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let (dossier, schedule) = match Target::parse(&args.target) {
        Target::Draft(id) => drafting::fees_of_draft(&ctx.store()?, DraftId(id), today())?,
        Target::File(path) => drafting::fees_of_file(&path, today())?,
    };
    if ctx.out.json {
        ctx.out.print_json(&schedule);
    } else {
        print_schedule(ctx.out, &dossier, &schedule);
    }
    Ok(ExitCode::SUCCESS)
}

fn mark(c: Confidence) -> &'static str {
    match c {
        Confidence::Confirmed => " ",
        Confidence::SingleSource => "◐",
        Confidence::Unconfirmed => "✗",
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn print_schedule(out: Out, dossier: &Dossier, s: &FeeSchedule) {
    let lang = out.lang;
    let amount = |n| fees::format_amount(n, lang);
    say!(
        "{} — {} {}, {} {}",
        dossier.kind().name(lang),
        out.t("biểu phí", "fee table"),
        s.table_version,
        out.t("ngày", "day"),
        s.day
    );
    let mut sources: Vec<&str> = Vec::new();
    for l in &s.lines {
        if !sources.contains(&l.source.as_str()) {
            sources.push(&l.source);
        }
    }
    let source_no = |l: &FeeLine| sources.iter().position(|s| *s == l.source).unwrap_or(0) + 1;
    let head = (
        out.t("Khoản phí", "Fee"),
        out.t("Cách tính", "Basis"),
        out.t("Số tiền (đồng)", "Amount (VND)"),
    );
    let label_w = s
        .lines
        .iter()
        .map(|l| width(l.label.get(lang)))
        .chain([width(head.0)])
        .max()
        .unwrap_or(0);
    let basis_w = s
        .lines
        .iter()
        .map(|l| width(l.basis.get(lang)))
        .chain([width(head.1)])
        .max()
        .unwrap_or(0);
    let amount_w = s
        .lines
        .iter()
        .map(|l| l.amount_vnd)
        .chain([s.total_at_filing_vnd, s.total_later_vnd])
        .map(|n| width(&amount(n)))
        .chain([width(head.2)])
        .max()
        .unwrap_or(0);
    let row = |label: &str, basis: &str, value: &str, tail: &str| {
        let value = format!(
            "{}{value}",
            " ".repeat(amount_w.saturating_sub(width(value)))
        );
        let line = format!(
            "  {}  {}  {value} {tail}",
            pad(label, label_w),
            pad(basis, basis_w)
        );
        say!("{}", line.trim_end());
    };
    say!("");
    row(head.0, head.1, head.2, "");
    let stages = [
        (
            Stage::Filing,
            out.t("Nộp cùng đơn", "Due at filing"),
            out.t("Tổng nộp cùng đơn", "Total at filing"),
            s.total_at_filing_vnd,
        ),
        (
            Stage::Grant,
            out.t("Nộp sau (khi cấp văn bằng)", "Due later (on grant)"),
            out.t("Tổng nộp sau", "Total later"),
            s.total_later_vnd,
        ),
    ];
    for (stage, title, _, _) in stages {
        let of_stage: Vec<&FeeLine> = s.lines.iter().filter(|l| l.stage == stage).collect();
        if of_stage.is_empty() {
            continue;
        }
        say!("{title}");
        for l in of_stage {
            row(
                l.label.get(lang),
                l.basis.get(lang),
                &amount(l.amount_vnd),
                &format!("{} [{}]", mark(l.confidence), source_no(l)),
            );
        }
    }
    say!("");
    for (_, _, total_label, total) in stages {
        row(total_label, "", &amount(total), "");
    }
    if s.lines.iter().any(FeeLine::flagged) {
        say!("");
        say!(
            "{}",
            out.t(
                "◐ một nguồn; ✗ chưa xác nhận — đối chiếu với văn bản chính thức trước khi nộp.",
                "◐ single source; ✗ unconfirmed — check against the official text before paying."
            )
        );
    }
    if !sources.is_empty() {
        say!("");
        say!("{}:", out.t("Căn cứ", "Sources"));
        for (i, src) in sources.iter().enumerate() {
            say!("  [{}] {src}", i + 1);
        }
    }
    if !s.notes.is_empty() {
        say!("");
        say!("{}:", out.t("Ghi chú", "Notes"));
        for n in &s.notes {
            say!("  - {}", n.get(lang));
        }
    }
}
