//! The typed forms of the six kinds, and [`Dossier`], the one document a draft holds.
//!
//! A dossier's JSON is the form's fields plus `kind`; the same shape is read by `hoso draft
//! new --from`, written by `hoso draft export` and kept in every revision of the store. Unknown
//! fields are refused, so a typo never silently drops what the user typed.

mod barcode;
mod common;
mod design;
mod patent;
mod tech_transfer;
mod trademark;

pub use barcode::{BarcodeForm, Contact, PREFIX_LENGTHS, Product};
pub use common::{
    Applicant, AttachmentRef, CertificateForm, PartyType, Person, PriorityBasis, PriorityClaim,
    Representative, RepresentativeType, Signatory,
};
pub use design::IndustrialDesignForm;
pub use patent::{Author, PatentForm, PatentOrigin, PatentOriginType};
pub use tech_transfer::{
    Contract, Direction, PartyRole, RegistrationType, TechTransferForm, TransferMethod, TransferOf,
};
pub use trademark::{Mark, MarkType, NiceGroup, Origin, TrademarkForm};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::kind::DossierKind;
use crate::legal::{Forms, Requirement};
use crate::text::nfc_json;
use crate::validate::{Checker, Report};

/// A dossier of any kind: the typed form, tagged by `kind` in JSON.
// One value per open draft, never stored in bulk: boxing the forms would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Dossier {
    TechTransfer(TechTransferForm),
    Patent(PatentForm),
    UtilitySolution(PatentForm),
    IndustrialDesign(IndustrialDesignForm),
    Trademark(TrademarkForm),
    Barcode(BarcodeForm),
}

/// Calls `$body` with `$f` bound to the form inside any variant.
macro_rules! each_form {
    ($self:expr, $f:ident => $body:expr) => {
        match $self {
            Dossier::TechTransfer($f) => $body,
            Dossier::Patent($f) | Dossier::UtilitySolution($f) => $body,
            Dossier::IndustrialDesign($f) => $body,
            Dossier::Trademark($f) => $body,
            Dossier::Barcode($f) => $body,
        }
    };
}

/// A dossier's JSON that cannot be read as its kind's form.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("the dossier has no `kind` field")]
    MissingKind,
    #[error(transparent)]
    UnknownKind(#[from] crate::kind::UnknownKind),
    #[error("{0}")]
    Shape(String),
    #[error("`{0}` cannot be changed with a field edit")]
    Reserved(String),
    #[error("field path `{0}` is not valid")]
    BadPath(String),
}

impl FormError {
    pub fn code(&self) -> &'static str {
        match self {
            FormError::MissingKind => "form.missing_kind",
            FormError::UnknownKind(_) => "form.unknown_kind",
            FormError::Shape(_) => "form.shape",
            FormError::Reserved(_) => "form.reserved_field",
            FormError::BadPath(_) => "form.bad_path",
        }
    }
}

impl Dossier {
    /// An empty form of `kind` on the given form version.
    pub fn empty(kind: DossierKind, form_version: &str) -> Dossier {
        let mut d = match kind {
            DossierKind::TechTransfer => Dossier::TechTransfer(Default::default()),
            DossierKind::Patent => Dossier::Patent(Default::default()),
            DossierKind::UtilitySolution => Dossier::UtilitySolution(Default::default()),
            DossierKind::IndustrialDesign => Dossier::IndustrialDesign(Default::default()),
            DossierKind::Trademark => Dossier::Trademark(Default::default()),
            DossierKind::Barcode => Dossier::Barcode(Default::default()),
        };
        form_version.clone_into(d.form_version_mut());
        d
    }

    /// Reads a dossier from JSON, putting every string into NFC first.
    pub fn from_json(mut value: serde_json::Value) -> Result<Dossier, FormError> {
        nfc_json(&mut value);
        let kind = value
            .get("kind")
            .and_then(|k| k.as_str())
            .ok_or(FormError::MissingKind)?;
        kind.parse::<DossierKind>()?;
        serde_json::from_value(value).map_err(|e| FormError::Shape(e.to_string()))
    }

