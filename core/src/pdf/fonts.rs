//! The form typeface: Liberation Serif 2.1.5, vendored unmodified from Debian's
//! `fonts-liberation2` (licence: `core/fonts/OFL.txt`).
//!
//! It has Times New Roman's metrics, the typeface Decree 30/2020/NĐ-CP prescribes for
//! administrative documents, and all four faces cover Vietnamese (U+1EA0–U+1EF9, Ă Â Đ Ê Ô
//! Ơ Ư and the combining tone marks). The faces are parsed once per process: krilla hashes
//! the whole font file when a `Font` is created, which would otherwise be paid per render.
//! The copy krilla subsets into each PDF has its hinting instructions removed (`dehint.rs`).

use std::sync::LazyLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use rustybuzz::{Direction, ShapePlan, UnicodeBuffer, script};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};
use unicode_normalization::char::is_combining_mark;

use super::PdfError;

pub(crate) const REGULAR: &[u8] = include_bytes!("../../fonts/LiberationSerif-Regular.ttf");
pub(crate) const BOLD: &[u8] = include_bytes!("../../fonts/LiberationSerif-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("../../fonts/LiberationSerif-Italic.ttf");
const BOLD_ITALIC: &[u8] = include_bytes!("../../fonts/LiberationSerif-BoldItalic.ttf");

/// One of the four faces of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Face {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

/// A parsed face: skrifa tables for measuring, a shaper with its plan, and the krilla font.
pub(crate) struct FaceData {
    pdf: Font,
    shaper: rustybuzz::Face<'static>,
    /// Left-to-right Latin script, the font's default features (kerning, mark positioning).
    plan: ShapePlan,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
    /// Ascender and descender (positive), in em.
    ascent: f32,
    descent: f32,
}

impl FaceData {
    fn load(bytes: &'static [u8]) -> Result<Self, String> {
        let font_ref = FontRef::new(bytes).map_err(|e| e.to_string())?;
        let metrics = font_ref.metrics(Size::unscaled(), LocationRef::default());
        let units_per_em = f32::from(metrics.units_per_em);
        if units_per_em <= 0.0 {
            return Err("units per em is zero".into());
        }
        // Embedded without hinting (see `dehint`); measured and shaped with the file as is.
        let embedded = super::dehint::strip_hinting(bytes)?;
        let pdf = Font::new(embedded.into(), 0).ok_or("krilla rejected the font")?;
        let shaper = rustybuzz::Face::from_slice(bytes, 0).ok_or("rustybuzz rejected the font")?;
        let plan = ShapePlan::new(
            &shaper,
            Direction::LeftToRight,
            Some(script::LATIN),
            None,
            &[],
        );
        Ok(FaceData {
            pdf,
            shaper,
            plan,
            charmap: font_ref.charmap(),
            metrics: font_ref.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
            ascent: metrics.ascent / units_per_em,
            descent: -metrics.descent / units_per_em,
        })
    }

    /// The krilla font (a cheap, reference-counted clone).
    pub(crate) fn pdf_font(&self) -> Font {
        self.pdf.clone()
    }

    /// Advance width of `ch` in em, or `None` if the face has no glyph for it.
    ///
    /// Kerning is not applied: kern pairs in these faces only tighten, so a measured line is
    /// never narrower than the shaped one krilla paints, and wrapped text stays in its box.
    pub(crate) fn advance(&self, ch: char) -> Option<f32> {
        let glyph = self.charmap.map(ch)?;
        let advance = self.metrics.advance_width(glyph)?;
        Some(advance / self.units_per_em)
    }

    /// One line of prepared text as glyphs for krilla (advances and offsets in em, each glyph
    /// with the byte range of its cluster so the PDF maps it back to the text).
    ///
    /// Text without combining marks (all NFC Vietnamese: every letter with its tone mark has
    /// a precomposed glyph) maps character to glyph with the advances [`FaceData::advance`]
    /// measured, so a painted line is exactly as wide as the laid-out one: right-aligned
    /// amounts end at the column edge, centred lines are centred. That is also how a word
    /// processor sets a form by default (no kerning, no ligatures), and a tenth of the
    /// rendering time less than shaping. Text with combining marks goes to the shaper, which
    /// positions the marks.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        if text.chars().any(is_combining_mark) {
            return self.shape(text);
        }
        let mut glyphs = Vec::with_capacity(text.len());
        for (start, ch) in text.char_indices() {
            let end = start + ch.len_utf8();
            // Prepared text only holds characters the line breaker measured, so every one has
            // a glyph; `.notdef` is never reached (PDF/A forbids it; krilla would refuse it).
            let (glyph, advance) = match self.charmap.map(ch) {
                Some(g) => (g, self.metrics.advance_width(g).unwrap_or(0.0)),
                None => return self.shape(text),
            };
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(glyph.to_u32()),
                advance / self.units_per_em,
                0.0,
                0.0,
                0.0,
                start..end,
                None,
            ));
        }
        glyphs
    }

    /// Shapes one line of prepared text into glyphs for krilla (advances and offsets in em,
    /// each glyph with the byte range of its cluster so the PDF maps it back to the text).
    pub(crate) fn shape(&self, text: &str) -> Vec<KrillaGlyph> {
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(Direction::LeftToRight);
        buffer.set_script(script::LATIN);
        let output = rustybuzz::shape_with_plan(&self.shaper, &self.plan, buffer);
        let infos = output.glyph_infos();
        let em = |units: i32| units as f32 / self.units_per_em;
        infos
            .iter()
            .zip(output.glyph_positions())
            .enumerate()
            .map(|(i, (info, pos))| {
                let start = info.cluster as usize;
                // Left to right: a cluster ends where the next glyph's cluster begins.
                let end = infos[i + 1..]
                    .iter()
                    .map(|g| g.cluster as usize)
                    .find(|&c| c != start)
                    .unwrap_or(text.len());
                KrillaGlyph::new(
                    GlyphId::new(info.glyph_id),
                    em(pos.x_advance),
                    em(pos.x_offset),
                    em(pos.y_offset),
                    em(pos.y_advance),
                    start..end,
                    None,
                )
            })
            .collect()
    }

    pub(crate) fn ascent(&self) -> f32 {
        self.ascent
    }

    pub(crate) fn descent(&self) -> f32 {
        self.descent
    }
}

