//! One module per command group; each function maps arguments to one hoso-core call.

pub mod demo;
pub mod draft;
pub mod profile;
pub mod validate;

use std::path::PathBuf;

use hoso_core::store::Store;
use jiff::civil::Date;

use crate::output::{Failure, Out};

/// What every command needs besides its arguments.
pub struct Ctx {
    pub out: Out,
    pub data_dir: Option<PathBuf>,
}

impl Ctx {
    pub fn store(&self) -> Result<Store, Failure> {
        let store = match &self.data_dir {
            Some(dir) => Store::open(dir),
            None => Store::open_default(),
        };
        Ok(store?)
    }
}

/// Today in the local time zone: the filing date of a dossier that gives none.
pub fn today() -> Date {
    jiff::Zoned::now().date()
}
