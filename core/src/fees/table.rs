//! The fee tables bundled in `core/data/fees.toml`: fee items, temporary adjustments and the
//! gaps the tables leave, as types that only hold what the calculator can use.

use std::sync::LazyLock;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::row::{FeesFile, bad, check_validity};
use crate::kind::DossierKind;
use crate::legal::{Confidence, DataError, Validity};
use crate::text::Text;

pub(super) const FILE: &str = "fees.toml";
const FEES_TOML: &str = include_str!("../../data/fees.toml");

/// When a fee is due: with the application, or later (after the notice of intention to grant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Filing,
    Grant,
}

/// What a counted fee is counted on (the closed set of `basis` in fees.toml, less
/// `percent_of_contract_value`, which is a [`Charge::ShareOfContractValue`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    PerApplication,
    PerPriorityClaim,
    PerNiceClass,
    #[serde(rename = "per_item_beyond_6_in_class")]
    PerItemBeyond6InClass,
    #[serde(rename = "per_class_beyond_1")]
    PerClassBeyond1,
    /// Charged only when the IP Office has to classify; no form records that, so it is noted.
    PerClassIfOfficeClassifies,
    PerIndependentClaim,
    #[serde(rename = "per_page_beyond_6")]
    PerPageBeyond6,
    #[serde(rename = "per_figure_beyond_1")]
    PerFigureBeyond1,
    PerDesign,
    PerCompanyPrefix,
    PerGln,
    #[serde(rename = "per_ean8")]
    PerEan8,
}

impl Basis {
    pub(super) fn fits(self, kind: DossierKind) -> bool {
        use DossierKind as K;
        let ip = matches!(
            kind,
            K::Patent | K::UtilitySolution | K::IndustrialDesign | K::Trademark
        );
        match self {
            Basis::PerApplication => kind != K::Barcode && kind != K::TechTransfer,
            Basis::PerPriorityClaim => ip,
            Basis::PerNiceClass | Basis::PerItemBeyond6InClass | Basis::PerClassBeyond1 => {
                kind == K::Trademark
            }
            Basis::PerClassIfOfficeClassifies => {
                matches!(kind, K::Trademark | K::IndustrialDesign)
            }
            Basis::PerIndependentClaim | Basis::PerPageBeyond6 => {
                matches!(kind, K::Patent | K::UtilitySolution)
            }
            Basis::PerFigureBeyond1 => {
                matches!(kind, K::Patent | K::UtilitySolution | K::IndustrialDesign)
            }
            Basis::PerDesign => kind == K::IndustrialDesign,
            Basis::PerCompanyPrefix | Basis::PerGln | Basis::PerEan8 => kind == K::Barcode,
        }
    }
}

/// A condition on the form for a fee to be charged at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// The patent form requests substantive examination.
    ExaminationRequest,
    /// A first technology-transfer registration.
    FirstRegistration,
    /// Registration of an amendment or supplement of a technology-transfer contract.
    AmendmentRegistration,
}

impl When {
    pub(super) fn fits(self, kind: DossierKind) -> bool {
        match self {
            When::ExaminationRequest => {
                matches!(kind, DossierKind::Patent | DossierKind::UtilitySolution)
            }
            When::FirstRegistration | When::AmendmentRegistration => {
                kind == DossierKind::TechTransfer
            }
        }
    }
}

/// The unit amount falls to `percent` when the day falls after `month`/`day` of its year
/// (Circular 232/2016: first-year maintenance at 50 % after 30 June).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LateReduction {
    pub month: i8,
    pub day: i8,
    pub percent: u64,
}

impl LateReduction {
    pub fn applies_on(&self, day: Date) -> bool {
        (day.month(), day.day()) > (self.month, self.day)
    }
}

/// How a fee's amount is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Charge {
    /// `unit_vnd` for each unit counted on `basis`.
    Counted {
        basis: Basis,
        unit_vnd: u64,
        /// The company-prefix length a `per_company_prefix` row is for.
        prefix_length: Option<u32>,
        late_reduction: Option<LateReduction>,
    },
    /// A share of the contract value in basis points (1/100 of a percent), clamped.
    ShareOfContractValue {
        basis_points: u64,
        min_vnd: u64,
        max_vnd: u64,
    },
}

