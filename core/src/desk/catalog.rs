//! The procedures a user can start a dossier for, from the newest data set this installation
//! has (bundled, or adopted from a signed data pack).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::DeskResult;
use crate::catalog::Library;
use crate::fees::Stage;
use crate::kind::{DossierKind, Family};
use crate::legal::Confidence;
use crate::store::Store;
use crate::text::Text;

/// One procedure (thủ tục), as the "new dossier" screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProcedureView {
    pub kind: DossierKind,
    pub family: Family,
    pub name: Text,
    pub authority: Text,
    /// How long the authority takes, as the catalog words it.
    pub processing: Text,
    /// National administrative-procedure code; empty while unknown.
    pub national_code: String,
    /// The declaration form in force today, if any.
    pub form: Option<FormView>,
    /// The fees charged for this kind today (amounts follow from the dossier's contents).
    pub fees: Vec<FeeItemView>,
    pub source: String,
    pub confidence: Confidence,
    /// The data set the procedure comes from.
    pub data_version: String,
}

/// A version of an official declaration form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormView {
    pub id: String,
    /// The form's number in its legal source (`Mẫu số 08`).
    pub number: String,
    pub title: Text,
    pub source: String,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
}

/// A fee item of a procedure: what is charged, at which stage, on which basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FeeItemView {
    pub id: String,
    pub stage: Stage,
    pub label: Text,
    pub source: String,
    pub confidence: Confidence,
}

/// The six procedures, in the catalog's order of kinds.
pub fn procedures(store: &Store, today: Date) -> DeskResult<Vec<ProcedureView>> {
    let library = Library::load(store)?;
    let set = library.newest();
    Ok(DossierKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let p = set.catalog.procedure(kind)?;
            let form = set.forms.in_force(kind, today).map(|f| FormView {
                id: f.id.clone(),
                number: f.number.clone(),
                title: f.title(),
                source: f.source.clone(),
                valid_from: f.validity.valid_from,
                valid_to: f.validity.valid_to,
            });
            let fees = set
                .fees
                .in_force(kind, today)
                .map(|item| FeeItemView {
                    id: item.id.clone(),
                    stage: item.stage,
                    label: item.label.clone(),
                    source: item.source.clone(),
                    confidence: item.confidence,
                })
                .collect();
            Some(ProcedureView {
                kind,
                family: kind.family(),
                name: p.name(),
                authority: p.authority(),
                processing: Text::new(&p.processing_vi, &p.processing_en),
                national_code: p.national_code.clone(),
                form,
                fees,
                source: p.source.clone(),
                confidence: p.confidence,
                data_version: set.version().to_owned(),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_six_procedures_each_have_a_form_and_fees_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let list = procedures(&store, jiff::civil::date(2026, 11, 23)).unwrap();
        assert_eq!(list.len(), 6);
        assert_eq!(list[4].kind, DossierKind::Trademark);
        for p in &list {
            assert!(p.form.is_some(), "{:?} has a form in force", p.kind);
            assert!(!p.fees.is_empty(), "{:?} has fees", p.kind);
            assert!(!p.name.vi.is_empty());
        }
    }
}
