//! The six kinds of dossier (hồ sơ) that Hồ sơ số files, in three families.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::text::{Lang, Text};

/// A kind of dossier; its slug (`trademark`, `tech-transfer`…) is what the CLI, the JSON files
/// and the data tables use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum DossierKind {
    /// Registration of a technology-transfer contract (đăng ký hợp đồng chuyển giao công nghệ).
    TechTransfer,
    /// Patent for invention (sáng chế).
    Patent,
    /// Utility solution (giải pháp hữu ích).
    UtilitySolution,
    /// Industrial design (kiểu dáng công nghiệp).
    IndustrialDesign,
    /// Trademark (nhãn hiệu).
    Trademark,
    /// Registration of the use of GS1 barcodes (đăng ký sử dụng mã số mã vạch).
    Barcode,
}

/// The three families, which decide the authority a dossier goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    TechnologyTransfer,
    IndustrialProperty,
    Barcode,
}

impl DossierKind {
    pub const ALL: [DossierKind; 6] = [
        DossierKind::TechTransfer,
        DossierKind::Patent,
        DossierKind::UtilitySolution,
        DossierKind::IndustrialDesign,
        DossierKind::Trademark,
        DossierKind::Barcode,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            DossierKind::TechTransfer => "tech-transfer",
            DossierKind::Patent => "patent",
            DossierKind::UtilitySolution => "utility-solution",
            DossierKind::IndustrialDesign => "industrial-design",
            DossierKind::Trademark => "trademark",
            DossierKind::Barcode => "barcode",
        }
    }

    pub fn family(self) -> Family {
        match self {
            DossierKind::TechTransfer => Family::TechnologyTransfer,
            DossierKind::Barcode => Family::Barcode,
            _ => Family::IndustrialProperty,
        }
    }

    pub fn title(self) -> Text {
        let (vi, en) = match self {
            DossierKind::TechTransfer => (
                "Đăng ký hợp đồng chuyển giao công nghệ",
                "Technology-transfer contract registration",
            ),
            DossierKind::Patent => ("Đăng ký sáng chế", "Patent application"),
            DossierKind::UtilitySolution => {
                ("Đăng ký giải pháp hữu ích", "Utility solution application")
            }
            DossierKind::IndustrialDesign => (
                "Đăng ký kiểu dáng công nghiệp",
                "Industrial design application",
            ),
            DossierKind::Trademark => ("Đăng ký nhãn hiệu", "Trademark application"),
            DossierKind::Barcode => ("Đăng ký sử dụng mã số mã vạch", "GS1 barcode registration"),
        };
        Text::new(vi, en)
    }

    pub fn name(self, lang: Lang) -> String {
        self.title().get(lang).to_owned()
    }
}

impl fmt::Display for DossierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// The text is not one of the six slugs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown dossier kind `{0}`")]
pub struct UnknownKind(pub String);

impl FromStr for DossierKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DossierKind::ALL
            .into_iter()
            .find(|k| k.slug() == s.trim())
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip_through_text_and_json() {
        for kind in DossierKind::ALL {
            assert_eq!(kind.slug().parse::<DossierKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.slug()));
        }
        assert!("nhan-hieu".parse::<DossierKind>().is_err());
    }
}