/// One fee item (khoản phí, lệ phí) for one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeItem {
    pub id: String,
    pub kind: DossierKind,
    pub stage: Stage,
    pub label: Text,
    pub charge: Charge,
    pub when: Option<When>,
    pub source: String,
    pub validity: Validity,
    pub confidence: Confidence,
}

/// A further condition of a temporary measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlyWhen {
    /// Filed through VNeID; no form records the channel yet.
    VneidFiling,
}

/// A temporary measure (a reduction or waiver) kept apart from the base amounts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    pub id: String,
    pub kinds: Vec<DossierKind>,
    /// The fee ids it touches; empty for every fee of `kinds`.
    pub fees: Vec<String>,
    /// The share of those fees still due, in percent.
    pub payable_percent: u64,
    /// Whether the calculator applies it; false while its scope is unconfirmed.
    pub applies: bool,
    #[serde(default)]
    pub only_when: Option<OnlyWhen>,
    pub label_vi: String,
    pub label_en: String,
    /// Why it is not applied (or what to know when it is).
    pub note_vi: String,
    pub note_en: String,
    pub source: String,
    #[serde(flatten)]
    pub validity: Validity,
    pub confidence: Confidence,
}

impl Adjustment {
    pub fn label(&self) -> Text {
        Text::new(&self.label_vi, &self.label_en)
    }

    pub fn note(&self) -> Text {
        Text::new(&self.note_vi, &self.note_en)
    }

    pub fn touches(&self, fee_id: &str) -> bool {
        self.fees.is_empty() || self.fees.iter().any(|f| f == fee_id)
    }
}

/// Something the tables do not cover for a kind, told with every schedule of that kind.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    pub kind: DossierKind,
    pub note_vi: String,
    pub note_en: String,
    pub source: String,
    pub confidence: Confidence,
}

/// The fee tables of this build.
#[derive(Debug)]
pub struct FeeTables {
    pub data_version: String,
    items: Vec<FeeItem>,
    adjustments: Vec<Adjustment>,
    gaps: Vec<Gap>,
}

impl FeeTables {
    /// Parses and checks a fee table: ids start with their kind and do not overlap in time,
    /// each basis and condition fits its kind, each basis has exactly the amount fields it
    /// needs, and adjustments name fees that exist.
    pub fn parse(text: &str) -> Result<FeeTables, DataError> {
        let file: FeesFile = toml::from_str(text).map_err(|e| DataError::Parse {
            file: FILE,
            message: e.to_string(),
        })?;
        let mut items: Vec<FeeItem> = Vec::new();
        for row in file.fee {
            let item = row.into_item()?;
            let overlaps = items.iter().any(|other| {
                other.id == item.id
                    && other
                        .validity
                        .valid_to
                        .is_none_or(|e| e >= item.validity.valid_from)
                    && item
                        .validity
                        .valid_to
                        .is_none_or(|e| e >= other.validity.valid_from)
            });
            if overlaps {
                return Err(bad(format!("{}: two rows overlap in time", item.id)));
            }
            items.push(item);
        }
        for a in &file.adjustment {
            if a.kinds.is_empty() {
                return Err(bad(format!("adjustment {}: no kinds", a.id)));
            }
            if a.payable_percent > 100 {
                return Err(bad(format!(
                    "adjustment {}: payable_percent over 100",
                    a.id
                )));
            }
            check_validity(&a.id, &a.validity)?;
            for fee in &a.fees {
                let Some(item) = items.iter().find(|i| &i.id == fee) else {
                    return Err(bad(format!("adjustment {}: unknown fee `{fee}`", a.id)));
                };
                if !a.kinds.contains(&item.kind) {
                    return Err(bad(format!(
                        "adjustment {}: fee `{fee}` is not of its kinds",
                        a.id
                    )));
                }
            }
        }
        Ok(FeeTables {
            data_version: file.data_version,
            items,
            adjustments: file.adjustment,
            gaps: file.gap,
        })
    }

