//! One module per command group; each function maps arguments to one hoso-core call.

pub mod catalog;
pub mod data;
pub mod demo;
pub mod draft;
pub mod fees;
pub mod keys;
pub mod login;
pub mod outbox;
pub mod portal;
pub mod profile;
pub mod render;
pub mod seal;
pub mod status;
pub mod submit;
pub mod tokens;
pub mod validate;
pub mod verify;

use std::path::PathBuf;

use hoso_core::store::{Store, default_data_dir};
use jiff::civil::Date;

use crate::output::{Failure, Out};

/// What every command needs besides its arguments.
pub struct Ctx {
    pub out: Out,
    pub data_dir: Option<PathBuf>,
}

impl Ctx {
    /// The data folder; an encrypted one whose key only its passphrase can give is opened by
    /// asking for it, when a person is at the terminal.
    pub fn store(&self) -> Result<Store, Failure> {
        let dir = match &self.data_dir {
            Some(dir) => dir.clone(),
            None => default_data_dir()?,
        };
        match Store::open(&dir) {
            Err(e) if data::wants_passphrase(&e) && !self.out.json && stdin_is_terminal() => {
                let passphrase = data::ask(self.out.t(
                    "Cụm mật khẩu của thư mục dữ liệu: ",
                    "The data folder's passphrase: ",
                ))?;
                Ok(Store::open_with_passphrase(&dir, Some(&passphrase))?)
            }
            opened => Ok(opened?),
        }
    }
}

fn stdin_is_terminal() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stdin())
}

/// What a command that reads a dossier is pointed at: a draft in the store, or a file.
pub enum Target {
    Draft(i64),
    File(PathBuf),
}

impl Target {
    /// A number is a draft id unless a file of that name exists.
    pub fn parse(arg: &str) -> Target {
        match arg.parse::<i64>() {
            Ok(id) if !std::path::Path::new(arg).exists() => Target::Draft(id),
            _ => Target::File(PathBuf::from(arg)),
        }
    }
}

/// Today in the local time zone: the filing date of a dossier that gives none.
pub fn today() -> Date {
    jiff::Zoned::now().date()
}
