//! The request for registration of technology transfer (Law on Technology Transfer 2017, Art.
//! 31.3): the parties, the agreement with the content of Art. 23, the appraisal fee and the
//! parties' undertaking that the agreement complies with the law.

use super::{FormWriter, short_date};
use crate::forms::{
    Direction, PartyRole, PartyType, RegistrationType, TechTransferForm, TransferMethod, TransferOf,
};

const STAMP: [&str; 2] = ["DẤU NHẬN HỒ SƠ", "(Dành cho cơ quan tiếp nhận)"];
/// Art. 31.3: the request carries the parties' undertaking of compliance.
const UNDERTAKING: &str = "Chúng tôi cam kết hợp đồng chuyển giao công nghệ nêu trên tuân thủ quy định của pháp luật về chuyển giao công nghệ và chịu trách nhiệm trước pháp luật về tính trung thực, chính xác của thông tin và tài liệu trong hồ sơ.";

pub(super) fn request(w: &mut FormWriter<'_>, f: &TechTransferForm) {
    w.heading(&STAMP, "Bộ Khoa học và Công nghệ");
    w.check(
        f.registration == RegistrationType::First,
        "Đăng ký chuyển giao công nghệ",
    );
    w.check(
        f.registration == RegistrationType::Amendment,
        if f.registration == RegistrationType::Amendment {
            format!(
                "Đăng ký sửa đổi, bổ sung (Giấy chứng nhận số {})",
                f.previous_certificate
            )
        } else {
            "Đăng ký sửa đổi, bổ sung".to_owned()
        },
    );
    let (own, other) = match f.applicant_role {
        PartyRole::Transferee => ("BÊN NHẬN CHUYỂN GIAO CÔNG NGHỆ", "BÊN GIAO CÔNG NGHỆ"),
        PartyRole::Transferor => ("BÊN GIAO CÔNG NGHỆ", "BÊN NHẬN CHUYỂN GIAO CÔNG NGHỆ"),
    };
    w.section(&format!("{own} (BÊN ĐỀ NGHỊ ĐĂNG KÝ)"));
    w.party(&f.applicant);
    w.section(other);
    w.party(&f.counterparty);
    if f.representative.kind != crate::forms::RepresentativeType::None {
        w.section("NGƯỜI ĐẠI DIỆN");
        w.representative(&f.representative);
    }

    let k = &f.contract;
    w.section("HỢP ĐỒNG CHUYỂN GIAO CÔNG NGHỆ");
    w.field("Số hợp đồng", &k.number);
    w.field("Ngày ký", short_date(k.signed_on));
    w.check(
        k.direction == Direction::Inbound,
        "Chuyển giao công nghệ từ nước ngoài vào Việt Nam",
    );
    w.check(
        k.direction == Direction::Outbound,
        "Chuyển giao công nghệ từ Việt Nam ra nước ngoài",
    );
    w.check(
        k.direction == Direction::Domestic,
        "Chuyển giao công nghệ trong nước",
    );
    w.check(
        k.state_funded,
        "Có sử dụng vốn nhà nước hoặc ngân sách nhà nước",
    );

    w.section("NỘI DUNG CHÍNH CỦA HỢP ĐỒNG");
    w.field("Tên công nghệ được chuyển giao", &k.technology_name);
    w.field("Đối tượng công nghệ", &k.technology_objects);
    w.field("Sản phẩm do công nghệ tạo ra", &k.products);
    w.field("Tiêu chuẩn, chất lượng sản phẩm", &k.product_standards);
    w.check(
        k.transfer_of == TransferOf::Ownership,
        "Chuyển giao quyền sở hữu công nghệ",
    );
    w.check(
        k.transfer_of == TransferOf::RightToUse,
        "Chuyển giao quyền sử dụng công nghệ",
    );
    w.field("Phương thức chuyển giao công nghệ", "");
    let methods = [
        (
            TransferMethod::Documents,
            "Chuyển giao tài liệu về công nghệ",
        ),
        (TransferMethod::Training, "Đào tạo cho bên nhận chuyển giao"),
        (TransferMethod::Experts, "Cử chuyên gia tư vấn kỹ thuật"),
        (
            TransferMethod::Machinery,
            "Chuyển giao máy móc, thiết bị kèm theo công nghệ",
        ),
        (TransferMethod::Other, "Phương thức khác"),
    ];
    for (m, label) in methods {
        w.check(k.methods.contains(&m), label);
    }
    let value = k
        .value_vnd
        .map(|v| format!("{} đồng", crate::fees::format_vnd(v)))
        .unwrap_or_default();
    w.field("Giá trị hợp đồng", value);
    if !k.value_as_written.trim().is_empty() {
        w.field("Giá ghi trong hợp đồng", &k.value_as_written);
    }
    w.field("Phương thức thanh toán", &k.payment_method);
    w.field(
        "Thời hạn hiệu lực",
        format!(
            "từ {} đến {}",
            short_date(k.effective_from),
            short_date(k.effective_to)
        ),
    );
    w.field(
        "Kế hoạch, tiến độ, địa điểm chuyển giao",
        &k.schedule_and_place,
    );
    w.field("Bảo hành công nghệ", &k.warranty);
    w.field("Cơ quan giải quyết tranh chấp", &k.dispute_resolution);

    w.section("PHÍ THẨM ĐỊNH HỢP ĐỒNG");
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
        "ĐẠI DIỆN BÊN ĐỀ NGHỊ ĐĂNG KÝ",
        f.applicant.party_type == PartyType::Organisation,
    );
}
