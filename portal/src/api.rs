//! Wire types of the portal API (`portal/openapi.yaml`): plain serde data for every request
//! and response body, shared by the client and the reference server. No I/O, no crypto, no
//! retry logic lives here.
//!
//! Conventions of the contract:
//! - JSON bodies, `application/json; charset=utf-8`; field names in `snake_case`.
//! - Times are RFC 3339 in UTC (`2026-11-02T03:04:05Z`, whole seconds); calendar dates
//!   (deadlines, catalog dates) are `YYYY-MM-DD`.
//! - SHA-256 digests are 64 lowercase hexadecimal characters.
//! - Every error is an [`ErrorBody`] with a stable machine code from [`codes`].

pub mod codes;
pub mod tus;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The path prefix of every route.
pub const PREFIX: &str = "/v1";

/// A message in Vietnamese and English; the client shows the user's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub vi: String,
    pub en: String,
}

impl Message {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Message {
        Message {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

/// The body of every 4xx and 5xx response:
/// `{ "error": { "code": "…", "message": { "vi": "…", "en": "…" } } }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable machine code (see [`codes`]); clients branch on it, never on the message.
    pub code: String,
    pub message: Message,
}

impl ErrorBody {
    pub fn new(code: &str, message: Message) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
            },
        }
    }
}

/// A kind of dossier (the portal's view: it decides the dossier-number series and nothing
/// else; the portal knows nothing about forms). The slugs are hoso-core's `DossierKind` slugs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "PortalDossierKind"))]
#[serde(rename_all = "kebab-case")]
pub enum DossierKind {
    /// Technology-transfer contract registration (đăng ký hợp đồng chuyển giao công nghệ).
    TechTransfer,
    /// Patent (sáng chế).
    Patent,
    /// Utility solution (giải pháp hữu ích).
    UtilitySolution,
    /// Industrial design (kiểu dáng công nghiệp).
    IndustrialDesign,
    /// Trademark (nhãn hiệu).
    Trademark,
    /// GS1 barcode registration (đăng ký sử dụng mã số mã vạch).
    Barcode,
}

impl DossierKind {
    pub const ALL: [DossierKind; 6] = [
        DossierKind::TechTransfer,
        DossierKind::Patent,
        DossierKind::UtilitySolution,
        DossierKind::IndustrialDesign,
        DossierKind::Trademark,
        DossierKind::Barcode,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            DossierKind::TechTransfer => "tech-transfer",
            DossierKind::Patent => "patent",
            DossierKind::UtilitySolution => "utility-solution",
            DossierKind::IndustrialDesign => "industrial-design",
            DossierKind::Trademark => "trademark",
            DossierKind::Barcode => "barcode",
        }
    }

    pub fn from_slug(slug: &str) -> Option<DossierKind> {
        DossierKind::ALL.into_iter().find(|k| k.slug() == slug)
    }

    /// The prefix of this kind's dossier numbers (số đơn / số hồ sơ).
    ///
    /// Industrial property follows the IP Office of Vietnam's application numbers
    /// `T-YYYY-NNNNN`, where T is the type of right: 1 patent, 2 utility solution,
    /// 3 industrial design, 4 trademark (e.g. `4-2026-12345`). The other two families have
    /// no published series, so the reference portal uses `CGCN-YYYY-NNNNN` (chuyển giao
    /// công nghệ) and `MSMV-YYYY-NNNNN` (mã số mã vạch). The number is sequential per
    /// prefix and year, five digits at least.
    pub fn number_prefix(self) -> &'static str {
        match self {
            DossierKind::Patent => "1",
            DossierKind::UtilitySolution => "2",
            DossierKind::IndustrialDesign => "3",
            DossierKind::Trademark => "4",
            DossierKind::TechTransfer => "CGCN",
            DossierKind::Barcode => "MSMV",
        }
    }
}

impl std::fmt::Display for DossierKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

// ---------------------------------------------------------------------------------------
// Certificate login

/// `POST /v1/auth/challenge` (no body) → a nonce to sign with the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// 32 random bytes, base64 (standard alphabet, padded). The bytes are what is signed.
    pub nonce: String,
    /// The nonce is single-use and refused after this time.
    pub expires_at: Timestamp,
}

/// `POST /v1/auth/token`: the nonce signed by the user's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequest {
    /// The nonce exactly as [`Challenge::nonce`] gave it.
    pub nonce: String,
    /// A CMS `ContentInfo` of type SignedData (RFC 5652), DER, base64, **detached**: the
    /// decoded nonce bytes are the content (its message-digest attribute is their SHA-256),
    /// signed with SHA-256, the signer's certificate and its intermediates in
    /// `certificates` — what `hoso_signing::cms::sign_detached` makes.
    pub signed_nonce: String,
}

