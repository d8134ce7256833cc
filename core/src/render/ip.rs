//! The industrial-property requests, filed with the IP Office of Vietnam: trademark (Form 08
//! of Decree 65/2023, Form 04 of Circular 10/2026), patent and utility solution (Form 01),
//! industrial design. Boxes in the order of the field list in industrial-property.md.

use super::{FormWriter, RenderInput, short_date};
use crate::DossierKind;
use crate::forms::{
    Applicant, CertificateForm, IndustrialDesignForm, MarkType, PartyType, PatentForm,
    PatentOrigin, PatentOriginType, Representative, TrademarkForm,
};
use crate::pdf::{Align, Block, Image, StyledText};

const STAMP: [&str; 2] = ["DẤU NHẬN ĐƠN", "(Dành cho cán bộ nhận đơn)"];
const IP_OFFICE: &str = "Cục Sở hữu trí tuệ";
const UNDERTAKING: &str = "Tôi cam đoan mọi thông tin trong tờ khai trên đây là trung thực, đúng sự thật và hoàn toàn chịu trách nhiệm trước pháp luật.";

fn applicants(w: &mut FormWriter<'_>, main: &Applicant, others: &[Applicant]) {
    w.section("CHỦ ĐƠN");
    w.party(main);
    for (i, a) in others.iter().enumerate() {
        w.italic(format!("Chủ đơn khác thứ {}:", i + 2));
        w.party(a);
    }
}

fn representative(w: &mut FormWriter<'_>, r: &Representative) {
    w.section("ĐẠI DIỆN CỦA CHỦ ĐƠN");
    w.representative(r);
}

fn certificate_form(w: &mut FormWriter<'_>, form: CertificateForm) {
    w.section("HÌNH THỨC CẤP VĂN BẰNG BẢO HỘ");
    w.check(
        form == CertificateForm::Electronic,
        "Văn bằng bảo hộ dạng điện tử",
    );
    w.check(form == CertificateForm::Paper, "Văn bằng bảo hộ dạng giấy");
}

/// An organisation, or an agent signing for the applicant, stamps its seal.
fn seals(applicant: &Applicant, r: &Representative) -> bool {
    applicant.party_type == PartyType::Organisation || r.acts_by_authority()
}

fn signer_role(r: &Representative) -> &'static str {
    if r.acts_by_authority() {
        "ĐẠI DIỆN CỦA CHỦ ĐƠN"
    } else {
        "CHỦ ĐƠN"
    }
}

fn origin(w: &mut FormWriter<'_>, o: &PatentOrigin) {
    w.check(o.kind == PatentOriginType::New, "Đơn mới");
    w.check(
        o.kind == PatentOriginType::Divisional,
        if o.kind == PatentOriginType::Divisional {
            format!(
                "Đơn tách từ đơn số {} nộp ngày {}",
                o.number,
                short_date(o.date)
            )
        } else {
            "Đơn tách".to_owned()
        },
    );
    w.check(
        o.kind == PatentOriginType::PctNationalPhase,
        if o.kind == PatentOriginType::PctNationalPhase {
            format!(
                "Đơn PCT vào giai đoạn quốc gia: đơn quốc tế số {} nộp ngày {}",
                o.number,
                short_date(o.date)
            )
        } else {
            "Đơn PCT vào giai đoạn quốc gia".to_owned()
        },
    );
}

fn authors(w: &mut FormWriter<'_>, heading: &str, people: &[crate::forms::Author]) {
    w.section(heading);
    let rows = people
        .iter()
        .enumerate()
        .map(|(i, a)| {
            vec![
                (i + 1).to_string(),
                a.name.clone(),
                a.nationality.clone(),
                a.address.clone(),
            ]
        })
        .collect();
    w.table(
        &[
            ("STT", 0.6, Align::Center),
            ("Họ và tên", 3.0, Align::Left),
            ("Quốc tịch", 1.2, Align::Center),
            ("Địa chỉ", 4.0, Align::Left),
        ],
        rows,
    );
}

