//! Hinting removal for the embedded fonts, done once per process when a face is loaded.
//!
//! TrueType hinting (the `fpgm`, `prep` and `cvt ` programs and each glyph's instructions)
//! grid-fits outlines for low-resolution screens; PDF viewers and printers draw the outlines
//! unhinted, at any size. In Liberation Serif it is about 45 % of a form's font subsets, and
//! krilla compresses the subsets of every render: leaving the instructions out makes a form
//! about a fifth smaller and a render faster, with the outlines, metrics and glyph order
//! untouched (`tests::outlines_and_advances_are_unchanged`). The vendored font files stay as
//! shipped; only what is embedded in a PDF, a subset anyway, is without hints.

/// Tables holding hinting programs and hinting-dependent device metrics.
const HINTING_TABLES: [&[u8; 4]; 6] = [b"fpgm", b"prep", b"cvt ", b"hdmx", b"LTSH", b"VDMX"];

/// Composite glyph component flags (OpenType `glyf`).
const ARG_1_AND_2_ARE_WORDS: u16 = 0x0001;
const WE_HAVE_A_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE: u16 = 0x0040;
const WE_HAVE_A_TWO_BY_TWO: u16 = 0x0080;
const WE_HAVE_INSTRUCTIONS: u16 = 0x0100;

fn u16_at(data: &[u8], at: usize) -> Result<u16, String> {
    data.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| format!("font data ends at {at}"))
}

fn u32_at(data: &[u8], at: usize) -> Result<u32, String> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("font data ends at {at}"))
}

fn table_checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// One glyph without its instructions.
fn strip_glyph(glyph: &[u8]) -> Result<Vec<u8>, String> {
    if glyph.is_empty() {
        return Ok(Vec::new());
    }
    let contours = u16_at(glyph, 0)? as i16;
    if contours >= 0 {
        // Header (10 bytes), end points of contours, instruction length, instructions, then
        // flags and coordinates.
        let at = 10 + 2 * contours as usize;
        let length = u16_at(glyph, at)? as usize;
        let rest = glyph
            .get(at + 2 + length..)
            .ok_or("glyph instructions run past the glyph")?;
        let mut out = Vec::with_capacity(at + 2 + rest.len());
        out.extend_from_slice(&glyph[..at]);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(rest);
        return Ok(out);
    }
    // A composite: components up to the last, whose flags may announce instructions after it.
    let mut out = glyph.to_vec();
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        out[at..at + 2].copy_from_slice(&(flags & !WE_HAVE_INSTRUCTIONS).to_be_bytes());
        at += 4; // flags, glyph index
        at += if flags & ARG_1_AND_2_ARE_WORDS != 0 {
            4
        } else {
            2
        };
        at += if flags & WE_HAVE_A_SCALE != 0 {
            2
        } else if flags & WE_HAVE_AN_X_AND_Y_SCALE != 0 {
            4
        } else if flags & WE_HAVE_A_TWO_BY_TWO != 0 {
            8
        } else {
            0
        };
        if at > glyph.len() {
            return Err("composite glyph runs past its end".into());
        }
        if flags & MORE_COMPONENTS == 0 {
            break;
        }
    }
    out.truncate(at);
    Ok(out)
}

