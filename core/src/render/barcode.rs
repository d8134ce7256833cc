//! The registration for the use of GS1 barcodes with its list of products using GTINs and
//! the GS1 Vietnam database sheet (barcode.md, Dossier and time limit).

use super::FormWriter;
use crate::forms::BarcodeForm;
use crate::pdf::Align;

const STAMP: [&str; 2] = ["DẤU NHẬN HỒ SƠ", "(Dành cho cơ quan tiếp nhận)"];
const AUTHORITY: &str = "Cơ quan quản lý mã số mã vạch quốc gia (GS1 Việt Nam)";
const UNDERTAKING: &str = "Chúng tôi cam kết sử dụng mã số mã vạch đúng quy định và chịu trách nhiệm trước pháp luật về tính chính xác của các thông tin đã khai.";

pub(super) fn registration(w: &mut FormWriter<'_>, f: &BarcodeForm) {
    w.heading(&STAMP, AUTHORITY);
    w.section("DOANH NGHIỆP ĐĂNG KÝ");
    w.party(&f.applicant);
    if !f.business_sector.trim().is_empty() {
        w.field("Lĩnh vực kinh doanh", &f.business_sector);
    }
    if !f.website.trim().is_empty() {
        w.field("Trang thông tin điện tử", &f.website);
    }
    if f.representative.kind != crate::forms::RepresentativeType::None {
        w.section("NGƯỜI ĐẠI DIỆN");
        w.representative(&f.representative);
    }

    w.section("LOẠI MÃ ĐĂNG KÝ SỬ DỤNG");
    for len in crate::forms::PREFIX_LENGTHS {
        let capacity = 10u64.pow(12 - len);
        w.check(
            f.prefix_length == len,
            format!(
                "Mã doanh nghiệp {len} chữ số (đánh số tối đa {} sản phẩm)",
                crate::fees::format_vnd(capacity)
            ),
        );
    }
    if f.gln_count > 0 {
        w.field("Mã địa điểm toàn cầu (GLN)", format!("{} mã", f.gln_count));
    }
    if f.ean8_count > 0 {
        w.field("Mã số rút gọn (EAN-8)", format!("{} mã", f.ean8_count));
    }
    if !f.company_prefix.trim().is_empty() {
        w.field("Mã doanh nghiệp đã được cấp", &f.company_prefix);
    }

    w.section("NGƯỜI LIÊN HỆ");
    w.field("Họ và tên", &f.contact.person.name);
    if !f.contact.person.title.trim().is_empty() {
        w.field("Chức vụ", &f.contact.person.title);
    }
    w.contact(&f.contact.phone, &f.contact.email);

    w.section("DANH MỤC SẢN PHẨM SỬ DỤNG MÃ GTIN");
    let rows = f
        .products
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                (i + 1).to_string(),
                p.gtin.clone(),
                p.name.clone(),
                p.brand.clone(),
                p.net_content.clone(),
            ]
        })
        .collect();
    w.table(
        &[
            ("STT", 0.7, Align::Center),
            ("Mã GTIN", 2.2, Align::Center),
            ("Tên sản phẩm", 3.5, Align::Left),
            ("Nhãn hiệu", 1.6, Align::Left),
            ("Quy cách", 1.6, Align::Left),
        ],
        rows,
    );

    w.section("PHÍ ĐĂNG KÝ VÀ PHÍ DUY TRÌ");
    w.fees();
    w.section("TÀI LIỆU KÈM THEO");
    w.documents(&f.attachments);
    if !f.note.trim().is_empty() {
        w.section("GHI CHÚ");
        w.paragraph(&f.note);
    }
    w.section("CAM KẾT");
    w.sign(
        UNDERTAKING,
        &f.signatory,
        "ĐẠI DIỆN DOANH NGHIỆP",
        f.applicant.party_type == crate::forms::PartyType::Organisation,
    );
}
