//! Page images of the forms we render, for the desktop's preview screen: each PDF page
//! rasterised to a PNG with hayro (pure Rust, by krilla's author), and handed to the UI as
//! `data:` URLs so the webview needs no file access.
//!
//! hayro is built without its bundled fallback fonts and CMaps: our forms embed every font they
//! use (PDF/A-2b requires it), and the tests check that the text is drawn.

use base64::Engine as _;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::{LoadPdfError, Pdf};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};
use serde::Serialize;

use crate::render::RenderedForm;
use crate::text::Text;

/// The narrowest and widest page image we make, in pixels. The pixmap's sides are `u16`, and
/// an A4 page at 4,000 px wide is 5,657 px tall, well within it.
pub const WIDTH_PX: std::ops::RangeInclusive<u32> = 16..=4000;

/// Why a PDF could not be turned into page images.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreviewError {
    #[error("the file is not a PDF that can be read")]
    Unreadable,
    #[error("the PDF is encrypted")]
    Encrypted,
    #[error("the PDF has no pages")]
    NoPages,
    #[error("a page image must be 16 to 4000 pixels wide, not {0}")]
    Width(u32),
    #[error("page {page} could not be encoded as PNG: {message}")]
    Encode { page: usize, message: String },
}

impl PreviewError {
    /// The stable machine code of this error, for the `{code, message}` contract.
    pub fn code(&self) -> &'static str {
        match self {
            PreviewError::Unreadable => "preview.unreadable",
            PreviewError::Encrypted => "preview.encrypted",
            PreviewError::NoPages => "preview.no_pages",
            PreviewError::Width(_) => "preview.width",
            PreviewError::Encode { .. } => "preview.encode",
        }
    }

    /// The message in both languages, for the edge (CLI, desktop).
    pub fn text(&self) -> Text {
        let vi = match self {
            PreviewError::Unreadable => "Không đọc được tệp PDF.".to_owned(),
            PreviewError::Encrypted => "Tệp PDF được mã hóa, không thể xem trước.".to_owned(),
            PreviewError::NoPages => "Tệp PDF không có trang nào.".to_owned(),
            PreviewError::Width(w) => {
                format!("Ảnh trang phải rộng từ 16 đến 4000 điểm ảnh, không phải {w}.")
            }
            PreviewError::Encode { page, message } => {
                format!("Không tạo được ảnh PNG của trang {page}: {message}.")
            }
        };
        Text::new(vi, self.to_string())
    }
}

impl From<LoadPdfError> for PreviewError {
    fn from(e: LoadPdfError) -> Self {
        match e {
            LoadPdfError::Decryption(_) => PreviewError::Encrypted,
            LoadPdfError::Invalid => PreviewError::Unreadable,
        }
    }
}

/// A rendered form ready to show: its title, its file name in the dossier and one image per
/// page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PreviewForm {
    /// The form's title from the PDF (e.g. "TỜ KHAI ĐĂNG KÝ NHÃN HIỆU"), else its file name.
    pub name: String,
    /// The file name it takes in the dossier container, e.g. `to-khai-dang-ky-nhan-hieu.pdf`.
    pub file_name: String,
    /// `data:image/png;base64,…`, page by page.
    pub pages: Vec<String>,
}

/// Every page of `pdf` as a PNG `width_px` wide, on white, in page order.
pub fn pdf_to_pngs(pdf: &[u8], width_px: u32) -> Result<Vec<Vec<u8>>, PreviewError> {
    Ok(rasterise(pdf, width_px)?.1)
}

/// The page images of each form, as `data:` URLs the webview shows directly.
pub fn preview_forms(
    forms: &[RenderedForm],
    width_px: u32,
) -> Result<Vec<PreviewForm>, PreviewError> {
    forms
        .iter()
        .map(|form| {
            let (title, pngs) = rasterise(&form.pdf.bytes, width_px)?;
            let engine = base64::engine::general_purpose::STANDARD;
            Ok(PreviewForm {
                name: title.unwrap_or_else(|| form.file_name.clone()),
                file_name: form.file_name.clone(),
                pages: pngs
                    .iter()
                    .map(|png| format!("data:image/png;base64,{}", engine.encode(png)))
                    .collect(),
            })
        })
        .collect()
}

/// The document title (if any) and the PNG of each page.
fn rasterise(bytes: &[u8], width_px: u32) -> Result<(Option<String>, Vec<Vec<u8>>), PreviewError> {
    if !WIDTH_PX.contains(&width_px) {
        return Err(PreviewError::Width(width_px));
    }
    let pdf = Pdf::new(bytes.to_vec())?;
    let pages = pdf.pages();
    if pages.is_empty() {
        return Err(PreviewError::NoPages);
    }
    let cache = RenderCache::new();
    let interpreter = InterpreterSettings::default();
    let settings = RenderSettings::default();
    let mut pngs = Vec::with_capacity(pages.len());
    for (i, page) in pages.iter().enumerate() {
        let (width_pt, _) = page.render_dimensions();
        let scale = width_px as f32 / width_pt.max(1.0);
        let pixmap = hayro::render(
            page,
            &cache,
            &interpreter,
            &settings,
            &PixmapSettings {
                x_scale: scale,
                y_scale: scale,
                bg_color: WHITE,
            },
        );
        let png = pixmap.into_png().map_err(|e| PreviewError::Encode {
            page: i + 1,
            message: e.to_string(),
        })?;
        pngs.push(png);
    }
    let title = pdf.metadata().title.as_deref().and_then(pdf_text_string);
    Ok((title, pngs))
}

