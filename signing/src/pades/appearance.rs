//! The visible signature: a form XObject drawing the signer's lines in the signing area, with
//! subsets of the caller's fonts embedded as CIDFontType2 / Identity-H with a ToUnicode CMap:
//! PDF/A-2 (ISO 19005-2) wants every font embedded, and the ToUnicode map lets the text be
//! extracted and searched.
//!
//! No shaping: the text is normalised to NFC first, and Liberation Serif has a precomposed
//! glyph for every Vietnamese letter (U+00C0–U+01B0, U+1EA0–U+1EF9), so one character is one
//! glyph and extraction (`pdftotext`) gives the text back.

use std::io::Write as _;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Chunk, Content, Filter, Finish, Name, Rect as PdfRect, Ref, Str};
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::types::NameId;
use skrifa::{FontRef, GlyphId, MetadataProvider};
use unicode_normalization::UnicodeNormalization;

use super::{AppearanceFonts, PadesError};

/// The ink of the appearance: a dark blue, the colour of a signature stamp.
const INK: (f32, f32, f32) = (0.05, 0.15, 0.55);
const PADDING: f32 = 3.0;
const LINE_SPACING: f32 = 1.2;
const MAX_FONT_SIZE: f32 = 10.0;
/// Below this size lines are wrapped at spaces rather than shrunk further.
const MIN_WRAPPED_SIZE: f32 = 6.0;

/// One face of the family, parsed.
struct Face<'a> {
    bytes: &'a [u8],
    font: FontRef<'a>,
    units_per_em: f32,
}

impl<'a> Face<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Face<'a>, PadesError> {
        let font = FontRef::new(bytes).map_err(|e| PadesError::Font(e.to_string()))?;
        let upem = font
            .metrics(Size::unscaled(), LocationRef::default())
            .units_per_em;
        if upem == 0 {
            return Err(PadesError::Font("units per em is zero".into()));
        }
        Ok(Face {
            bytes,
            font,
            units_per_em: f32::from(upem),
        })
    }

    fn glyphs(&self, text: &str) -> Result<Vec<(char, GlyphId)>, PadesError> {
        let charmap = self.font.charmap();
        text.chars()
            .map(|c| {
                charmap
                    .map(c)
                    .filter(|g| g.to_u32() != 0)
                    .map(|g| (c, g))
                    .ok_or(PadesError::UnsupportedCharacter(c))
            })
            .collect()
    }

    fn line(&self, bold: bool, glyphs: Vec<(char, GlyphId)>) -> Line {
        let width = glyphs.iter().map(|(_, g)| self.advance(*g)).sum::<f32>() / 1000.0;
        Line {
            bold,
            glyphs,
            width,
        }
    }

    /// The line broken at spaces into lines at most `max_width` wide at 1 pt (a word longer
    /// than that stays whole on its own line).
    fn wrap(&self, line: &Line, max_width: f32) -> Result<Vec<Line>, PadesError> {
        let space = self.glyphs(" ")?;
        let space_width = self.line(line.bold, space.clone()).width;
        let mut out = Vec::new();
        let mut current: Vec<(char, GlyphId)> = Vec::new();
        let mut current_width = 0.0;
        for word in line
            .glyphs
            .split(|(c, _)| *c == ' ')
            .filter(|w| !w.is_empty())
        {
            let word_width = self.line(line.bold, word.to_vec()).width;
            if !current.is_empty() && current_width + space_width + word_width > max_width {
                out.push(self.line(line.bold, std::mem::take(&mut current)));
                current_width = 0.0;
            }
            if !current.is_empty() {
                current.extend(space.iter().copied());
                current_width += space_width;
            }
            current.extend(word.iter().copied());
            current_width += word_width;
        }
        if !current.is_empty() || out.is_empty() {
            out.push(self.line(line.bold, current));
        }
        Ok(out)
    }

    /// Advance width of a glyph in 1/1000 em (PDF glyph space).
    fn advance(&self, glyph: GlyphId) -> f32 {
        let metrics = self
            .font
            .glyph_metrics(Size::unscaled(), LocationRef::default());
        metrics.advance_width(glyph).unwrap_or(0.0) * 1000.0 / self.units_per_em
    }
}

