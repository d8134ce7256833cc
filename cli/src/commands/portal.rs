//! `hoso portal serve|officer`: the reference portal server, and the officer's side of it
//! (list the dossiers it holds, move one through its statuses) for demos and tests.

use crate::say;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use hoso_core::filing::server;
use hoso_core::{Lang, Text};
use hoso_portal::api::{DossierStatus, Status, StatusName};
use hoso_portal::server::{OfficerDossier, Server, ServerConfig, Store, StoreError, Verifiers};
use hoso_signing::trust::TrustAnchors;
use jiff::civil::Date;
use serde::Serialize;

use super::Ctx;
use crate::output::{CmdResult, EXIT_ENVIRONMENT, EXIT_INVALID, Failure, Out};

const EXIT_USAGE: u8 = 2;

#[derive(Subcommand)]
pub enum Cmd {
    /// Run the reference portal; prints its URL (http://ADDR) on stdout first.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// The portal's data folder (database, uploads, filed containers, receipt key).
        #[arg(long)]
        data: PathBuf,
        /// A CA certificate (PEM or DER) whose signers the portal accepts; repeatable.
        /// HOSO_TRUST_ANCHORS adds a path list. With none, every filing and login is refused.
        #[arg(long = "trust-anchor")]
        trust_anchors: Vec<PathBuf>,
        /// Largest container accepted, in bytes.
        #[arg(long, default_value_t = 4 << 30)]
        max_upload_bytes: u64,
    },
    /// The officer's side: list, show and advance dossiers (works while the server runs).
    #[command(subcommand)]
    Officer(OfficerCmd),
}

