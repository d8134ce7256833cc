//! `hoso seal ID_OR_FILE… (--out FILE.asice | --out-dir DIR)`: validate, check the
//! certificate, sign the forms and the container; many dossiers with one login.

use std::path::PathBuf;
use std::process::ExitCode;

use hoso_core::seal::{self, SealError, SealOptions, Sealed};
use hoso_core::store::DraftId;
use jiff::Timestamp;

use super::keys::{self, SignerArgs};
use super::{Ctx, Target, today};
use crate::output::{CmdResult, EXIT_INVALID, Failure};
use crate::say;

#[derive(clap::Args)]
pub struct Args {
    /// Draft ids or dossier JSON files.
    #[arg(required = true)]
    targets: Vec<String>,
    /// The container to write (one dossier).
    #[arg(long, conflicts_with = "out_dir")]
    out: Option<PathBuf>,
    /// The folder to write the containers into (any number of dossiers, one login).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    #[command(flatten)]
    signer: SignerArgs,
}

fn seal_failure(e: SealError) -> Failure {
    let report = match &e {
        SealError::Invalid(r) => Some(r.clone()),
        _ => None,
    };
    let exit = match &e {
        SealError::Io { .. } => crate::output::EXIT_ENVIRONMENT,
        _ => EXIT_INVALID,
    };
    Failure {
        code: e.code(),
        message: e.text(),
        exit,
        report,
    }
}

pub fn run(ctx: &Ctx, args: Args) -> CmdResult {
    let out = ctx.out;
    let destinations: Vec<PathBuf> = match (&args.out, &args.out_dir) {
        (Some(file), None) if args.targets.len() == 1 => vec![file.clone()],
        (None, Some(dir)) => args
            .targets
            .iter()
            .map(|t| {
                let stem = match Target::parse(t) {
                    Target::Draft(id) => format!("dossier-{id}"),
                    Target::File(p) => p
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "dossier".into()),
                };
                dir.join(format!("{stem}.asice"))
            })
            .collect(),
        _ => {
            return Err(Failure {
                code: "usage.seal_output".into(),
                message: hoso_core::Text::new(
                    "Dùng --out FILE.asice cho một hồ sơ, hoặc --out-dir DIR cho nhiều hồ sơ.",
                    "Use --out FILE.asice for one dossier, or --out-dir DIR for several.",
                ),
                exit: 2,
                report: None,
            });
        }
    };
    let anchors = args.signer.trust.anchors()?;
    // One login for every dossier of the call.
    let signer = keys::open(&args.signer, out)?;
    let opts = SealOptions {
        signing_time: Timestamp::now(),
        today: today(),
        anchors: &anchors,
        revocation: args.signer.trust.revocation(),
    };
    let mut store = None;
    let mut sealed: Vec<Sealed> = Vec::new();
    for (target, dest) in args.targets.iter().zip(&destinations) {
        let result = match Target::parse(target) {
            Target::Draft(id) => {
                if store.is_none() {
                    store = Some(ctx.store()?);
                }
                let Some(store) = store.as_mut() else {
                    unreachable!("opened above")
                };
                seal::seal_draft(store, DraftId(id), signer.as_signer(), dest, &opts)
            }
            Target::File(path) => seal::seal_file(&path, signer.as_signer(), dest, &opts),
        };
        let done = result.map_err(seal_failure)?;
        if !out.json {
            say!("{}  {}  {}", done.path.display(), done.size, done.sha256);
            for (_, w) in done.certificate.warnings() {
                eprintln!(
                    "{}: {}",
                    out.t("Lưu ý", "Note"),
                    match out.lang {
                        hoso_core::Lang::Vi => &w.message.vi,
                        hoso_core::Lang::En => &w.message.en,
                    }
                );
            }
        }
        sealed.push(done);
    }
    if out.json {
        out.print_json(&sealed);
    }
    Ok(ExitCode::SUCCESS)
}
