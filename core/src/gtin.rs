//! Allotting GTIN-13s under an enterprise's GS1 company prefix (mã doanh nghiệp) for the
//! product list of a barcode registration. The enterprise assigns its own item numbers
//! (barcode.md, "Codes the enterprise assigns itself"); a prefix of length L leaves 12 − L
//! digits for the item reference, so it holds 10^(12 − L) products (barcode.md, "Prefix length
//! and capacity"). The check digit is GS1 mod 10 ([`crate::ident::gs1_check_digit`]).

use std::collections::BTreeSet;

use crate::forms::BarcodeForm;
use crate::ident::{CompanyPrefix, Gtin, IdentError};
use crate::text::Text;

/// Why GTINs could not be allotted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    #[error("the form has no company prefix yet")]
    NoPrefix,
    #[error("company prefix \"{prefix}\" is not valid ({source})")]
    Prefix { prefix: String, source: IdentError },
    #[error(
        "company prefix {prefix} holds {capacity} item numbers: {free} are free, {requested} are needed"
    )]
    Exhausted {
        prefix: String,
        capacity: u64,
        free: u64,
        requested: usize,
    },
}

impl GtinError {
    /// The stable machine code of this error, for the `{code, message}` contract.
    pub fn code(&self) -> &'static str {
        match self {
            GtinError::NoPrefix => "company_prefix.missing",
            GtinError::Prefix { source, .. } => match source {
                IdentError::Format => "company_prefix.format",
                IdentError::Checksum => "company_prefix.checksum",
                IdentError::NeverIssued => "company_prefix.never_issued",
                IdentError::Range => "company_prefix.range",
            },
            GtinError::Exhausted { .. } => "gtin.capacity_exhausted",
        }
    }

    /// The message in both languages, for the edge (CLI, desktop).
    pub fn text(&self) -> Text {
        let vi = match self {
            GtinError::NoPrefix => {
                "Chưa có mã doanh nghiệp (mã GS1 được cấp) nên chưa thể tạo mã GTIN.".to_owned()
            }
            GtinError::Prefix { prefix, .. } => format!(
                "Mã doanh nghiệp \"{prefix}\" phải gồm 7 đến 12 chữ số, bắt đầu bằng 893 (mã quốc gia của Việt Nam)."
            ),
            GtinError::Exhausted {
                prefix,
                capacity,
                free,
                requested,
            } => format!(
                "Mã doanh nghiệp {prefix} chỉ đủ cho {capacity} sản phẩm: còn trống {free} mã, cần {requested}."
            ),
        };
        Text::new(vi, self.to_string())
    }
}

/// The next `count` free GTIN-13s under `prefix`: item references in increasing order from
/// zero, skipping those of `used` (a GTIN-14 counts by the GTIN-13 inside it), each with its
/// check digit. Refuses, allotting nothing, when fewer than `count` references are free.
pub fn next_gtins(
    prefix: &CompanyPrefix,
    used: &[Gtin],
    count: usize,
) -> Result<Vec<Gtin>, GtinError> {
    let taken = used
        .iter()
        .filter_map(|g| item_reference(prefix, g.as_str()))
        .collect();
    allot(prefix, &taken, count)
}

/// Gives every product row of `form` whose GTIN is empty the next free GTIN-13 under the
/// form's company prefix, in row order, and returns how many rows it filled. A code typed on
/// another row keeps its item reference even with a wrong check digit, so correcting the typo
/// later cannot collide with an allotted one. Nothing changes when the prefix lacks room.
pub fn fill_gtins(form: &mut BarcodeForm) -> Result<usize, GtinError> {
    let empty = form
        .products
        .iter()
        .filter(|p| p.gtin.trim().is_empty())
        .count();
    if empty == 0 {
        return Ok(0);
    }
    let text = form.company_prefix.trim();
    if text.is_empty() {
        return Err(GtinError::NoPrefix);
    }
    let prefix: CompanyPrefix = text.parse().map_err(|source| GtinError::Prefix {
        prefix: text.to_owned(),
        source,
    })?;
    let taken = form
        .products
        .iter()
        .filter_map(|p| item_reference(&prefix, p.gtin.trim()))
        .collect();
    let mut fresh = allot(&prefix, &taken, empty)?.into_iter();
    for product in form
        .products
        .iter_mut()
        .filter(|p| p.gtin.trim().is_empty())
    {
        if let Some(gtin) = fresh.next() {
            product.gtin = gtin.to_string();
        }
    }
    Ok(empty)
}

/// The item reference of a 13- or 14-digit code under `prefix`, check digit not verified.
fn item_reference(prefix: &CompanyPrefix, code: &str) -> Option<u64> {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thirteen = match code.len() {
        13 => code,
        14 => &code[1..],
        _ => return None,
    };
    let reference = thirteen[..12].strip_prefix(prefix.as_str())?;
    if reference.is_empty() {
        Some(0)
    } else {
        reference.parse().ok()
    }
}

