//! The procedure catalog and the data set it heads: catalog, form versions and fee tables,
//! versioned together. The set bundled with the build is always there; newer sets arrive as
//! data packs signed by the portal ([`pack`]) and are kept beside the older ones, so a draft
//! started under an old form version can still be validated and rendered.

pub mod pack;

use std::sync::LazyLock;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::fees::FeeTables;
use crate::kind::DossierKind;
use crate::legal::{Confidence, DataError, Forms};
use crate::text::Text;

/// One procedure (thủ tục) that a kind of dossier files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    pub kind: DossierKind,
    pub name_vi: String,
    pub name_en: String,
    /// National administrative-procedure code (mã thủ tục); empty while unknown.
    pub national_code: String,
    pub authority_vi: String,
    pub authority_en: String,
    pub processing_vi: String,
    pub processing_en: String,
    pub source: String,
    pub confidence: Confidence,
}

impl Procedure {
    pub fn name(&self) -> Text {
        Text::new(&self.name_vi, &self.name_en)
    }

    pub fn authority(&self) -> Text {
        Text::new(&self.authority_vi, &self.authority_en)
    }
}

/// The catalog file of a data set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub version: String,
    pub date: Date,
    #[serde(rename = "procedure")]
    pub procedures: Vec<Procedure>,
}

impl Catalog {
    pub fn procedure(&self, kind: DossierKind) -> Option<&Procedure> {
        self.procedures.iter().find(|p| p.kind == kind)
    }
}

/// The three files of a data set, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFiles {
    #[serde(rename = "catalog.toml")]
    pub catalog: String,
    #[serde(rename = "forms.toml")]
    pub forms: String,
    #[serde(rename = "fees.toml")]
    pub fees: String,
}

impl DataFiles {
    /// The files bundled with this build.
    pub fn bundled() -> DataFiles {
        DataFiles {
            catalog: include_str!("../../data/catalog.toml").to_owned(),
            forms: include_str!("../../data/forms.toml").to_owned(),
            fees: include_str!("../../data/fees.toml").to_owned(),
        }
    }
}

/// A checked data set: the catalog with the forms and fees it refers to.
#[derive(Debug)]
pub struct DataSet {
    pub catalog: Catalog,
    pub forms: Forms,
    pub fees: FeeTables,
}

impl DataSet {
    /// Parses and checks the three files and that they belong together: one procedure per
    /// kind, each with a form version.
    pub fn parse(files: &DataFiles) -> Result<DataSet, DataError> {
        let catalog: Catalog = toml::from_str(&files.catalog).map_err(|e| DataError::Parse {
            file: "catalog.toml",
            message: e.to_string(),
        })?;
        let forms = Forms::parse(&files.forms)?;
        let fees = FeeTables::parse(&files.fees)?;
        for kind in DossierKind::ALL {
            if catalog.procedures.iter().filter(|p| p.kind == kind).count() != 1 {
                return Err(DataError::Inconsistent {
                    file: "catalog.toml",
                    message: format!("{kind} must have exactly one procedure"),
                });
            }
        }
        if version_key(&catalog.version).is_none() {
            return Err(DataError::Inconsistent {
                file: "catalog.toml",
                message: format!("version `{}` is not N.N.N", catalog.version),
            });
        }
        Ok(DataSet {
            catalog,
            forms,
            fees,
        })
    }

    /// The data set bundled with this build (checked by the tests).
    pub fn bundled() -> &'static DataSet {
        static SET: LazyLock<DataSet> = LazyLock::new(|| {
            #[allow(clippy::expect_used)]
            DataSet::parse(&DataFiles::bundled()).expect("bundled data set is checked by the tests")
        });
        &SET
    }

    pub fn version(&self) -> &str {
        &self.catalog.version
    }
}

/// The data sets an installation knows, newest first: adopted packs and the bundled set.
#[derive(Debug)]
pub struct Library {
    sets: Vec<LibrarySet>,
}

#[derive(Debug)]
enum LibrarySet {
    Bundled,
    Adopted(Box<DataSet>),
}

impl Library {
    /// Only the set bundled with this build (for dossier files read without a store).
    pub fn bundled() -> Library {
        Library {
            sets: vec![LibrarySet::Bundled],
        }
    }

    /// The bundled set and every pack adopted into `store` that is newer than it.
    pub fn load(store: &crate::store::Store) -> Result<Library, crate::store::StoreError> {
        let bundled = version_key(DataSet::bundled().version());
        let mut adopted: Vec<DataSet> = pack::adopted_sets(store)?
            .into_iter()
            .filter(|s| version_key(s.version()) > bundled)
            .collect();
        adopted.sort_by_key(|s| std::cmp::Reverse(version_key(s.version())));
        let mut sets: Vec<LibrarySet> = adopted
            .into_iter()
            .map(|s| LibrarySet::Adopted(Box::new(s)))
            .collect();
        sets.push(LibrarySet::Bundled);
        Ok(Library { sets })
    }

    fn all(&self) -> impl Iterator<Item = &DataSet> {
        self.sets.iter().map(|s| match s {
            LibrarySet::Bundled => DataSet::bundled(),
            LibrarySet::Adopted(set) => set,
        })
    }

    /// The newest set: the one new drafts start on.
    pub fn newest(&self) -> &DataSet {
        self.all().next().unwrap_or_else(|| DataSet::bundled())
    }

    /// The newest set that knows a form version, so a draft started under an older set is
    /// still checked and rendered with its own form.
    pub fn for_form(&self, form_version: &str) -> &DataSet {
        self.all()
            .find(|s| s.forms.get(form_version).is_some())
            .unwrap_or_else(|| self.newest())
    }

    /// Whether a data set the portal offers is newer than every set known here.
    pub fn is_newer(&self, offered_version: &str) -> bool {
        version_key(offered_version) > version_key(self.newest().version())
    }

    /// The versions known, newest first.
    pub fn versions(&self) -> Vec<&str> {
        self.all().map(DataSet::version).collect()
    }
}

/// Orders data-set versions `2026.11.1` < `2026.12.0` < `2027.1.0`; `None` if malformed.
pub fn version_key(version: &str) -> Option<Vec<u64>> {
    let parts: Option<Vec<u64>> = version.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| p.len() == 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_data_set_holds_together() {
        let set = DataSet::parse(&DataFiles::bundled()).unwrap();
        for kind in DossierKind::ALL {
            assert!(set.catalog.procedure(kind).is_some());
        }
        assert_eq!(set.version(), "2026.11.1");
    }

    #[test]
    fn versions_order_numerically() {
        assert!(version_key("2026.11.1") < version_key("2026.12.0"));
        assert!(version_key("2026.9.9") < version_key("2026.10.0"));
        assert!(version_key("2026.11").is_none());
    }

    #[test]
    fn a_catalog_missing_a_kind_is_refused() {
        let mut files = DataFiles::bundled();
        let cut = files
            .catalog
            .find("[[procedure]]\nkind = \"barcode\"")
            .unwrap();
        files.catalog.truncate(cut);
        assert!(DataSet::parse(&files).is_err());
    }
}
