//! The official declaration forms of each kind, as PDF: the typed form mapped onto the
//! document model of [`crate::pdf`], box by box as the regulation's template numbers them.
//!
//! Rendering is a pure function of the dossier, the time its revision was saved and the
//! attachment bytes it shows (the mark sample): the same revision renders to the same bytes,
//! so a signed form can be rendered again and compared.

mod barcode;
mod ip;
mod tech_transfer;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};

use crate::fees::{self, FeeSchedule};
use crate::forms::{
    Applicant, AttachmentRef, PartyType, PriorityBasis, PriorityClaim, Representative,
    RepresentativeType, Signatory,
};
use crate::legal::{Confidence, FormVersion};
use crate::pdf::{
    Align, Block, Column, DocMeta, Document, OfficeBox, PdfError, RenderedPdf, SignatureBlock,
    StyledText, Table,
};
use crate::{Dossier, DossierKind};

/// Vietnam's offset, UTC+07:00, for the dates printed on forms.
const VIETNAM: Offset = Offset::constant(7);

/// A rendered form: the file name it takes in the dossier container (`forms/…`) and the PDF.
#[derive(Debug, Clone)]
pub struct RenderedForm {
    pub file_name: String,
    pub pdf: RenderedPdf,
}

/// Why a dossier's forms could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("unknown form version `{0}`")]
    UnknownForm(String),
    #[error(transparent)]
    Pdf(#[from] PdfError),
}

impl RenderError {
    pub fn code(&self) -> &'static str {
        match self {
            RenderError::UnknownForm(_) => "form_version.unknown",
            RenderError::Pdf(e) => e.code(),
        }
    }
}

/// What rendering needs besides the dossier.
pub struct RenderInput<'a> {
    /// When the revision was saved: the PDF's creation date, and the date printed in the
    /// signature block when the dossier has no filing date.
    pub saved_at: Timestamp,
    /// The bytes of an attachment by SHA-256 (for the mark sample), if available.
    pub attachment: &'a dyn Fn(&str) -> Option<Vec<u8>>,
    /// The data set whose form version and fee tables the dossier is rendered with.
    pub data: &'a crate::catalog::DataSet,
}

/// The day a dossier is dated: its filing date, else the day its revision was saved (in
/// Vietnam).
pub fn form_day(dossier: &Dossier, saved_at: Timestamp) -> Date {
    dossier
        .filing_date()
        .unwrap_or_else(|| saved_at.to_zoned(TimeZone::fixed(VIETNAM)).date())
}

/// Renders every form of the dossier (one per kind today).
pub fn render_dossier(
    dossier: &Dossier,
    input: &RenderInput<'_>,
) -> Result<Vec<RenderedForm>, RenderError> {
    let form = input
        .data
        .forms
        .get(dossier.form_version())
        .ok_or_else(|| RenderError::UnknownForm(dossier.form_version().to_owned()))?;
    let day = form_day(dossier, input.saved_at);
    let schedule = fees::compute(dossier, &input.data.fees, day);
    let mut w = FormWriter::new(form, day, &schedule);
    match dossier {
        Dossier::Trademark(f) => ip::trademark(&mut w, f, input),
        Dossier::Patent(f) | Dossier::UtilitySolution(f) => ip::patent(&mut w, dossier.kind(), f),
        Dossier::IndustrialDesign(f) => ip::design(&mut w, f),
        Dossier::TechTransfer(f) => tech_transfer::request(&mut w, f),
        Dossier::Barcode(f) => barcode::registration(&mut w, f),
    }
    let doc = w.finish(dossier, input.saved_at);
    let pdf = crate::pdf::render(&doc)?;
    Ok(vec![RenderedForm {
        file_name: format!("{}.pdf", file_stem(dossier.kind())),
        pdf,
    }])
}

fn file_stem(kind: DossierKind) -> &'static str {
    match kind {
        DossierKind::TechTransfer => "van-ban-de-nghi-dang-ky-chuyen-giao-cong-nghe",
        DossierKind::Patent => "to-khai-dang-ky-sang-che",
        DossierKind::UtilitySolution => "to-khai-dang-ky-giai-phap-huu-ich",
        DossierKind::IndustrialDesign => "to-khai-dang-ky-kieu-dang-cong-nghiep",
        DossierKind::Trademark => "to-khai-dang-ky-nhan-hieu",
        DossierKind::Barcode => "ban-dang-ky-su-dung-ma-so-ma-vach",
    }
}

