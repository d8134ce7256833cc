//! What the reference portal asks of the outside: verifying a filed container and a signed
//! login nonce. The portal knows nothing about forms or signature formats, so both are
//! injected; hoso-core provides the real ones (ASiC-E/XAdES, CMS, chains to the server's
//! trust anchors). Until then the server runs with [`ContainerShapeVerifier`] and
//! [`UnavailableLoginVerifier`], which accept nothing.

use std::io::Read;
use std::path::Path;

use crate::api::{DossierKind, Message, codes};

/// Why a container or a login was refused: a stable code (`filing.*`, `auth.*`,
/// `verification.*`) and a message in both languages, sent to the client as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: String,
    pub message: Message,
}

impl Rejection {
    pub fn new(code: &str, vi: impl Into<String>, en: impl Into<String>) -> Rejection {
        Rejection {
            code: code.to_owned(),
            message: Message::new(vi, en),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message.en)
    }
}

/// One signature of a container that verified: digests, signature value, and the
/// certificate's chain to one of the server's trust anchors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSigner {
    /// The certificate's subject, as text.
    pub subject: String,
    /// The tax code (mã số thuế) in the certificate (`UID=MST:…`), if it has one.
    pub tax_code: Option<String>,
}

/// What the server learns from a container that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedFiling {
    pub kind: DossierKind,
    /// The applicant's tax code, from the dossier data (`dossier.xml`).
    pub applicant_tax_code: String,
    /// Every signature, in the container's order (`signatures0.xml`, `signatures1.xml`…).
    /// The server files the container only if one of them carries the applicant's tax code
    /// (`filing.tax_code_mismatch` otherwise): a lawyer may sign too, the applicant must.
    pub signers: Vec<VerifiedSigner>,
}

/// Verifies a filed container (a completed upload, on disk). Runs on a blocking thread.
///
/// Must return `Err` for anything it cannot fully verify: a container that is not ASiC-E,
/// unsigned, with a digest or signature that does not verify, or a certificate that does not
/// chain to a trust anchor. Codes are the implementer's (`filing.*`); the server answers
/// 422 with them.
pub trait FilingVerifier: Send + Sync {
    fn verify(&self, container: &Path) -> Result<VerifiedFiling, Rejection>;
}

/// Who logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// A stable name for the client, e.g. the certificate subject; the owner of its uploads
    /// and dossiers. The same certificate (or its renewal with the same subject) sees the
    /// same dossiers.
    pub subject: String,
    pub tax_code: Option<String>,
}

/// Verifies a login: `signed_nonce` (CMS SignedData, DER) must sign exactly `nonce` with a
/// certificate that chains to a trust anchor and is valid now. Runs on a blocking thread;
/// the server has already checked that the nonce is its own, unused and unexpired.
/// Refusals are answered 401 with the implementer's code (`auth.*`).
pub trait LoginVerifier: Send + Sync {
    fn verify(&self, nonce: &[u8], signed_nonce: &[u8]) -> Result<ClientIdentity, Rejection>;
}

/// The ASiC-E media type, the content of the `mimetype` entry.
pub const ASIC_E_MIMETYPE: &str = "application/vnd.etsi.asic-e+zip";

/// Checks the shape of an ASiC-E container (ETSI EN 319 162-1): a zip whose first entry is
/// `mimetype`, stored, reading `application/vnd.etsi.asic-e+zip`, with
/// `META-INF/manifest.xml` and at least one `META-INF/*signatures*.xml`.
pub fn check_asic_shape(container: &Path) -> Result<(), Rejection> {
    let not_asic = |why: &str| {
        Rejection::new(
            codes::FILING_NOT_ASIC,
            format!("Tệp nộp không phải hồ sơ ASiC-E: {why}"),
            format!("The container is not ASiC-E: {why}"),
        )
    };
    let file = std::fs::File::open(container).map_err(|e| not_asic(&e.to_string()))?;
    let mut head = [0u8; 38];
    let mut f = &file;
    f.read_exact(&mut head)
        .map_err(|_| not_asic("too short for a zip file"))?;
    // Local file header at offset 0: signature, method 0 (stored), name "mimetype".
    if head[0..4] != *b"PK\x03\x04" || head[8..10] != [0, 0] || head[30..38] != *b"mimetype" {
        return Err(not_asic("`mimetype` is not the first, stored entry"));
    }
    let mut zip = zip::ZipArchive::new(&file).map_err(|e| not_asic(&e.to_string()))?;
    {
        let mut entry = zip
            .by_name("mimetype")
            .map_err(|e| not_asic(&e.to_string()))?;
        let mut text = String::new();
        entry
            .by_ref()
            .take(64)
            .read_to_string(&mut text)
            .map_err(|e| not_asic(&e.to_string()))?;
        if text != ASIC_E_MIMETYPE {
            return Err(not_asic("wrong media type in `mimetype`"));
        }
    }
    if zip.index_for_name("META-INF/manifest.xml").is_none() {
        return Err(not_asic("no META-INF/manifest.xml"));
    }
    let signed = zip
        .file_names()
        .filter_map(Result::ok)
        .any(|n| n.starts_with("META-INF/") && n.contains("signatures") && n.ends_with(".xml"));
    if !signed {
        return Err(Rejection::new(
            codes::FILING_SIGNATURE_INVALID,
            "Hồ sơ chưa được ký (không có META-INF/signatures*.xml)",
            "The container is not signed (no META-INF/signatures*.xml)",
        ));
    }
    Ok(())
}

fn unavailable() -> Rejection {
    Rejection::new(
        codes::VERIFICATION_UNAVAILABLE,
        "Máy chủ này chưa được cấu hình để kiểm tra chữ ký số nên không nhận hồ sơ nào",
        "This server is not set up to verify signatures, so it accepts no filing",
    )
}

/// The filing verifier of a server that cannot verify signatures: it reports a malformed
/// container as such, and refuses every well-formed one with `verification.unavailable`.
/// It never accepts anything.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContainerShapeVerifier;

impl FilingVerifier for ContainerShapeVerifier {
    fn verify(&self, container: &Path) -> Result<VerifiedFiling, Rejection> {
        check_asic_shape(container)?;
        Err(unavailable())
    }
}

/// The login verifier of a server that cannot verify signatures: refuses every login with
/// `verification.unavailable`.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnavailableLoginVerifier;

impl LoginVerifier for UnavailableLoginVerifier {
    fn verify(&self, _nonce: &[u8], _signed_nonce: &[u8]) -> Result<ClientIdentity, Rejection> {
        Err(unavailable())
    }
}
