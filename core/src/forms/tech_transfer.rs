//! Request for registration of technology transfer (văn bản đề nghị đăng ký chuyển giao công
//! nghệ): Law on Technology Transfer 07/2017/QH14, Art. 31; Decree 76/2018/NĐ-CP. The contract
//! block follows the content Art. 23 requires of the agreement (tech-transfer.md).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::common::{Applicant, AttachmentRef, Representative, Signatory};
use crate::legal::Requirement;
use crate::text::Text;
use crate::validate::Checker;

const SRC_ART_23: &str = "Law on Technology Transfer 07/2017/QH14, Art. 23 (contract content)";
const SRC_ART_31: &str = "Law on Technology Transfer 07/2017/QH14, Art. 31; Decree 76/2018/NĐ-CP";

/// Which side of the contract files (bên đề nghị đăng ký): the transferee for an inbound or
/// domestic transfer, the transferor for an outbound one (Decree 76/2018).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum PartyRole {
    /// Bên nhận chuyển giao.
    #[default]
    Transferee,
    /// Bên giao.
    Transferor,
}

/// Direction of the transfer, which decides whether registration is mandatory (Art. 31.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// From abroad into Vietnam.
    #[default]
    Inbound,
    /// From Vietnam abroad.
    Outbound,
    /// Within Vietnam.
    Domestic,
}

/// What is transferred (Art. 23, item 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum TransferOf {
    /// Chuyển giao quyền sở hữu công nghệ.
    Ownership,
    /// Chuyển giao quyền sử dụng công nghệ.
    #[default]
    RightToUse,
}

/// Method of transfer (phương thức chuyển giao công nghệ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum TransferMethod {
    /// Handing over documents on the technology.
    Documents,
    /// Training the transferee's staff.
    Training,
    /// Sending experts to advise.
    Experts,
    /// Machinery and equipment that carry the technology.
    Machinery,
    Other,
}

/// First registration or registration of an amendment (sửa đổi, bổ sung).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum RegistrationType {
    #[default]
    First,
    Amendment,
}

/// The technology-transfer agreement as the request describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Contract {
    pub number: String,
    pub signed_on: Option<Date>,
    /// ISO 639-1 language the agreement is written in; `vi` when empty.
    pub language: String,
    pub direction: Direction,
    /// The transfer uses State capital or the State budget (Art. 31.1(c)).
    pub state_funded: bool,
    /// Art. 23.1: name of the technology transferred.
    pub technology_name: String,
    /// Art. 23.2: the technology objects.
    pub technology_objects: String,
    /// Art. 23.2: products made with the technology.
    pub products: String,
    /// Art. 23.2: product standards and quality.
    pub product_standards: String,
    /// Art. 23.3.
    pub transfer_of: TransferOf,
    /// Art. 23.4.
    pub methods: Vec<TransferMethod>,
    /// Total contract value in VND (giá trị hợp đồng), the basis of the appraisal fee.
    pub value_vnd: Option<u64>,
    /// Price and currency as written in a contract priced in a foreign currency.
    pub value_as_written: String,
    pub payment_method: String,
    pub effective_from: Option<Date>,
    pub effective_to: Option<Date>,
    /// Plan, schedule and place of transfer.
    pub schedule_and_place: String,
    pub warranty: String,
    pub dispute_resolution: String,
}

/// The registration request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct TechTransferForm {
    pub form_version: String,
    pub filing_date: Option<Date>,
    pub registration: RegistrationType,
    /// Number of the certificate of registration being amended.
    pub previous_certificate: String,
    /// The party that files (bên đề nghị đăng ký).
    pub applicant: Applicant,
    pub applicant_role: PartyRole,
    /// The other party to the contract.
    pub counterparty: Applicant,
    pub representative: Representative,
    pub contract: Contract,
    pub signatory: Signatory,
    pub note: String,
    pub attachments: Vec<AttachmentRef>,
}

impl TechTransferForm {
    /// Art. 31.1: registration is mandatory for inbound and outbound transfers and for
    /// domestic transfers that use State capital; any other may be registered voluntarily.
    pub fn registration_is_mandatory(&self) -> bool {
        self.contract.direction != Direction::Domestic || self.contract.state_funded
    }