/// A PDF text string (ISO 32000-1, 7.9.2.2): UTF-16BE after a byte-order mark, UTF-8 after
/// its mark (PDF 2.0), else PDFDocEncoding, which agrees with Latin-1 on the letters a title
/// uses.
fn pdf_text_string(raw: &[u8]) -> Option<String> {
    let s = if let Some(utf16) = raw.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&units).ok()?
    } else if let Some(utf8) = raw.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8(utf8.to_vec()).ok()?
    } else {
        raw.iter().map(|&b| char::from(b)).collect()
    };
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn trademark_forms() -> Vec<RenderedForm> {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/trademark.json");
        crate::drafting::render_file(&example, jiff::civil::date(2026, 11, 23)).unwrap()
    }

    /// Decodes a PNG to 8-bit RGBA with the decoder hayro's pixmap type brings (the page is
    /// opaque on white, so premultiplied and straight alpha agree).
    fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
        let pixmap = hayro::vello_cpu::Pixmap::from_png(std::io::Cursor::new(png)).unwrap();
        let rgba = pixmap.data_as_u8_slice().to_vec();
        (u32::from(pixmap.width()), u32::from(pixmap.height()), rgba)
    }

    /// Share of dark pixels in the rows `rows` of an RGBA image.
    fn dark_share(width: u32, rgba: &[u8], rows: std::ops::Range<u32>) -> f64 {
        let row_bytes = width as usize * 4;
        let slice = &rgba[rows.start as usize * row_bytes..rows.end as usize * row_bytes];
        let dark = slice
            .chunks_exact(4)
            .filter(|p| u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]) < 3 * 96)
            .count();
        dark as f64 / (slice.len() / 4) as f64
    }

    #[test]
    fn the_trademark_form_rasterises_page_by_page_with_its_heading_visible() {
        let forms = trademark_forms();
        let form = &forms[0];
        let pngs = pdf_to_pngs(&form.pdf.bytes, 800).unwrap();
        assert_eq!(pngs.len(), form.pdf.pages);
        for png in &pngs {
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        }
        let (width, height, rgba) = decode(&pngs[0]);
        assert_eq!(width, 800);
        assert_eq!(height, 1131, "A4 at 800 px wide");
        // The national motto and the form title sit in the top fifth of the first page: text
        // drawn there, not an empty page or boxes without glyphs.
        let top = dark_share(width, &rgba, 0..height / 5);
        assert!(top > 0.01, "dark share of the top area: {top}");
        let bottom_margin = dark_share(width, &rgba, height - 20..height);
        assert!(bottom_margin < top);
    }

    #[test]
    fn text_is_drawn_with_the_embedded_fonts_not_only_the_rules_and_boxes() {
        // The national name ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") is only glyphs: were the
        // embedded fonts not drawn, the band would be white.
        let forms = trademark_forms();
        let pngs = pdf_to_pngs(&forms[0].pdf.bytes, 600).unwrap();
        let (width, height, rgba) = decode(&pngs[0]);
        // 6–10 % down the page: the two lines of the national name and motto, above the stamp
        // box, with no rule but the short one under the motto.
        let band = dark_share(width, &rgba, height * 6 / 100..height * 10 / 100);
        assert!(band > 0.01, "dark share of the heading band: {band}");
    }

    #[test]
    fn preview_forms_gives_data_urls_and_the_title_of_each_form() {
        let forms = trademark_forms();
        let previews = preview_forms(&forms, 400).unwrap();
        assert_eq!(previews.len(), 1);
        let p = &previews[0];
        assert_eq!(p.file_name, "to-khai-dang-ky-nhan-hieu.pdf");
        assert_eq!(p.name, "TỜ KHAI ĐĂNG KÝ NHÃN HIỆU");
        assert_eq!(p.pages.len(), forms[0].pdf.pages);
        let b64 = p.pages[0].strip_prefix("data:image/png;base64,").unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }

    #[test]
    fn bad_input_and_widths_are_refused_with_codes() {
        assert_eq!(
            pdf_to_pngs(b"not a pdf", 800).unwrap_err().code(),
            "preview.unreadable"
        );
        let forms = trademark_forms();
        let err = pdf_to_pngs(&forms[0].pdf.bytes, 5).unwrap_err();
        assert_eq!(err, PreviewError::Width(5));
        assert!(err.text().vi.contains("16 đến 4000"));
    }

    #[test]
    fn pdf_text_strings_decode_utf16_and_latin1() {
        let mut utf16 = vec![0xFE, 0xFF];
        for u in "TỜ KHAI".encode_utf16() {
            utf16.extend(u.to_be_bytes());
        }
        assert_eq!(pdf_text_string(&utf16).as_deref(), Some("TỜ KHAI"));
        assert_eq!(pdf_text_string(b"Form").as_deref(), Some("Form"));
        assert_eq!(pdf_text_string(b"  "), None);
    }
}