pub(super) fn trademark(w: &mut FormWriter<'_>, f: &TrademarkForm, input: &RenderInput<'_>) {
    w.heading(&STAMP, IP_OFFICE);
    applicants(w, &f.applicant, &f.co_applicants);
    representative(w, &f.representative);

    w.section("NGUỒN GỐC ĐƠN");
    w.check(!f.origin.divisional, "Đơn mới");
    w.check(
        f.origin.divisional,
        if f.origin.divisional {
            format!(
                "Đơn tách từ đơn số {} nộp ngày {}",
                f.origin.parent_number,
                short_date(f.origin.parent_filing_date)
            )
        } else {
            "Đơn tách".to_owned()
        },
    );

    w.section("MẪU NHÃN HIỆU");
    let sample = f
        .attachments
        .iter()
        .find(|a| a.slot == "mark_sample")
        .and_then(|a| (input.attachment)(&a.sha256));
    match sample {
        // Decree 65/2023: the sample fits in 80 × 80 mm.
        Some(data) => w.push(Block::Image(Image {
            data,
            max_width_mm: 80.0,
            max_height_mm: 80.0,
        })),
        None => w.italic("(Mẫu nhãn hiệu nộp kèm theo dưới dạng tệp ảnh.)"),
    }
    w.field("Loại nhãn hiệu", "");
    let types = [
        (MarkType::Ordinary, "Nhãn hiệu thông thường"),
        (MarkType::Collective, "Nhãn hiệu tập thể"),
        (MarkType::Certification, "Nhãn hiệu chứng nhận"),
        (MarkType::ThreeDimensional, "Nhãn hiệu ba chiều"),
        (MarkType::Sound, "Nhãn hiệu âm thanh"),
    ];
    for (t, label) in types {
        w.check(f.mark.mark_type == t, label);
    }
    w.check(f.mark.associated, "Nhãn hiệu liên kết");
    w.check(
        !f.mark.colour_claim,
        "Không yêu cầu bảo hộ màu sắc (đen trắng)",
    );
    w.check(
        f.mark.colour_claim,
        if f.mark.colour_claim {
            format!("Yêu cầu bảo hộ màu sắc: {}", f.mark.colours.join(", "))
        } else {
            "Yêu cầu bảo hộ màu sắc".to_owned()
        },
    );

    w.section("MÔ TẢ NHÃN HIỆU");
    w.field("Mô tả", &f.mark.description);
    if !f.mark.meaning.trim().is_empty() {
        w.field("Ý nghĩa, phiên âm, dịch nghĩa", &f.mark.meaning);
    }

    w.section("YÊU CẦU HƯỞNG QUYỀN ƯU TIÊN");
    w.priority(&f.priority);

    w.section("DANH MỤC VÀ PHÂN NHÓM HÀNG HÓA, DỊCH VỤ MANG NHÃN HIỆU");
    let rows = f
        .goods
        .iter()
        .map(|g| {
            vec![
                format!("{:02}", g.class),
                g.items.join("; "),
                g.items.len().to_string(),
            ]
        })
        .collect();
    w.table(
        &[
            ("Nhóm", 0.8, Align::Center),
            ("Danh mục hàng hóa, dịch vụ", 7.0, Align::Left),
            ("Số SP/DV", 1.2, Align::Center),
        ],
        rows,
    );

    w.section("PHÍ, LỆ PHÍ");
    w.fees();
    w.section("CÁC TÀI LIỆU CÓ TRONG ĐƠN");
    w.documents(&f.attachments);
    closing(
        w,
        f.certificate_form,
        &f.note,
        &f.signatory,
        &f.applicant,
        &f.representative,
    );
}

pub(super) fn patent(w: &mut FormWriter<'_>, kind: DossierKind, f: &PatentForm) {
    let object = if kind == DossierKind::UtilitySolution {
        "GIẢI PHÁP HỮU ÍCH"
    } else {
        "SÁNG CHẾ"
    };
    w.heading(&STAMP, IP_OFFICE);
    w.section(&format!("TÊN {object}"));
    w.push(Block::Text(StyledText {
        text: f.title.clone(),
        bold: true,
        ..StyledText::default()
    }));
    w.field("Chỉ số phân loại sáng chế quốc tế (IPC)", f.ipc.join("; "));
    applicants(w, &f.applicant, &f.co_applicants);
    representative(w, &f.representative);
    authors(w, &format!("TÁC GIẢ {object}"), &f.inventors);
    w.section("NGUỒN GỐC ĐƠN");
    origin(w, &f.origin);
    w.section("YÊU CẦU HƯỞNG QUYỀN ƯU TIÊN");
    w.priority(&f.priority);
    w.section("YÊU CẦU THẨM ĐỊNH NỘI DUNG");
    w.check(
        f.examination_request,
        "Yêu cầu thẩm định nội dung đơn cùng với việc nộp đơn",
    );
    w.section("PHÍ, LỆ PHÍ");
    w.fees();
    w.section("CÁC TÀI LIỆU CÓ TRONG ĐƠN");
    w.field(
        "Bản mô tả",
        format!(
            "{} trang; {} điểm yêu cầu bảo hộ, trong đó {} điểm độc lập; {} hình vẽ",
            f.description_pages, f.claims_total, f.independent_claims, f.figures
        ),
    );
    w.documents(&f.attachments);
    closing(
        w,
        f.certificate_form,
        &f.note,
        &f.signatory,
        &f.applicant,
        &f.representative,
    );
}

pub(super) fn design(w: &mut FormWriter<'_>, f: &IndustrialDesignForm) {
    w.heading(&STAMP, IP_OFFICE);
    w.section("KIỂU DÁNG CÔNG NGHIỆP");
    w.field("Tên sản phẩm", &f.product_name);
    w.field("Phân loại Locarno", f.locarno.join("; "));
    w.field(
        "Số kiểu dáng, phương án",
        format!("{} kiểu dáng; {} phương án", f.designs, f.variants),
    );
    applicants(w, &f.applicant, &f.co_applicants);
    representative(w, &f.representative);
    authors(w, "TÁC GIẢ KIỂU DÁNG CÔNG NGHIỆP", &f.designers);
    w.section("NGUỒN GỐC ĐƠN");
    origin(w, &f.origin);
    w.section("YÊU CẦU HƯỞNG QUYỀN ƯU TIÊN");
    w.priority(&f.priority);
    w.section("PHÍ, LỆ PHÍ");
    w.fees();
    w.section("CÁC TÀI LIỆU CÓ TRONG ĐƠN");
    w.field("Bộ ảnh chụp/bản vẽ", format!("{} hình", f.figures));
    w.documents(&f.attachments);
    closing(
        w,
        f.certificate_form,
        &f.note,
        &f.signatory,
        &f.applicant,
        &f.representative,
    );
}

/// The end every industrial-property request shares: the form of the title, the note, the
/// undertaking and the signature block.
fn closing(
    w: &mut FormWriter<'_>,
    form: CertificateForm,
    note: &str,
    signatory: &crate::forms::Signatory,
    applicant: &Applicant,
    representative: &Representative,
) {
    certificate_form(w, form);
    if !note.trim().is_empty() {
        w.section("GHI CHÚ");
        w.paragraph(note);
    }
    w.section("CAM KẾT VÀ CHỮ KÝ");
    w.sign(
        UNDERTAKING,
        signatory,
        signer_role(representative),
        seals(applicant, representative),
    );
}