fn allot(
    prefix: &CompanyPrefix,
    taken: &BTreeSet<u64>,
    count: usize,
) -> Result<Vec<Gtin>, GtinError> {
    let capacity = prefix.capacity();
    let width = 12 - prefix.len();
    let free = (0..capacity).filter(|r| !taken.contains(r));
    let chosen: Vec<u64> = free.clone().take(count).collect();
    if chosen.len() < count {
        return Err(GtinError::Exhausted {
            prefix: prefix.as_str().to_owned(),
            capacity,
            free: free.count() as u64,
            requested: count,
        });
    }
    Ok(chosen
        .into_iter()
        .filter_map(|r| {
            let reference = if width == 0 {
                String::new()
            } else {
                format!("{r:0width$}")
            };
            Gtin::from_prefix(prefix, &reference)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::Product;

    fn prefix(s: &str) -> CompanyPrefix {
        s.parse().unwrap()
    }

    fn gtin(s: &str) -> Gtin {
        s.parse().unwrap()
    }

    fn strings(gtins: &[Gtin]) -> Vec<&str> {
        gtins.iter().map(Gtin::as_str).collect()
    }

    #[test]
    fn allotted_codes_carry_the_gs1_check_digit_of_known_valid_gtins() {
        // identifiers.md test vectors: 893604500000 → 7, 893123456789 → 7.
        let p = prefix("893604500");
        assert_eq!(
            strings(&next_gtins(&p, &[], 2).unwrap()),
            ["8936045000007", "8936045000014"]
        );
        let p = prefix("893123456789");
        assert_eq!(strings(&next_gtins(&p, &[], 1).unwrap()), ["8931234567897"]);
        for g in next_gtins(&prefix("8930000"), &[], 50).unwrap() {
            assert!(g.as_str().parse::<Gtin>().is_ok(), "{g} re-parses");
            assert_eq!(g.as_str().len(), 13);
        }
    }

    #[test]
    fn item_references_increase_and_skip_the_used_ones() {
        // The example dossier's prefix and three of its GTINs (references 00, 01 and 03).
        let p = prefix("8936012345");
        let used = [
            gtin("8936012345001"),
            gtin("8936012345018"),
            gtin("8936012345032"),
            gtin("4006381333931"),
        ];
        assert_eq!(
            strings(&next_gtins(&p, &used, 3).unwrap()),
            ["8936012345025", "8936012345049", "8936012345056"]
        );
    }

    #[test]
    fn a_gtin14_reserves_the_reference_of_the_gtin13_inside_it() {
        let p = prefix("893604500");
        let used = [gtin("18936045000004")];
        assert_eq!(gtin("18936045000004").as_str().len(), 14);
        assert_eq!(
            strings(&next_gtins(&p, &used, 1).unwrap()),
            ["8936045000014"]
        );
    }

    #[test]
    fn an_exhausted_prefix_is_refused_and_says_how_many_are_free() {
        let p = prefix("893123456789");
        let err = next_gtins(&p, &[], 2).unwrap_err();
        assert_eq!(
            err,
            GtinError::Exhausted {
                prefix: "893123456789".into(),
                capacity: 1,
                free: 1,
                requested: 2
            }
        );
        assert_eq!(err.code(), "gtin.capacity_exhausted");
        assert!(err.text().vi.contains("còn trống 1 mã"));

        let p = prefix("8936012345");
        let all = next_gtins(&p, &[], 100).unwrap();
        assert_eq!(all.len(), 100, "a GCP-10 holds exactly 100 items");
        assert_eq!(&all[99].as_str()[..12], "893601234599");
        assert!(matches!(
            next_gtins(&p, &all, 1),
            Err(GtinError::Exhausted { free: 0, .. })
        ));
    }

    fn row(gtin: &str, name: &str) -> Product {
        Product {
            gtin: gtin.into(),
            name: name.into(),
            ..Product::default()
        }
    }

    #[test]
    fn fill_gives_each_empty_row_the_next_free_gtin_in_row_order() {
        let mut form = BarcodeForm {
            prefix_length: 10,
            company_prefix: "8936012345".into(),
            products: vec![
                row("", "Bánh tráng mè đen"),
                row("8936012345001", "Bánh tráng sữa"),
                row(" ", "Mắm nêm"),
                // a typo (check digit 0, not 8): its reference 01… stays reserved anyway
                row("8936012345010", "Tương ớt"),
            ],
            ..BarcodeForm::default()
        };
        assert_eq!(fill_gtins(&mut form).unwrap(), 2);
        assert_eq!(form.products[0].gtin, "8936012345025");
        assert_eq!(form.products[2].gtin, "8936012345032");
        assert_eq!(fill_gtins(&mut form).unwrap(), 0, "nothing left to fill");
    }

    #[test]
    fn fill_needs_a_valid_prefix_and_leaves_the_form_alone_when_it_is_full() {
        let mut form = BarcodeForm {
            products: vec![row("", "A")],
            ..BarcodeForm::default()
        };
        assert_eq!(fill_gtins(&mut form), Err(GtinError::NoPrefix));
        form.company_prefix = "8801234567".into();
        assert_eq!(
            fill_gtins(&mut form).unwrap_err().code(),
            "company_prefix.range"
        );
        form.company_prefix = "893123456789".into();
        form.products = vec![row("", "A"), row("", "B")];
        let before = form.clone();
        assert!(matches!(
            fill_gtins(&mut form),
            Err(GtinError::Exhausted { .. })
        ));
        assert_eq!(form, before);
    }
}
