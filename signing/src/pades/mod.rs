//! PAdES baseline B-B signatures (ETSI EN 319 142-1) on the PDF forms we render, and their
//! verifier.
//!
//! Signing appends an incremental update to the file (ISO 32000-1, 7.5.6), so the rendered
//! bytes stay exactly as they were: a `/Sig` dictionary (`/Filter /Adobe.PPKLite /SubFilter
//! /ETSI.CAdES.detached /M`), a signature field whose widget shows the signer's name,
//! organisation, tax code (MST) and signing date in the form's signing area, the catalog with
//! `/AcroForm << /Fields […] /SigFlags 3 >>`, and a classic cross-reference section with
//! `/Prev`. `/ByteRange` and `/Contents` are written as fixed-width placeholders, the file is
//! hashed around `/Contents`, and the detached CMS from [`crate::cms`] (signing-certificate-v2,
//! no signing-time: the time is `/M`) is patched in place.
//!
//! The result stays PDF/A-2b: the appearance's fonts are embedded subsets, the widget has
//! `/F 4` (print) and an `/AP` with only `/N`.

mod appearance;
mod parse;
mod sign;
mod verify;

use jiff::Timestamp;
use x509_cert::Certificate;

use crate::cms::CmsError;
use crate::signer::{SignatureAlgorithm, Signer};

pub use verify::verify_pdf;

/// Bytes reserved for the CMS in `/Contents` (written as twice as many hex digits). The
/// signer's certificate and chain take 2–5 KiB; the rest is room for a time-stamp token and
/// revocation data at higher PAdES levels (shared/DEPENDENCIES.md: 8 KiB is too small).
pub const CONTENTS_CAPACITY: usize = 16 * 1024;

/// A rectangle in PDF user space (points, origin at the bottom left of the page, y upwards):
/// what a `/Rect [x0 y0 x1 y1]` array holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

/// Where the visible signature goes and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureFieldSpec {
    /// 0-based page index.
    pub page: usize,
    /// The signing area of the form's signature block (*phần ký*).
    pub rect: Rect,
    /// The lines drawn in the rectangle, the first in bold. Empty: [`appearance_lines`] of the
    /// signer's certificate and the signing time.
    pub lines: Vec<String>,
}

/// The font faces the appearance is drawn with (TrueType bytes; the form's Liberation Serif
/// from `core/fonts`). Only the glyphs used are embedded.
#[derive(Debug, Clone, Copy)]
pub struct AppearanceFonts<'a> {
    pub regular: &'a [u8],
    pub bold: &'a [u8],
}

/// Why a PDF could not be signed or read.
#[derive(Debug, thiserror::Error)]
pub enum PadesError {
    /// Not a PDF, or a PDF whose structure we cannot follow.
    #[error("malformed PDF: {0}")]
    Malformed(String),
    /// A PDF feature this module does not handle (we sign PDFs our renderer made).
    #[error("unsupported PDF: {0}")]
    Unsupported(String),
    #[error("page {page} does not exist (the PDF has {pages} pages)")]
    PageOutOfRange { page: usize, pages: usize },
    #[error("the signature rectangle is empty or not finite")]
    BadRect,
    /// The appearance fonts cannot be read or subset.
    #[error("appearance font: {0}")]
    Font(String),
    /// A character of the appearance text that the font has no glyph for.
    #[error("the appearance font has no glyph for {0:?}")]
    UnsupportedCharacter(char),
    /// The CMS is larger than the space reserved for it.
    #[error("the signature needs {needed} bytes, {available} are reserved")]
    ContentsTooSmall { needed: usize, available: usize },
    /// Making the CMS failed (the token's own error inside).
    #[error(transparent)]
    Cms(#[from] CmsError),
}

impl PadesError {
    pub fn code(&self) -> &'static str {
        match self {
            PadesError::Malformed(_) => "pdf.malformed",
            PadesError::Unsupported(_) => "pdf.unsupported",
            PadesError::PageOutOfRange { .. } => "pades.page_out_of_range",
            PadesError::BadRect => "pades.bad_rect",
            PadesError::Font(_) => "pades.font",
            PadesError::UnsupportedCharacter(_) => "pades.unsupported_character",
            PadesError::ContentsTooSmall { .. } => "pades.contents_too_small",
            PadesError::Cms(e) => e.code(),
        }
    }
}

