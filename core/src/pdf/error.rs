//! Why a document could not be rendered.

/// A rendering failure. [`PdfError::code`] is the stable machine code the UI translates.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PdfError {
    /// A character has no glyph in the embedded font (e.g. Chinese characters in a name).
    /// PDF/A forbids the `.notdef` glyph, and a silently missing letter would change the form.
    #[error("the character {ch:?} (U+{:04X}) cannot be printed with the form font, in {context:?}", u32::from(*ch))]
    UnsupportedCharacter { ch: char, context: String },
    /// A block cannot be laid out as given (`index` in `Document::blocks`).
    #[error("block {index} cannot be laid out: {reason}")]
    InvalidBlock { index: usize, reason: String },
    /// The image bytes are not a PNG or JPEG file krilla can read.
    #[error("block {index}: unreadable image: {reason}")]
    Image { index: usize, reason: String },
    /// The vendored font failed to load: a build defect, not a user error.
    #[error("the embedded font could not be loaded: {0}")]
    Font(String),
    /// krilla's PDF/A-2b checks failed; the messages list each violation.
    #[error("the PDF does not conform to PDF/A-2b: {}", .0.join("; "))]
    Validation(Vec<String>),
    /// Any other failure while writing the PDF.
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

impl PdfError {
    /// The stable machine code of this error, for the `{code, message}` contract.
    pub fn code(&self) -> &'static str {
        match self {
            PdfError::UnsupportedCharacter { .. } => "pdf.unsupported_character",
            PdfError::InvalidBlock { .. } => "pdf.invalid_block",
            PdfError::Image { .. } => "pdf.image",
            PdfError::Font(_) => "pdf.font",
            PdfError::Validation(_) => "pdf.validation",
            PdfError::Write(_) => "pdf.write",
        }
    }
}