/// "ngày 23 tháng 11 năm 2026", the way Vietnamese documents write a date: a day below 10
/// and the months 1 and 2 take a leading zero ("ngày 05 tháng 02 năm 2026"; Decree
/// 30/2020/NĐ-CP, Appendix I, part II.5).
pub fn vietnamese_date(day: Date) -> String {
    let month = if day.month() < 3 {
        format!("{:02}", day.month())
    } else {
        day.month().to_string()
    };
    format!("ngày {:02} tháng {month} năm {}", day.day(), day.year())
}

/// "TỜ KHAI ĐĂNG KÝ NHÃN HIỆU" → "Tờ khai đăng ký nhãn hiệu".
fn sentence_case(title: &str) -> String {
    let lower = title.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Splits at the first ", " outside parentheses.
fn split_top_level(s: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    for (i, ch) in s.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 && s[i + 1..].starts_with(' ') => {
                return Some((&s[..i], &s[i + 2..]));
            }
            _ => {}
        }
    }
    None
}

/// The form-number label at the top right, from the number as the regulation prints it: the
/// number in bold, its appendix and regulation below ("Mẫu số 08" / "Phụ lục I, Nghị định
/// 65/2023/NĐ-CP"). A "number" that only names the document again before its regulation
/// ("Văn bản đề nghị … (Nghị định 76/2018/NĐ-CP)") is shortened to the regulations: the
/// title just below already names the document.
fn form_label(number: &str, title: &str) -> Vec<String> {
    let number = number.trim();
    if let Some(open) = number.find(" (")
        && number.ends_with(')')
        && number[..open].to_lowercase() == title.to_lowercase()
    {
        let mut regulations = Vec::new();
        let mut rest = &number[open + 2..number.len() - 1];
        while let Some((first, tail)) = split_top_level(rest) {
            regulations.push(first.to_owned());
            rest = tail;
        }
        regulations.push(rest.to_owned());
        return regulations;
    }
    match split_top_level(number) {
        Some((first, rest)) => vec![first.to_owned(), rest.to_owned()],
        None => vec![number.to_owned()],
    }
}

/// `dd/mm/yyyy`, for dates inside form boxes.
pub fn short_date(day: Option<Date>) -> String {
    day.map(|d| format!("{:02}/{:02}/{}", d.day(), d.month(), d.year()))
        .unwrap_or_default()
}

/// Builds a form's blocks in order; the per-kind modules call its section helpers.
pub(crate) struct FormWriter<'a> {
    pub form: &'a FormVersion,
    pub day: Date,
    pub fees: &'a FeeSchedule,
    blocks: Vec<Block>,
    next_box: u32,
}

impl<'a> FormWriter<'a> {
    fn new(form: &'a FormVersion, day: Date, fees: &'a FeeSchedule) -> Self {
        FormWriter {
            form,
            day,
            fees,
            blocks: Vec::new(),
            next_box: 1,
        }
    }

    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    /// The national header, the office's stamp box with the form's number, the title and the
    /// addressee.
    pub fn heading(&mut self, stamp: &[&str], addressee: &str) {
        self.push(Block::NationalHeader);
        let mut label = form_label(&self.form.number, &self.form.title_vi);
        if self.form.confidence == Confidence::Unconfirmed {
            label.push("(số mẫu chưa được xác nhận)".to_owned());
        }
        self.push(Block::OfficeBox(OfficeBox {
            stamp_lines: stamp.iter().map(|s| (*s).to_owned()).collect(),
            form_label: label,
        }));
        self.push(Block::Title {
            text: self.form.title_vi.clone(),
            subtitle: None,
        });
        self.push(Block::Text(StyledText {
            text: format!("Kính gửi: {addressee}"),
            bold: true,
            italic: false,
            align: Align::Center,
        }));
    }

    /// A numbered box of the template: ①, ②… are written as "1", "2"….
    pub fn section(&mut self, heading: &str) {
        let n = self.next_box;
        self.next_box += 1;
        self.push(Block::Section {
            number: Some(n.to_string()),
            heading: heading.to_owned(),
        });
    }

    pub fn field(&mut self, label: &str, value: impl Into<String>) {
        self.push(Block::Field {
            label: label.to_owned(),
            value: value.into(),
        });
    }

    pub fn check(&mut self, checked: bool, label: impl Into<String>) {
        self.push(Block::Checkbox {
            checked,
            label: label.into(),
        });
    }

    pub fn paragraph(&mut self, text: impl Into<String>) {
        self.push(Block::Paragraph(text.into()));
    }

    pub fn italic(&mut self, text: impl Into<String>) {
        self.push(Block::Text(StyledText {
            text: text.into(),
            bold: false,
            italic: true,
            align: Align::Left,
        }));
    }

    pub fn table(&mut self, columns: &[(&str, f32, Align)], rows: Vec<Vec<String>>) {
        self.table_with_total(columns, rows, None);
    }

