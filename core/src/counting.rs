//! Counts that the patent and utility-solution request takes from its documents: pages of the
//! description (fees count them from the 7th) and the claims in all and independent ones
//! (fees count independent claims), suggested from the attached files so the applicant need
//! not count by hand (forms/patent.rs: `description_pages`, `claims_total`,
//! `independent_claims`).
//!
//! Pages come from hayro's PDF parser. Claims come from the document's text: a PDF's text layer
//! read with hayro's interpreter (a small text device below: hayro has no text extraction of
//! its own, and the crates that do pull a second PDF stack), or a plain-text file. A scanned
//! PDF has no text layer, so it gives pages only. DOCX is not read: the description slot
//! accepts PDF only (forms.toml).

use std::collections::BTreeMap;

use hayro::hayro_interpret::font::GlyphRun;
use hayro::hayro_interpret::hayro_cmap::BfString;
use hayro::hayro_interpret::hayro_syntax::{LoadPdfError, Pdf};
use hayro::hayro_interpret::kurbo::{Affine, BezPath, Point, Rect};
use hayro::hayro_interpret::{
    BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image, ImageDrawProps,
    InterpreterCache, InterpreterSettings, SoftMask, interpret_page,
};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::forms::AttachmentRef;
use crate::text::Text;

/// The attachment slot whose documents the counts come from: the description with its claims
/// and drawings (forms.toml, `[[slots.patent]]`).
pub const DESCRIPTION_SLOT: &str = "description";

/// Why a document could not be counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    #[error("the file is not a PDF that can be read")]
    Unreadable,
    #[error("the PDF is encrypted")]
    Encrypted,
}

impl CountError {
    /// The stable machine code of this error, for the `{code, message}` contract.
    pub fn code(&self) -> &'static str {
        match self {
            CountError::Unreadable => "count.unreadable",
            CountError::Encrypted => "count.encrypted",
        }
    }

    /// The message in both languages, for the edge (CLI, desktop).
    pub fn text(&self) -> Text {
        let vi = match self {
            CountError::Unreadable => "Không đọc được tệp PDF để đếm trang.",
            CountError::Encrypted => "Tệp PDF được mã hóa, không đếm được trang.",
        };
        Text::new(vi, self.to_string())
    }
}

impl From<LoadPdfError> for CountError {
    fn from(e: LoadPdfError) -> Self {
        match e {
            LoadPdfError::Decryption(_) => CountError::Encrypted,
            LoadPdfError::Invalid => CountError::Unreadable,
        }
    }
}

/// Where a document's counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CountSource {
    /// Pages from the PDF, claims from its text layer.
    PdfText,
    /// Pages from the PDF; its text has no claims section ("YÊU CẦU BẢO HỘ" / "CLAIMS") or no
    /// text at all (a scan).
    PdfPages,
    /// Claims from a plain-text file; it has no pages.
    PlainText,
    /// A type that is not counted (an image, a drawing sheet).
    NotCounted,
    /// The file's bytes are not in the local store.
    Missing,
    /// The file claims to be a PDF but cannot be read.
    Unreadable,
}

/// What one document gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DocumentCounts {
    pub pages: Option<u32>,
    pub claims_total: Option<u32>,
    pub independent_claims: Option<u32>,
    pub source: CountSource,
}

impl DocumentCounts {
    /// A document whose bytes are not in the local store.
    pub fn missing() -> DocumentCounts {
        DocumentCounts::nothing(CountSource::Missing)
    }

    /// A document that gives no count.
    fn nothing(source: CountSource) -> DocumentCounts {
        DocumentCounts {
            pages: None,
            claims_total: None,
            independent_claims: None,
            source,
        }
    }
}

/// The counts of one attachment of the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AttachmentCounts {
    pub slot: String,
    pub file_name: String,
    pub sha256: String,
    pub counts: DocumentCounts,
}

/// Suggested values for the patent form, with the per-document counts they come from. A `None`
/// means the documents do not tell (no description yet, a scan, no claims heading): the form
/// keeps what the user typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PatentCounts {
    /// Pages of the description documents (description, claims and drawings as filed in the
    /// description slot).
    pub description_pages: Option<u32>,
    pub claims_total: Option<u32>,
    pub independent_claims: Option<u32>,
    pub documents: Vec<AttachmentCounts>,
}