/// The largest size (10 pt down to 6 pt, in half points) at which the lines, wrapped at spaces
/// where too long, fit the box; if none, the lines unwrapped and shrunk until they fit.
fn fit(
    input: &[Line],
    regular: &Face<'_>,
    bold: &Face<'_>,
    inner_w: f32,
    inner_h: f32,
) -> Result<(f32, Vec<Line>), PadesError> {
    let mut size = MAX_FONT_SIZE;
    while size >= MIN_WRAPPED_SIZE {
        let mut laid = Vec::new();
        for line in input {
            let face = if line.bold { bold } else { regular };
            laid.extend(face.wrap(line, inner_w / size)?);
        }
        let fits = laid.len() as f32 * LINE_SPACING * size <= inner_h
            && laid.iter().all(|l| l.width * size <= inner_w);
        if fits {
            return Ok((size, laid));
        }
        size -= 0.5;
    }
    let count = input.len().max(1) as f32;
    let mut size = MAX_FONT_SIZE.min(inner_h / (count * LINE_SPACING));
    for line in input {
        if line.width > 0.0 {
            size = size.min(inner_w / line.width);
        }
    }
    let laid = input
        .iter()
        .map(|l| Line {
            bold: l.bold,
            glyphs: l.glyphs.clone(),
            width: l.width,
        })
        .collect();
    Ok((size.max(1.0), laid))
}

/// A line of text, NFC, as glyphs of its face.
struct Line {
    bold: bool,
    glyphs: Vec<(char, GlyphId)>,
    /// Width at 1 pt.
    width: f32,
}

/// Objects of the appearance, numbered from the first free object number.
pub(crate) struct AppearanceObjects {
    /// `(object number, "n 0 obj … endobj" bytes)` in increasing order.
    pub(crate) objects: Vec<(u32, Vec<u8>)>,
    /// The form XObject to put in the widget's `/AP /N`.
    pub(crate) stream: u32,
    /// The next free object number.
    pub(crate) next: u32,
}

