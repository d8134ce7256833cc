//! Fees (phí, lệ phí) of a dossier: the lines due with the application and those due later,
//! computed from the versioned tables of `core/data/fees.toml` and the typed form.
//!
//! Amounts are integer đồng throughout. Legal numbers live in the tables, never here
//! (shared/domain/README.md); this module only knows how each basis is counted. Every line
//! keeps its source and confidence so that the output can flag what is not confirmed, and the
//! temporary measures the tables hold are reported even while they are not applied.

mod count;
mod row;
mod table;

pub use table::{
    Adjustment, Basis, Charge, FeeItem, FeeTables, Gap, LateReduction, OnlyWhen, Stage, When,
};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::forms::Dossier;
use crate::legal::Confidence;
use crate::text::{Lang, Text};

/// One line of a fee schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FeeLine {
    /// The fee item's id in the table (`trademark.search`).
    pub id: String,
    pub stage: Stage,
    pub label: Text,
    pub quantity: u64,
    /// The amount per unit charged, after any reduction the table itself sets (the barcode
    /// maintenance after 30 June); `amount_vnd = quantity × unit_vnd` unless a temporary
    /// measure was applied, which the basis then says.
    pub unit_vnd: u64,
    pub amount_vnd: u64,
    /// How the amount was found, for a person: "2 nhóm × 180.000".
    pub basis: Text,
    pub source: String,
    pub confidence: Confidence,
}

impl FeeLine {
    /// A line the user must see as not confirmed (◐ single source or ✗ unconfirmed).
    pub fn flagged(&self) -> bool {
        self.confidence != Confidence::Confirmed
    }
}

/// The fees of one dossier on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FeeSchedule {
    /// `data_version` of the fee tables used.
    pub table_version: String,
    /// The day the tables were chosen for: the filing date, or the day given when the dossier
    /// has none.
    pub day: Date,
    pub lines: Vec<FeeLine>,
    pub total_at_filing_vnd: u64,
    pub total_later_vnd: u64,
    pub notes: Vec<Text>,
}

