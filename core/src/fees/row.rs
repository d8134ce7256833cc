//! The rows of fees.toml as written, and their reading into [`FeeItem`]s: each basis gets
//! exactly the amount fields it needs, or the table is refused.

use jiff::civil::Date;
use serde::Deserialize;

use super::table::{Adjustment, Basis, Charge, FILE, FeeItem, Gap, LateReduction, Stage, When};
use crate::forms::PREFIX_LENGTHS;
use crate::kind::DossierKind;
use crate::legal::{Confidence, DataError, Validity};
use crate::text::Text;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FeesFile {
    pub data_version: String,
    pub fee: Vec<FeeRow>,
    #[serde(default)]
    pub adjustment: Vec<Adjustment>,
    #[serde(default)]
    pub gap: Vec<Gap>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FeeRow {
    id: String,
    kind: DossierKind,
    stage: Stage,
    label_vi: String,
    label_en: String,
    basis: RowBasis,
    when: Option<When>,
    amount_vnd: Option<u64>,
    prefix_length: Option<u32>,
    reduced_after: Option<String>,
    reduced_to_percent: Option<u64>,
    rate_basis_points: Option<u64>,
    min_vnd: Option<u64>,
    max_vnd: Option<u64>,
    source: String,
    valid_from: Date,
    valid_to: Option<Date>,
    confidence: Confidence,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RowBasis {
    Counted(Basis),
    Share(ShareBasis),
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ShareBasis {
    PercentOfContractValue,
}

pub(super) fn bad(message: String) -> DataError {
    DataError::Inconsistent {
        file: FILE,
        message,
    }
}

pub(super) fn check_validity(id: &str, v: &Validity) -> Result<(), DataError> {
    if v.valid_to.is_some_and(|end| end < v.valid_from) {
        return Err(bad(format!("{id}: ends before it starts")));
    }
    Ok(())
}

impl FeeRow {
    pub(super) fn into_item(self) -> Result<FeeItem, DataError> {
        let id = self.id;
        if !id.starts_with(&format!("{}.", self.kind.slug())) {
            return Err(bad(format!(
                "{id}: id does not start with `{}.`",
                self.kind
            )));
        }
        let validity = Validity {
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        };
        check_validity(&id, &validity)?;
        if let Some(w) = self.when
            && !w.fits(self.kind)
        {
            return Err(bad(format!(
                "{id}: condition {w:?} does not fit {}",
                self.kind
            )));
        }
        let charge = match self.basis {
            RowBasis::Counted(basis) => {
                if !basis.fits(self.kind) {
                    return Err(bad(format!(
                        "{id}: basis {basis:?} does not fit {}",
                        self.kind
                    )));
                }
                if self.rate_basis_points.is_some()
                    || self.min_vnd.is_some()
                    || self.max_vnd.is_some()
                {
                    return Err(bad(format!("{id}: rate fields on a counted fee")));
                }
                let Some(unit_vnd) = self.amount_vnd else {
                    return Err(bad(format!("{id}: no amount_vnd")));
                };
                let company_prefix = basis == Basis::PerCompanyPrefix;
                match self.prefix_length {
                    Some(n) if company_prefix && PREFIX_LENGTHS.contains(&n) => {}
                    None if !company_prefix => {}
                    _ => {
                        return Err(bad(format!(
                            "{id}: prefix_length must be an issued length, and only with per_company_prefix"
                        )));
                    }
                }
                let late_reduction = match (self.reduced_after, self.reduced_to_percent) {
                    (None, None) => None,
                    (Some(after), Some(percent)) if percent <= 100 => {
                        Some(parse_month_day(&id, &after, percent)?)
                    }
                    _ => {
                        return Err(bad(format!(
                            "{id}: reduced_after needs reduced_to_percent (at most 100), and the reverse"
                        )));
                    }
                };
                Charge::Counted {
                    basis,
                    unit_vnd,
                    prefix_length: self.prefix_length,
                    late_reduction,
                }
            }
            RowBasis::Share(ShareBasis::PercentOfContractValue) => {
                if self.kind != DossierKind::TechTransfer {
                    return Err(bad(format!(
                        "{id}: a share of a contract value needs a contract"
                    )));
                }
                if self.amount_vnd.is_some()
                    || self.prefix_length.is_some()
                    || self.reduced_after.is_some()
                    || self.reduced_to_percent.is_some()
                {
                    return Err(bad(format!("{id}: counted-fee fields on a share of value")));
                }
                match (self.rate_basis_points, self.min_vnd, self.max_vnd) {
                    (Some(basis_points), Some(min_vnd), Some(max_vnd))
                        if basis_points > 0 && min_vnd <= max_vnd =>
                    {
                        Charge::ShareOfContractValue {
                            basis_points,
                            min_vnd,
                            max_vnd,
                        }
                    }
                    _ => {
                        return Err(bad(format!(
                            "{id}: needs rate_basis_points > 0 and min_vnd <= max_vnd"
                        )));
                    }
                }
            }
        };
        Ok(FeeItem {
            id,
            kind: self.kind,
            stage: self.stage,
            label: Text::new(self.label_vi, self.label_en),
            charge,
            when: self.when,
            source: self.source,
            validity,
            confidence: self.confidence,
        })
    }
}

/// `"MM-DD"`, checked against a leap year so that 29 February is accepted.
fn parse_month_day(id: &str, s: &str, percent: u64) -> Result<LateReduction, DataError> {
    let parsed = s.split_once('-').and_then(|(m, d)| {
        let (month, day) = (m.parse::<i8>().ok()?, d.parse::<i8>().ok()?);
        Date::new(2024, month, day).ok().map(|_| (month, day))
    });
    match parsed {
        Some((month, day)) => Ok(LateReduction {
            month,
            day,
            percent,
        }),
        None => Err(bad(format!("{id}: reduced_after `{s}` is not MM-DD"))),
    }
}