/// The bearer token that authorises every other route but the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Opaque; sent as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_at: Timestamp,
    /// Seconds from issue to expiry.
    pub expires_in: u64,
    /// Who logged in, as the certificate names them (its subject).
    pub subject: String,
    /// The tax code (mã số thuế) in the certificate, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Filing and receipts

/// `POST /v1/dossiers` and `POST /v1/dossiers/{number}/supplements`: file a completed tus
/// upload. The container's SHA-256 is the idempotency key: the same container sent again,
/// by the same client, gets the same receipt and never a second filing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitRequest {
    /// The id of the tus upload (the last path segment of its `Location`).
    pub upload_id: String,
    /// SHA-256 of the whole container, lowercase hex; the server checks it against the bytes.
    pub container_sha256: String,
}

/// A receipt (biên nhận): issued when a dossier, or a supplement to it, is filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Receipt {
    /// The dossier number (số hồ sơ), see [`DossierKind::number_prefix`].
    pub dossier_number: String,
    /// 1, 2, … for a supplement's receipt; absent for the dossier's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplement: Option<u32>,
    pub kind: DossierKind,
    /// When the portal accepted the filing (whole seconds, UTC).
    pub received_at: Timestamp,
    pub container_sha256: String,
    pub portal_signature: PortalSignature,
}

/// The portal's signature over a receipt: a raw signature, not CMS, over the SHA-256 of
/// [`Receipt::signed_payload`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PortalSignature {
    pub algorithm: SignatureAlgorithm,
    /// base64 of the signature: RSA as the modulus-sized integer, ECDSA as raw `r‖s` (each
    /// half the curve's size), as XML-DSig keeps it.
    pub value: String,
    /// base64 of the portal's signing certificate (DER), so a receipt can be checked
    /// offline against the portal certificate the client trusts.
    pub certificate: String,
}

/// The algorithms of [`PortalSignature`], always over SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    #[serde(rename = "rsa-pkcs1-sha256")]
    RsaPkcs1Sha256,
    /// RSASSA-PSS, SHA-256, MGF1 SHA-256, 32-byte salt.
    #[serde(rename = "rsa-pss-sha256")]
    RsaPssSha256,
    #[serde(rename = "ecdsa-p256-sha256")]
    EcdsaP256Sha256,
    #[serde(rename = "ecdsa-p384-sha256")]
    EcdsaP384Sha256,
}

impl Receipt {
    /// The bytes the portal signs (their SHA-256 is what goes to the key): the receipt's
    /// fields, one per line, each ending in `\n`, UTF-8:
    ///
    /// ```text
    /// hoso-receipt/1
    /// <dossier_number>
    /// <supplement number, or "-" for the dossier's own receipt>
    /// <kind slug>
    /// <received_at, RFC 3339 UTC, whole seconds: 2026-11-02T03:04:05Z>
    /// <container_sha256, lowercase hex>
    /// ```
    pub fn signed_payload(&self) -> String {
        receipt_payload(
            &self.dossier_number,
            self.supplement,
            self.kind,
            self.received_at,
            &self.container_sha256,
        )
    }
}

/// Why a receipt's own signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptSignatureError {
    #[error("the receipt's certificate cannot be read")]
    Certificate,
    #[error("the receipt's signature is not {0:?} by its certificate's key over its fields")]
    Invalid(SignatureAlgorithm),
    #[error("the receipt was signed outside its certificate's validity period")]
    OutsideValidity,
}

impl Receipt {
    /// Checks the portal's signature over this receipt with the certificate it carries, and
    /// that the receipt's time falls in that certificate's validity: a receipt altered after
    /// signing, or signed by a key other than its certificate's, is refused. Gives the
    /// certificate. Whether that certificate is the ministry's is the caller's to decide.
    pub fn verify_signature(&self) -> Result<x509_cert::Certificate, ReceiptSignatureError> {
        use base64::Engine as _;
        use der::Decode as _;
        use sha2::{Digest as _, Sha256};
        let sig = &self.portal_signature;
        let engine = base64::engine::general_purpose::STANDARD;
        let cert = engine
            .decode(&sig.certificate)
            .ok()
            .and_then(|der| x509_cert::Certificate::from_der(&der).ok())
            .ok_or(ReceiptSignatureError::Certificate)?;
        let invalid = || ReceiptSignatureError::Invalid(sig.algorithm);
        let value = engine.decode(&sig.value).map_err(|_| invalid())?;
        let digest: [u8; 32] = Sha256::digest(self.signed_payload().as_bytes()).into();
        if !hoso_signing::cms::verify_raw(&cert, sig.algorithm.into(), &digest, &value) {
            return Err(invalid());
        }
        // At the whole second the payload carries, as signed.
        let at = Timestamp::from_second(self.received_at.as_second()).unwrap_or(self.received_at);
        if !hoso_signing::certinfo::CertificateInfo::from_certificate(&cert).is_valid_at(at) {
            return Err(ReceiptSignatureError::OutsideValidity);
        }
        Ok(cert)
    }
}