/// The number of pages of a PDF.
pub fn pdf_pages(pdf: &[u8]) -> Result<u32, CountError> {
    Ok(page_count(&Pdf::new(pdf.to_vec())?))
}

fn page_count(pdf: &Pdf) -> u32 {
    u32::try_from(pdf.pages().len()).unwrap_or(u32::MAX)
}

/// Counts one document by its sniffed media type.
pub fn count_document(media_type: &str, bytes: &[u8]) -> DocumentCounts {
    match media_type {
        "application/pdf" => count_pdf(bytes),
        "text/plain" => {
            let text = String::from_utf8_lossy(bytes);
            let (claims_total, independent_claims) = split(count_claims(&text));
            DocumentCounts {
                pages: None,
                claims_total,
                independent_claims,
                source: CountSource::PlainText,
            }
        }
        _ => DocumentCounts::nothing(CountSource::NotCounted),
    }
}

/// Counts the documents in the description slot of a patent or utility-solution dossier and
/// suggests the form's counts from them. `count` gives one attachment's counts
/// ([`count_document`] of its bytes, [`DocumentCounts::missing`] without them): the caller
/// reads the bytes, and may keep the counts of documents it has already read.
pub fn suggest_patent_counts(
    attachments: &[AttachmentRef],
    count: &dyn Fn(&AttachmentRef) -> DocumentCounts,
) -> PatentCounts {
    let documents: Vec<AttachmentCounts> = attachments
        .iter()
        .filter(|a| a.slot == DESCRIPTION_SLOT)
        .map(|a| AttachmentCounts {
            slot: a.slot.clone(),
            file_name: a.file_name.clone(),
            sha256: a.sha256.clone(),
            counts: count(a),
        })
        .collect();
    let sum = |f: fn(&DocumentCounts) -> Option<u32>| {
        documents
            .iter()
            .filter_map(|d| f(&d.counts))
            .reduce(|a, b| a.saturating_add(b))
    };
    PatentCounts {
        description_pages: sum(|c| c.pages),
        claims_total: sum(|c| c.claims_total),
        independent_claims: sum(|c| c.independent_claims),
        documents,
    }
}

fn count_pdf(bytes: &[u8]) -> DocumentCounts {
    let Ok(pdf) = Pdf::new(bytes.to_vec()) else {
        return DocumentCounts::nothing(CountSource::Unreadable);
    };
    let pages = page_count(&pdf);
    let claims = count_claims(&pdf_text(&pdf));
    let (claims_total, independent_claims) = split(claims);
    DocumentCounts {
        pages: Some(pages),
        claims_total,
        independent_claims,
        source: if claims.is_some() {
            CountSource::PdfText
        } else {
            CountSource::PdfPages
        },
    }
}

fn split(claims: Option<(u32, u32)>) -> (Option<u32>, Option<u32>) {
    (claims.map(|c| c.0), claims.map(|c| c.1))
}

// ---------------------------------------------------------------------------------------------
// Claims

/// `(claims in all, independent claims)` of the claims section of a document's text, or
/// `None` when it has no claims section or no numbered claim in it.
///
/// The section starts after the last line that is only "YÊU CẦU BẢO HỘ" (or "CLAIMS", "What is
/// claimed is:") and ends at an abstract heading ("TÓM TẮT", "ABSTRACT"). Claims are the lines
/// that start "1.", "2." … in sequence; a claim that refers to another ("theo điểm 1", "theo
/// một trong các điểm 1 đến 3", "according to claim 1") is dependent, any other independent.
pub fn count_claims(text: &str) -> Option<(u32, u32)> {
    let lines: Vec<String> = text.lines().map(fold).collect();
    let start = lines.iter().rposition(|l| is_claims_heading(l))? + 1;
    let mut claims: Vec<String> = Vec::new();
    for line in &lines[start..] {
        if is_abstract_heading(line) {
            break;
        }
        let next = claims.len() + 1;
        match claim_number(line) {
            Some((n, rest)) if n == next => claims.push(rest.to_owned()),
            _ => {
                if let Some(last) = claims.last_mut() {
                    last.push(' ');
                    last.push_str(line);
                }
            }
        }
    }
    if claims.is_empty() {
        return None;
    }
    let independent = claims.iter().filter(|c| !refers_to_a_claim(c)).count();
    Some((claims.len() as u32, independent as u32))
}