    /// A table closed by a bold total row (an empty cell of it joins the cell on its left).
    pub fn table_with_total(
        &mut self,
        columns: &[(&str, f32, Align)],
        rows: Vec<Vec<String>>,
        total_row: Option<Vec<String>>,
    ) {
        self.push(Block::Table(Table {
            columns: columns
                .iter()
                .map(|(h, w, a)| Column {
                    heading: (*h).to_owned(),
                    width_ratio: *w,
                    align: *a,
                })
                .collect(),
            rows,
            total_row,
        }));
    }

    /// An applicant or party block.
    pub fn party(&mut self, a: &Applicant) {
        self.field("Tên đầy đủ", &a.name);
        if !a.name_en.trim().is_empty() {
            self.field("Tên bằng tiếng nước ngoài", &a.name_en);
        }
        self.field("Địa chỉ", &a.address);
        match a.party_type {
            PartyType::Organisation => {
                if !a.tax_code.trim().is_empty() {
                    self.field("Mã số doanh nghiệp/Mã số thuế", &a.tax_code);
                }
            }
            PartyType::Individual => self.field("Số căn cước công dân", &a.citizen_id),
        }
        self.field("Mã quốc gia", a.country_code());
        if !a.legal_representative.name.trim().is_empty() {
            self.field(
                "Người đại diện theo pháp luật",
                join(
                    &[&a.legal_representative.name, &a.legal_representative.title],
                    ", ",
                ),
            );
        }
        self.contact(&a.phone, &a.email);
    }

    /// Telephone and email, each on its line, each only when given.
    fn contact(&mut self, phone: &str, email: &str) {
        if !phone.trim().is_empty() {
            self.field("Điện thoại", phone);
        }
        if !email.trim().is_empty() {
            self.field("Email", email);
        }
    }

    /// The representative box: who acts for the applicant.
    pub fn representative(&mut self, r: &Representative) {
        use RepresentativeType as T;
        self.check(
            r.kind == T::LegalRepresentative,
            "là người đại diện theo pháp luật của chủ đơn",
        );
        self.check(
            r.kind == T::IpAgent,
            "là tổ chức dịch vụ đại diện sở hữu công nghiệp được ủy quyền của chủ đơn",
        );
        self.check(
            r.kind == T::Authorised,
            "là người khác được ủy quyền của chủ đơn",
        );
        if r.kind == T::None {
            self.italic("Chủ đơn tự nộp đơn, không thông qua người đại diện.");
            return;
        }
        self.field("Tên", &r.name);
        if !r.agent_code.trim().is_empty() {
            self.field("Mã đại diện", &r.agent_code);
        }
        if !r.address.trim().is_empty() {
            self.field("Địa chỉ", &r.address);
        }
        self.contact(&r.phone, &r.email);
    }

    pub fn priority(&mut self, claims: &[PriorityClaim]) {
        if claims.is_empty() {
            self.check(false, "Có yêu cầu hưởng quyền ưu tiên");
            return;
        }
        self.check(true, "Có yêu cầu hưởng quyền ưu tiên");
        let rows = claims
            .iter()
            .map(|c| {
                let basis = match c.basis {
                    PriorityBasis::ParisConvention => "Công ước Paris",
                    PriorityBasis::EarlierVietnamese => "Đơn đầu tiên nộp tại Việt Nam",
                    PriorityBasis::OtherAgreement => "Thỏa thuận khác",
                };
                vec![
                    basis.to_owned(),
                    c.country.clone(),
                    c.number.clone(),
                    short_date(c.date),
                ]
            })
            .collect();
        self.table(
            &[
                ("Căn cứ", 3.0, Align::Left),
                ("Nước", 1.2, Align::Center),
                ("Số đơn", 2.5, Align::Left),
                ("Ngày nộp", 1.8, Align::Center),
            ],
            rows,
        );
    }

    /// The fee box: every line with its basis and amount, the totals, and the marks of lines
    /// whose figure is not confirmed.
    pub fn fees(&mut self) {
        let fees = self.fees;
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut unconfirmed = false;
        for line in fees.lines.iter().filter(|l| l.stage == fees::Stage::Filing) {
            let mark = match line.confidence {
                Confidence::Confirmed => "",
                Confidence::SingleSource => " (*)",
                Confidence::Unconfirmed => " (**)",
            };
            unconfirmed |= line.confidence != Confidence::Confirmed;
            rows.push(vec![
                format!("{}{mark}", line.label.vi),
                line.basis.vi.clone(),
                fees::format_vnd(line.amount_vnd),
            ]);
        }
        // An industrial-property application is an "đơn"; the other kinds file a "hồ sơ".
        let total_label = match self.form.kind {
            DossierKind::TechTransfer | DossierKind::Barcode => "Tổng số phí phải nộp",
            _ => "Tổng số phí, lệ phí nộp theo đơn",
        };
        let total = vec![
            total_label.to_owned(),
            String::new(),
            fees::format_vnd(fees.total_at_filing_vnd),
        ];
        self.table_with_total(
            &[
                ("Loại phí, lệ phí", 4.0, Align::Left),
                ("Cách tính", 3.0, Align::Left),
                ("Số tiền (đồng)", 2.0, Align::Right),
            ],
            rows,
            Some(total),
        );
        if unconfirmed {
            self.italic(
                "(*) mức phí theo một nguồn thứ cấp; (**) mức phí chưa được xác nhận với văn bản gốc.",
            );
        }
    }

