//! The few words the shell itself says (dialog titles, notifications), in both languages like
//! every message of hoso-core; the window's own strings are in ui/src/lib/i18n/.

use hoso_core::Text;

pub fn pick_attachment() -> Text {
    Text::new("Chọn tệp đính kèm", "Choose a file to attach")
}

pub fn pick_p12() -> Text {
    Text::new(
        "Chọn tệp chứng thư số (.p12, .pfx)",
        "Choose a certificate file (.p12, .pfx)",
    )
}

pub fn pick_container() -> Text {
    Text::new(
        "Chọn tệp hồ sơ đã ký (.asice)",
        "Choose a sealed dossier (.asice)",
    )
}

pub fn save_container() -> Text {
    Text::new("Lưu tệp hồ sơ đã ký", "Save the sealed dossier")
}

pub fn pick_data_dir() -> Text {
    Text::new("Chọn thư mục dữ liệu", "Choose the data folder")
}

pub fn pick_trust_anchors() -> Text {
    Text::new(
        "Chọn tệp chứng thư gốc tin cậy (PEM)",
        "Choose the trust anchors file (PEM)",
    )
}

pub fn pick_pkcs11_module() -> Text {
    Text::new(
        "Chọn thư viện PKCS#11 của token",
        "Choose the token's PKCS#11 library",
    )
}

pub fn status_changed() -> Text {
    Text::new("Hồ sơ đổi trạng thái", "A dossier's status changed")
}

pub fn startup_failed() -> Text {
    Text::new(
        "Hồ sơ số không mở được thư mục dữ liệu",
        "Hồ sơ số cannot open its data folder",
    )
}