/// The fee schedule of `dossier`. `today` stands for the filing date when the dossier has
/// none; the rows in force on that day are used. Lines that count nothing are left out.
pub fn compute(dossier: &Dossier, tables: &FeeTables, today: Date) -> FeeSchedule {
    let day = dossier.filing_date().unwrap_or(today);
    let kind = dossier.kind();
    let mut lines = Vec::new();
    let mut notes = Vec::new();
    for item in tables.in_force(kind, day) {
        if item.when.is_some_and(|w| !count::holds(w, dossier)) {
            continue;
        }
        match &item.charge {
            Charge::Counted {
                basis: Basis::PerClassIfOfficeClassifies,
                unit_vnd,
                ..
            } => notes.push(Text::new(
                format!(
                    "Chưa tính {}: {} đồng mỗi nhóm ({}).",
                    lower_first(&item.label.vi),
                    format_vnd(*unit_vnd),
                    item.confidence.label().vi
                ),
                format!(
                    "Not included: {}: {} VND per class ({}).",
                    item.label.en,
                    format_amount(*unit_vnd, Lang::En),
                    item.confidence.label().en
                ),
            )),
            Charge::Counted {
                basis,
                unit_vnd,
                prefix_length,
                late_reduction,
            } => {
                let c = count::count(*basis, *prefix_length, dossier);
                if c.quantity == 0 {
                    continue;
                }
                let reduced = late_reduction.filter(|r| r.applies_on(day));
                let unit = match reduced {
                    Some(r) => unit_vnd.saturating_mul(r.percent) / 100,
                    None => *unit_vnd,
                };
                let mut basis_text = Text::new(
                    format!("{} × {}", c.what.vi, format_vnd(*unit_vnd)),
                    format!("{} × {}", c.what.en, format_amount(*unit_vnd, Lang::En)),
                );
                if let Some(r) = reduced {
                    basis_text.vi.push_str(&format!(
                        " × {} % (sau ngày {:02}/{:02})",
                        r.percent, r.day, r.month
                    ));
                    basis_text.en.push_str(&format!(
                        " × {} % (after {} {})",
                        r.percent,
                        r.day,
                        month_name(r.month)
                    ));
                }
                lines.push(line(item, c.quantity, unit, basis_text));
            }
            Charge::ShareOfContractValue {
                basis_points,
                min_vnd,
                max_vnd,
            } => {
                let value = match dossier {
                    Dossier::TechTransfer(f) => f.contract.value_vnd.filter(|&v| v > 0),
                    _ => None,
                };
                let Some(value) = value else {
                    notes.push(Text::new(
                        format!(
                            "Chưa tính {}: chưa khai giá trị hợp đồng; phí bằng {} giá trị, tối thiểu {}, tối đa {} đồng.",
                            lower_first(&item.label.vi),
                            percent_text(*basis_points, Lang::Vi),
                            format_vnd(*min_vnd),
                            format_vnd(*max_vnd)
                        ),
                        format!(
                            "Not included: {}: the contract value is missing; the fee is {} of it, at least {} and at most {} VND.",
                            item.label.en,
                            percent_text(*basis_points, Lang::En),
                            format_amount(*min_vnd, Lang::En),
                            format_amount(*max_vnd, Lang::En)
                        ),
                    ));
                    continue;
                };
                let share = share_of_value(value, *basis_points);
                let fee = share.vnd.clamp(*min_vnd, *max_vnd);
                let basis_text =
                    share_basis(value, *basis_points, share.vnd, fee, *min_vnd, *max_vnd);
                if share.fractional && fee == share.vnd {
                    notes.push(Text::new(
                        "Phí thẩm định có phần lẻ dưới một đồng và được làm tròn xuống; văn bản không quy định cách làm tròn, đây là lựa chọn của Hồ sơ số.",
                        "The appraisal fee had a fraction of a đồng and was rounded down; the sources give no rounding rule, so this is Hồ sơ số's choice.",
                    ));
                }
                lines.push(line(item, 1, fee, basis_text));
            }
        }
    }
    for adj in tables.adjustments(kind, day) {
        // No form records the filing channel yet, so a VNeID-only measure never applies.
        let condition_met = adj.only_when.is_none();
        if adj.applies && condition_met {
            for l in lines.iter_mut().filter(|l| adj.touches(&l.id)) {
                l.amount_vnd = l.amount_vnd.saturating_mul(adj.payable_percent) / 100;
                l.basis
                    .vi
                    .push_str(&format!(" × {} % ({})", adj.payable_percent, adj.id));
                l.basis
                    .en
                    .push_str(&format!(" × {} % ({})", adj.payable_percent, adj.id));
            }
            notes.push(Text::new(
                format!("Đã áp dụng: {}; {}.", adj.label_vi, adj.note_vi),
                format!("Applied: {}; {}.", adj.label_en, adj.note_en),
            ));
        } else {
            notes.push(Text::new(
                format!("Chưa áp dụng: {} — {}.", adj.label_vi, adj.note_vi),
                format!("Not applied: {} — {}.", adj.label_en, adj.note_en),
            ));
        }
    }
    for gap in tables.gaps(kind) {
        notes.push(Text::new(&gap.note_vi, &gap.note_en));
    }
    if dossier.filing_date().is_none() {
        notes.push(Text::new(
            format!("Hồ sơ chưa có ngày nộp: phí được tính như nộp ngày {day}."),
            format!("The dossier has no filing date: fees are computed as if filed on {day}."),
        ));
    }
    if lines.is_empty() {
        notes.push(Text::new(
            format!(
                "Biểu phí {} không có khoản nào áp dụng cho hồ sơ này vào ngày {day}.",
                tables.data_version
            ),
            format!(
                "No item of fee table {} applies to this dossier on {day}.",
                tables.data_version
            ),
        ));
    }
    let total = |stage| {
        lines
            .iter()
            .filter(|l: &&FeeLine| l.stage == stage)
            .map(|l| l.amount_vnd)
            .fold(0u64, u64::saturating_add)
    };
    FeeSchedule {
        table_version: tables.data_version.clone(),
        day,
        total_at_filing_vnd: total(Stage::Filing),
        total_later_vnd: total(Stage::Grant),
        lines,
        notes,
    }
}