/// Draws `lines` (the first bold) in a `width` × `height` box: the largest size up to 10 pt at
/// which every line fits, left-aligned, the block centred vertically, inside a thin frame.
pub(crate) fn build(
    lines: &[String],
    width: f32,
    height: f32,
    fonts: &AppearanceFonts<'_>,
    first: u32,
) -> Result<AppearanceObjects, PadesError> {
    let regular = Face::parse(fonts.regular)?;
    let bold = Face::parse(fonts.bold)?;
    let mut input = Vec::new();
    for (i, text) in lines.iter().enumerate() {
        let text: String = text.nfc().collect();
        let face = if i == 0 { &bold } else { &regular };
        input.push(face.line(i == 0, face.glyphs(&text)?));
    }
    let inner_w = (width - 2.0 * PADDING).max(1.0);
    let inner_h = (height - 2.0 * PADDING).max(1.0);
    let (size, laid) = fit(&input, &regular, &bold, inner_w, inner_h)?;
    let count = laid.len().max(1) as f32;

    let mut next = first;
    let mut alloc = || {
        let r = next;
        next += 1;
        r
    };
    let stream_id = alloc();
    let mut objects = Vec::new();
    let mut fonts_used: Vec<(&'static [u8], EmbeddedFont)> = Vec::new();
    for (bold_face, face, resource) in [(true, &bold, &b"F2"[..]), (false, &regular, &b"F1"[..])] {
        let glyphs: Vec<(char, GlyphId)> = laid
            .iter()
            .filter(|l| l.bold == bold_face)
            .flat_map(|l| l.glyphs.iter().copied())
            .collect();
        if glyphs.is_empty() {
            continue;
        }
        let ids = FontIds {
            type0: alloc(),
            cid: alloc(),
            descriptor: alloc(),
            file: alloc(),
            to_unicode: alloc(),
        };
        let embedded = embed(face, &glyphs, ids, &mut objects)?;
        fonts_used.push((resource, embedded));
    }

    // The content stream.
    let block_h = count * LINE_SPACING * size;
    let top = (height + block_h) / 2.0;
    let mut content = Content::new();
    content.save_state();
    content.set_stroke_rgb(INK.0, INK.1, INK.2);
    content.set_line_width(0.6);
    content.rect(0.3, 0.3, (width - 0.6).max(0.0), (height - 0.6).max(0.0));
    content.stroke();
    content.rect(0.0, 0.0, width, height);
    content.clip_nonzero();
    content.end_path();
    content.set_fill_rgb(INK.0, INK.1, INK.2);
    content.begin_text();
    for (i, line) in laid.iter().enumerate() {
        let Some((resource, font)) = fonts_used
            .iter()
            .find(|(r, _)| *r == if line.bold { &b"F2"[..] } else { &b"F1"[..] })
        else {
            continue;
        };
        let baseline = top - (i as f32 * LINE_SPACING + 0.95) * size;
        let mut encoded = Vec::with_capacity(line.glyphs.len() * 2);
        for (_, g) in &line.glyphs {
            let cid = font.cid(*g);
            encoded.extend_from_slice(&cid.to_be_bytes());
        }
        content.set_font(Name(resource), size);
        content.set_text_matrix([1.0, 0.0, 0.0, 1.0, PADDING, baseline]);
        content.show(Str(&encoded));
    }
    content.end_text();
    content.restore_state();
    let content = deflate(&content.finish().into_vec())?;

    let mut chunk = Chunk::new();
    let mut form = chunk.form_xobject(Ref::new(to_i32(stream_id)?), &content);
    form.filter(Filter::FlateDecode);
    form.bbox(PdfRect::new(0.0, 0.0, width, height));
    let mut resources = form.resources();
    let mut font_dict = resources.fonts();
    for (resource, font) in &fonts_used {
        font_dict.pair(Name(resource), Ref::new(to_i32(font.type0)?));
    }
    font_dict.finish();
    resources.finish();
    form.finish();
    objects.push((stream_id, chunk.as_bytes().to_vec()));
    objects.sort_by_key(|(n, _)| *n);
    Ok(AppearanceObjects {
        objects,
        stream: stream_id,
        next,
    })
}

struct FontIds {
    type0: u32,
    cid: u32,
    descriptor: u32,
    file: u32,
    to_unicode: u32,
}

struct EmbeddedFont {
    type0: u32,
    remapper: subsetter::GlyphRemapper,
}

impl EmbeddedFont {
    fn cid(&self, glyph: GlyphId) -> u16 {
        u16::try_from(glyph.to_u32())
            .ok()
            .and_then(|g| self.remapper.get(g))
            .unwrap_or(0)
    }
}

fn to_i32(n: u32) -> Result<i32, PadesError> {
    i32::try_from(n).map_err(|_| PadesError::Malformed("object number out of range".into()))
}

fn deflate(bytes: &[u8]) -> Result<Vec<u8>, PadesError> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes)
        .and_then(|()| enc.finish())
        .map_err(|e| PadesError::Font(format!("deflate: {e}")))
}

