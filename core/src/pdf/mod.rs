//! The PDF document engine: a small, kind-independent document model and its renderer.
//!
//! Each dossier kind maps its typed form onto a [`Document`] (the declaration form, *tờ khai*),
//! and [`render`] turns it into an A4, PDF/A-2b file with embedded Liberation Serif subsets
//! (unhinted: PDF viewers and printers draw outlines unhinted anyway).
//! Nothing of the PDF library (krilla) appears in this API: the model is plain data, so the
//! per-kind mappings can be unit-tested without rendering.
//!
//! The renderer lays out first (line breaking, page breaks, repeated table headers) and paints
//! afterwards, so every page can carry "Trang x/y" with the final page count. The output is
//! deterministic: the same `Document` gives the same bytes (the creation date comes from the
//! caller, and krilla derives the file `/ID` from the content).
//!
//! All text is normalised to Unicode NFC before it is measured, so decomposed (NFD) input
//! renders with the same glyphs and extracts (`pdftotext`) as the NFC text.

mod blocks;
mod dehint;
mod error;
pub(crate) mod fonts;
mod layout;
mod paint;
mod table;
mod text;

use jiff::Timestamp;

pub use error::PdfError;

/// A document to render: metadata, the running header, and the content blocks in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub meta: DocMeta,
    /// Repeated at the top of every page after the first, e.g. "Mẫu số 08 – Tờ khai đăng ký
    /// nhãn hiệu", so a loose continuation page still says which form it belongs to. One line
    /// in the top margin: text past the line's end is not shown.
    pub running_header: Option<String>,
    pub blocks: Vec<Block>,
}

/// Document metadata, written to the PDF Info dictionary and the XMP packet PDF/A requires.
#[derive(Debug, Clone, PartialEq)]
pub struct DocMeta {
    pub title: String,
    pub subject: String,
    pub author: String,
    /// BCP 47 / RFC 3066 tag of the document's language; `"vi"` for every form we file.
    pub language: String,
    /// Creation date, given by the caller (never read from the clock) so that rendering is
    /// reproducible. Written with Vietnam's fixed offset, UTC+07:00.
    pub created: Timestamp,
}

/// One piece of content. Blocks stack vertically; long ones flow onto further pages.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The national name and motto (*Quốc hiệu* and *Tiêu ngữ*): "CỘNG HÒA XÃ HỘI CHỦ NGHĨA
    /// VIỆT NAM" / "Độc lập - Tự do - Hạnh phúc", centred and bold, with the rule under the motto.
    NationalHeader,
    /// The receiving office's stamp box (*dấu nhận đơn*) at the top left, and the form-number
    /// label (e.g. "Mẫu số 08 - Phụ lục I") at the top right, side by side.
    OfficeBox(OfficeBox),
    /// The form title (e.g. "TỜ KHAI ĐĂNG KÝ NHÃN HIỆU"), centred and bold, with an optional
    /// italic subtitle.
    Title {
        text: String,
        subtitle: Option<String>,
    },
    /// A numbered box heading of the official template (e.g. number "1", heading "CHỦ ĐƠN").
    /// The number is plain text ("1", "2a"); its box is drawn, so no "①" glyph is needed.
    /// Never the last thing on a page: it moves to the next page unless the start of the
    /// following block fits below it (its first line, first tick box, table header with the
    /// first row, image, or the whole signature block).
    Section {
        number: Option<String>,
        heading: String,
    },
    /// "label: value", the value in bold; it wraps and flows across pages. A label alone on
    /// its line is kept with the line where the value starts. An empty value prints the label
    /// alone, kept with the start of the next block (a lead-in: "Loại nhãn hiệu:").
    Field { label: String, value: String },
    /// A tick box line (☒ checked / ☐ unchecked), drawn as a path, then its label.
    Checkbox { checked: bool, label: String },
    /// Running text; a `\n` starts a new line. Just before the signature block (the
    /// undertaking it signs) it moves to the next page with it, where a page holds both.
    Paragraph(String),
    /// Running text in a chosen face and alignment, e.g. "Kính gửi: Cục Sở hữu trí tuệ"
    /// centred, or an italic note (*chú thích*) at the end of a form. Kept with a signature
    /// block right after it, as a paragraph is.
    Text(StyledText),
    /// A bordered table whose header row repeats on every page it continues onto, and never
    /// ends a page without the first row; a row taller than a page is split between pages.
    Table(Table),
    /// Vertical space.
    Spacer { height_mm: f32 },
    /// Start the next block on a new page.
    PageBreak,
    /// A PNG or JPEG picture (e.g. the mark sample, *mẫu nhãn hiệu*), centred, scaled to fit
    /// the box with its aspect ratio kept.
    Image(Image),
    /// The signature block (*phần ký*), kept together on one page. At most one per document;
    /// its place is returned in [`RenderedPdf::signature_box`].
    SignatureBlock(SignatureBlock),
}

