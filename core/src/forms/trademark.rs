//! Request for registration of a trademark (tờ khai đăng ký nhãn hiệu): Form No. 08 of
//! Appendix I to Decree 65/2023/NĐ-CP, Form No. 04 of Appendix I to Circular 10/2026/TT-BKHCN
//! from 01/04/2026. Field list: industrial-property.md, "Trademark request — field list".

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::common::{
    Applicant, AttachmentRef, CertificateForm, PriorityClaim, Representative, Signatory,
};
use crate::ident::NiceClass;
use crate::kind::DossierKind;
use crate::legal::{ClassificationSystem, Requirement};
use crate::text::Text;
use crate::validate::Checker;

/// Whether the application is new or divided out of an earlier one (nguồn gốc đơn).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Origin {
    pub divisional: bool,
    /// The earlier application it is divided from (đơn tách từ đơn số …).
    pub parent_number: String,
    pub parent_filing_date: Option<Date>,
}

/// Kind of mark (loại nhãn hiệu).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum MarkType {
    #[default]
    Ordinary,
    /// Nhãn hiệu tập thể.
    Collective,
    /// Nhãn hiệu chứng nhận.
    Certification,
    /// Nhãn hiệu ba chiều.
    ThreeDimensional,
    /// Nhãn hiệu âm thanh.
    Sound,
}

/// The mark sample block (mẫu nhãn hiệu) and its description (mô tả nhãn hiệu). The image
/// itself is the `mark_sample` attachment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Mark {
    pub mark_type: MarkType,
    /// Associated mark (nhãn hiệu liên kết) of the same owner.
    pub associated: bool,
    /// Colours are claimed as an element of the mark; otherwise black and white.
    pub colour_claim: bool,
    pub colours: Vec<String>,
    /// Description of the mark (mô tả nhãn hiệu).
    pub description: String,
    /// Meaning, transliteration or translation of the words in it.
    pub meaning: String,
}

/// The goods or services of one Nice class (nhóm) with their items (sản phẩm/dịch vụ).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct NiceGroup {
    /// The class number as typed; validated as a [`NiceClass`].
    pub class: u32,
    pub items: Vec<String>,
}

/// The trademark request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct TrademarkForm {
    pub form_version: String,
    /// The day the application is (to be) filed; today when empty.
    pub filing_date: Option<Date>,
    /// Chủ đơn.
    pub applicant: Applicant,
    /// Further applicants (the continuation sheet).
    pub co_applicants: Vec<Applicant>,
    pub representative: Representative,
    pub origin: Origin,
    pub mark: Mark,
    /// List and classification of goods and services (danh mục và phân nhóm hàng hóa, dịch vụ).
    pub goods: Vec<NiceGroup>,
    pub priority: Vec<PriorityClaim>,
    pub certificate_form: CertificateForm,
    pub signatory: Signatory,
    pub note: String,
    pub attachments: Vec<AttachmentRef>,
}

impl TrademarkForm {
    pub(crate) fn check(&self, c: &mut Checker<'_>) {
        c.ip_parties(&self.applicant, &self.co_applicants, &self.representative);
        if self.origin.divisional {
            c.required(
                "origin.parent_number",
                &self.origin.parent_number,
                Text::new("số đơn gốc", "number of the parent application"),
            );
        }
        if self.mark.colour_claim && self.mark.colours.iter().all(|c| c.trim().is_empty()) {
            c.error(
                "mark.colours",
                "mark.colours_missing",
                "Đã yêu cầu bảo hộ màu sắc nhưng chưa liệt kê màu nào.",
                "Colours are claimed but none is listed.",
            );
        }
        self.check_goods(c);
        c.priority(DossierKind::Trademark, &self.priority);
        c.signatory(&self.signatory);
        c.attachments(&self.attachments, |r| self.condition_holds(r));
    }

    /// Whether a conditional attachment slot's condition holds for this form.
    pub(crate) fn condition_holds(&self, r: Requirement) -> bool {
        match r {
            Requirement::Agent => self.representative.acts_by_authority(),
            Requirement::Priority => !self.priority.is_empty(),
            Requirement::CollectiveOrCertification => matches!(
                self.mark.mark_type,
                MarkType::Collective | MarkType::Certification
            ),
            _ => false,
        }
    }

    fn check_goods(&self, c: &mut Checker<'_>) {
        let edition = c
            .forms
            .classification(ClassificationSystem::Nice, c.filing_date)
            .map(|e| (e.edition.clone(), e.source.clone()));
        if self.goods.is_empty() {
            c.error(
                "goods",
                "goods.empty",
                "Chưa khai danh mục hàng hóa, dịch vụ mang nhãn hiệu.",
                "The list of goods and services is empty.",
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, g) in self.goods.iter().enumerate() {
            let p = format!("goods.{i}");
            match NiceClass::new(g.class) {
                Ok(class) => {
                    if !seen.insert(class) {
                        c.error(
                            format!("{p}.class"),
                            "nice_class.duplicate",
                            format!("Nhóm {class} được khai hai lần; hãy gộp các sản phẩm/dịch vụ vào một nhóm."),
                            format!("Class {class} is listed twice; put its goods and services together."),
                        );
                    }
                }
                Err(_) => {
                    let (ed, src) = edition.clone().unwrap_or_default();
                    c.error(
                        format!("{p}.class"),
                        "nice_class.range",
                        format!("Nhóm {} không tồn tại: Bảng phân loại Nice ({ed}) có các nhóm từ 1 đến 45.", g.class),
                        format!("Class {} does not exist: the Nice Classification ({ed}) has classes 1 to 45.", g.class),
                    )
                    .source = Some(src);
                }
            }
            if g.items.iter().all(|item| item.trim().is_empty()) {
                c.error(
                    format!("{p}.items"),
                    "nice_class.no_items",
                    format!("Nhóm {} chưa có sản phẩm/dịch vụ nào.", g.class),
                    format!("Class {} has no goods or services.", g.class),
                );
            }
            for (j, item) in g.items.iter().enumerate() {
                if item.trim().is_empty() {
                    c.error(
                        format!("{p}.items.{j}"),
                        "required",
                        "Dòng sản phẩm/dịch vụ để trống.",
                        "A line of goods or services is blank.",
                    );
                }
            }
        }
    }
}
