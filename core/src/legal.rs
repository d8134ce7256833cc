//! Versioned legal data: the official form versions and the attachment slots of each.
//!
//! Legal numbers are data, never logic (shared/domain/README.md): each row carries its
//! source, its validity and how sure we are of it. The bundled tables are parsed and checked
//! once, at first use; a malformed table is a build defect that the tests catch.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::kind::DossierKind;
use crate::text::Text;

/// How sure the project is of a legal fact (shared/domain/README.md, confidence legend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// ✔ seen in the text of a source.
    Confirmed,
    /// ◐ one secondary source.
    SingleSource,
    /// ✗ not confirmed: a placeholder the user must be able to see as such.
    Unconfirmed,
}

impl Confidence {
    pub fn label(self) -> Text {
        match self {
            Confidence::Confirmed => Text::new("đã xác nhận", "confirmed"),
            Confidence::SingleSource => Text::new("một nguồn", "single source"),
            Confidence::Unconfirmed => Text::new("chưa xác nhận", "unconfirmed"),
        }
    }
}

/// When a row of legal data applies: both days inclusive, `valid_to` open-ended when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    pub valid_from: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Date>,
}

impl Validity {
    pub fn contains(&self, day: Date) -> bool {
        day >= self.valid_from && self.valid_to.is_none_or(|end| day <= end)
    }
}

/// When an attachment slot must be filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    Always,
    Never,
    /// The applicant files through a representative.
    Agent,
    /// The application claims priority.
    Priority,
    /// A collective or certification mark.
    CollectiveOrCertification,
    /// The contract is not written in Vietnamese.
    ForeignLanguageContract,
}

/// An attachment slot (tài liệu kèm theo) of a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotSpec {
    pub id: String,
    pub label_vi: String,
    pub label_en: String,
    pub required: Requirement,
    /// Media types, as sniffed from the file's bytes.
    pub accept: Vec<String>,
    pub max_mib: u64,
    #[serde(default)]
    pub multiple: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl SlotSpec {
    pub fn label(&self) -> Text {
        Text::new(&self.label_vi, &self.label_en)
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_mib * 1024 * 1024
    }
}

/// One version of an official declaration form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormVersion {
    pub id: String,
    pub kind: DossierKind,
    /// The form's number as the regulation prints it ("Mẫu số 08, Phụ lục I, …").
    pub number: String,
    pub title_vi: String,
    pub title_en: String,
    pub source: String,
    #[serde(flatten)]
    pub validity: Validity,
    pub confidence: Confidence,
    pub slots: Vec<SlotSpec>,
}

impl FormVersion {
    pub fn title(&self) -> Text {
        Text::new(&self.title_vi, &self.title_en)
    }

    pub fn slot(&self, id: &str) -> Option<&SlotSpec> {
        self.slots.iter().find(|s| s.id == id)
    }

    /// The slot a file goes to when the user names none: the kind's "other documents".
    pub fn default_slot(&self) -> Option<&SlotSpec> {
        self.slot("other")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormsFile {
    data_version: String,
    form: Vec<FormRow>,
    slots: BTreeMap<String, Vec<SlotSpec>>,
    priority_period: Vec<PriorityPeriod>,
    classification: Vec<Classification>,
}

/// The priority period of a kind of industrial-property application, in months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityPeriod {
    pub kind: DossierKind,
    pub months: i8,
    pub source: String,
    pub confidence: Confidence,
}

/// A classification system the IP Office applies, and the edition in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassificationSystem {
    Nice,
    Locarno,
}

/// An edition of a classification, with its validity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    pub system: ClassificationSystem,
    pub edition: String,
    pub classes: u32,
    #[serde(flatten)]
    pub validity: Validity,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormRow {
    id: String,
    kind: DossierKind,
    number: String,
    title_vi: String,
    title_en: String,
    source: String,
    valid_from: Date,
    valid_to: Option<Date>,
    confidence: Confidence,
    slots: String,
}