impl Block {
    /// A numbered section heading, e.g. `Block::section("1", "CHỦ ĐƠN")`.
    pub fn section(number: impl Into<String>, heading: impl Into<String>) -> Self {
        Block::Section {
            number: Some(number.into()),
            heading: heading.into(),
        }
    }

    /// A "label: value" line, e.g. `Block::field("Địa chỉ", &applicant.address)`.
    pub fn field(label: impl Into<String>, value: impl Into<String>) -> Self {
        Block::Field {
            label: label.into(),
            value: value.into(),
        }
    }

    /// A tick box line.
    pub fn checkbox(checked: bool, label: impl Into<String>) -> Self {
        Block::Checkbox {
            checked,
            label: label.into(),
        }
    }

    /// Running text in the body face.
    pub fn paragraph(text: impl Into<String>) -> Self {
        Block::Paragraph(text.into())
    }
}

/// See [`Block::OfficeBox`].
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeBox {
    /// Centred in the box; the first line bold, the others italic, e.g. `["DẤU NHẬN ĐƠN",
    /// "(Dành cho cán bộ nhận đơn)"]`. The box keeps room for the stamp below them.
    pub stamp_lines: Vec<String>,
    /// Right-aligned at the top right; the first line bold, a line in parentheses italic,
    /// e.g. `["Mẫu số 08", "Phụ lục I, Nghị định 65/2023/NĐ-CP", "(số mẫu chưa được xác
    /// nhận)"]`.
    pub form_label: Vec<String>,
}

/// See [`Block::Text`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StyledText {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    pub align: Align,
}

/// See [`Block::Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    /// Each row has exactly one cell per column.
    pub rows: Vec<Vec<String>>,
    /// A closing row in bold (e.g. the fee total), one cell per column; an empty cell is
    /// merged into the cell on its left.
    pub total_row: Option<Vec<String>>,
}

/// A table column: its header text, its share of the text width and its cell alignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub heading: String,
    /// Relative width; the ratios of all columns are scaled to fill the text width.
    pub width_ratio: f32,
    pub align: Align,
}

/// Horizontal alignment of a table cell's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// See [`Block::Image`].
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// PNG or JPEG file bytes (recognised by their signature).
    pub data: Vec<u8>,
    pub max_width_mm: f32,
    pub max_height_mm: f32,
}

/// See [`Block::SignatureBlock`]. Right-hand column, each line centred in it, as on
/// Vietnamese administrative forms.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureBlock {
    /// Italic, e.g. "Hà Nội, ngày 15 tháng 3 năm 2026".
    pub place_and_date: String,
    /// Bold, e.g. "CHỦ ĐƠN"; a `\n` starts a second line (e.g. the signer's position).
    pub role_line: String,
    /// Bold, under the space left for the signature and seal.
    pub name: String,
    /// Italic, under the role, e.g. "(Ký, ghi rõ họ tên, chức vụ và đóng dấu)".
    pub note: Option<String>,
}

/// A rectangle in PDF user space: points, origin at the bottom left of the page, y upwards,
/// i.e. what a `/Rect [x0 y0 x1 y1]` array holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

/// Where the signature block landed: for the visible signature appearance added when signing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignaturePlacement {
    /// 0-based page index.
    pub page: usize,
    /// The whole block, from the place-and-date line to the name.
    pub block: Rect,
    /// The blank space between the note (or role) line and the name, left for the
    /// handwritten or visible digital signature and the seal.
    pub signing_area: Rect,
}

/// The rendered file and what the signing step needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedPdf {
    pub bytes: Vec<u8>,
    pub pages: usize,
    /// `(page index, rectangle of the whole signature block)`, if the document has one.
    pub signature_box: Option<(usize, Rect)>,
    /// The same block with the blank signing space inside it.
    pub signature: Option<SignaturePlacement>,
}

/// Lays out and paints `doc` as a PDF/A-2b file.
///
/// Fails with [`PdfError::UnsupportedCharacter`] for text the embedded font cannot show,
/// [`PdfError::InvalidBlock`] for malformed blocks (a table row with the wrong number of
/// cells, a second signature block…), and [`PdfError::Validation`] if the PDF/A checks fail.
pub fn render(doc: &Document) -> Result<RenderedPdf, PdfError> {
    let laid = layout::lay_out(doc)?;
    let pages = laid.pages.len();
    let bytes = paint::paint(doc, &laid)?;
    let signature = laid.signature.map(|s| SignaturePlacement {
        page: s.page,
        block: layout::to_pdf_rect(s.block),
        signing_area: layout::to_pdf_rect(s.signing_area),
    });
    Ok(RenderedPdf {
        bytes,
        pages,
        signature_box: signature.map(|s| (s.page, s.block)),
        signature,
    })
}
