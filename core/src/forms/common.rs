//! Blocks that several official forms share: the applicant (chủ đơn / bên đề nghị), the
//! representative, priority claims, the signatory, and the attachment references.
//!
//! Every field keeps what the user typed, as text, so that a half-filled draft can always be
//! saved; validation parses the text into the identifier types of [`crate::ident`].

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Whether the applicant is an organisation or a natural person; it decides which identifier
/// the form asks for (enterprise tax code or citizen ID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum PartyType {
    #[default]
    Organisation,
    Individual,
}

/// A legal representative of an organisation (người đại diện theo pháp luật).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Person {
    pub name: String,
    /// Title (chức vụ), e.g. "Giám đốc".
    pub title: String,
}

/// The applicant (chủ đơn, người nộp đơn) or, for a contract, a party to it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Applicant {
    pub party_type: PartyType,
    /// Full name (tên đầy đủ), in Vietnamese.
    pub name: String,
    /// Name in a foreign language (tên bằng tiếng nước ngoài), usually English.
    pub name_en: String,
    pub address: String,
    /// Enterprise code / tax code (mã số doanh nghiệp / mã số thuế) of an organisation.
    pub tax_code: String,
    /// Citizen ID (số CCCD) of an individual.
    pub citizen_id: String,
    /// ISO 3166-1 alpha-2 country of residence or seat; `VN` when empty.
    pub country: String,
    /// ISO 3166-1 alpha-2 nationality of an individual.
    pub nationality: String,
    /// A foreign applicant with a production or business establishment in Vietnam may file
    /// directly (IP Law Art. 89).
    pub establishment_in_vietnam: bool,
    pub legal_representative: Person,
    pub phone: String,
    pub email: String,
}

impl Applicant {
    /// Country code as written, `VN` when left empty.
    pub fn country_code(&self) -> String {
        let c = self.country.trim();
        if c.is_empty() {
            "VN".to_owned()
        } else {
            c.to_ascii_uppercase()
        }
    }

    pub fn is_foreign(&self) -> bool {
        self.country_code() != "VN"
    }
}

/// Who acts for the applicant (đại diện của chủ đơn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum RepresentativeType {
    /// Nobody: the applicant files alone.
    #[default]
    None,
    /// The applicant's legal representative.
    LegalRepresentative,
    /// A licensed IP representation service organisation (tổ chức dịch vụ đại diện SHCN).
    IpAgent,
    /// Another person authorised by the applicant (người được ủy quyền).
    Authorised,
}

/// The representative block of a form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Representative {
    pub kind: RepresentativeType,
    /// The agent's organisation or the authorised person's name.
    pub name: String,
    /// The agent's representative code (mã đại diện) at the IP Office.
    pub agent_code: String,
    pub address: String,
    pub phone: String,
    pub email: String,
}

impl Representative {
    /// True when someone other than the applicant files, so a power of attorney is needed.
    pub fn acts_by_authority(&self) -> bool {
        matches!(
            self.kind,
            RepresentativeType::IpAgent | RepresentativeType::Authorised
        )
    }
}

/// The ground of a priority claim (yêu cầu hưởng quyền ưu tiên).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum PriorityBasis {
    /// Paris Convention for the Protection of Industrial Property.
    #[default]
    ParisConvention,
    /// An earlier Vietnamese application.
    EarlierVietnamese,
    /// Another agreement with priority provisions to which Vietnam is party.
    OtherAgreement,
}

/// One priority claim: the first application relied on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct PriorityClaim {
    pub basis: PriorityBasis,
    /// ISO 3166-1 alpha-2 country (or WIPO ST.3 office code) of the first application.
    pub country: String,
    pub number: String,
    pub date: Option<Date>,
}

/// The form in which the title of protection is issued (the applicant chooses since Decree
/// 65/2023; it is issued only in the form chosen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum CertificateForm {
    #[default]
    Electronic,
    Paper,
}

/// Where and by whom the form is signed (cam kết và chữ ký).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Signatory {
    /// Place of signing, e.g. "Hà Nội".
    pub place: String,
    pub name: String,
    pub title: String,
}

/// An attached document, referenced by the SHA-256 of its bytes in the attachment store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    /// The slot of the form's attachment list it fills.
    pub slot: String,
    /// The file's name as the user gave it; shown, never trusted for its type.
    pub file_name: String,
    pub sha256: String,
    pub size: u64,
    /// Sniffed from the bytes.
    pub media_type: String,
}
