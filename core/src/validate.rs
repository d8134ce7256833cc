//! Validation: every problem of a dossier at once, each with the JSON path of the field, a
//! stable code, a message in Vietnamese and in English, and the legal source of the rule
//! where a law or a standard sets it.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::forms::{Applicant, AttachmentRef, PartyType, PriorityClaim, Representative, Signatory};
use crate::ident::{CitizenId, Email, IdentError, Phone, TaxCode};
use crate::kind::DossierKind;
use crate::legal::{FormVersion, Forms, Requirement};
use crate::text::Text;

/// Whether a problem stops the dossier from being sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    /// Worth the user's attention, but the dossier may still be sealed.
    Warning,
}

/// One problem found in a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// JSON path of the field, `applicant.tax_code`, `goods.1.class`, `products.3.gtin`.
    pub path: String,
    /// Stable machine code, `tax_code.checksum`.
    pub code: String,
    pub severity: Severity,
    pub message: Text,
    /// The law or standard that sets the rule, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub source: Option<String>,
}

/// All the problems of one dossier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub problems: Vec<Problem>,
}

impl Report {
    /// True when nothing stops the dossier from being sealed (warnings allowed).
    pub fn is_valid(&self) -> bool {
        !self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }
}

const SRC_TAX_CODE: &str =
    "Tax code structure: 10 digits with a mod-11 check digit, 13 for a branch (identifiers.md)";
const SRC_ART_89: &str = "IP Law 50/2005/QH11 as amended, Art. 89 (who may file directly)";

/// Collects problems while a form is walked; the form modules call its checks with the path
/// of each field.
pub struct Checker<'a> {
    pub(crate) problems: Vec<Problem>,
    /// The form version checked against; `None` for a block checked on its own (a profile).
    pub form: Option<&'a FormVersion>,
    pub forms: &'a Forms,
    /// The day the dossier is (to be) filed: its `filing_date`, else today.
    pub filing_date: Date,
}

impl<'a> Checker<'a> {
    pub fn new(forms: &'a Forms, form: &'a FormVersion, filing_date: Date) -> Self {
        Checker {
            problems: Vec::new(),
            form: Some(form),
            forms,
            filing_date,
        }
    }

    /// A checker for a block outside any form, such as a profile.
    pub fn standalone(forms: &'a Forms, today: Date) -> Self {
        Checker {
            problems: Vec::new(),
            form: None,
            forms,
            filing_date: today,
        }
    }

    pub fn finish(self) -> Report {
        Report {
            problems: self.problems,
        }
    }

