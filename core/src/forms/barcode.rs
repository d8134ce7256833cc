//! Registration for the use of GS1 barcodes (bản đăng ký sử dụng mã số mã vạch) with its list
//! of products using GTINs (bảng đăng ký danh mục sản phẩm sử dụng mã GTIN): Decree
//! 132/2008/NĐ-CP as amended by Decrees 74/2018 and 13/2022 (barcode.md).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::common::{Applicant, AttachmentRef, Person, Representative, Signatory};
use crate::ident::{CompanyPrefix, Gtin};
use crate::legal::Requirement;
use crate::text::Text;
use crate::validate::Checker;

const SRC_GS1: &str = "GS1 General Specifications, 7.9 (check digit); barcode.md";

/// Company-prefix lengths the authority issues (barcode.md, "Prefix length and capacity").
pub const PREFIX_LENGTHS: [u32; 5] = [7, 8, 9, 10, 12];

/// A product in the GTIN list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Product {
    /// GTIN-13 (or GTIN-8/12/14) with its check digit; empty until the prefix is assigned.
    pub gtin: String,
    /// Tên sản phẩm.
    pub name: String,
    /// Nhãn hiệu.
    pub brand: String,
    /// Quy cách đóng gói / khối lượng tịnh.
    pub net_content: String,
    pub description: String,
}

/// The GS1 Vietnam database information sheet: who to contact about the codes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Contact {
    pub person: Person,
    pub phone: String,
    pub email: String,
}

/// The barcode registration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct BarcodeForm {
    pub form_version: String,
    pub filing_date: Option<Date>,
    pub applicant: Applicant,
    pub representative: Representative,
    /// Length of the GS1 company prefix requested (GCP-8, GCP-9, GCP-10…).
    pub prefix_length: u32,
    /// The company prefix, once assigned; the GTINs of the list must fall under it.
    pub company_prefix: String,
    /// Further codes requested: GLNs (mã địa điểm toàn cầu) and short EAN-8 codes.
    pub gln_count: u32,
    pub ean8_count: u32,
    /// Line of business (lĩnh vực kinh doanh), for the GS1 database sheet.
    pub business_sector: String,
    pub website: String,
    pub contact: Contact,
    pub products: Vec<Product>,
    pub signatory: Signatory,
    pub note: String,
    pub attachments: Vec<AttachmentRef>,
}

impl BarcodeForm {
    pub(crate) fn check(&self, c: &mut Checker<'_>) {
        c.applicant("applicant", &self.applicant, true);
        c.representative(&self.representative, &[], false);
        if !PREFIX_LENGTHS.contains(&self.prefix_length) {
            c.error(
                "prefix_length",
                "prefix_length.unsupported",
                format!(
                    "Độ dài mã doanh nghiệp {} không được cấp; chọn một trong 7, 8, 9, 10, 12.",
                    self.prefix_length
                ),
                format!(
                    "A company prefix of {} digits is not issued; choose 7, 8, 9, 10 or 12.",
                    self.prefix_length
                ),
            )
            .source = Some("barcode.md, Prefix length and capacity".into());
        }
        let prefix = self.check_prefix(c);
        c.required(
            "contact.person.name",
            &self.contact.person.name,
            Text::new("người liên hệ", "contact person"),
        );
        self.check_products(c, prefix.as_ref());
        c.signatory(&self.signatory);
        c.attachments(&self.attachments, |r| self.condition_holds(r));
    }

    /// Whether a conditional attachment slot's condition holds for this form.
    pub(crate) fn condition_holds(&self, r: Requirement) -> bool {
        r == Requirement::Agent && self.representative.acts_by_authority()
    }

