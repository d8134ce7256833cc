//! Test PDFs made the way our renderer makes forms: krilla, PDF/A-2b, classic xref, Liberation
//! Serif subsets, Vietnamese text. (`hoso-core` cannot be a dependency of `hoso-signing`, even a
//! dev one: core depends on signing for sealing.)

use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::Point;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

pub const REGULAR: &[u8] = include_bytes!("../../../core/fonts/LiberationSerif-Regular.ttf");
pub const BOLD: &[u8] = include_bytes!("../../../core/fonts/LiberationSerif-Bold.ttf");

/// The text of each page: a declaration form's opening.
pub const LINES: [&str; 5] = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "TỜ KHAI ĐĂNG KÝ NHÃN HIỆU",
    "Chủ đơn: Công ty TNHH Công nghệ Hồ sơ số, mã số thuế 0101234565",
    "Địa chỉ: số 1 phố Tràng Tiền, phường Hoàn Kiếm, Hà Nội",
];

/// The signing area used by the tests: bottom right of an A4 page, in PDF points.
pub const SIGNING_AREA: hoso_signing::pades::Rect = hoso_signing::pades::Rect {
    x0: 330.0,
    y0: 120.0,
    x1: 540.0,
    y1: 190.0,
};

fn glyphs(text: &str) -> Vec<KrillaGlyph> {
    let font = FontRef::new(REGULAR).unwrap();
    let charmap = font.charmap();
    let upem = f32::from(
        font.metrics(Size::unscaled(), LocationRef::default())
            .units_per_em,
    );
    let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
    text.char_indices()
        .map(|(i, c)| {
            let g = charmap.map(c).expect("glyph");
            KrillaGlyph::new(
                GlyphId::new(g.to_u32()),
                metrics.advance_width(g).unwrap_or(0.0) / upem,
                0.0,
                0.0,
                0.0,
                i..i + c.len_utf8(),
                None,
            )
        })
        .collect()
}

/// An A4 PDF/A-2b file of `pages` pages of Vietnamese text.
pub fn form_pdf(pages: usize) -> Vec<u8> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .unwrap();
    let settings = SerializeSettings {
        configuration,
        enable_tagging: false,
        ..SerializeSettings::default()
    };
    let mut doc = Document::new_with(settings);
    doc.set_metadata(
        Metadata::new()
            .title("Tờ khai đăng ký nhãn hiệu".to_owned())
            .language("vi".to_owned())
            .creation_date(
                DateTime::new(2026)
                    .month(3)
                    .day(15)
                    .hour(9)
                    .minute(0)
                    .second(0)
                    .utc_offset_hour(7)
                    .utc_offset_minute(0),
            ),
    );
    let font = Font::new(REGULAR.into(), 0).unwrap();
    for page in 0..pages {
        let mut p = doc.start_page_with(PageSettings::from_wh(595.0, 842.0).unwrap());
        let mut surface = p.surface();
        for (i, line) in LINES.iter().enumerate() {
            let text = format!("{line} (trang {})", page + 1);
            surface.draw_glyphs(
                Point::from_xy(60.0, 80.0 + 24.0 * i as f32),
                &glyphs(&text),
                font.clone(),
                &text,
                12.0,
                false,
            );
        }
        surface.finish();
        p.finish();
    }
    doc.finish().unwrap()
}