/// Writes the subset font of `glyphs` as Type0 → CIDFontType2 → descriptor → FontFile2, with
/// a ToUnicode CMap. CIDs are the subset's glyph ids (CIDToGIDMap /Identity): subsetter
/// renumbers glyphs consecutively and keeps the glyph order a CID-keyed font needs.
fn embed(
    face: &Face<'_>,
    glyphs: &[(char, GlyphId)],
    ids: FontIds,
    objects: &mut Vec<(u32, Vec<u8>)>,
) -> Result<EmbeddedFont, PadesError> {
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut used: Vec<(u16, char, GlyphId)> = Vec::new();
    for (c, g) in glyphs {
        let old = u16::try_from(g.to_u32())
            .map_err(|_| PadesError::Font("glyph id out of range".into()))?;
        let cid = remapper.remap(old);
        if !used.iter().any(|(u, _, _)| *u == cid) {
            used.push((cid, *c, *g));
        }
    }
    used.sort_by_key(|(cid, _, _)| *cid);
    let subset = subsetter::subset(face.bytes, 0, &remapper)
        .map_err(|e| PadesError::Font(format!("subsetting: {e}")))?;

    let ps_name = face
        .font
        .localized_strings(NameId::POSTSCRIPT_NAME)
        .english_or_first()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "Font".to_owned());
    // The subset tag (ISO 32000-1, 9.6.4): six capitals, here derived from the glyph set so the
    // same text gives the same file.
    let digest = crate::cms::sha256(
        &used
            .iter()
            .flat_map(|(cid, _, g)| [cid.to_be_bytes(), (g.to_u32() as u16).to_be_bytes()])
            .flatten()
            .collect::<Vec<u8>>(),
    );
    let tag: String = digest[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    let base_font = format!("{tag}+{ps_name}");

    let metrics = face.font.metrics(Size::unscaled(), LocationRef::default());
    let scale = 1000.0 / face.units_per_em;
    let bbox = metrics
        .bounds
        .map_or(PdfRect::new(0.0, 0.0, 1000.0, 1000.0), |b| {
            PdfRect::new(
                b.x_min * scale,
                b.y_min * scale,
                b.x_max * scale,
                b.y_max * scale,
            )
        });

    let r = |n: u32| to_i32(n).map(Ref::new);
    let mut chunk = Chunk::new();
    chunk
        .type0_font(r(ids.type0)?)
        .base_font(Name(base_font.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(r(ids.cid)?)
        .to_unicode(r(ids.to_unicode)?);
    objects.push((ids.type0, chunk.as_bytes().to_vec()));

    let mut chunk = Chunk::new();
    let mut cid_font = chunk.cid_font(r(ids.cid)?);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(Name(base_font.as_bytes()))
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        })
        .font_descriptor(r(ids.descriptor)?)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let mut widths = cid_font.widths();
    for (cid, _, g) in &used {
        widths.consecutive(*cid, [face.advance(*g)]);
    }
    widths.finish();
    cid_font.finish();
    objects.push((ids.cid, chunk.as_bytes().to_vec()));

    let mut chunk = Chunk::new();
    let mut flags = FontFlags::SYMBOLIC;
    if metrics.italic_angle != 0.0 {
        flags |= FontFlags::ITALIC;
    }
    chunk
        .font_descriptor(r(ids.descriptor)?)
        .name(Name(base_font.as_bytes()))
        .flags(flags)
        .bbox(bbox)
        .italic_angle(metrics.italic_angle)
        .ascent(metrics.ascent * scale)
        .descent(metrics.descent * scale)
        .cap_height(metrics.cap_height.unwrap_or(metrics.ascent) * scale)
        .stem_v(80.0)
        .font_file2(r(ids.file)?);
    objects.push((ids.descriptor, chunk.as_bytes().to_vec()));

    let compressed = deflate(&subset)?;
    let mut chunk = Chunk::new();
    let mut stream = chunk.stream(r(ids.file)?, &compressed);
    stream.filter(Filter::FlateDecode);
    stream.pair(
        Name(b"Length1"),
        i32::try_from(subset.len()).map_err(|_| PadesError::Font("font too large".into()))?,
    );
    stream.finish();
    objects.push((ids.file, chunk.as_bytes().to_vec()));

    let mut cmap = pdf_writer::types::UnicodeCmap::new(
        Name(b"Custom"),
        SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"UCS"),
            supplement: 0,
        },
    );
    for (cid, c, _) in &used {
        cmap.pair(*cid, *c);
    }
    let cmap = deflate(&cmap.finish().into_vec())?;
    let mut chunk = Chunk::new();
    chunk
        .cmap(r(ids.to_unicode)?, &cmap)
        .filter(Filter::FlateDecode);
    objects.push((ids.to_unicode, chunk.as_bytes().to_vec()));

    Ok(EmbeddedFont {
        type0: ids.type0,
        remapper,
    })
}
