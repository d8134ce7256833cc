//! Request for registration of an industrial design (tờ khai đăng ký kiểu dáng công nghiệp),
//! Appendix I to Decree 65/2023/NĐ-CP. Documents: a set of photographs or drawings, a
//! description, the Locarno class (industrial-property.md).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::common::{
    Applicant, AttachmentRef, CertificateForm, PriorityClaim, Representative, Signatory,
};
use super::patent::{Author, PatentOrigin, PatentOriginType};
use crate::ident::LocarnoClass;
use crate::kind::DossierKind;
use crate::legal::{ClassificationSystem, Requirement};
use crate::text::Text;
use crate::validate::Checker;

/// The industrial design request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct IndustrialDesignForm {
    pub form_version: String,
    pub filing_date: Option<Date>,
    pub applicant: Applicant,
    pub co_applicants: Vec<Applicant>,
    pub representative: Representative,
    /// Name of the product embodying the design (tên sản phẩm).
    pub product_name: String,
    /// Locarno class and subclass, e.g. `06-01` (phân loại Locarno).
    pub locarno: Vec<String>,
    /// Designers (tác giả kiểu dáng).
    pub designers: Vec<Author>,
    pub origin: PatentOrigin,
    pub priority: Vec<PriorityClaim>,
    /// Designs (đối tượng) in the application, each examined and searched.
    pub designs: u32,
    /// Variants (phương án) of the design.
    pub variants: u32,
    /// Figures (views) published, counted from the 2nd for the publication fee.
    pub figures: u32,
    pub certificate_form: CertificateForm,
    pub signatory: Signatory,
    pub note: String,
    pub attachments: Vec<AttachmentRef>,
}

impl IndustrialDesignForm {
    pub(crate) fn check(&self, c: &mut Checker<'_>) {
        c.ip_parties(&self.applicant, &self.co_applicants, &self.representative);
        c.required(
            "product_name",
            &self.product_name,
            Text::new("tên sản phẩm", "product name"),
        );
        let edition = c
            .forms
            .classification(ClassificationSystem::Locarno, c.filing_date)
            .map(|e| (e.edition.clone(), e.source.clone()))
            .unwrap_or_default();
        if self.locarno.is_empty() {
            c.error(
                "locarno",
                "locarno.empty",
                "Chưa khai phân loại Locarno của sản phẩm.",
                "The Locarno class of the product is missing.",
            );
        }
        for (i, class) in self.locarno.iter().enumerate() {
            if let Err(e) = class.parse::<LocarnoClass>() {
                c.error(
                    format!("locarno.{i}"),
                    &format!("locarno_class.{}", e.code()),
                    format!(
                        "Phân loại Locarno \"{class}\" không hợp lệ: bảng Locarno ({}) có các lớp 1 đến 32, viết dạng 06-01.",
                        edition.0
                    ),
                    format!(
                        "Locarno class \"{class}\" is not valid: the Locarno Classification ({}) has classes 1 to 32, written as 06-01.",
                        edition.0
                    ),
                )
                .source = Some(edition.1.clone());
            }
        }
        if self.designers.is_empty() {
            c.error(
                "designers",
                "designers.empty",
                "Chưa khai tác giả kiểu dáng.",
                "No designer is named.",
            );
        }
        for (i, a) in self.designers.iter().enumerate() {
            c.required(
                &format!("designers.{i}.name"),
                &a.name,
                Text::new("họ tên tác giả", "designer's name"),
            );
        }
        if self.designs == 0 {
            c.error(
                "designs",
                "designs.missing",
                "Số kiểu dáng (đối tượng) phải ít nhất là 1.",
                "At least one design is needed.",
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
        c.priority(DossierKind::IndustrialDesign, &self.priority);
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