    /// The checklist of documents in the dossier: each slot, ticked when filled.
    pub fn documents(&mut self, attachments: &[AttachmentRef]) {
        self.check(true, sentence_case(&self.form.title_vi));
        for slot in &self.form.slots {
            let files: Vec<&str> = attachments
                .iter()
                .filter(|a| a.slot == slot.id)
                .map(|a| a.file_name.as_str())
                .collect();
            if files.is_empty() {
                if slot.id != "other" {
                    self.check(false, slot.label_vi.clone());
                }
            } else {
                self.check(true, format!("{}: {}", slot.label_vi, files.join(", ")));
            }
        }
    }

    /// The undertaking and the signature block: the role, the signer's position under it,
    /// the space to sign and the name. `seal`: an organisation signs, and stamps its seal.
    pub fn sign(&mut self, undertaking: &str, s: &Signatory, role: &str, seal: bool) {
        self.italic(undertaking);
        let role_line = if s.title.trim().is_empty() {
            role.to_owned()
        } else {
            format!("{role}\n{}", s.title.trim())
        };
        let note = if seal {
            "(Ký, ghi rõ họ tên, chức vụ và đóng dấu)"
        } else {
            "(Ký, ghi rõ họ tên)"
        };
        self.push(Block::SignatureBlock(SignatureBlock {
            place_and_date: format!("{}, {}", s.place.trim(), vietnamese_date(self.day)),
            role_line,
            name: s.name.clone(),
            note: Some(note.to_owned()),
        }));
    }

    fn finish(self, dossier: &Dossier, saved_at: Timestamp) -> Document {
        let running = format!(
            "{} — {}",
            sentence_case(&self.form.title_vi),
            form_label(&self.form.number, &self.form.title_vi).join(", ")
        );
        Document {
            meta: DocMeta {
                title: self.form.title_vi.clone(),
                subject: dossier.headline(),
                author: dossier.applicant().name.clone(),
                language: "vi".to_owned(),
                created: saved_at,
            },
            running_header: Some(running),
            blocks: self.blocks,
        }
    }
}

fn join(parts: &[&str], sep: &str) -> String {
    parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_take_leading_zeros_for_small_days_and_january_february() {
        assert_eq!(
            vietnamese_date(jiff::civil::date(2026, 2, 5)),
            "ngày 05 tháng 02 năm 2026"
        );
        assert_eq!(
            vietnamese_date(jiff::civil::date(2026, 11, 23)),
            "ngày 23 tháng 11 năm 2026"
        );
        assert_eq!(
            vietnamese_date(jiff::civil::date(2026, 3, 1)),
            "ngày 01 tháng 3 năm 2026"
        );
    }

    #[test]
    fn form_label_puts_the_number_first_and_drops_a_repeated_title() {
        assert_eq!(
            form_label(
                "Mẫu số 08, Phụ lục I, Nghị định 65/2023/NĐ-CP",
                "TỜ KHAI ĐĂNG KÝ NHÃN HIỆU"
            ),
            ["Mẫu số 08", "Phụ lục I, Nghị định 65/2023/NĐ-CP"]
        );
        assert_eq!(
            form_label(
                "Bản đăng ký sử dụng mã số mã vạch (Nghị định 74/2018/NĐ-CP, Nghị định 13/2022/NĐ-CP)",
                "BẢN ĐĂNG KÝ SỬ DỤNG MÃ SỐ MÃ VẠCH"
            ),
            ["Nghị định 74/2018/NĐ-CP", "Nghị định 13/2022/NĐ-CP"]
        );
        assert_eq!(
            form_label("Mẫu A (Nghị định 1/2020/NĐ-CP, Điều 2)", "TỜ KHAI"),
            ["Mẫu A (Nghị định 1/2020/NĐ-CP, Điều 2)"],
            "a comma inside parentheses does not split"
        );
        assert_eq!(
            sentence_case("VĂN BẢN ĐỀ NGHỊ ĐĂNG KÝ"),
            "Văn bản đề nghị đăng ký"
        );
    }
}
