//! `hoso draft new|list|show|history|restore|attach|detach|edit|export|import`.

use crate::say;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use hoso_core::drafting;
use hoso_core::store::{DraftId, ProfileId};
use hoso_core::{Dossier, DossierKind};

use super::profile::print_fields;
use super::{Ctx, today};
use crate::output::{CmdResult, Failure, parse_set};

#[derive(Subcommand)]
pub enum Cmd {
    /// Create a draft; prints its id.
    New {
        /// tech-transfer, patent, utility-solution, industrial-design, trademark, barcode.
        #[arg(long, value_parser = parse_kind)]
        kind: DossierKind,
        /// Fill the applicant (enterprise) or representative (agent) from this profile.
        #[arg(long)]
        profile: Option<i64>,
        /// Start from a dossier JSON file (the shape `draft export` writes).
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// List drafts.
    List,
    /// Show a draft (its latest revision, or --rev N).
    Show {
        id: i64,
        #[arg(long)]
        rev: Option<u32>,
    },
    /// Every revision of a draft, oldest first.
    History { id: i64 },
    /// Bring back an earlier revision as a new one (nothing is deleted).
    Restore { id: i64, rev: u32 },
    /// Attach a file; without --slot it goes to the kind's "other documents".
    Attach {
        id: i64,
        file: PathBuf,
        #[arg(long)]
        slot: Option<String>,
    },
    /// Remove attachments by slot, file name or hash prefix.
    Detach { id: i64, which: String },
    /// Set fields: --set applicant.tax_code=0101234565 (one revision per call).
    Edit {
        id: i64,
        #[arg(long = "set", value_parser = parse_set, required = true)]
        sets: Vec<(String, String)>,
    },
    /// Write the draft as a dossier JSON file (what --from and import read).
    Export {
        id: i64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Create a draft from a dossier JSON file of any kind; prints its id.
    Import { file: PathBuf },
}

fn parse_kind(s: &str) -> Result<DossierKind, String> {
    s.parse().map_err(|e: hoso_core::kind::UnknownKind| {
        let all: Vec<&str> = DossierKind::ALL.iter().map(|k| k.slug()).collect();
        format!("{e} (one of: {})", all.join(", "))
    })
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> CmdResult {
    let out = ctx.out;
    let mut store = ctx.store()?;
    let print_id = |id: DraftId, rev: Option<u32>| {
        if out.json {
            out.print_json(&serde_json::json!({ "id": id, "rev": rev }));
        } else {
            say!("{id}");
        }
    };
    match cmd {
        Cmd::New {
            kind,
            profile,
            from,
        } => {
            let id = drafting::new_draft(
                &mut store,
                kind,
                profile.map(ProfileId),
                from.as_deref(),
                today(),
            )?;
            print_id(id, Some(1));
        }
        Cmd::Import { file } => {
            let id = drafting::import_draft(&mut store, &file, today())?;
            print_id(id, Some(1));
        }
        Cmd::List => {
            let list = store.drafts()?;
            if out.json {
                out.print_json(&list);
            } else {
                for d in list {
                    let sealed = if d.sealed_at.is_some() {
                        out.t("đã ký", "sealed")
                    } else {
                        ""
                    };
                    say!(
                        "{:>4}  {:<18} r{:<3} {:<7} {}",
                        d.id,
                        d.kind,
                        d.rev,
                        sealed,
                        d.title
                    );
                }
            }
        }
        Cmd::Show { id, rev } => {
            let stored = store.draft(DraftId(id))?;
            let doc = match rev {
                Some(r) => store.revision(DraftId(id), r)?,
                None => stored.doc.clone(),
            };
            if out.json {
                out.print_json(&serde_json::json!({
                    "id": stored.id, "kind": stored.kind, "rev": rev.unwrap_or(stored.rev),
                    "profile_id": stored.profile_id, "sealed_at": stored.sealed_at, "dossier": doc,
                }));
            } else {
                say!(
                    "{} {} — {} (r{})",
                    out.t("Bản nháp", "Draft"),
                    stored.id,
                    stored.title,
                    rev.unwrap_or(stored.rev)
                );
                print_fields("", &doc);
            }
        }
        Cmd::History { id } => {
            let history = store.history(DraftId(id))?;
            if out.json {
                out.print_json(&history);
            } else {
                for r in history {
                    say!("r{:<4} {}  {}", r.rev, r.saved_at, r.summary);
                }
            }
        }
        Cmd::Restore { id, rev } => {
            let new_rev = store.restore(DraftId(id), rev)?;
            print_rev(ctx, id, new_rev);
        }
        Cmd::Attach { id, file, slot } => {
            let (rev, reference) =
                drafting::attach(&mut store, DraftId(id), &file, slot.as_deref())?;
            if out.json {
                out.print_json(
                    &serde_json::json!({ "id": id, "rev": rev, "attachment": reference }),
                );
            } else {
                say!(
                    "{}  {}  {}  {}",
                    reference.slot,
                    reference.media_type,
                    reference.size,
                    reference.sha256
                );
            }
        }
        Cmd::Detach { id, which } => {
            let (rev, removed) = drafting::detach(&mut store, DraftId(id), &which)?;
            if out.json {
                out.print_json(&serde_json::json!({ "id": id, "rev": rev, "removed": removed }));
            } else {
                for a in removed {
                    say!("{}  {}", a.slot, a.file_name);
                }
            }
        }
        Cmd::Edit { id, sets } => {
            let rev = drafting::edit_fields(&mut store, DraftId(id), &sets)?;
            print_rev(ctx, id, rev);
        }
        Cmd::Export { id, out: path } => {
            let dossier: Dossier = drafting::load(&store, DraftId(id))?;
            let text = serde_json::to_string_pretty(&dossier.to_json()).unwrap_or_default();
            std::fs::write(&path, text + "\n").map_err(|e| {
                Failure::invalid(
                    "output.unwritable",
                    format!("Không ghi được {}: {e}.", path.display()),
                    format!("Cannot write {}: {e}.", path.display()),
                )
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_rev(ctx: &Ctx, id: i64, rev: u32) {
    if ctx.out.json {
        ctx.out
            .print_json(&serde_json::json!({ "id": id, "rev": rev }));
    } else {
        say!("r{rev}");
    }
}
