//! `hoso`: Hồ sơ số from the command line. A thin shell over hoso-core: each command parses
//! its arguments, calls one library function and prints the result.

#![warn(clippy::unwrap_used, clippy::expect_used)]

mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hoso_core::Lang;

use output::Out;

#[derive(Parser)]
#[command(
    name = "hoso",
    version,
    about = "Hồ sơ số — soạn, ký và nộp hồ sơ Bộ Khoa học và Công nghệ / prepare, sign and file MOST dossiers",
    long_about = None
)]
struct Cli {
    /// Language of messages: vi (default) or en; also HOSO_LANG.
    #[arg(long, global = true, env = "HOSO_LANG", value_parser = parse_lang)]
    lang: Option<Lang>,

    /// Print machine-readable JSON (messages in both languages).
    #[arg(long, global = true)]
    json: bool,

    /// Data folder; also HOSO_DATA_DIR (default: the platform's data folder).
    #[arg(long, global = true, env = "HOSO_DATA_DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language `{s}` (vi, en)"))
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole job on sample data: profiles, one dossier of each kind, validation.
    Demo(commands::demo::Args),
    /// Enterprise and IP-agent profiles, entered once and reused.
    #[command(subcommand)]
    Profile(commands::profile::Cmd),
    /// Drafts: create, edit, attach files, history, export.
    #[command(subcommand)]
    Draft(commands::draft::Cmd),
    /// Check a draft (by id) or a dossier file (JSON) and list every problem.
    Validate(commands::validate::Args),
    /// Fees of a draft (by id) or a dossier file (JSON): due at filing and later, with sources.
    Fees(commands::fees::Args),
    /// Seal dossiers: validate, check the certificate, sign the forms and the container.
    Seal(commands::seal::Args),
    /// Verify a sealed dossier (.asice) or a signed form (.pdf).
    Verify(commands::verify::Args),
    /// The procedures, their forms, attachments and the data set in use.
    Catalog(commands::catalog::Args),
    /// Render the official forms of a draft (by id) or a dossier file as PDF.
    Render(commands::render::Args),
    /// The reference portal server and its officer commands (for demos and tests).
    #[command(subcommand)]
    Portal(commands::portal::Cmd),
    /// The USB tokens (PKCS#11) found: their certificates, tax codes and PIN warnings.
    Tokens(commands::tokens::Args),
    /// Log in to the portal with the token's certificate; the session is kept in the OS keyring.
    Login(commands::login::Args),
    /// Queue a sealed dossier (.asice, or a draft id) in the outbox and file it.
    Submit(commands::submit::Args),
    /// The outbox: what waits to be filed, its progress; `outbox run` files it.
    Outbox(commands::outbox::Args),
    /// Sync and show the status history of filed dossiers.
    Status(commands::status::Args),
    /// How the data folder is protected; `data passphrase` adds a passphrase copy of its key.
    Data(commands::data::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Out {
        lang: cli.lang.unwrap_or_default(),
        json: cli.json,
    };
    let ctx = commands::Ctx {
        out,
        data_dir: cli.data_dir,
    };
    let result = match cli.command {
        Command::Demo(args) => commands::demo::run(&ctx, args),
        Command::Profile(cmd) => commands::profile::run(&ctx, cmd),
        Command::Draft(cmd) => commands::draft::run(&ctx, cmd),
        Command::Validate(args) => commands::validate::run(&ctx, args),
        Command::Fees(args) => commands::fees::run(&ctx, args),
        Command::Render(args) => commands::render::run(&ctx, args),
        Command::Portal(cmd) => commands::portal::run(&ctx, cmd),
        Command::Catalog(args) => commands::catalog::run(&ctx, args),
        Command::Seal(args) => commands::seal::run(&ctx, args),
        Command::Verify(args) => commands::verify::run(&ctx, args),
        Command::Tokens(args) => commands::tokens::run(&ctx, args),
        Command::Login(args) => commands::login::run(&ctx, args),
        Command::Submit(args) => commands::submit::run(&ctx, args),
        Command::Outbox(args) => commands::outbox::run(&ctx, args),
        Command::Status(args) => commands::status::run(&ctx, args),
        Command::Data(args) => commands::data::run(&ctx, args),
    };
    match result {
        Ok(code) => code,
        Err(f) => out.fail(&f),
    }
}
