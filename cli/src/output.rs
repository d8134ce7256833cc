//! How the CLI speaks: the language, `--json`, the error contract and the exit codes
//! (0 ok, 1 invalid input, 2 usage, 3 environment), shared by every command.

use std::process::ExitCode;

use hoso_core::drafting::DraftError;
use hoso_core::store::StoreError;
use hoso_core::validate::{Report, Severity};
use hoso_core::{Lang, Text};
use serde::Serialize;

/// What every command gets: the language and whether to print JSON.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub lang: Lang,
    pub json: bool,
}

/// A failure with its stable code, its message in both languages and its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: String,
    pub message: Text,
    pub exit: u8,
    /// Problems behind the failure (an invalid profile, say).
    pub report: Option<Report>,
}

pub const EXIT_INVALID: u8 = 1;
pub const EXIT_ENVIRONMENT: u8 = 3;

impl Failure {
    pub fn invalid(code: &str, vi: impl Into<String>, en: impl Into<String>) -> Failure {
        Failure {
            code: code.to_owned(),
            message: Text::new(vi, en),
            exit: EXIT_INVALID,
            report: None,
        }
    }
}

impl From<DraftError> for Failure {
    fn from(e: DraftError) -> Failure {
        let exit = match &e {
            DraftError::Store(
                StoreError::NotFound { .. }
                | StoreError::Sealed { .. }
                | StoreError::WrongKey
                | StoreError::WeakPassphrase { .. },
            ) => EXIT_INVALID,
            DraftError::Store(_) => EXIT_ENVIRONMENT,
            _ => EXIT_INVALID,
        };
        let report = match &e {
            DraftError::InvalidProfile(r) => Some(r.clone()),
            _ => None,
        };
        Failure {
            code: e.code().to_owned(),
            message: e.text(),
            exit,
            report,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        DraftError::Store(e).into()
    }
}

pub type CmdResult = Result<ExitCode, Failure>;

impl Out {
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// Prints a value as pretty JSON on stdout.
    pub fn print_json<T: Serialize>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(s) => emit(format_args!("{s}")),
            Err(e) => eprintln!("{e}"),
        }
    }

    /// Prints a failure: as `{"error": {code, message: {vi, en}}}` on stdout with `--json`,
    /// else in the user's language on stderr.
    pub fn fail(&self, f: &Failure) -> ExitCode {
        if self.json {
            self.print_json(&serde_json::json!({
                "error": { "code": f.code, "message": f.message, "problems": f.report.as_ref().map(|r| &r.problems) }
            }));
        } else {
            eprintln!("{}: {}", self.t("Lỗi", "Error"), f.message.get(self.lang));
            if let Some(r) = &f.report {
                eprint!("{}", self.problems_text(r));
            }
        }
        ExitCode::from(f.exit)
    }

    /// The problems of a report, one per line, in the user's language.
    pub fn problems_text(&self, report: &Report) -> String {
        let mut s = String::new();
        for p in &report.problems {
            let mark = match p.severity {
                Severity::Error => "✗",
                Severity::Warning => "!",
            };
            s.push_str(&format!(
                "  {mark} {}  [{}] {}\n",
                p.path,
                p.code,
                p.message.get(self.lang)
            ));
            if let Some(src) = &p.source {
                s.push_str(&format!("      {}: {src}\n", self.t("Căn cứ", "Source")));
            }
        }
        s
    }
}

/// `FIELD.PATH=VALUE` as given to `--set`.
pub fn parse_set(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("expected FIELD.PATH=VALUE, got `{s}`")),
    }
}

/// Writes one line to stdout; a closed pipe (`hoso … | head`) ends the program quietly
/// instead of panicking.
pub fn emit(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{args}").and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("{e}");
    }
}

/// `println!` for command output, through [`emit`].
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => { $crate::output::emit(format_args!($($arg)*)) };
}