    /// The tables bundled with this build (checked by the test suite, so the expect below
    /// guards a build defect, not user input).
    pub fn bundled() -> &'static FeeTables {
        static TABLES: LazyLock<FeeTables> = LazyLock::new(|| {
            #[allow(clippy::expect_used)]
            FeeTables::parse(FEES_TOML).expect("bundled fees.toml is checked by the tests")
        });
        &TABLES
    }

    /// The fee items of `kind` in force on `day`, in table order.
    pub fn in_force(&self, kind: DossierKind, day: Date) -> impl Iterator<Item = &FeeItem> {
        self.items
            .iter()
            .filter(move |i| i.kind == kind && i.validity.contains(day))
    }

    /// The temporary measures for `kind` in force on `day`, applied or not.
    pub fn adjustments(&self, kind: DossierKind, day: Date) -> impl Iterator<Item = &Adjustment> {
        self.adjustments
            .iter()
            .filter(move |a| a.kinds.contains(&kind) && a.validity.contains(day))
    }

    pub fn gaps(&self, kind: DossierKind) -> impl Iterator<Item = &Gap> {
        self.gaps.iter().filter(move |g| g.kind == kind)
    }

    pub fn items(&self) -> &[FeeItem] {
        &self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_fee_table_holds_together() {
        let tables = FeeTables::parse(FEES_TOML).unwrap();
        for kind in DossierKind::ALL {
            assert!(
                tables
                    .in_force(kind, jiff::civil::date(2026, 11, 23))
                    .count()
                    > 0,
                "{kind}"
            );
        }
    }

    fn refused(from: &str, to: &str) -> bool {
        assert!(FEES_TOML.contains(from), "{from}");
        matches!(
            FeeTables::parse(&FEES_TOML.replacen(from, to, 1)),
            Err(DataError::Inconsistent { .. } | DataError::Parse { .. })
        )
    }

    #[test]
    fn inconsistent_rows_are_refused() {
        assert!(refused(
            "basis = \"per_nice_class\"",
            "basis = \"per_design\""
        ));
        assert!(refused(
            "basis = \"per_application\"",
            "basis = \"per_page\""
        ));
        assert!(refused(
            "id = \"trademark.filing\"",
            "id = \"patent.filing\""
        ));
        assert!(refused("prefix_length = 8", "prefix_length = 11"));
        assert!(refused(
            "reduced_after = \"06-30\"",
            "reduced_after = \"06-31\""
        ));
        assert!(refused("min_vnd = 5000000", "min_vnd = 50000000"));
        assert!(refused(
            "\"trademark.grant\",\n]",
            "\"trademark.grants\",\n]"
        ));
        assert!(refused("amount_vnd = 150000", "amount_vnd_typo = 150000"));
    }

    #[test]
    fn a_later_period_of_the_same_fee_must_not_overlap() {
        let row = "\n[[fee]]\nid = \"trademark.filing\"\nkind = \"trademark\"\nstage = \"filing\"\nlabel_vi = \"x\"\nlabel_en = \"x\"\nbasis = \"per_application\"\namount_vnd = 1\nsource = \"x\"\nconfidence = \"unconfirmed\"\n";
        let overlapping = format!("{FEES_TOML}{row}valid_from = \"2026-01-01\"\n");
        assert!(FeeTables::parse(&overlapping).is_err());
        let closed = FEES_TOML.replacen(
            "valid_from = \"2017-01-01\"\nconfidence = \"single-source\"",
            "valid_from = \"2017-01-01\"\nvalid_to = \"2025-12-31\"\nconfidence = \"single-source\"",
            1,
        );
        let later = format!("{closed}{row}valid_from = \"2026-01-01\"\n");
        let tables = FeeTables::parse(&later).unwrap();
        let on = |y, m, d| {
            tables
                .in_force(DossierKind::Trademark, jiff::civil::date(y, m, d))
                .find(|i| i.id == "trademark.filing")
                .map(|i| i.charge.clone())
        };
        assert!(matches!(
            on(2025, 12, 31),
            Some(Charge::Counted {
                unit_vnd: 150000,
                ..
            })
        ));
        assert!(matches!(
            on(2026, 1, 1),
            Some(Charge::Counted { unit_vnd: 1, .. })
        ));
    }
}