    pub(crate) fn check(&self, c: &mut Checker<'_>) {
        c.applicant("applicant", &self.applicant, true);
        c.applicant("counterparty", &self.counterparty, false);
        c.representative(&self.representative, &[], false);
        if self.registration == RegistrationType::Amendment {
            c.required(
                "previous_certificate",
                &self.previous_certificate,
                Text::new(
                    "số giấy chứng nhận đăng ký được sửa đổi",
                    "number of the registration certificate amended",
                ),
            );
        }
        let expected_role = match self.contract.direction {
            Direction::Outbound => PartyRole::Transferor,
            Direction::Inbound | Direction::Domestic => PartyRole::Transferee,
        };
        if self.applicant_role != expected_role {
            c.error(
                "applicant_role",
                "tech_transfer.wrong_filer",
                "Bên nhận chuyển giao đề nghị đăng ký khi chuyển giao vào Việt Nam hoặc trong nước; bên giao đề nghị khi chuyển giao ra nước ngoài.",
                "The transferee files for an inbound or domestic transfer; the transferor files for an outbound one.",
            )
            .source = Some(SRC_ART_31.to_owned());
        }
        self.check_contract(c);
        c.signatory(&self.signatory);
        c.attachments(&self.attachments, |r| self.condition_holds(r));
    }

    /// Whether a conditional attachment slot's condition holds for this form.
    pub(crate) fn condition_holds(&self, r: Requirement) -> bool {
        match r {
            Requirement::Agent => self.representative.acts_by_authority(),
            Requirement::ForeignLanguageContract => {
                !matches!(self.contract.language.trim(), "" | "vi")
            }
            _ => false,
        }
    }

    fn check_contract(&self, c: &mut Checker<'_>) {
        let k = &self.contract;
        let art23 = [
            (
                "contract.technology_name",
                &k.technology_name,
                Text::new(
                    "tên công nghệ được chuyển giao",
                    "name of the technology transferred",
                ),
            ),
            (
                "contract.technology_objects",
                &k.technology_objects,
                Text::new("đối tượng công nghệ", "technology objects"),
            ),
            (
                "contract.products",
                &k.products,
                Text::new(
                    "sản phẩm do công nghệ tạo ra",
                    "products made with the technology",
                ),
            ),
            (
                "contract.product_standards",
                &k.product_standards,
                Text::new(
                    "tiêu chuẩn, chất lượng sản phẩm",
                    "product standards and quality",
                ),
            ),
        ];
        for (path, value, label) in art23 {
            if !c.required(path, value, label)
                && let Some(p) = c.problems.last_mut()
            {
                p.source = Some(SRC_ART_23.to_owned());
            }
        }
        c.required(
            "contract.number",
            &k.number,
            Text::new("số hợp đồng", "contract number"),
        );
        if k.methods.is_empty() {
            c.error(
                "contract.methods",
                "contract.methods_missing",
                "Chưa khai phương thức chuyển giao công nghệ.",
                "No method of transfer is given.",
            )
            .source = Some(SRC_ART_23.to_owned());
        }
        match k.value_vnd {
            None | Some(0) => {
                c.error(
                    "contract.value_vnd",
                    "contract.value_missing",
                    "Chưa khai giá trị hợp đồng (đồng Việt Nam), căn cứ tính phí thẩm định.",
                    "The contract value in VND, on which the appraisal fee is computed, is missing.",
                )
                .source = Some("Circular 169/2016/TT-BTC (appraisal fee)".into());
            }
            Some(_) => {}
        }
        match k.signed_on {
            None => {
                c.error(
                    "contract.signed_on",
                    "required",
                    "Chưa nhập ngày ký hợp đồng.",
                    "The date the contract was signed is required.",
                );
            }
            Some(signed) if signed > c.filing_date => {
                c.error(
                    "contract.signed_on",
                    "contract.signed_after_filing",
                    format!(
                        "Ngày ký hợp đồng {signed} muộn hơn ngày nộp hồ sơ {}.",
                        c.filing_date
                    ),
                    format!(
                        "The contract is dated {signed}, after the filing date {}.",
                        c.filing_date
                    ),
                );
            }
            Some(signed) => {
                let days = (c.filing_date - signed).get_days();
                if self.registration_is_mandatory() && days > 90 {
                    c.warning(
                        "contract.signed_on",
                        "contract.late_registration",
                        format!(
                            "Hồ sơ nộp sau {days} ngày kể từ ngày ký; thời hạn đăng ký là 90 ngày."
                        ),
                        format!(
                            "Filed {days} days after signing; registration is due within 90 days."
                        ),
                    )
                    .source = Some(format!("{SRC_ART_31} (90 days; single source)"));
                }
            }
        }
        if let (Some(from), Some(to)) = (k.effective_from, k.effective_to)
            && to < from
        {
            c.error(
                "contract.effective_to",
                "contract.term_reversed",
                "Ngày hết hiệu lực của hợp đồng sớm hơn ngày có hiệu lực.",
                "The contract ends before it takes effect.",
            );
        }
    }
}