    pub fn to_json(&self) -> serde_json::Value {
        // A derived Serialize of plain data cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn kind(&self) -> DossierKind {
        match self {
            Dossier::TechTransfer(_) => DossierKind::TechTransfer,
            Dossier::Patent(_) => DossierKind::Patent,
            Dossier::UtilitySolution(_) => DossierKind::UtilitySolution,
            Dossier::IndustrialDesign(_) => DossierKind::IndustrialDesign,
            Dossier::Trademark(_) => DossierKind::Trademark,
            Dossier::Barcode(_) => DossierKind::Barcode,
        }
    }

    pub fn form_version(&self) -> &str {
        each_form!(self, f => &f.form_version)
    }

    pub fn form_version_mut(&mut self) -> &mut String {
        each_form!(self, f => &mut f.form_version)
    }

    pub fn filing_date(&self) -> Option<Date> {
        each_form!(self, f => f.filing_date)
    }

    pub fn applicant(&self) -> &Applicant {
        each_form!(self, f => &f.applicant)
    }

    pub fn applicant_mut(&mut self) -> &mut Applicant {
        each_form!(self, f => &mut f.applicant)
    }

    pub fn attachments(&self) -> &[AttachmentRef] {
        each_form!(self, f => &f.attachments)
    }

    pub fn attachments_mut(&mut self) -> &mut Vec<AttachmentRef> {
        each_form!(self, f => &mut f.attachments)
    }

    pub fn signatory_mut(&mut self) -> &mut Signatory {
        each_form!(self, f => &mut f.signatory)
    }

    pub fn representative(&self) -> &Representative {
        each_form!(self, f => &f.representative)
    }

    pub fn representative_mut(&mut self) -> &mut Representative {
        each_form!(self, f => &mut f.representative)
    }

    pub fn signatory(&self) -> &Signatory {
        each_form!(self, f => &f.signatory)
    }

    pub fn note(&self) -> &str {
        each_form!(self, f => &f.note)
    }

    /// A short title for lists: the mark, the invention, the product or the contract.
    pub fn headline(&self) -> String {
        let s = match self {
            Dossier::TechTransfer(f) => f.contract.technology_name.clone(),
            Dossier::Patent(f) | Dossier::UtilitySolution(f) => f.title.clone(),
            Dossier::IndustrialDesign(f) => f.product_name.clone(),
            Dossier::Trademark(f) => f.mark.description.clone(),
            Dossier::Barcode(f) => format!("GCP-{}", f.prefix_length),
        };
        let name = &self.applicant().name;
        match (s.trim().is_empty(), name.trim().is_empty()) {
            (false, false) => format!("{name} — {s}"),
            (false, true) => s,
            (true, _) => name.clone(),
        }
    }

    /// Whether an attachment slot with requirement `r` must be filled for the dossier as it now
    /// stands, as validation decides it. Conditions are on the form's fields, never on its
    /// attachments, so a filled slot gets the same answer as an empty one.
    pub fn requirement_holds(&self, r: Requirement) -> bool {
        match r {
            Requirement::Always => true,
            Requirement::Never => false,
            r => each_form!(self, f => f.condition_holds(r)),
        }
    }

    /// Every problem of the dossier at once. `today` stands for the filing date when the
    /// dossier has none.
    pub fn validate(&self, forms: &Forms, today: Date) -> Report {
        let filing_date = self.filing_date().unwrap_or(today);
        let Some(form) = forms.get(self.form_version()) else {
            let mut r = Report::default();
            r.problems.push(crate::validate::Problem {
                path: "form_version".into(),
                code: "form_version.unknown".into(),
                severity: crate::validate::Severity::Error,
                message: crate::text::Text::new(
                    format!("Không có mẫu tờ khai \"{}\".", self.form_version()),
                    format!("There is no form version \"{}\".", self.form_version()),
                ),
                source: None,
            });
            return r;
        };
        let mut c = Checker::new(forms, form, filing_date);
        if form.kind != self.kind() {
            c.error(
                "form_version",
                "form_version.other_kind",
                format!("Mẫu {} thuộc loại hồ sơ khác.", form.id),
                format!("Form {} belongs to another kind of dossier.", form.id),
            );
        } else if !form.validity.contains(filing_date) {
            let current = forms
                .in_force(self.kind(), filing_date)
                .map(|f| f.id.clone())
                .unwrap_or_default();
            c.error(
                "form_version",
                "form_version.not_in_force",
                format!("Mẫu {} không còn/chưa áp dụng vào ngày nộp {filing_date}; mẫu đang áp dụng: {current}.", form.id),
                format!("Form {} does not apply on the filing date {filing_date}; the form in force is {current}.", form.id),
            )
            .source = Some(form.source.clone());
        }
        match self {
            Dossier::TechTransfer(f) => f.check(&mut c),
            Dossier::Patent(f) => f.check(DossierKind::Patent, &mut c),
            Dossier::UtilitySolution(f) => f.check(DossierKind::UtilitySolution, &mut c),
            Dossier::IndustrialDesign(f) => f.check(&mut c),
            Dossier::Trademark(f) => f.check(&mut c),
            Dossier::Barcode(f) => f.check(&mut c),
        }
        c.finish()
    }