#[derive(Subcommand)]
pub enum OfficerCmd {
    /// Every dossier the portal holds, newest first.
    List {
        #[arg(long)]
        data: PathBuf,
    },
    /// One dossier: receipt, status history, supplements.
    Show {
        number: String,
        #[arg(long)]
        data: PathBuf,
    },
    /// Move a dossier to a new status.
    Advance {
        number: String,
        #[arg(long)]
        data: PathBuf,
        #[arg(long = "to", value_enum)]
        to: Target,
        /// The officer's message (required for supplement_requested, and as the reason for
        /// rejected).
        #[arg(long)]
        message: Option<String>,
        /// Last day for the supplement, YYYY-MM-DD (supplement_requested).
        #[arg(long)]
        deadline: Option<Date>,
        /// Amount due in đồng (fee_due).
        #[arg(long)]
        amount: Option<u64>,
        /// Reference to quote with the payment (fee_due).
        #[arg(long)]
        payment_reference: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Target {
    InReview,
    SupplementRequested,
    FeeDue,
    Approved,
    Rejected,
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> CmdResult {
    match cmd {
        Cmd::Serve {
            addr,
            data,
            trust_anchors,
            max_upload_bytes,
        } => serve(ctx.out, addr, data, &trust_anchors, max_upload_bytes),
        Cmd::Officer(cmd) => officer(ctx.out, cmd),
    }
}

fn environment(code: &str, vi: String, en: String) -> Failure {
    Failure {
        code: code.to_owned(),
        message: Text::new(vi, en),
        exit: EXIT_ENVIRONMENT,
        report: None,
    }
}

fn usage(vi: &str, en: &str) -> Failure {
    Failure {
        code: "usage".to_owned(),
        message: Text::new(vi, en),
        exit: EXIT_USAGE,
        report: None,
    }
}

/// The verifiers the server runs with (hoso-core's: ASiC-E/XAdES containers and CMS logins
/// checked against the trust anchors, revocation not checked on this reference server), and
/// how many anchors it trusts: with none it refuses every filing and login
/// (`verification.unavailable`). The receipt key is `DATA/portal-signer.p12` when present,
/// else one generated once and kept under `DATA/receipt-key/`.
fn verifiers(data: &Path, trust_anchors: &[PathBuf]) -> Result<(Verifiers, usize), Failure> {
    let anchors = TrustAnchors::load(trust_anchors).map_err(|e| {
        let m = e.message();
        Failure::invalid(e.code(), m.vi, m.en)
    })?;
    let count = anchors.len();
    let verifiers = server::verifiers_for(data, anchors)
        .map_err(|e| environment("portal.receipt_key", e.to_string(), e.to_string()))?;
    Ok((verifiers, count))
}

fn serve(
    out: Out,
    addr: SocketAddr,
    data: PathBuf,
    trust_anchors: &[PathBuf],
    max_upload_bytes: u64,
) -> CmdResult {
    std::fs::create_dir_all(&data).map_err(|e| {
        environment(
            "portal.data_dir",
            format!("Không tạo được thư mục dữ liệu {}: {e}", data.display()),
            format!("Cannot create the data folder {}: {e}", data.display()),
        )
    })?;
    let (verifiers, anchors) = verifiers(&data, trust_anchors)?;
    let mut config = ServerConfig::new(&data);
    config.max_upload_bytes = max_upload_bytes;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| environment("portal.runtime", e.to_string(), e.to_string()))?;
    runtime.block_on(async move {
        let server = Server::bind(addr, config, verifiers).await.map_err(|e| {
            environment(
                "portal.bind",
                format!("Không mở được cổng {addr}: {e}"),
                format!("Cannot listen on {addr}: {e}"),
            )
        })?;
        let bound = server.local_addr();
        if out.json {
            say!("{}", serde_json::json!({ "url": format!("http://{bound}"), "addr": bound }));
        } else {
            say!("http://{bound}");
        }
        if anchors == 0 {
            eprintln!(
                "{}",
                out.t(
                    "Cổng tham chiếu đang chạy; Ctrl-C để dừng. Chưa có chứng thư gốc tin cậy (--trust-anchor, HOSO_TRUST_ANCHORS): mọi hồ sơ và đăng nhập đều bị từ chối (verification.unavailable).",
                    "Reference portal running; Ctrl-C to stop. No trust anchor (--trust-anchor, HOSO_TRUST_ANCHORS): every filing and login is refused (verification.unavailable).",
                )
            );
        } else {
            eprintln!(
                "{} {anchors}; {}",
                out.t(
                    "Cổng tham chiếu đang chạy; Ctrl-C để dừng. Chứng thư gốc tin cậy:",
                    "Reference portal running; Ctrl-C to stop. Trust anchors:",
                ),
                out.t(
                    "không kiểm tra thu hồi chứng thư (máy chủ tham chiếu).",
                    "revocation is not checked (reference server).",
                )
            );
        }
        server
            .run_until(shutdown_signal())
            .await
            .map_err(|e| environment("portal.serve", e.to_string(), e.to_string()))
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        let exit = match e {
            StoreError::NotFound(_) | StoreError::InvalidTransition { .. } => EXIT_INVALID,
            _ => EXIT_ENVIRONMENT,
        };
        let (vi, en) = match &e {
            StoreError::NotFound(n) => (format!("Không có hồ sơ {n}"), format!("No dossier {n}")),
            StoreError::InvalidTransition { number, from, to } => (
                format!(
                    "Không thể chuyển hồ sơ {number} từ «{}» sang «{}»",
                    status_name(*from, Lang::Vi),
                    status_name(*to, Lang::Vi)
                ),
                format!(
                    "Dossier {number} cannot move from “{}” to “{}”",
                    status_name(*from, Lang::En),
                    status_name(*to, Lang::En)
                ),
            ),
            other => (other.to_string(), other.to_string()),
        };
        Failure {
            code: e.code().to_owned(),
            message: Text::new(vi, en),
            exit,
            report: None,
        }
    }
}

fn status_name(s: StatusName, lang: Lang) -> &'static str {
    let (vi, en) = match s {
        StatusName::Received => ("Đã tiếp nhận", "Received"),
        StatusName::InReview => ("Đang thẩm định", "In review"),
        StatusName::SupplementRequested => ("Yêu cầu bổ sung", "Supplement requested"),
        StatusName::FeeDue => ("Chờ nộp phí", "Fee due"),
        StatusName::Approved => ("Chấp thuận", "Approved"),
        StatusName::Rejected => ("Từ chối", "Rejected"),
    };
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// What `officer show --json` prints: the API's status view and who filed it.
#[derive(Serialize)]
struct OfficerView {
    #[serde(flatten)]
    status: DossierStatus,
    owner: String,
    applicant_tax_code: String,
}

fn open(data: &Path) -> Result<Store, Failure> {
    Store::open_existing(data).map_err(|e| {
        environment(
            "portal.data_dir",
            format!("Không mở được dữ liệu cổng ở {}: {e}", data.display()),
            format!("Cannot open the portal data at {}: {e}", data.display()),
        )
    })
}

fn view(store: &Store, number: &str) -> Result<OfficerView, Failure> {
    let status = store
        .status(number)?
        .ok_or_else(|| StoreError::NotFound(number.to_owned()))?;
    let (owner, applicant_tax_code) = store
        .dossier_owner(number)?
        .ok_or_else(|| StoreError::NotFound(number.to_owned()))?;
    Ok(OfficerView {
        status,
        owner,
        applicant_tax_code,
    })
}

fn officer(out: Out, cmd: OfficerCmd) -> CmdResult {
    match cmd {
        OfficerCmd::List { data } => {
            let rows = open(&data)?.list(None)?;
            if out.json {
                out.print_json(&rows);
            } else {
                print_list(out, &rows);
            }
        }
        OfficerCmd::Show { number, data } => {
            let v = view(&open(&data)?, &number)?;
            if out.json {
                out.print_json(&v);
            } else {
                print_view(out, &v);
            }
        }
        OfficerCmd::Advance {
            number,
            data,
            to,
            message,
            deadline,
            amount,
            payment_reference,
        } => {
            let status = target_status(to, message, deadline, amount, payment_reference)?;
            let mut store = open(&data)?;
            store.advance(&number, status, jiff::Timestamp::now())?;
            let v = view(&store, &number)?;
            if out.json {
                out.print_json(&v);
            } else {
                say!(
                    "{} {number}: {}",
                    out.t("Hồ sơ", "Dossier"),
                    status_name(v.status.status, out.lang)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn target_status(
    to: Target,
    message: Option<String>,
    deadline: Option<Date>,
    amount: Option<u64>,
    payment_reference: Option<String>,
) -> Result<Status, Failure> {
    Ok(match to {
        Target::InReview => Status::InReview { message },
        Target::Approved => Status::Approved { message },
        Target::SupplementRequested => match (deadline, message) {
            (Some(deadline), Some(message)) => Status::SupplementRequested { deadline, message },
            _ => {
                return Err(usage(
                    "Yêu cầu bổ sung cần --deadline YYYY-MM-DD và --message",
                    "supplement_requested needs --deadline YYYY-MM-DD and --message",
                ));
            }
        },
        Target::FeeDue => match (amount, payment_reference) {
            (Some(amount_vnd), Some(payment_reference)) => Status::FeeDue {
                amount_vnd,
                payment_reference,
                message,
            },
            _ => {
                return Err(usage(
                    "Thông báo phí cần --amount và --payment-reference",
                    "fee_due needs --amount and --payment-reference",
                ));
            }
        },
        Target::Rejected => match message {
            Some(reason) => Status::Rejected { reason },
            None => {
                return Err(usage(
                    "Từ chối cần lý do (--message)",
                    "rejected needs a reason (--message)",
                ));
            }
        },
    })
}

fn print_list(out: Out, rows: &[OfficerDossier]) {
    if rows.is_empty() {
        say!("{}", out.t("Chưa có hồ sơ nào.", "No dossiers yet."));
        return;
    }
    for r in rows {
        let s = &r.summary;
        say!(
            "{:<16} {:<18} {:<22} {}  MST {}",
            s.dossier_number,
            s.kind.slug(),
            status_name(s.status, out.lang),
            s.received_at,
            r.applicant_tax_code
        );
    }
}

fn print_view(out: Out, v: &OfficerView) {
    let s = &v.status;
    say!(
        "{} {} ({}) — {}",
        out.t("Hồ sơ", "Dossier"),
        s.dossier_number,
        s.kind.slug(),
        status_name(s.status, out.lang)
    );
    say!(
        "  {}: {}  MST {}",
        out.t("Người nộp", "Filed by"),
        v.owner,
        v.applicant_tax_code
    );
    say!(
        "  {}: {}  SHA-256 {}",
        out.t("Tiếp nhận", "Received"),
        s.receipt.received_at,
        s.receipt.container_sha256
    );
    for e in &s.history {
        let detail = match &e.status {
            Status::SupplementRequested { deadline, message } => {
                format!(" — {} {deadline}: {message}", out.t("hạn", "deadline"))
            }
            Status::FeeDue {
                amount_vnd,
                payment_reference,
                ..
            } => format!(
                " — {amount_vnd} {} ({} {payment_reference})",
                out.t("đồng", "VND"),
                out.t("mã thanh toán", "payment reference")
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
            status_name(e.status.name(), out.lang)
        );
    }
    for r in &s.supplements {
        say!(
            "  {} {}: {}",
            out.t("Bổ sung", "Supplement"),
            r.supplement.unwrap_or(0),
            r.received_at
        );
    }
}
