//! Reading the counts a fee basis needs off the typed form, with the words that say what
//! was counted ("2 nhóm", "2 classes").

use super::table::{Basis, When};
use crate::forms::{Dossier, RegistrationType};
use crate::text::Text;

/// How many units a basis counts on a dossier, and how to say it.
pub(crate) struct Count {
    pub quantity: u64,
    /// "2 nhóm" / "2 classes".
    pub what: Text,
}

impl Count {
    fn new(quantity: u64, vi: &str, en_one: &str, en_many: &str) -> Count {
        let en = if quantity == 1 { en_one } else { en_many };
        Count {
            quantity,
            what: Text::new(format!("{quantity} {vi}"), format!("{quantity} {en}")),
        }
    }

    fn none() -> Count {
        Count {
            quantity: 0,
            what: Text::new("", ""),
        }
    }
}

/// Whether the condition of a fee holds on the form.
pub(crate) fn holds(when: When, d: &Dossier) -> bool {
    match (when, d) {
        (When::ExaminationRequest, Dossier::Patent(f) | Dossier::UtilitySolution(f)) => {
            f.examination_request
        }
        (When::FirstRegistration, Dossier::TechTransfer(f)) => {
            f.registration == RegistrationType::First
        }
        (When::AmendmentRegistration, Dossier::TechTransfer(f)) => {
            f.registration == RegistrationType::Amendment
        }
        _ => false,
    }
}

/// The units `basis` counts on `d`; `prefix_length` is the row's, for a company prefix. A
/// basis that does not fit the dossier's kind counts nothing (the table check keeps them apart).
pub(crate) fn count(basis: Basis, prefix_length: Option<u32>, d: &Dossier) -> Count {
    let n = u64::from;
    match (basis, d) {
        (Basis::PerApplication, _) => Count::new(1, "đơn", "application", "applications"),
        (Basis::PerPriorityClaim, _) => {
            let claims = match d {
                Dossier::Patent(f) | Dossier::UtilitySolution(f) => f.priority.len(),
                Dossier::IndustrialDesign(f) => f.priority.len(),
                Dossier::Trademark(f) => f.priority.len(),
                Dossier::TechTransfer(_) | Dossier::Barcode(_) => 0,
            };
            Count::new(
                claims as u64,
                "yêu cầu hưởng quyền ưu tiên",
                "priority claim",
                "priority claims",
            )
        }
        (Basis::PerNiceClass, Dossier::Trademark(f)) => {
            Count::new(f.goods.len() as u64, "nhóm", "class", "classes")
        }
        (Basis::PerClassBeyond1, Dossier::Trademark(f)) => Count::new(
            f.goods.len().saturating_sub(1) as u64,
            "nhóm từ nhóm thứ 2",
            "class from the 2nd",
            "classes from the 2nd",
        ),
        (Basis::PerItemBeyond6InClass, Dossier::Trademark(f)) => {
            // Per class, extra = max(0, items − 6) (industrial-property.md, counting rule).
            // Blank lines are not items: the validator reports them.
            let per_class: Vec<(u32, u64)> = f
                .goods
                .iter()
                .map(|g| {
                    let items = g.items.iter().filter(|i| !i.trim().is_empty()).count();
                    (g.class, items.saturating_sub(6) as u64)
                })
                .filter(|&(_, extra)| extra > 0)
                .collect();
            let total = per_class.iter().map(|&(_, extra)| extra).sum::<u64>();
            let mut c = Count::new(
                total,
                "sản phẩm/dịch vụ từ thứ 7 trong nhóm",
                "item from the 7th in a class",
                "items from the 7th in a class",
            );
            if !per_class.is_empty() {
                let list = |word: &str| {
                    per_class
                        .iter()
                        .map(|(class, extra)| format!("{word} {class}: {extra}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                c.what.vi.push_str(&format!(" ({})", list("nhóm")));
                c.what.en.push_str(&format!(" ({})", list("class")));
            }
            c
        }
        (Basis::PerClassIfOfficeClassifies, _) => Count::none(),
        (Basis::PerIndependentClaim, Dossier::Patent(f) | Dossier::UtilitySolution(f)) => {
            Count::new(
                n(f.independent_claims),
                "điểm độc lập",
                "independent claim",
                "independent claims",
            )
        }
        (Basis::PerPageBeyond6, Dossier::Patent(f) | Dossier::UtilitySolution(f)) => Count::new(
            n(f.description_pages.saturating_sub(6)),
            "trang từ trang thứ 7",
            "page from the 7th",
            "pages from the 7th",
        ),
        (Basis::PerFigureBeyond1, Dossier::Patent(f) | Dossier::UtilitySolution(f)) => {
            figures_beyond_1(f.figures)
        }
        (Basis::PerFigureBeyond1, Dossier::IndustrialDesign(f)) => figures_beyond_1(f.figures),
        (Basis::PerDesign, Dossier::IndustrialDesign(f)) => {
            Count::new(n(f.designs), "kiểu dáng", "design", "designs")
        }
        (Basis::PerCompanyPrefix, Dossier::Barcode(f)) => {
            let wanted = prefix_length == Some(f.prefix_length);
            let c = Count::new(
                u64::from(wanted),
                "mã doanh nghiệp",
                "company prefix",
                "company prefixes",
            );
            Count {
                what: Text::new(
                    format!("{} GCP-{}", c.what.vi, f.prefix_length),
                    format!("{} (GCP-{})", c.what.en, f.prefix_length),
                ),
                ..c
            }
        }
        (Basis::PerGln, Dossier::Barcode(f)) => Count::new(n(f.gln_count), "mã GLN", "GLN", "GLNs"),
        (Basis::PerEan8, Dossier::Barcode(f)) => {
            Count::new(n(f.ean8_count), "mã EAN-8", "EAN-8 code", "EAN-8 codes")
        }
        _ => Count::none(),
    }
}

fn figures_beyond_1(figures: u32) -> Count {
    Count::new(
        u64::from(figures.saturating_sub(1)),
        "hình từ hình thứ 2",
        "figure from the 2nd",
        "figures from the 2nd",
    )
}