struct Family {
    regular: FaceData,
    bold: FaceData,
    italic: FaceData,
    bold_italic: FaceData,
}

static FAMILY: LazyLock<Result<Family, String>> = LazyLock::new(|| {
    Ok(Family {
        regular: FaceData::load(REGULAR)?,
        bold: FaceData::load(BOLD)?,
        italic: FaceData::load(ITALIC)?,
        bold_italic: FaceData::load(BOLD_ITALIC)?,
    })
});

/// The parsed data of `face`.
pub(crate) fn face(face: Face) -> Result<&'static FaceData, PdfError> {
    let family = FAMILY.as_ref().map_err(|e| PdfError::Font(e.clone()))?;
    Ok(match face {
        Face::Regular => &family.regular,
        Face::Bold => &family.bold,
        Face::Italic => &family.italic,
        Face::BoldItalic => &family.bold_italic,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_face_covers_vietnamese_letters_and_tone_marks() {
        let letters = "ĂÂĐÊÔƠƯăâđêôơư\u{300}\u{301}\u{303}\u{309}\u{323}";
        let precomposed = (0x1EA0..=0x1EF9).filter_map(char::from_u32);
        for f in [Face::Regular, Face::Bold, Face::Italic, Face::BoldItalic] {
            let data = face(f).expect("vendored font loads");
            for ch in letters.chars().chain(precomposed.clone()) {
                assert!(data.advance(ch).is_some(), "{f:?} lacks {ch:?}");
            }
        }
    }

    #[test]
    fn decomposed_marks_are_positioned_by_the_shaper() {
        let regular = face(Face::Regular).expect("vendored font loads");
        // "q" + combining dot below has no precomposed form: two glyphs, the mark without
        // advance, in one cluster covering both characters.
        let glyphs = regular.shape("q\u{323}");
        assert_eq!(glyphs.len(), 2);
        assert_eq!(glyphs[1].x_advance, 0.0);
        assert_eq!(glyphs[0].text_range, 0..3);
        assert!(glyphs.iter().all(|g| g.glyph_id.to_u32() != 0));
    }

    #[test]
    fn shaped_width_never_exceeds_the_measured_width() {
        let regular = face(Face::Regular).expect("vendored font loads");
        let text = "AVATAR Tờ khai đăng ký nhãn hiệu, WAVE Yên Bái";
        let shaped: f32 = regular.shape(text).iter().map(|g| g.x_advance).sum();
        let measured: f32 = text.chars().filter_map(|c| regular.advance(c)).sum();
        assert!(shaped <= measured + 1e-4, "{shaped} > {measured}");
        assert!(shaped < measured, "kerning applies to AV/WA");
    }

    #[test]
    fn text_without_marks_maps_to_the_shaper_glyphs_with_the_measured_advances() {
        let text = "Tờ khai đăng ký nhãn hiệu: AVATAR, Yên Bái 2.030.000 đồng";
        for f in [Face::Regular, Face::Bold, Face::Italic, Face::BoldItalic] {
            let data = face(f).expect("vendored font loads");
            let fast = data.glyphs(text);
            let shaped = data.shape(text);
            let ids = |g: &[KrillaGlyph]| g.iter().map(|g| g.glyph_id).collect::<Vec<_>>();
            assert_eq!(ids(&fast), ids(&shaped), "{f:?}");
            let width: f32 = fast.iter().map(|g| g.x_advance).sum();
            let measured: f32 = text.chars().filter_map(|c| data.advance(c)).sum();
            assert!(
                (width - measured).abs() < 1e-4,
                "{f:?}: {width} != {measured}"
            );
            let ranges: Vec<_> = fast.iter().map(|g| g.text_range.clone()).collect();
            let chars: Vec<_> = text
                .char_indices()
                .map(|(i, c)| i..i + c.len_utf8())
                .collect();
            assert_eq!(ranges, chars);
        }
        // A combining mark goes through the shaper, which places it.
        let regular = face(Face::Regular).expect("vendored font loads");
        let (fast, shaped) = (regular.glyphs("q\u{323}"), regular.shape("q\u{323}"));
        assert_eq!(fast.len(), 2);
        assert_eq!(fast[1].x_advance, shaped[1].x_advance);
        assert_eq!(fast[1].x_offset, shaped[1].x_offset);
    }

    #[test]
    fn metrics_are_those_of_times_new_roman() {
        let regular = face(Face::Regular).expect("vendored font loads");
        // Times New Roman: space 0.25 em, "M" 0.889 em.
        assert_eq!(regular.advance(' '), Some(0.25));
        let m = regular.advance('M').expect("has M");
        assert!((m - 0.889).abs() < 0.001, "{m}");
    }
}