/// Signs `pdf` (a file our renderer produced) with a visible PAdES-B-B signature and returns
/// the signed file: the original bytes followed by one incremental update.
///
/// `signing_time` is the claimed signing time written to `/M` and shown in the appearance; the
/// caller passes it (the clock at sealing time, or a fixed time in tests).
pub fn sign_pdf(
    pdf: &[u8],
    placement: &SignatureFieldSpec,
    fonts: &AppearanceFonts<'_>,
    signer: &dyn Signer,
    signing_time: Timestamp,
) -> Result<Vec<u8>, PadesError> {
    sign::sign(pdf, placement, fonts, signer, signing_time)
}

/// What one signature field of a PDF says and whether it holds.
#[derive(Debug, Clone)]
pub struct PdfSignatureReport {
    /// The field's `/T`, e.g. "Signature1".
    pub field_name: String,
    /// `/SubFilter`, e.g. "ETSI.CAdES.detached".
    pub sub_filter: String,
    /// `/M`, the claimed signing time (not proven without a time-stamp).
    pub signing_time: Option<Timestamp>,
    pub byte_range: Vec<u64>,
    /// The signed ranges run from the first byte to the last, leaving out exactly the
    /// `/Contents` string: nothing was appended after this signature.
    pub covers_whole_document: bool,
    pub signer: Option<Certificate>,
    /// Every certificate in the CMS (signer and chain), for the certificate checks.
    pub certificates: Vec<Certificate>,
    pub algorithm: Option<SignatureAlgorithm>,
    /// The byte ranges hash to the CMS's message digest.
    pub digest_ok: bool,
    /// The CMS signature verifies with the signer's key.
    pub signature_ok: bool,
    /// signing-certificate-v2 names the signer's certificate.
    pub signing_certificate_ok: bool,
    /// What made a check impossible, as `code: message` (a malformed `/ByteRange`, a CMS we
    /// cannot read…).
    pub problem: Option<String>,
}

impl PdfSignatureReport {
    /// Every check holds. Whether later updates (after a signature that does not cover the
    /// whole document) are harmless is not judged here.
    pub fn is_valid(&self) -> bool {
        self.problem.is_none() && self.digest_ok && self.signature_ok && self.signing_certificate_ok
    }
}

/// The appearance lines for a signer's certificate: "Ký bởi: ⟨CN⟩", "Tổ chức: ⟨O⟩" when it
/// differs from the CN, "MST: ⟨tax code⟩" from `UID=MST:…` (or "CCCD: …"), and "Ngày ký:
/// dd/mm/yyyy hh:mm:ss (GMT+7)" in Vietnam's time.
pub fn appearance_lines(certificate: &Certificate, signing_time: Timestamp) -> Vec<String> {
    let subject = sign::subject_fields(certificate);
    let mut lines = Vec::new();
    let cn = subject.common_name.clone().unwrap_or_default();
    lines.push(format!("Ký bởi: {cn}"));
    if let Some(o) = subject.organisation.filter(|o| *o != cn) {
        lines.push(format!("Tổ chức: {o}"));
    }
    if let Some(mst) = subject.tax_code {
        lines.push(format!("MST: {mst}"));
    } else if let Some(id) = subject.citizen_id {
        lines.push(format!("CCCD: {id}"));
    }
    let local = signing_time.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)));
    lines.push(format!(
        "Ngày ký: {} (GMT+7)",
        local.strftime("%d/%m/%Y %H:%M:%S")
    ));
    lines
}
