//! `hoso profile add|list|show|edit`.

use crate::say;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use hoso_core::drafting;
use hoso_core::profile::{Agent, Enterprise, Profile};
use hoso_core::store::ProfileId;

use super::{Ctx, today};
use crate::output::{CmdResult, Failure, parse_set};

#[derive(Clone, Copy, ValueEnum)]
pub enum ProfileType {
    /// An enterprise or organisation that applies (doanh nghiệp).
    Enterprise,
    /// An IP representation service (tổ chức đại diện sở hữu công nghiệp).
    Agent,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Add a profile from a JSON file and/or FIELD=VALUE pairs; prints its id.
    Add {
        #[arg(long = "type", value_enum, default_value = "enterprise")]
        kind: ProfileType,
        /// A profile JSON file (as `profile show --json` prints its `profile`).
        #[arg(long)]
        from: Option<PathBuf>,
        /// Field to set, e.g. --set tax_code=0101234565 --set legal_representative.name="…".
        #[arg(long = "set", value_parser = parse_set)]
        sets: Vec<(String, String)>,
    },
    /// List profiles.
    List,
    /// Show one profile.
    Show { id: i64 },
    /// Change fields of a profile; open drafts made from it follow, sealed ones never do.
    Edit {
        id: i64,
        #[arg(long = "set", value_parser = parse_set, required = true)]
        sets: Vec<(String, String)>,
    },
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> CmdResult {
    let out = ctx.out;
    match cmd {
        Cmd::Add { kind, from, sets } => {
            let mut profile = match &from {
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| {
                        Failure::invalid(
                            "input.unreadable",
                            format!("Không đọc được {}: {e}.", path.display()),
                            format!("Cannot read {}: {e}.", path.display()),
                        )
                    })?;
                    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                        Failure::invalid(
                            "input.json",
                            format!("JSON không hợp lệ: {e}."),
                            format!("Invalid JSON: {e}."),
                        )
                    })?;
                    Profile::from_json(value).map_err(shape)?
                }
                None => match kind {
                    ProfileType::Enterprise => Profile::Enterprise(Enterprise::default()),
                    ProfileType::Agent => Profile::Agent(Agent::default()),
                },
            };
            for (path, value) in &sets {
                profile = profile.with_field(path, value).map_err(shape)?;
            }
            let mut store = ctx.store()?;
            let id = drafting::add_profile(&mut store, &profile, today())?;
            if out.json {
                out.print_json(&serde_json::json!({ "id": id }));
            } else {
                say!("{id}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::List => {
            let store = ctx.store()?;
            let list = store.profiles()?;
            if out.json {
                out.print_json(&list);
            } else {
                for p in list {
                    say!("{:>4}  {:<10}  {}", p.id, p.kind.as_str(), p.name);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Show { id } => {
            let store = ctx.store()?;
            let stored = store.profile(ProfileId(id))?;
            if out.json {
                out.print_json(&stored);
            } else {
                say!(
                    "{} {}  ({})",
                    out.t("Hồ sơ người nộp", "Profile"),
                    stored.id,
                    stored.kind.as_str()
                );
                print_fields("", &stored.data);
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Edit { id, sets } => {
            let mut store = ctx.store()?;
            let updated = drafting::edit_profile(&mut store, ProfileId(id), &sets, today())?;
            if out.json {
                out.print_json(&serde_json::json!({ "id": id, "drafts_updated": updated }));
            } else if !updated.is_empty() {
                let ids: Vec<String> = updated.iter().map(|d| d.to_string()).collect();
                say!(
                    "{} {}",
                    out.t("Đã cập nhật các bản nháp chưa ký:", "Open drafts updated:"),
                    ids.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn shape(message: String) -> Failure {
    Failure::invalid(
        "profile.shape",
        format!("Dữ liệu hồ sơ người nộp không đúng cấu trúc: {message}."),
        format!("The profile data has the wrong shape: {message}."),
    )
}

/// Prints a JSON document as `path: value` lines, for people.
pub fn print_fields(prefix: &str, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                print_fields(&p, v);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                print_fields(&format!("{prefix}.{i}"), v);
            }
        }
        Value::String(s) if s.is_empty() => {}
        Value::String(s) => say!("  {prefix}: {s}"),
        Value::Null => {}
        other => say!("  {prefix}: {other}"),
    }
}