    fn check_prefix(&self, c: &mut Checker<'_>) -> Option<CompanyPrefix> {
        if self.company_prefix.trim().is_empty() {
            return None;
        }
        match self.company_prefix.parse::<CompanyPrefix>() {
            Ok(p) if p.len() as u32 == self.prefix_length => Some(p),
            Ok(p) => {
                c.error(
                    "company_prefix",
                    "company_prefix.length",
                    format!(
                        "Mã doanh nghiệp {} có {} chữ số, khác độ dài đã đăng ký ({}).",
                        p.as_str(),
                        p.len(),
                        self.prefix_length
                    ),
                    format!(
                        "Company prefix {} has {} digits, not the {} registered.",
                        p.as_str(),
                        p.len(),
                        self.prefix_length
                    ),
                );
                None
            }
            Err(e) => {
                c.error(
                    "company_prefix",
                    &format!("company_prefix.{}", e.code()),
                    format!("Mã doanh nghiệp \"{}\" phải gồm 7 đến 12 chữ số, bắt đầu bằng 893 (mã quốc gia của Việt Nam).", self.company_prefix),
                    format!("Company prefix \"{}\" must be 7 to 12 digits starting with 893, Vietnam's GS1 prefix.", self.company_prefix),
                )
                .source = Some(SRC_GS1.to_owned());
                None
            }
        }
    }

    fn check_products(&self, c: &mut Checker<'_>, prefix: Option<&CompanyPrefix>) {
        if self.products.is_empty() {
            c.error(
                "products",
                "products.empty",
                "Danh mục sản phẩm sử dụng mã GTIN đang trống.",
                "The list of products using GTINs is empty.",
            );
        }
        if let Some(p) = prefix
            && self.products.len() as u64 > p.capacity()
        {
            c.error(
                "products",
                "products.over_capacity",
                format!(
                    "Mã doanh nghiệp {} chỉ đủ cho {} sản phẩm; danh mục có {}.",
                    p.as_str(),
                    p.capacity(),
                    self.products.len()
                ),
                format!(
                    "Company prefix {} holds {} products; the list has {}.",
                    p.as_str(),
                    p.capacity(),
                    self.products.len()
                ),
            )
            .source = Some("barcode.md, Prefix length and capacity".into());
        }
        let mut seen = std::collections::HashMap::new();
        for (i, product) in self.products.iter().enumerate() {
            let row = i + 1;
            let path = format!("products.{i}");
            c.required(
                &format!("{path}.name"),
                &product.name,
                Text::new(
                    format!("tên sản phẩm ở dòng {row}"),
                    format!("product name on row {row}"),
                ),
            );
            if product.gtin.trim().is_empty() {
                if prefix.is_some() {
                    c.error(
                        format!("{path}.gtin"),
                        "required",
                        format!("Dòng {row}: chưa có mã GTIN."),
                        format!("Row {row}: the GTIN is missing."),
                    );
                }
                continue;
            }
            match product.gtin.parse::<Gtin>() {
                Ok(gtin) => {
                    if let Some(p) = prefix
                        && !gtin.is_under(p)
                    {
                        c.error(
                            format!("{path}.gtin"),
                            "gtin.prefix",
                            format!(
                                "Dòng {row}: mã GTIN {gtin} không thuộc mã doanh nghiệp {}.",
                                p.as_str()
                            ),
                            format!(
                                "Row {row}: GTIN {gtin} is not under company prefix {}.",
                                p.as_str()
                            ),
                        );
                    }
                    if let Some(first) = seen.insert(gtin.to_string(), row) {
                        c.error(
                            format!("{path}.gtin"),
                            "gtin.duplicate",
                            format!("Dòng {row}: mã GTIN {gtin} trùng với dòng {first}."),
                            format!("Row {row}: GTIN {gtin} repeats row {first}."),
                        );
                    }
                }
                Err(e) => {
                    let (vi, en) = if e == crate::ident::IdentError::Checksum {
                        (
                            format!("Dòng {row}: mã GTIN {} sai chữ số kiểm tra.", product.gtin),
                            format!("Row {row}: GTIN {} has a wrong check digit.", product.gtin),
                        )
                    } else {
                        (
                            format!(
                                "Dòng {row}: mã GTIN \"{}\" phải gồm 8, 12, 13 hoặc 14 chữ số.",
                                product.gtin
                            ),
                            format!(
                                "Row {row}: GTIN \"{}\" must have 8, 12, 13 or 14 digits.",
                                product.gtin
                            ),
                        )
                    };
                    c.error(
                        format!("{path}.gtin"),
                        &format!("gtin.{}", e.code()),
                        vi,
                        en,
                    )
                    .source = Some(SRC_GS1.to_owned());
                }
            }
        }
    }
}