/// The font without hinting: the hinting tables dropped, every glyph's instructions removed,
/// `loca` rebuilt (long offsets), `maxp` saying no instructions, checksums recomputed.
pub(crate) fn strip_hinting(font: &[u8]) -> Result<Vec<u8>, String> {
    let version = u32_at(font, 0)?;
    if version != 0x0001_0000 {
        return Err("not a TrueType font".into());
    }
    let count = u16_at(font, 4)? as usize;
    let mut tables: Vec<([u8; 4], Vec<u8>)> = Vec::with_capacity(count);
    for i in 0..count {
        let record = 12 + 16 * i;
        let tag: [u8; 4] = font
            .get(record..record + 4)
            .and_then(|t| t.try_into().ok())
            .ok_or("table directory runs past the font")?;
        let offset = u32_at(font, record + 8)? as usize;
        let length = u32_at(font, record + 12)? as usize;
        let data = font
            .get(offset..offset + length)
            .ok_or("a table runs past the font")?;
        if !HINTING_TABLES.contains(&&tag) {
            tables.push((tag, data.to_vec()));
        }
    }
    let find = |tables: &[([u8; 4], Vec<u8>)], tag: &[u8; 4]| {
        tables
            .iter()
            .position(|(t, _)| t == tag)
            .ok_or_else(|| format!("no {} table", String::from_utf8_lossy(tag)))
    };
    let (head, maxp) = (find(&tables, b"head")?, find(&tables, b"maxp")?);
    let (glyf, loca) = (find(&tables, b"glyf")?, find(&tables, b"loca")?);
    let long_offsets = u16_at(&tables[head].1, 50)? == 1;
    let glyphs = u16_at(&tables[maxp].1, 4)? as usize;
    let offset = |i: usize| -> Result<usize, String> {
        let loca = &tables[loca].1;
        Ok(if long_offsets {
            u32_at(loca, 4 * i)? as usize
        } else {
            2 * u16_at(loca, 2 * i)? as usize
        })
    };
    let mut new_glyf = Vec::with_capacity(tables[glyf].1.len());
    let mut new_loca = Vec::with_capacity(4 * (glyphs + 1));
    for i in 0..glyphs {
        let (start, end) = (offset(i)?, offset(i + 1)?);
        let glyph = tables[glyf]
            .1
            .get(start..end)
            .ok_or("a glyph runs past the glyf table")?;
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        new_glyf.extend(strip_glyph(glyph)?);
        while new_glyf.len() % 4 != 0 {
            new_glyf.push(0);
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    tables[glyf].1 = new_glyf;
    tables[loca].1 = new_loca;
    tables[head].1[50..52].copy_from_slice(&1u16.to_be_bytes());
    // checkSumAdjustment is computed over the finished font, with this field zero.
    tables[head].1[8..12].copy_from_slice(&[0; 4]);
    if tables[maxp].1.len() >= 32 {
        // maxSizeOfInstructions.
        tables[maxp].1[26..28].copy_from_slice(&[0, 0]);
    }
    tables.sort_by_key(|t| t.0);

    let n = tables.len();
    let entry_selector = usize::BITS - 1 - n.max(1).leading_zeros();
    let search_range = 16 * (1usize << entry_selector);
    let mut out = Vec::with_capacity(font.len());
    out.extend_from_slice(&version.to_be_bytes());
    for field in [
        n,
        search_range,
        entry_selector as usize,
        16 * n - search_range,
    ] {
        out.extend_from_slice(&(field as u16).to_be_bytes());
    }
    let mut at = 12 + 16 * n;
    let mut head_at = 0;
    for (tag, data) in &tables {
        if tag == b"head" {
            head_at = at;
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&table_checksum(data).to_be_bytes());
        out.extend_from_slice(&(at as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        at += data.len().next_multiple_of(4);
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    let adjustment = 0xB1B0_AFBAu32.wrapping_sub(table_checksum(&out));
    out[head_at + 8..head_at + 12].copy_from_slice(&adjustment.to_be_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use skrifa::instance::{LocationRef, Size};
    use skrifa::outline::{DrawSettings, OutlinePen};
    use skrifa::raw::TableProvider;
    use skrifa::{FontRef, GlyphId, MetadataProvider, Tag};

    use super::*;

    const FACES: [&[u8]; 4] = [
        include_bytes!("../../fonts/LiberationSerif-Regular.ttf"),
        include_bytes!("../../fonts/LiberationSerif-Bold.ttf"),
        include_bytes!("../../fonts/LiberationSerif-Italic.ttf"),
        include_bytes!("../../fonts/LiberationSerif-BoldItalic.ttf"),
    ];

    /// Records an outline as text, one command per entry.
    #[derive(Default)]
    struct Recorder(Vec<String>);

    impl OutlinePen for Recorder {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0.push(format!("M{x},{y}"));
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0.push(format!("L{x},{y}"));
        }
        fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
            self.0.push(format!("Q{cx0},{cy0},{x},{y}"));
        }
        fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
            self.0.push(format!("C{cx0},{cy0},{cx1},{cy1},{x},{y}"));
        }
        fn close(&mut self) {
            self.0.push("Z".into());
        }
    }

    fn outline(font: &FontRef<'_>, glyph: GlyphId) -> Vec<String> {
        let mut pen = Recorder::default();
        if let Some(g) = font.outline_glyphs().get(glyph) {
            g.draw(
                DrawSettings::unhinted(Size::unscaled(), LocationRef::default()),
                &mut pen,
            )
            .expect("draws");
        }
        pen.0
    }

    #[test]
    fn outlines_and_advances_are_unchanged() {
        for bytes in FACES {
            let stripped = strip_hinting(bytes).expect("strips");
            assert!(stripped.len() < bytes.len() * 3 / 4, "{}", stripped.len());
            let (a, b) = (
                FontRef::new(bytes).expect("parses"),
                FontRef::new(&stripped).expect("stripped parses"),
            );
            for tag in ["fpgm", "prep", "cvt "] {
                assert!(
                    b.table_data(Tag::new(tag.as_bytes().try_into().unwrap()))
                        .is_none()
                );
            }
            let (ma, mb) = (
                a.glyph_metrics(Size::unscaled(), LocationRef::default()),
                b.glyph_metrics(Size::unscaled(), LocationRef::default()),
            );
            let count = a.maxp().expect("maxp").num_glyphs();
            assert_eq!(count, b.maxp().expect("maxp").num_glyphs());
            for id in 0..u32::from(count) {
                let g = GlyphId::new(id);
                assert_eq!(outline(&a, g), outline(&b, g), "glyph {id}");
                assert_eq!(ma.advance_width(g), mb.advance_width(g), "glyph {id}");
            }
            assert_eq!(a.charmap().map('Ệ'), b.charmap().map('Ệ'));
        }
    }

    #[test]
    fn checksums_are_consistent() {
        let stripped = strip_hinting(FACES[0]).expect("strips");
        assert_eq!(table_checksum(&stripped), 0xB1B0_AFBA);
    }
}