fn is_claims_heading(line: &str) -> bool {
    let l = line.trim_end_matches(':').trim();
    matches!(
        l,
        "yeu cau bao ho" | "claims" | "what is claimed is" | "we claim" | "i claim"
    )
}

fn is_abstract_heading(line: &str) -> bool {
    let l = line.trim_end_matches(':').trim();
    matches!(l, "tom tat" | "ban tom tat" | "abstract")
}

/// `1. Thiết bị…` → `(1, "thiet bi…")`; also `1)`.
fn claim_number(line: &str) -> Option<(usize, &str)> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let rest = line[digits..].strip_prefix(['.', ')'])?;
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    Some((line[..digits].parse().ok()?, rest.trim_start()))
}

/// A folded claim mentions "điểm N" or "claim(s) N".
fn refers_to_a_claim(claim: &str) -> bool {
    let words: Vec<&str> = claim.split_whitespace().collect();
    words.windows(2).any(|w| {
        matches!(w[0], "diem" | "claim" | "claims")
            && w[1].bytes().next().is_some_and(|b| b.is_ascii_digit())
    })
}

/// Lower case, without diacritics (đ → d), punctuation other than `.` and `)` as spaces, runs
/// of spaces as one.
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        let c = match c {
            'đ' | 'Đ' => 'd',
            c if is_combining_mark(c) => continue,
            c if c.is_alphanumeric() || c == '.' || c == ')' || c == ':' => c,
            _ => ' ',
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out.trim_end().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Text of a PDF

/// The text of every page, top to bottom, one line of text per line. Glyphs are placed by
/// their origin in page space; glyphs whose baselines lie within a third of the font size form
/// a line, read left to right, with a space where two origins are further apart than any
/// glyph is wide (1.3 em; the space glyphs our forms draw come through as text anyway).
fn pdf_text(pdf: &Pdf) -> String {
    let cache = InterpreterCache::new();
    let mut out = String::new();
    for page in pdf.pages().iter() {
        let mut device = TextDevice::default();
        let (w, h) = page.render_dimensions();
        let mut ctx = Context::new(
            Affine::IDENTITY,
            Rect::new(0.0, 0.0, f64::from(w), f64::from(h)),
            &cache,
            page.xref(),
            InterpreterSettings::default(),
        );
        interpret_page(page, &mut ctx, &mut device);
        device.write_lines(&mut out);
    }
    out
}

struct PlacedGlyph {
    x: f64,
    y: f64,
    size: f64,
    text: String,
}

#[derive(Default)]
struct TextDevice {
    glyphs: Vec<PlacedGlyph>,
}

impl TextDevice {
    fn write_lines(mut self, out: &mut String) {
        // Top of the page first (PDF space has y upwards), then left to right.
        self.glyphs.sort_by(|a, b| b.y.total_cmp(&a.y));
        let mut lines: BTreeMap<usize, Vec<PlacedGlyph>> = BTreeMap::new();
        let mut line_y: Vec<(f64, f64)> = Vec::new();
        for g in self.glyphs {
            let found = line_y
                .iter()
                .rposition(|&(y, size)| (y - g.y).abs() <= size.max(g.size) / 3.0);
            let i = found.unwrap_or_else(|| {
                line_y.push((g.y, g.size));
                line_y.len() - 1
            });
            lines.entry(i).or_default().push(g);
        }
        for (_, mut glyphs) in lines {
            glyphs.sort_by(|a, b| a.x.total_cmp(&b.x));
            let mut last: Option<(f64, f64)> = None;
            for g in glyphs {
                if let Some((x, size)) = last
                    && g.x - x > 1.3 * size.max(g.size)
                    && !out.ends_with(' ')
                {
                    out.push(' ');
                }
                out.push_str(&g.text);
                last = Some((g.x, g.size));
            }
            out.push('\n');
        }
    }
}

impl<'a> Device<'a> for TextDevice {
    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, _: &DrawMode) {
        for glyph in run.glyphs() {
            let Some(text) = glyph.as_unicode() else {
                continue;
            };
            let text = match text {
                BfString::Char(c) => c.to_string(),
                BfString::String(s) => s,
            };
            let at: Affine = props.transform * glyph.transform();
            let origin = at * Point::ZERO;
            let unit = at * Point::new(0.0, 1.0);
            // Glyph space is 1/1000 em (ISO 32000-1, 9.2.4), as hayro hands outline glyphs over.
            let size = ((unit - origin).hypot() * 1000.0).max(0.1);
            self.glyphs.push(PlacedGlyph {
                x: origin.x,
                y: origin.y,
                size,
                text,
            });
        }
    }

    fn draw_path(&mut self, _: &BezPath, _: DrawProps<'a>, _: &DrawMode) {}
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_image(&mut self, _: Image<'a, '_>, _: ImageDrawProps<'a>) {}
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::{Block, DocMeta, Document, StyledText};

    const CLAIMS_VI: [&str; 5] = [
        "1. Thiết bị lọc nước dùng năng lượng mặt trời, bao gồm khung, tấm thu nhiệt và bình \
         ngưng, trong đó bình ngưng được đặt dưới tấm thu nhiệt.",
        "2. Thiết bị theo điểm 1, trong đó tấm thu nhiệt được phủ lớp oxit đồng.",
        "3. Thiết bị theo một trong các điểm 1 đến 2, trong đó khung bằng nhôm.",
        "4. Phương pháp lọc nước bằng thiết bị lọc nước dùng năng lượng mặt trời, gồm các \
         bước: đưa nước vào bình, đun nóng bằng tấm thu nhiệt và thu nước ngưng.",
        "5. Phương pháp theo điểm 4, trong đó nước được lọc sơ bộ qua lớp cát.",
    ];

    fn document(blocks: Vec<Block>) -> Vec<u8> {
        let doc = Document {
            meta: DocMeta {
                title: "Bản mô tả".into(),
                subject: String::new(),
                author: "Nguyễn Văn An".into(),
                language: "vi".into(),
                created: jiff::Timestamp::from_second(1_773_541_800).unwrap(),
            },
            running_header: None,
            blocks,
        };
        let rendered = crate::pdf::render(&doc).unwrap();
        assert_eq!(pdf_pages(&rendered.bytes).unwrap() as usize, rendered.pages);
        rendered.bytes
    }

    fn heading(text: &str) -> Block {
        Block::Text(StyledText {
            text: text.into(),
            bold: true,
            ..StyledText::default()
        })
    }

    /// A three-page description: two pages of text, then the claims on the third.
    fn description_pdf() -> Vec<u8> {
        let mut blocks = vec![
            heading("BẢN MÔ TẢ"),
            Block::paragraph(
                "Lĩnh vực kỹ thuật được đề cập: sáng chế đề cập đến thiết bị lọc nước.",
            ),
            Block::PageBreak,
            Block::paragraph("Mô tả chi tiết: xem điểm 1 của yêu cầu bảo hộ và hình 1."),
            Block::PageBreak,
            heading("YÊU CẦU BẢO HỘ"),
        ];
        blocks.extend(CLAIMS_VI.iter().map(|c| Block::paragraph(*c)));
        document(blocks)
    }

    #[test]
    fn page_count_of_a_pdf_made_by_our_engine() {
        let pdf = description_pdf();
        assert_eq!(pdf_pages(&pdf), Ok(3));
    }

    #[test]
    fn the_text_layer_reads_back_vietnamese_words_lines_and_spaces() {
        let text = pdf_text(&Pdf::new(description_pdf()).unwrap());
        assert!(text.contains("\nYÊU CẦU BẢO HỘ\n"), "{text}");
        assert!(
            text.contains("\n2. Thiết bị theo điểm 1, trong đó tấm thu nhiệt"),
            "{text}"
        );
        assert!(text.contains("Trang 3/3"), "{text}");
    }

    #[test]
    fn a_file_that_is_not_a_pdf_is_refused_with_a_code() {
        let err = pdf_pages(b"%PDF-1.7 but nothing else").unwrap_err();
        assert_eq!(err.code(), "count.unreadable");
        assert!(!err.text().vi.is_empty());
    }

    #[test]
    fn claims_are_counted_from_the_text_layer_of_our_pdf() {
        let counts = count_document("application/pdf", &description_pdf());
        assert_eq!(
            counts,
            DocumentCounts {
                pages: Some(3),
                claims_total: Some(5),
                independent_claims: Some(2),
                source: CountSource::PdfText,
            }
        );
    }

    #[test]
    fn a_pdf_without_a_claims_heading_gives_pages_only() {
        let pdf = document(vec![Block::paragraph(
            "1. Một đoạn đánh số.\n2. Đoạn khác.",
        )]);
        let counts = count_document("application/pdf", &pdf);
        assert_eq!(counts.pages, Some(1));
        assert_eq!(counts.claims_total, None);
        assert_eq!(counts.source, CountSource::PdfPages);
    }

    #[test]
    fn vietnamese_claims_in_plain_text_wrap_and_stop_at_the_abstract() {
        let text = format!(
            "BẢN MÔ TẢ\nXem điểm 1.\nYÊU CẦU BẢO HỘ\n{}\n\nBẢN TÓM TẮT\n1. Không phải điểm.\n",
            CLAIMS_VI.join("\n").replace(", trong đó", ",\ntrong đó")
        );
        assert_eq!(count_claims(&text), Some((5, 2)));
        let counts = count_document("text/plain", text.as_bytes());
        assert_eq!(counts.source, CountSource::PlainText);
        assert_eq!(
            (counts.claims_total, counts.independent_claims),
            (Some(5), Some(2))
        );
    }

    #[test]
    fn english_claims_refer_to_claim_numbers() {
        let text = "What is claimed is:\n1. A water filter comprising a frame.\n\
                    2. The filter of claim 1, wherein the frame is aluminium.\n\
                    3. A method of filtering water.\n4) The method according to claims 2 or 3.\n";
        assert_eq!(count_claims(text), Some((4, 2)));
    }

    #[test]
    fn numbering_out_of_sequence_continues_the_previous_claim() {
        let text = "YÊU CẦU BẢO HỘ\n1. Thiết bị gồm\n3. chi tiết số 3 ở dòng mới.\n2. Thiết bị theo điểm 1.";
        assert_eq!(count_claims(text), Some((2, 1)));
        assert_eq!(count_claims("Không có phần yêu cầu bảo hộ.\n1. Một"), None);
        assert_eq!(count_claims("YÊU CẦU BẢO HỘ\nchưa có điểm nào"), None);
    }

    fn attachment(slot: &str, name: &str, sha: &str, media_type: &str) -> AttachmentRef {
        AttachmentRef {
            slot: slot.into(),
            file_name: name.into(),
            sha256: sha.into(),
            size: 0,
            media_type: media_type.into(),
        }
    }

    #[test]
    fn the_form_counts_are_suggested_from_the_description_slot_only() {
        let pdf = description_pdf();
        let attachments = [
            attachment("description", "mo-ta.pdf", "aa", "application/pdf"),
            attachment("abstract", "tom-tat.pdf", "bb", "application/pdf"),
            attachment("drawings", "hinh-1.png", "cc", "image/png"),
        ];
        let count = |a: &AttachmentRef| match a.sha256.as_str() {
            "aa" | "bb" => count_document(&a.media_type, &pdf),
            _ => DocumentCounts::missing(),
        };
        let s = suggest_patent_counts(&attachments, &count);
        assert_eq!(s.description_pages, Some(3));
        assert_eq!(s.claims_total, Some(5));
        assert_eq!(s.independent_claims, Some(2));
        assert_eq!(s.documents.len(), 1);
        assert_eq!(s.documents[0].file_name, "mo-ta.pdf");
    }

    #[test]
    fn a_description_missing_from_the_store_suggests_nothing() {
        let attachments = [attachment(
            "description",
            "mo-ta.pdf",
            "aa",
            "application/pdf",
        )];
        let s = suggest_patent_counts(&attachments, &|_| DocumentCounts::missing());
        assert_eq!(s.description_pages, None);
        assert_eq!(s.claims_total, None);
        assert_eq!(s.documents[0].counts.source, CountSource::Missing);
        let s = suggest_patent_counts(&[], &|_| DocumentCounts::missing());
        assert_eq!((s.description_pages, s.documents.len()), (None, 0));
    }
}
