//! Request for grant of a patent for invention (sáng chế) or for a utility solution (giải pháp
//! hữu ích): Form No. 01 of Appendix I to Decree 65/2023/NĐ-CP, one form for both objects.
//! Documents: description with claims and drawings, abstract (industrial-property.md).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::common::{
    Applicant, AttachmentRef, CertificateForm, PriorityClaim, Representative, Signatory,
};
use crate::kind::DossierKind;
use crate::legal::Requirement;
use crate::text::Text;
use crate::validate::Checker;

/// An inventor or designer (tác giả): the natural person who created the solution.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Author {
    pub name: String,
    /// ISO 3166-1 alpha-2 nationality.
    pub nationality: String,
    pub address: String,
}

/// Where the application comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum PatentOriginType {
    #[default]
    New,
    /// Divided out of an earlier application (đơn tách).
    Divisional,
    /// National phase of an international (PCT) application.
    PctNationalPhase,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct PatentOrigin {
    pub kind: PatentOriginType,
    /// Parent application number (divisional) or international application number (PCT).
    pub number: String,
    pub date: Option<Date>,
}

/// The request of a patent or utility-solution application.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct PatentForm {
    pub form_version: String,
    pub filing_date: Option<Date>,
    pub applicant: Applicant,
    pub co_applicants: Vec<Applicant>,
    pub representative: Representative,
    /// Title of the invention (tên sáng chế / giải pháp hữu ích).
    pub title: String,
    /// International Patent Classification symbols, e.g. `A61K 36/00` (chỉ số phân loại IPC).
    pub ipc: Vec<String>,
    /// Inventors (tác giả sáng chế).
    pub inventors: Vec<Author>,
    pub origin: PatentOrigin,
    pub priority: Vec<PriorityClaim>,
    /// Number of claims in all, and of independent claims (điểm độc lập), which fees count.
    pub claims_total: u32,
    pub independent_claims: u32,
    /// Pages of the description, which fees count from the 7th.
    pub description_pages: u32,
    /// Figures (hình vẽ), which the publication fee counts from the 2nd.
    pub figures: u32,
    /// Request for substantive examination filed with the application.
    pub examination_request: bool,
    pub certificate_form: CertificateForm,
    pub signatory: Signatory,
    pub note: String,
    pub attachments: Vec<AttachmentRef>,
}

impl PatentForm {
    pub(crate) fn check(&self, kind: DossierKind, c: &mut Checker<'_>) {
        c.ip_parties(&self.applicant, &self.co_applicants, &self.representative);
        c.required(
            "title",
            &self.title,
            Text::new("tên sáng chế/giải pháp hữu ích", "title of the invention"),
        );
        for (i, symbol) in self.ipc.iter().enumerate() {
            if !is_ipc_symbol(symbol) {
                c.error(
                    format!("ipc.{i}"),
                    "ipc.format",
                    format!("Chỉ số IPC \"{symbol}\" không đúng dạng (ví dụ A61K 36/00)."),
                    format!("IPC symbol \"{symbol}\" is not well formed (e.g. A61K 36/00)."),
                )
                .source = Some("WIPO International Patent Classification, symbol format".into());
            }
        }
        if self.inventors.is_empty() {
            c.error(
                "inventors",
                "inventors.empty",
                "Chưa khai tác giả sáng chế.",
                "No inventor is named.",
            );
        }
        for (i, a) in self.inventors.iter().enumerate() {
            c.required(
                &format!("inventors.{i}.name"),
                &a.name,
                Text::new("họ tên tác giả", "inventor's name"),
            );
        }
        if self.origin.kind != PatentOriginType::New {
            c.required(
                "origin.number",
                &self.origin.number,
                Text::new(
                    "số đơn gốc/đơn quốc tế",
                    "parent or international application number",
                ),
            );
        }
        if self.claims_total == 0 || self.independent_claims == 0 {
            c.error(
                "independent_claims",
                "claims.missing",
                "Phải có ít nhất một điểm yêu cầu bảo hộ độc lập.",
                "At least one independent claim is needed.",
            );
        } else if self.independent_claims > self.claims_total {
            c.error(
                "independent_claims",
                "claims.more_independent_than_total",
                "Số điểm độc lập lớn hơn tổng số điểm yêu cầu bảo hộ.",
                "More independent claims than claims in all.",
            );
        }
        if self.description_pages == 0 {
            c.error(
                "description_pages",
                "description.pages_missing",
                "Chưa khai số trang bản mô tả.",
                "The number of description pages is missing.",
            );
        }
        c.priority(kind, &self.priority);
        c.signatory(&self.signatory);
        c.attachments(&self.attachments, |r| self.condition_holds(r));
    }

    /// Whether a conditional attachment slot's condition holds for this form.
    pub(crate) fn condition_holds(&self, r: Requirement) -> bool {
        match r {
            Requirement::Agent => self.representative.acts_by_authority(),
            Requirement::Priority => !self.priority.is_empty(),
            _ => false,
        }
    }
}

/// An IPC symbol: section letter A–H, two-digit class, subclass letter, then optionally a
/// main group of 1–4 digits, `/` and a subgroup of 2–6 digits (`A61K`, `A61K 36/00`).
fn is_ipc_symbol(s: &str) -> bool {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 4
        || !(b'A'..=b'H').contains(&b[0])
        || !b[1].is_ascii_digit()
        || !b[2].is_ascii_digit()
        || !b[3].is_ascii_uppercase()
    {
        return false;
    }
    let rest = s[4..].trim_start();
    if rest.is_empty() {
        return true;
    }
    match rest.split_once('/') {
        Some((group, sub)) => {
            (1..=4).contains(&group.len())
                && group.bytes().all(|c| c.is_ascii_digit())
                && (2..=6).contains(&sub.len())
                && sub.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_ipc_symbol;

    #[test]
    fn ipc_symbols() {
        for good in ["A61K", "A61K 36/00", "H04L 9/3247", "G06F 21/645"] {
            assert!(is_ipc_symbol(good), "{good}");
        }
        for bad in ["", "Z01K", "A6K 1/00", "A61K 36", "A61K 36/0", "a61k"] {
            assert!(!is_ipc_symbol(bad), "{bad}");
        }
    }
}