impl From<SignatureAlgorithm> for hoso_signing::SignatureAlgorithm {
    fn from(a: SignatureAlgorithm) -> Self {
        match a {
            SignatureAlgorithm::RsaPkcs1Sha256 => hoso_signing::SignatureAlgorithm::RsaPkcs1Sha256,
            SignatureAlgorithm::RsaPssSha256 => hoso_signing::SignatureAlgorithm::RsaPssSha256,
            SignatureAlgorithm::EcdsaP256Sha256 => {
                hoso_signing::SignatureAlgorithm::EcdsaP256Sha256
            }
            SignatureAlgorithm::EcdsaP384Sha256 => {
                hoso_signing::SignatureAlgorithm::EcdsaP384Sha256
            }
        }
    }
}

impl From<hoso_signing::SignatureAlgorithm> for SignatureAlgorithm {
    fn from(a: hoso_signing::SignatureAlgorithm) -> Self {
        match a {
            hoso_signing::SignatureAlgorithm::RsaPkcs1Sha256 => SignatureAlgorithm::RsaPkcs1Sha256,
            hoso_signing::SignatureAlgorithm::RsaPssSha256 => SignatureAlgorithm::RsaPssSha256,
            hoso_signing::SignatureAlgorithm::EcdsaP256Sha256 => {
                SignatureAlgorithm::EcdsaP256Sha256
            }
            hoso_signing::SignatureAlgorithm::EcdsaP384Sha256 => {
                SignatureAlgorithm::EcdsaP384Sha256
            }
        }
    }
}

/// [`Receipt::signed_payload`] from its parts, for the signer that has no receipt yet.
pub fn receipt_payload(
    dossier_number: &str,
    supplement: Option<u32>,
    kind: DossierKind,
    received_at: Timestamp,
    container_sha256: &str,
) -> String {
    let supplement = supplement.map_or_else(|| "-".to_owned(), |n| n.to_string());
    let received_at = Timestamp::from_second(received_at.as_second()).unwrap_or(received_at);
    format!(
        "hoso-receipt/1\n{dossier_number}\n{supplement}\n{}\n{received_at}\n{}\n",
        kind.slug(),
        container_sha256.to_ascii_lowercase()
    )
}

// ---------------------------------------------------------------------------------------
// Status

/// Where a dossier stands. Transitions the portal allows (anything else is 409
/// `dossier.invalid_transition`):
///
/// ```text
/// received             → in_review | rejected
/// in_review            → supplement_requested | fee_due | approved | rejected
/// supplement_requested → in_review (officer, or a supplement received) | rejected
/// fee_due              → in_review | approved | rejected
/// approved, rejected   → (final)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StatusName {
    Received,
    InReview,
    SupplementRequested,
    FeeDue,
    Approved,
    Rejected,
}