    /// Records a problem; the returned reference lets the caller attach a source.
    pub fn report(
        &mut self,
        severity: Severity,
        path: impl Into<String>,
        code: &str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> &mut Problem {
        self.problems.push(Problem {
            path: path.into(),
            code: code.to_owned(),
            severity,
            message: Text::new(vi, en),
            source: None,
        });
        let last = self.problems.len() - 1;
        &mut self.problems[last]
    }

    pub fn error(
        &mut self,
        path: impl Into<String>,
        code: &str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> &mut Problem {
        self.report(Severity::Error, path, code, vi, en)
    }

    pub fn warning(
        &mut self,
        path: impl Into<String>,
        code: &str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> &mut Problem {
        self.report(Severity::Warning, path, code, vi, en)
    }

    /// A text field that must not be blank. Returns whether it was filled.
    pub fn required(&mut self, path: &str, value: &str, label: Text) -> bool {
        if value.trim().is_empty() {
            self.error(
                path,
                "required",
                format!("Chưa nhập {}.", label.vi),
                format!("{} is required.", capitalise(&label.en)),
            );
            false
        } else {
            true
        }
    }

    pub fn tax_code(&mut self, path: &str, value: &str) -> Option<TaxCode> {
        match value.parse::<TaxCode>() {
            Ok(tc) => Some(tc),
            Err(e) => {
                let (vi, en) = match e {
                    IdentError::Checksum => (
                        format!("Mã số thuế {value} sai chữ số kiểm tra."),
                        format!("Tax code {value} has a wrong check digit."),
                    ),
                    IdentError::NeverIssued => (
                        format!(
                            "Mã số thuế {value} không thể được cấp (9 chữ số đầu không có chữ số kiểm tra hợp lệ)."
                        ),
                        format!(
                            "Tax code {value} cannot exist: its first nine digits have no valid check digit."
                        ),
                    ),
                    _ => (
                        format!(
                            "Mã số thuế \"{value}\" phải gồm 10 chữ số, hoặc 13 chữ số dạng 0101234565-001 với chi nhánh."
                        ),
                        format!(
                            "Tax code \"{value}\" must be 10 digits, or 13 as 0101234565-001 for a branch."
                        ),
                    ),
                };
                self.error(path, &format!("tax_code.{}", e.code()), vi, en)
                    .source = Some(SRC_TAX_CODE.to_owned());
                None
            }
        }
    }

    fn optional_contact(&mut self, prefix: &str, phone: &str, email: &str) {
        if !phone.trim().is_empty() && phone.parse::<Phone>().is_err() {
            self.error(
                format!("{prefix}.phone"),
                "phone.format",
                format!("Số điện thoại \"{phone}\" không hợp lệ (ví dụ 024 3822 1234 hoặc +84 912 345 678)."),
                format!("Phone number \"{phone}\" is not valid (e.g. 024 3822 1234 or +84 912 345 678)."),
            );
        }
        if !email.trim().is_empty() && email.parse::<Email>().is_err() {
            self.error(
                format!("{prefix}.email"),
                "email.format",
                format!("Địa chỉ email \"{email}\" không hợp lệ."),
                format!("E-mail address \"{email}\" is not valid."),
            );
        }
    }

    /// The applicant block: name, address, the identifier its type and country call for,
    /// contacts. `needs_contact`: the form asks for a phone number.
    pub fn applicant(&mut self, prefix: &str, a: &Applicant, needs_contact: bool) {
        self.required(&format!("{prefix}.name"), &a.name, Text::new("tên", "name"));
        self.required(
            &format!("{prefix}.address"),
            &a.address,
            Text::new("địa chỉ", "address"),
        );
        let country = a.country_code();
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
            self.error(
                format!("{prefix}.country"),
                "country.format",
                format!(
                    "Mã quốc gia \"{}\" phải gồm 2 chữ cái theo ISO 3166-1 (ví dụ VN).",
                    a.country
                ),
                format!(
                    "Country code \"{}\" must be two ISO 3166-1 letters (e.g. VN).",
                    a.country
                ),
            );
        }
        match (a.party_type, a.is_foreign()) {
            (PartyType::Organisation, false) => {
                if self.required(
                    &format!("{prefix}.tax_code"),
                    &a.tax_code,
                    Text::new("mã số doanh nghiệp/mã số thuế", "enterprise tax code"),
                ) {
                    self.tax_code(&format!("{prefix}.tax_code"), &a.tax_code);
                }
            }
            (PartyType::Individual, false) => {
                if self.required(
                    &format!("{prefix}.citizen_id"),
                    &a.citizen_id,
                    Text::new("số căn cước công dân", "citizen ID number"),
                ) && a.citizen_id.parse::<CitizenId>().is_err()
                {
                    self.error(
                        format!("{prefix}.citizen_id"),
                        "citizen_id.format",
                        "Số căn cước công dân phải gồm 12 chữ số.",
                        "A citizen ID number has 12 digits.",
                    );
                }
            }
            (_, true) => {
                if !a.tax_code.trim().is_empty() && !a.establishment_in_vietnam {
                    // A foreign party's own registration number is free-form.
                } else if !a.tax_code.trim().is_empty() {
                    self.tax_code(&format!("{prefix}.tax_code"), &a.tax_code);
                }
            }
        }
        if needs_contact {
            self.required(
                &format!("{prefix}.phone"),
                &a.phone,
                Text::new("số điện thoại", "phone number"),
            );
        }
        self.optional_contact(prefix, &a.phone, &a.email);
    }

    /// The representative block, and the rule of Art. 89: a foreign applicant without an
    /// establishment in Vietnam files only through a licensed IP agent.
    pub fn representative(&mut self, r: &Representative, applicants: &[&Applicant], ip: bool) {
        use crate::forms::RepresentativeType as T;
        if ip {
            for (i, a) in applicants.iter().enumerate() {
                if a.is_foreign() && !a.establishment_in_vietnam && r.kind != T::IpAgent {
                    let path = if i == 0 {
                        "representative.kind".to_owned()
                    } else {
                        format!("co_applicants.{}", i - 1)
                    };
                    self.error(
                        path,
                        "representative.agent_required",
                        "Chủ đơn nước ngoài không có cơ sở sản xuất, kinh doanh tại Việt Nam phải nộp đơn thông qua tổ chức dịch vụ đại diện sở hữu công nghiệp.",
                        "A foreign applicant without an establishment in Vietnam must file through a licensed IP representation service.",
                    )
                    .source = Some(SRC_ART_89.to_owned());
                }
            }
        }
        if r.kind == T::None {
            return;
        }
        self.required(
            "representative.name",
            &r.name,
            Text::new("tên người đại diện", "representative's name"),
        );
        if r.kind == T::IpAgent {
            self.required(
                "representative.agent_code",
                &r.agent_code,
                Text::new("mã đại diện", "agent code"),
            );
        }
        self.optional_contact("representative", &r.phone, &r.email);
    }

    /// The parties of an industrial-property application: the applicant, the further
    /// applicants of the continuation sheet, and who represents them (with the Art. 89 rule).
    pub fn ip_parties(
        &mut self,
        applicant: &Applicant,
        co_applicants: &[Applicant],
        representative: &Representative,
    ) {
        self.applicant("applicant", applicant, true);
        for (i, a) in co_applicants.iter().enumerate() {
            self.applicant(&format!("co_applicants.{i}"), a, false);
        }
        let all: Vec<&Applicant> = std::iter::once(applicant).chain(co_applicants).collect();
        self.representative(representative, &all, true);
    }

    pub fn signatory(&mut self, s: &Signatory) {
        self.required(
            "signatory.name",
            &s.name,
            Text::new("họ tên người ký", "signatory's name"),
        );
        self.required(
            "signatory.place",
            &s.place,
            Text::new("nơi ký", "place of signing"),
        );
    }

    /// Priority claims: complete, not after the filing date, and within the Paris Convention
    /// period of the kind.
    pub fn priority(&mut self, kind: DossierKind, claims: &[PriorityClaim]) {
        let period = self.forms.priority_period(kind).cloned();
        for (i, c) in claims.iter().enumerate() {
            let p = format!("priority.{i}");
            self.required(
                &format!("{p}.country"),
                &c.country,
                Text::new("nước nộp đơn đầu tiên", "country of the first application"),
            );
            self.required(
                &format!("{p}.number"),
                &c.number,
                Text::new("số đơn đầu tiên", "number of the first application"),
            );
            let Some(date) = c.date else {
                self.error(
                    format!("{p}.date"),
                    "required",
                    "Chưa nhập ngày nộp đơn đầu tiên.",
                    "The filing date of the first application is required.",
                );
                continue;
            };
            if date > self.filing_date {
                self.error(
                    format!("{p}.date"),
                    "priority.after_filing",
                    format!(
                        "Ngày ưu tiên {date} muộn hơn ngày nộp đơn {}.",
                        self.filing_date
                    ),
                    format!(
                        "Priority date {date} is after the filing date {}.",
                        self.filing_date
                    ),
                );
                continue;
            }
            let Some(period) = &period else { continue };
            let deadline = priority_deadline(date, period.months);
            if self.filing_date > deadline {
                self.error(
                    format!("{p}.date"),
                    "priority.expired",
                    format!(
                        "Quá thời hạn ưu tiên {} tháng: đơn đầu tiên nộp ngày {date}, hạn cuối là {deadline}.",
                        period.months
                    ),
                    format!(
                        "The {}-month priority period has run out: first filed on {date}, the last day was {deadline}.",
                        period.months
                    ),
                )
                .source = Some(period.source.clone());
            }
        }
    }

    /// Attachments: each in a slot of the form, of an accepted type and size, one file in a
    /// single-file slot, and every slot whose condition holds filled.
    pub fn attachments(
        &mut self,
        attachments: &[AttachmentRef],
        holds: impl Fn(Requirement) -> bool,
    ) {
        let Some(form) = self.form else { return };
        for (i, a) in attachments.iter().enumerate() {
            let p = format!("attachments.{i}");
            let Some(slot) = form.slot(&a.slot) else {
                self.error(
                    format!("{p}.slot"),
                    "attachment.unknown_slot",
                    format!("Tờ khai này không có mục tài liệu \"{}\".", a.slot),
                    format!("This form has no attachment slot \"{}\".", a.slot),
                );
                continue;
            };
            if !slot.accept.iter().any(|t| t == &a.media_type) {
                self.error(
                    p.clone(),
                    "attachment.type",
                    format!(
                        "Tệp \"{}\" có kiểu {}; mục \"{}\" chỉ nhận {}.",
                        a.file_name,
                        a.media_type,
                        slot.label_vi,
                        slot.accept.join(", ")
                    ),
                    format!(
                        "File \"{}\" is {}; the slot \"{}\" accepts {} only.",
                        a.file_name,
                        a.media_type,
                        slot.label_en,
                        slot.accept.join(", ")
                    ),
                );
            }
            if a.size > slot.max_bytes() {
                self.error(
                    p.clone(),
                    "attachment.too_large",
                    format!(
                        "Tệp \"{}\" lớn hơn giới hạn {} MiB của mục \"{}\".",
                        a.file_name, slot.max_mib, slot.label_vi
                    ),
                    format!(
                        "File \"{}\" is larger than the {} MiB limit of \"{}\".",
                        a.file_name, slot.max_mib, slot.label_en
                    ),
                );
            }
            if a.size == 0 {
                self.error(
                    p.clone(),
                    "attachment.empty",
                    format!("Tệp \"{}\" rỗng.", a.file_name),
                    format!("File \"{}\" is empty.", a.file_name),
                );
            }
        }
        for slot in &form.slots {
            let count = attachments.iter().filter(|a| a.slot == slot.id).count();
            if count > 1 && !slot.multiple {
                self.error(
                    format!("attachments.{}", slot.id),
                    "attachment.single",
                    format!(
                        "Mục \"{}\" chỉ nhận một tệp (đang có {count}).",
                        slot.label_vi
                    ),
                    format!(
                        "The slot \"{}\" takes one file ({count} attached).",
                        slot.label_en
                    ),
                );
            }
            let needed = match slot.required {
                Requirement::Always => true,
                Requirement::Never => false,
                other => holds(other),
            };
            if needed && count == 0 {
                let problem = self.error(
                    format!("attachments.{}", slot.id),
                    "attachment.missing",
                    format!("Thiếu tài liệu bắt buộc: {}.", slot.label_vi),
                    format!("A required document is missing: {}.", slot.label_en),
                );
                problem.source = slot.source.clone();
            }
        }
    }
}

/// The last day of a priority period: the same day `months` later (Paris Convention Art.
/// 4C(2): the first day is not counted), clamped to the month's end where that day does not
/// exist (the sources do not settle this case, identifiers.md), then moved past a Saturday or
/// Sunday, when the Office does not accept filings (Art. 4C(3)). Public holidays would move it
/// further; no versioned holiday table exists yet, so they do not.
pub fn priority_deadline(first_filing: Date, months: i8) -> Date {
    use jiff::civil::Weekday;
    let mut day = first_filing
        .checked_add(jiff::Span::new().months(months))
        .unwrap_or(Date::MAX);
    while matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    day
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn priority_deadline_follows_the_worked_example() {
        // identifiers.md: first filed Monday 16 March 2026.
        assert_eq!(priority_deadline(date(2026, 3, 16), 6), date(2026, 9, 16));
        assert_eq!(priority_deadline(date(2026, 3, 16), 12), date(2027, 3, 16));
    }

    #[test]
    fn priority_deadline_on_a_weekend_moves_to_monday() {
        // 2026-08-15 is a Saturday.
        assert_eq!(priority_deadline(date(2026, 2, 15), 6), date(2026, 8, 17));
    }
}