    /// Sets one field by its dotted path (`applicant.tax_code`, `goods.0.items.3`) and returns
    /// the dossier that results. The value is read as JSON when that fits the field (numbers,
    /// booleans, lists), else as text, so a tax code with a leading zero stays text. An index
    /// one past the end of a list appends.
    pub fn with_field(&self, path: &str, raw: &str) -> Result<Dossier, FormError> {
        let top = path.split('.').next().unwrap_or_default();
        if top == "kind" || top == "attachments" {
            return Err(FormError::Reserved(top.to_owned()));
        }
        let mut candidates = Vec::new();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(raw) {
            candidates.push(v);
        }
        candidates.push(serde_json::Value::String(raw.to_owned()));
        let mut last_err = None;
        for candidate in candidates {
            let mut doc = self.to_json();
            set_path(&mut doc, path, candidate)?;
            match Dossier::from_json(doc) {
                Ok(d) => return Ok(d),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| FormError::BadPath(path.to_owned())))
    }
}

/// Writes `value` at a dotted path, creating objects on the way; numeric segments index lists.
fn set_path(
    doc: &mut serde_json::Value,
    path: &str,
    value: serde_json::Value,
) -> Result<(), FormError> {
    use serde_json::Value;
    let bad = || FormError::BadPath(path.to_owned());
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(bad());
    }
    let mut cur = doc;
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if let Ok(index) = seg.parse::<usize>() {
            let Value::Array(items) = cur else {
                return Err(bad());
            };
            if index > items.len() {
                return Err(bad());
            }
            if index == items.len() {
                items.push(Value::Object(Default::default()));
            }
            if last {
                items[index] = value;
                return Ok(());
            }
            cur = &mut items[index];
        } else {
            if cur.is_null() {
                *cur = Value::Object(Default::default());
            }
            let Value::Object(map) = cur else {
                return Err(bad());
            };
            if last {
                map.insert((*seg).to_owned(), value);
                return Ok(());
            }
            let next_is_index = segments[i + 1].parse::<usize>().is_ok();
            cur = map.entry((*seg).to_owned()).or_insert_with(|| {
                if next_is_index {
                    Value::Array(Vec::new())
                } else {
                    Value::Null
                }
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_refused() {
        let v = serde_json::json!({ "kind": "trademark", "applicant": { "tax_cod": "1" } });
        assert!(matches!(Dossier::from_json(v), Err(FormError::Shape(_))));
    }

    #[test]
    fn field_edit_keeps_leading_zeros_and_reads_numbers() {
        let d = Dossier::empty(DossierKind::Trademark, "trademark/tt10-2026-f04");
        let d = d.with_field("applicant.tax_code", "0100109106").unwrap();
        assert_eq!(d.applicant().tax_code, "0100109106");
        let d = d.with_field("goods.0.class", "9").unwrap();
        let d = d
            .with_field("goods.0.items.0", "Phần mềm máy tính")
            .unwrap();
        let Dossier::Trademark(f) = &d else { panic!() };
        assert_eq!(f.goods[0].class, 9);
        assert_eq!(f.goods[0].items, vec!["Phần mềm máy tính"]);
        assert!(d.with_field("applicant.no_such_field", "x").is_err());
        assert!(matches!(
            d.with_field("kind", "patent"),
            Err(FormError::Reserved(_))
        ));
        assert!(d.with_field("goods.5.class", "9").is_err());
    }
}