impl StatusName {
    pub const ALL: [StatusName; 6] = [
        StatusName::Received,
        StatusName::InReview,
        StatusName::SupplementRequested,
        StatusName::FeeDue,
        StatusName::Approved,
        StatusName::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatusName::Received => "received",
            StatusName::InReview => "in_review",
            StatusName::SupplementRequested => "supplement_requested",
            StatusName::FeeDue => "fee_due",
            StatusName::Approved => "approved",
            StatusName::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<StatusName> {
        StatusName::ALL.into_iter().find(|n| n.as_str() == s)
    }

    /// Whether the portal allows moving from `self` to `to`.
    pub fn can_move_to(self, to: StatusName) -> bool {
        use StatusName::*;
        matches!(
            (self, to),
            (Received, InReview | Rejected)
                | (InReview, SupplementRequested | FeeDue | Approved | Rejected)
                | (SupplementRequested, InReview | Rejected)
                | (FeeDue, InReview | Approved | Rejected)
        )
    }

    pub fn is_final(self) -> bool {
        matches!(self, StatusName::Approved | StatusName::Rejected)
    }
}

impl std::fmt::Display for StatusName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status with what comes with it. JSON: `{"status": "fee_due", "amount_vnd": …, …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Received,
    InReview {
        /// The officer's note, if any (e.g. "supplement 1 received").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Supplement requested (yêu cầu sửa đổi, bổ sung).
    SupplementRequested {
        /// The last day on which a supplement is accepted.
        deadline: Date,
        /// The officer's message: what to amend or add.
        message: String,
    },
    /// Fee due (phí, lệ phí phải nộp).
    FeeDue {
        amount_vnd: u64,
        /// To quote in the bank transfer.
        payment_reference: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    Approved {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    Rejected {
        reason: String,
    },
}

impl Status {
    pub fn name(&self) -> StatusName {
        match self {
            Status::Received => StatusName::Received,
            Status::InReview { .. } => StatusName::InReview,
            Status::SupplementRequested { .. } => StatusName::SupplementRequested,
            Status::FeeDue { .. } => StatusName::FeeDue,
            Status::Approved { .. } => StatusName::Approved,
            Status::Rejected { .. } => StatusName::Rejected,
        }
    }
}

/// One step of a dossier's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusEvent {
    pub at: Timestamp,
    #[serde(flatten)]
    pub status: Status,
}

/// `GET /v1/dossiers/{number}`: a dossier with its whole history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DossierStatus {
    pub dossier_number: String,
    pub kind: DossierKind,
    /// The current status: the last event's.
    pub status: StatusName,
    pub receipt: Receipt,
    pub history: Vec<StatusEvent>,
    /// Receipts of the supplements filed, oldest first.
    pub supplements: Vec<Receipt>,
}

impl DossierStatus {
    /// The supplement request now open, if the dossier waits for one: when it was made, the
    /// last day to answer it and the officer's message, from the latest request in the history.
    pub fn open_supplement_request(&self) -> Option<(Timestamp, Date, &str)> {
        if self.status != StatusName::SupplementRequested {
            return None;
        }
        self.history.iter().rev().find_map(|e| match &e.status {
            Status::SupplementRequested { deadline, message } => {
                Some((e.at, *deadline, message.as_str()))
            }
            _ => None,
        })
    }
}

/// One line of `GET /v1/dossiers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierSummary {
    pub dossier_number: String,
    pub kind: DossierKind,
    pub status: StatusName,
    pub received_at: Timestamp,
    /// When the status last changed.
    pub updated_at: Timestamp,
    pub container_sha256: String,
}

/// `GET /v1/dossiers`: the dossiers filed by the caller (the certificate that logged in),
/// newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierList {
    pub dossiers: Vec<DossierSummary>,
}

// ---------------------------------------------------------------------------------------
// Catalog

/// `GET /v1/catalog` (no login needed): which procedure catalog the portal works with, so
/// an offline client knows when its bundled one is out of date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogInfo {
    /// The catalog's version, as the data pack names it.
    pub version: String,
    /// The date from which this catalog applies.
    pub date: Date,
    /// Where to download the signed data pack, when the portal has one: a path relative to
    /// the portal's base URL (`/v1/catalog/pack`) or an absolute URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack_url: Option<String>,
    /// SHA-256 of the pack's bytes, lowercase hex, when there is a pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack_sha256: Option<String>,
}

/// Whether a string is a SHA-256 digest as the contract writes it (64 lowercase hex).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_events_are_flat_json_tagged_by_status() {
        let e = StatusEvent {
            at: "2026-11-02T03:04:05Z".parse().unwrap(),
            status: Status::FeeDue {
                amount_vnd: 150_000,
                payment_reference: "4-2026-00001/PHI".into(),
                message: None,
            },
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"at": "2026-11-02T03:04:05Z", "status": "fee_due",
                "amount_vnd": 150000, "payment_reference": "4-2026-00001/PHI"})
        );
        assert_eq!(serde_json::from_value::<StatusEvent>(v).unwrap(), e);
    }

    #[test]
    fn receipt_payload_is_one_field_a_line() {
        let p = receipt_payload(
            "4-2026-00001",
            None,
            DossierKind::Trademark,
            "2026-11-02T03:04:05.5Z".parse().unwrap(),
            &"AB".repeat(32),
        );
        assert_eq!(
            p,
            format!(
                "hoso-receipt/1\n4-2026-00001\n-\ntrademark\n2026-11-02T03:04:05Z\n{}\n",
                "ab".repeat(32)
            )
        );
    }

    #[test]
    fn transitions_follow_the_documented_graph() {
        use StatusName::*;
        assert!(Received.can_move_to(InReview));
        assert!(!Received.can_move_to(Approved));
        assert!(SupplementRequested.can_move_to(InReview));
        assert!(!Approved.can_move_to(InReview));
        assert!(!Rejected.can_move_to(Rejected));
    }

    #[test]
    fn error_body_has_the_contract_shape() {
        let b = ErrorBody::new(codes::AUTH_MISSING, Message::new("Thiếu", "Missing"));
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            serde_json::json!({"error": {"code": "auth.missing", "message": {"vi": "Thiếu", "en": "Missing"}}})
        );
    }
}