fn line(item: &FeeItem, quantity: u64, unit_vnd: u64, basis: Text) -> FeeLine {
    FeeLine {
        id: item.id.clone(),
        stage: item.stage,
        label: item.label.clone(),
        quantity,
        unit_vnd,
        amount_vnd: quantity.saturating_mul(unit_vnd),
        basis,
        source: item.source.clone(),
        confidence: item.confidence,
    }
}

struct Share {
    vnd: u64,
    /// The exact share had a fraction of a đồng.
    fractional: bool,
}

/// `value × basis_points / 10 000`, rounded down to the đồng. Circular 169/2016 gives no
/// rounding rule (tech-transfer.md); rounding down is the project's choice, never charging
/// more than the exact share.
fn share_of_value(value: u64, basis_points: u64) -> Share {
    let exact = u128::from(value) * u128::from(basis_points);
    Share {
        vnd: u64::try_from(exact / 10_000).unwrap_or(u64::MAX),
        fractional: exact % 10_000 != 0,
    }
}

fn share_basis(value: u64, bp: u64, share: u64, fee: u64, min: u64, max: u64) -> Text {
    let en = |n| format_amount(n, Lang::En);
    let head = Text::new(
        format!(
            "{} × {} = {}",
            percent_text(bp, Lang::Vi),
            format_vnd(value),
            format_vnd(share)
        ),
        format!(
            "{} × {} = {}",
            percent_text(bp, Lang::En),
            en(value),
            en(share)
        ),
    );
    let (vi, en_tail) = if fee > share {
        (
            format!("nâng lên mức tối thiểu {}", format_vnd(min)),
            format!("raised to the minimum {}", en(min)),
        )
    } else if fee < share {
        (
            format!("giảm xuống mức tối đa {}", format_vnd(max)),
            format!("capped at the maximum {}", en(max)),
        )
    } else {
        (
            format!("trong khung {}–{}", format_vnd(min), format_vnd(max)),
            format!("within {}–{}", en(min), en(max)),
        )
    };
    Text::new(
        format!("{}, {vi}", head.vi),
        format!("{}, {en_tail}", head.en),
    )
}

/// Basis points as a percentage: 10 → "0,1 %" (vi) / "0.1 %" (en).
fn percent_text(bp: u64, lang: Lang) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    let sep = if lang == Lang::Vi { ',' } else { '.' };
    if frac == 0 {
        format!("{whole} %")
    } else {
        let digits = format!("{frac:02}");
        format!("{whole}{sep}{} %", digits.trim_end_matches('0'))
    }
}

fn month_name(month: i8) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    usize::try_from(month - 1)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("?")
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An amount in đồng with the Vietnamese thousands separator: 2030000 → "2.030.000".
pub fn format_vnd(n: u64) -> String {
    group_digits(n, '.')
}

/// An amount in the user's language: "2.030.000" in Vietnamese, "2,030,000" in English.
pub fn format_amount(n: u64, lang: Lang) -> String {
    match lang {
        Lang::Vi => group_digits(n, '.'),
        Lang::En => group_digits(n, ','),
    }
}

fn group_digits(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_use_the_vietnamese_thousands_separator() {
        assert_eq!(format_vnd(0), "0");
        assert_eq!(format_vnd(999), "999");
        assert_eq!(format_vnd(1000), "1.000");
        assert_eq!(format_vnd(2_030_000), "2.030.000");
        assert_eq!(format_vnd(12_000_000_000), "12.000.000.000");
        assert_eq!(format_amount(2_030_000, Lang::En), "2,030,000");
    }

    #[test]
    fn contract_share_is_rounded_down_to_the_dong() {
        let s = share_of_value(7_000_000_000, 10);
        assert_eq!((s.vnd, s.fractional), (7_000_000, false));
        let s = share_of_value(5_000_001_999, 10);
        assert_eq!((s.vnd, s.fractional), (5_000_001, true));
        assert_eq!(share_of_value(u64::MAX, 10).vnd, u64::MAX / 1000);
    }

    #[test]
    fn basis_points_read_as_percentages() {
        assert_eq!(percent_text(10, Lang::Vi), "0,1 %");
        assert_eq!(percent_text(10, Lang::En), "0.1 %");
        assert_eq!(percent_text(5000, Lang::En), "50 %");
        assert_eq!(percent_text(125, Lang::Vi), "1,25 %");
    }
}
