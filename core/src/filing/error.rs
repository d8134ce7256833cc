//! The one error type of filing: every variant has a stable code and a message in Vietnamese
//! and English. What the portal said (its own code and message) is passed through.

use std::path::PathBuf;

use hoso_portal::client::ClientError;
use hoso_signing::cms::CmsError;

use crate::drafting::DraftError;
use crate::store::{DraftId, StoreError};
use crate::text::Text;

#[derive(Debug, thiserror::Error)]
pub enum FilingError {
    /// The portal could not be reached, failed, or refused the request.
    #[error(transparent)]
    Portal(#[from] ClientError),
    /// No session for this portal, or it expired, and no PIN source to log in again.
    #[error("not logged in to {portal}")]
    LoginRequired { portal: String, expired: bool },
    /// Neither `--portal`, `HOSO_PORTAL_URL` nor the settings name a portal.
    #[error("no portal address is configured")]
    NoPortal,
    /// The OS keyring could not keep or give back the session.
    #[error("OS keyring: {0}")]
    Keyring(String),
    /// The store, or a draft (store errors come as `DraftError::Store`).
    #[error(transparent)]
    Draft(#[from] DraftError),
    #[error("{}: not a sealed dossier: {detail}", path.display())]
    NotAContainer { path: PathBuf, detail: String },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The token or file could not sign the login challenge.
    #[error("signing the login challenge: {0}")]
    LoginSignature(#[from] CmsError),
    /// The token or file to log in again with could not be opened.
    #[error("{}", .0.message.en)]
    Credentials(super::CredentialsError),
    #[error("draft {0} is not sealed")]
    NotSealed(DraftId),
    #[error("draft {0} is sealed but its container was never submitted from this data folder")]
    ContainerUnknown(DraftId),
    #[error("no dossier {0} in this data folder")]
    UnknownDossier(String),
    /// The portal answered with a receipt for other bytes than those sent.
    #[error("the portal's receipt is for container {got}, not {expected}")]
    ReceiptMismatch { expected: String, got: String },
    /// The portal's receipt does not hold under its own signature.
    #[error("the portal's receipt for {number}: {error}")]
    ReceiptSignature {
        number: String,
        error: hoso_portal::api::ReceiptSignatureError,
    },
    /// The portal answered a challenge this client cannot use.
    #[error("the portal's challenge is not base64")]
    BadChallenge,
}

impl From<StoreError> for FilingError {
    fn from(e: StoreError) -> FilingError {
        FilingError::Draft(DraftError::Store(e))
    }
}

impl FilingError {
    /// The stable machine code: the portal's own when it sent one (`filing.tax_code_mismatch`),
    /// else ours (`portal.unreachable`, `session.login_required`, …).
    pub fn code(&self) -> &str {
        match self {
            FilingError::Portal(e) => e.server_code().unwrap_or(e.code()),
            FilingError::LoginRequired { .. } => "session.login_required",
            FilingError::NoPortal => "portal.not_configured",
            FilingError::Keyring(_) => "session.keyring",
            FilingError::Draft(e) => e.code(),
            FilingError::NotAContainer { .. } => "filing.not_a_container",
            FilingError::Read { .. } => "input.unreadable",
            FilingError::LoginSignature(e) => e.code(),
            FilingError::Credentials(e) => &e.code,
            FilingError::NotSealed(_) => "filing.not_sealed",
            FilingError::ContainerUnknown(_) => "filing.container_unknown",
            FilingError::UnknownDossier(_) => "filing.unknown_dossier",
            FilingError::ReceiptMismatch { .. } => "filing.receipt_mismatch",
            FilingError::ReceiptSignature { .. } => "filing.receipt_signature",
            FilingError::BadChallenge => "portal.protocol",
        }
    }

    /// Whether trying again later may work (the network, the portal, the keyring, the store),
    /// as opposed to input that is refused.
    pub fn is_environment(&self) -> bool {
        match self {
            FilingError::Portal(e) => !matches!(
                e,
                ClientError::Rejected { .. } | ClientError::TooLarge { .. }
            ),
            FilingError::Draft(DraftError::Store(_)) => true,
            FilingError::Credentials(e) => e.environment,
            FilingError::Draft(_)
            | FilingError::NotAContainer { .. }
            | FilingError::Read { .. }
            | FilingError::NotSealed(_)
            | FilingError::ContainerUnknown(_)
            | FilingError::UnknownDossier(_) => false,
            _ => true,
        }
    }

    pub fn text(&self) -> Text {
        match self {
            FilingError::Portal(e) => client_text(e),
            FilingError::LoginRequired { portal, expired } => {
                let (vi, en) = if *expired {
                    ("Phiên đăng nhập", "The session with")
                } else {
                    ("Chưa có phiên đăng nhập", "There is no session with")
                };
                if *expired {
                    Text::new(
                        format!(
                            "{vi} cổng {portal} đã hết hạn. Chạy `hoso login` (hoặc thêm --pin-env/--pass-env để tự đăng nhập lại)."
                        ),
                        format!(
                            "{en} {portal} has expired. Run `hoso login` (or add --pin-env/--pass-env to log in again by itself)."
                        ),
                    )
                } else {
                    Text::new(
                        format!(
                            "{vi} với cổng {portal}. Chạy `hoso login` (hoặc thêm --pin-env/--pass-env để tự đăng nhập)."
                        ),
                        format!(
                            "{en} {portal}. Run `hoso login` (or add --pin-env/--pass-env to log in by itself)."
                        ),
                    )
                }
            }
            FilingError::NoPortal => Text::new(
                "Chưa biết địa chỉ cổng dịch vụ công: dùng --portal URL, biến HOSO_PORTAL_URL, hoặc `hoso login --portal URL` một lần.",
                "No portal address: use --portal URL, HOSO_PORTAL_URL, or `hoso login --portal URL` once.",
            ),
            FilingError::Keyring(e) => Text::new(
                format!("Kho khóa của hệ điều hành không lưu/đọc được phiên đăng nhập: {e}."),
                format!("The OS keyring cannot keep or give back the session: {e}."),
            ),
            FilingError::Draft(e) => e.text(),
            FilingError::NotAContainer { path, detail } => Text::new(
                format!(
                    "{} không phải hồ sơ đã ký niêm phong (.asice): {detail}.",
                    path.display()
                ),
                format!(
                    "{} is not a sealed dossier (.asice): {detail}.",
                    path.display()
                ),
            ),
            FilingError::Read { path, source } => Text::new(
                format!("Không đọc được {}: {source}.", path.display()),
                format!("Cannot read {}: {source}.", path.display()),
            ),
            FilingError::LoginSignature(e) => Text::new(
                format!("Không ký được mã thử thách đăng nhập: {e}."),
                format!("The login challenge could not be signed: {e}."),
            ),
            FilingError::Credentials(e) => e.message.clone(),
            FilingError::NotSealed(id) => Text::new(
                format!(
                    "Bản nháp {id} chưa được ký niêm phong: chạy `hoso seal {id} --out HỒSƠ.asice` rồi `hoso submit HỒSƠ.asice`."
                ),
                format!(
                    "Draft {id} is not sealed: run `hoso seal {id} --out DOSSIER.asice`, then `hoso submit DOSSIER.asice`."
                ),
            ),
            FilingError::ContainerUnknown(id) => Text::new(
                format!(
                    "Bản nháp {id} đã được ký niêm phong vào một tệp .asice chưa nộp từ thư mục dữ liệu này: nộp tệp đó (`hoso submit TỆP.asice`), nó sẽ được gắn với bản nháp."
                ),
                format!(
                    "Draft {id} was sealed into an .asice file never submitted from this data folder: submit that file (`hoso submit FILE.asice`); it is linked to the draft."
                ),
            ),
            FilingError::UnknownDossier(n) => Text::new(
                format!("Không có hồ sơ số {n} trong thư mục dữ liệu này."),
                format!("No dossier {n} in this data folder."),
            ),
            FilingError::ReceiptMismatch { expected, got } => Text::new(
                format!("Biên nhận của cổng là cho tệp {got}, không phải tệp đã gửi ({expected})."),
                format!(
                    "The portal's receipt is for container {got}, not for the one sent ({expected})."
                ),
            ),
            FilingError::ReceiptSignature { number, error } => {
                use hoso_portal::api::ReceiptSignatureError as E;
                let vi = match error {
                    E::Certificate => "không đọc được chứng thư số kèm theo",
                    E::Invalid(_) => "chữ ký không khớp với nội dung biên nhận",
                    E::OutsideValidity => "được ký ngoài thời hạn hiệu lực của chứng thư số",
                };
                Text::new(
                    format!(
                        "Biên nhận của cổng cho hồ sơ {number} không hợp lệ: {vi}. Biên nhận không \
                         được lưu; hãy liên hệ cơ quan tiếp nhận trước khi nộp lại."
                    ),
                    format!(
                        "The portal's receipt for dossier {number} does not hold: {error}. It was \
                         not kept; check with the receiving office before filing again."
                    ),
                )
            }
            FilingError::BadChallenge => Text::new(
                "Mã thử thách của cổng không phải base64.",
                "The portal's challenge is not base64.",
            ),
        }
    }
}

/// What a portal client error means to the user, the portal's own message first.
pub fn client_text(e: &ClientError) -> Text {
    if let Some(d) = e.detail() {
        return Text::new(
            format!("Cổng dịch vụ công trả lời [{}]: {}", d.code, d.message.vi),
            format!("The portal answered [{}]: {}", d.code, d.message.en),
        );
    }
    match e {
        ClientError::Unreachable(why) => Text::new(
            format!(
                "Không kết nối được cổng dịch vụ công ({why}); hồ sơ vẫn nằm trong hộp thư đi, chạy lại `hoso outbox run` sau."
            ),
            format!(
                "The portal cannot be reached ({why}); the dossier stays in the outbox: run `hoso outbox run` later."
            ),
        ),
        ClientError::ConnectionLost(why) | ClientError::Timeout(why) => Text::new(
            format!("Mất kết nối với cổng dịch vụ công ({why}); lần sau sẽ gửi tiếp từ chỗ dừng."),
            format!(
                "The connection to the portal was lost ({why}); the next try resumes where it stopped."
            ),
        ),
        ClientError::Unauthorized { .. } => Text::new(
            "Cổng từ chối phiên đăng nhập: chạy `hoso login`.",
            "The portal refused the session: run `hoso login`.",
        ),
        ClientError::TooLarge { length, max } => Text::new(
            format!("Tệp hồ sơ ({length} byte) lớn hơn giới hạn của cổng ({max} byte)."),
            format!(
                "The container ({length} bytes) is larger than the portal accepts ({max} bytes)."
            ),
        ),
        other => Text::new(
            format!("Lỗi khi làm việc với cổng dịch vụ công: {other}."),
            format!("Portal error: {other}."),
        ),
    }
}