/// A table of the bundled data that does not hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    #[error("{file}: {message}")]
    Parse { file: &'static str, message: String },
    #[error("{file}: {message}")]
    Inconsistent { file: &'static str, message: String },
}

/// The form tables bundled with this build.
#[derive(Debug)]
pub struct Forms {
    pub data_version: String,
    versions: Vec<FormVersion>,
    priority_periods: Vec<PriorityPeriod>,
    classifications: Vec<Classification>,
}

const FORMS_TOML: &str = include_str!("../data/forms.toml");

impl Forms {
    /// Parses and checks a forms table: unique ids, known slot sets, slot ids unique within a
    /// form with an `other` slot, and, per kind, validity periods that neither overlap nor
    /// leave a gap.
    pub fn parse(text: &str) -> Result<Forms, DataError> {
        const FILE: &str = "forms.toml";
        let bad = |message: String| DataError::Inconsistent {
            file: FILE,
            message,
        };
        let file: FormsFile = toml::from_str(text).map_err(|e| DataError::Parse {
            file: FILE,
            message: e.to_string(),
        })?;
        let mut versions = Vec::new();
        for row in file.form {
            let slots = file
                .slots
                .get(&row.slots)
                .ok_or_else(|| bad(format!("{}: unknown slot set `{}`", row.id, row.slots)))?
                .clone();
            let mut seen = std::collections::BTreeSet::new();
            for s in &slots {
                if !seen.insert(s.id.as_str()) {
                    return Err(bad(format!("{}: slot `{}` twice", row.id, s.id)));
                }
            }
            if !seen.contains("other") {
                return Err(bad(format!("{}: no `other` slot", row.id)));
            }
            if versions.iter().any(|v: &FormVersion| v.id == row.id) {
                return Err(bad(format!("form `{}` twice", row.id)));
            }
            if row.valid_to.is_some_and(|end| end < row.valid_from) {
                return Err(bad(format!("{}: ends before it starts", row.id)));
            }
            versions.push(FormVersion {
                id: row.id,
                kind: row.kind,
                number: row.number,
                title_vi: row.title_vi,
                title_en: row.title_en,
                source: row.source,
                validity: Validity {
                    valid_from: row.valid_from,
                    valid_to: row.valid_to,
                },
                confidence: row.confidence,
                slots,
            });
        }
        for kind in DossierKind::ALL {
            let mut of_kind: Vec<&FormVersion> =
                versions.iter().filter(|v| v.kind == kind).collect();
            if of_kind.is_empty() {
                return Err(bad(format!("no form for {kind}")));
            }
            of_kind.sort_by_key(|v| v.validity.valid_from);
            for pair in of_kind.windows(2) {
                let next_day = pair[0].validity.valid_to.and_then(|d| d.tomorrow().ok());
                if next_day != Some(pair[1].validity.valid_from) {
                    return Err(bad(format!(
                        "{} and {} overlap or leave a gap",
                        pair[0].id, pair[1].id
                    )));
                }
            }
        }
        Ok(Forms {
            data_version: file.data_version,
            versions,
            priority_periods: file.priority_period,
            classifications: file.classification,
        })
    }

    /// The tables bundled with this build (checked by the test suite, so the expect below
    /// guards a build defect, not user input).
    pub fn bundled() -> &'static Forms {
        static FORMS: LazyLock<Forms> = LazyLock::new(|| {
            #[allow(clippy::expect_used)]
            Forms::parse(FORMS_TOML).expect("bundled forms.toml is checked by the tests")
        });
        &FORMS
    }

    pub fn get(&self, id: &str) -> Option<&FormVersion> {
        self.versions.iter().find(|v| v.id == id)
    }

    /// The form version in force for `kind` on `day`.
    pub fn in_force(&self, kind: DossierKind, day: Date) -> Option<&FormVersion> {
        self.versions
            .iter()
            .find(|v| v.kind == kind && v.validity.contains(day))
    }

    pub fn all(&self) -> &[FormVersion] {
        &self.versions
    }

    /// The Paris Convention priority period of `kind`, if it has one.
    pub fn priority_period(&self, kind: DossierKind) -> Option<&PriorityPeriod> {
        self.priority_periods.iter().find(|p| p.kind == kind)
    }

    /// The edition of a classification in force on `day`.
    pub fn classification(
        &self,
        system: ClassificationSystem,
        day: Date,
    ) -> Option<&Classification> {
        self.classifications
            .iter()
            .filter(|c| c.system == system && c.validity.contains(day))
            .max_by_key(|c| c.validity.valid_from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn bundled_forms_table_holds_together() {
        let forms = Forms::parse(FORMS_TOML).unwrap();
        assert!(forms.all().len() >= 6);
    }

    #[test]
    fn form_version_is_chosen_by_filing_date() {
        let forms = Forms::bundled();
        let before = forms
            .in_force(DossierKind::Trademark, date(2026, 3, 31))
            .unwrap();
        let after = forms
            .in_force(DossierKind::Trademark, date(2026, 4, 1))
            .unwrap();
        assert_eq!(before.id, "trademark/nd65-2023-f08");
        assert_eq!(after.id, "trademark/tt10-2026-f04");
        assert!(after.number.contains("Mẫu số 04"));
        assert!(
            forms
                .in_force(DossierKind::Trademark, date(2020, 1, 1))
                .is_none()
        );
    }

    #[test]
    fn overlapping_versions_are_refused() {
        let text = FORMS_TOML.replace("valid_to = \"2026-03-31\"", "valid_to = \"2026-04-02\"");
        assert!(matches!(
            Forms::parse(&text),
            Err(DataError::Inconsistent { .. })
        ));
    }

    #[test]
    fn every_form_has_a_slot_for_other_documents() {
        for v in Forms::bundled().all() {
            assert!(v.default_slot().is_some(), "{}", v.id);
        }
    }
}
