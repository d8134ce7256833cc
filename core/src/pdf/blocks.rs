//! Layout of each block kind (tables: `table.rs`).

use krilla::Data;

use super::fonts::Face;
use super::layout::{
    Area, BODY_LINE, BODY_SIZE, CONTENT_HEIGHT, HAIRLINE, Item, LEFT, Layouter, MM, OUTLINE,
    SignatureArea, Style, TEXT_WIDTH, lines,
};
use super::table;
use super::text::{self, Line, Span};
use super::{Align, Block, Image, OfficeBox, PdfError, SignatureBlock};

// Decree 30/2020/NĐ-CP, Appendix I, part II.3: the national name in 12–13 pt bold capitals,
// the motto in 13–14 pt bold, underlined by a solid rule as long as the motto line.
const NATIONAL_NAME: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";
const NATIONAL_NAME_SIZE: f32 = 12.0;
const MOTTO_SIZE: f32 = 13.0;

const TITLE_SIZE: f32 = 14.0;
const SMALL_SIZE: f32 = 11.0;
/// Inner padding of boxes and bands.
const PAD: f32 = 3.0;
/// Height of the office stamp box: room for a round office stamp (about 35 mm across is
/// the largest; the box is a receipt mark, not a seal, so 25 mm is kept).
const STAMP_BOX_HEIGHT: f32 = 25.0 * MM;
/// Blank space for the signature and seal in the signature block.
const SIGNING_SPACE: f32 = 25.0 * MM;
/// The number cell at the left of a section band.
const SECTION_NUMBER_WIDTH: f32 = 22.0;
/// Checkbox square side and the indent of its label.
const CHECKBOX_SIDE: f32 = 8.5;
const CHECKBOX_INDENT: f32 = 16.0;
/// The signature block's column at the right: wide enough for "Thành phố Hồ Chí Minh, ngày
/// 23 tháng 11 năm 2026" on one line.
const SIGNATURE_WIDTH: f32 = TEXT_WIDTH * 0.6;

/// Space above a section band, and between the band and its content.
const SECTION_GAP_BEFORE: f32 = 6.0;
const SECTION_GAP_AFTER: f32 = 4.0;
/// Space after a field line, after running text, above an image and above the signature.
const FIELD_GAP: f32 = 1.0;
const TEXT_GAP: f32 = 3.0;
const IMAGE_GAP: f32 = 4.0;
const SIGNATURE_GAP: f32 = 10.0;

fn invalid(index: usize, reason: impl Into<String>) -> PdfError {
    PdfError::InvalidBlock {
        index,
        reason: reason.into(),
    }
}

/// Lays out `blocks[index]`, looking ahead at the blocks after it where a block must stay on
/// its page with what follows (see [`lead`]).
pub(crate) fn lay_out(l: &mut Layouter, blocks: &[Block], index: usize) -> Result<(), PdfError> {
    let body = Style::new(BODY_SIZE, Align::Left);
    match &blocks[index] {
        Block::NationalHeader => national_header(l),
        Block::OfficeBox(b) => office_box(l, index, b),
        Block::Title { text, subtitle } => title(l, text, subtitle.as_deref()),
        Block::Section { number, heading } => {
            let band = section_band(number.as_deref(), heading)?;
            if band.height + BODY_LINE > CONTENT_HEIGHT {
                return Err(invalid(index, "section heading is taller than a page"));
            }
            l.gap(SECTION_GAP_BEFORE);
            // Keep the heading with the start of what it introduces.
            let own = band.height + SECTION_GAP_AFTER;
            let next = lead(l, blocks, index + 1, CONTENT_HEIGHT - own)?;
            l.ensure(keep(own, next));
            section(l, &band);
            l.gap(SECTION_GAP_AFTER);
            Ok(())
        }
        Block::Field { label, value } => {
            let field = field_lines(label, value)?;
            match field.first_value_line {
                // A label alone on its line stays with the line where its value starts.
                Some(k) => l.ensure((k + 1) as f32 * BODY_LINE),
                // A label without a value leads in to what follows: keep them together.
                None if leads_in(blocks, index) => {
                    let own = field.lines.len() as f32 * BODY_LINE + FIELD_GAP;
                    let next = lead(l, blocks, index + 1, CONTENT_HEIGHT - own)?;
                    l.ensure(keep(own, next));
                }
                None => {}
            }
            l.flow(&field.lines, LEFT, TEXT_WIDTH, body);
            l.gap(FIELD_GAP);
            Ok(())
        }
        Block::Checkbox { checked, label } => checkbox(l, *checked, label),
        Block::Paragraph(_) | Block::Text(_) => {
            let (laid, style) = text_lines(&blocks[index])?;
            // The text just before the signature block (the undertaking it signs) moves with it.
            if let Some(Block::SignatureBlock(s)) = blocks.get(index + 1) {
                let own = laid.len() as f32 * style.line_height() + TEXT_GAP;
                let need = own + SIGNATURE_GAP + signature_parts(s)?.height;
                if need <= CONTENT_HEIGHT {
                    l.ensure(need);
                }
            }
            l.flow(&laid, LEFT, TEXT_WIDTH, style);
            l.gap(TEXT_GAP);
            Ok(())
        }
        Block::Spacer { height_mm } => {
            if !height_mm.is_finite() || *height_mm < 0.0 {
                return Err(invalid(
                    index,
                    "spacer height must be a finite, positive length",
                ));
            }
            l.gap(height_mm * MM);
            Ok(())
        }
        Block::PageBreak => {
            if !l.at_page_top() {
                l.new_page();
            }
            Ok(())
        }
        Block::Image(image) => picture(l, index, image),
        Block::SignatureBlock(s) => signature(l, index, s),
        Block::Table(t) => table::lay_out(l, index, t),
    }
}

/// The height to ask of the page for a block of height `own` kept with `next`, the lead of
/// the block after it; when both cannot share even a fresh page, only the block and one line.
fn keep(own: f32, next: f32) -> f32 {
    if own + next <= CONTENT_HEIGHT {
        own + next
    } else {
        own + next.min(BODY_LINE)
    }
}

/// How much of `blocks[index]`, from the cursor, must share a page with a block kept with it
/// (keep-with-next): the first line of text, a field up to the line where its value starts,
/// the first tick box, a table's header with its first row, an image, a whole signature
/// block, with the space above each. A block that is itself kept with the next (a section
/// heading, a label without a value, the text before the signature) counts whole, plus the
/// lead of the block after it. `budget` is what a page still has room for: past it the
/// answer no longer matters, so the look-ahead stops. Zero past the last block.
fn lead(l: &mut Layouter, blocks: &[Block], index: usize, budget: f32) -> Result<f32, PdfError> {
    let Some(block) = blocks.get(index) else {
        return Ok(0.0);
    };
    if budget <= 0.0 {
        return Ok(0.0);
    }
    let chained = |l: &mut Layouter, own: f32| -> Result<f32, PdfError> {
        let next = lead(l, blocks, index + 1, budget - own)?;
        Ok(keep(own, next))
    };
    Ok(match block {
        Block::NationalHeader => {
            Style::new(NATIONAL_NAME_SIZE, Align::Center).line_height()
                + Style::new(MOTTO_SIZE, Align::Center).line_height()
                + 6.0
        }
        Block::OfficeBox(_) => STAMP_BOX_HEIGHT,
        Block::Title { .. } => 4.0 + Style::new(TITLE_SIZE, Align::Center).line_height(),
        Block::Section { number, heading } => {
            let band = section_band(number.as_deref(), heading)?;
            chained(l, SECTION_GAP_BEFORE + band.height + SECTION_GAP_AFTER)?
        }
        Block::Field { label, value } => {
            let field = field_lines(label, value)?;
            match field.first_value_line {
                Some(k) => (k + 1) as f32 * BODY_LINE,
                None if leads_in(blocks, index) => {
                    chained(l, field.lines.len() as f32 * BODY_LINE + FIELD_GAP)?
                }
                None => field.lines.len() as f32 * BODY_LINE,
            }
        }
        Block::Checkbox { .. } => BODY_LINE,
        Block::Paragraph(_) | Block::Text(_) => {
            let (laid, style) = text_lines(block)?;
            match blocks.get(index + 1) {
                Some(Block::SignatureBlock(s)) => {
                    let own = laid.len() as f32 * style.line_height() + TEXT_GAP;
                    let whole = own + SIGNATURE_GAP + signature_parts(s)?.height;
                    if whole <= CONTENT_HEIGHT {
                        whole
                    } else {
                        style.line_height()
                    }
                }
                _ => style.line_height(),
            }
        }
        Block::Table(t) => table::lead(index, t)?,
        Block::Spacer { height_mm } => chained(l, height_mm.max(0.0) * MM)?,
        Block::PageBreak => 0.0,
        Block::Image(image) => IMAGE_GAP + image_size(l, index, image)?.1,
        Block::SignatureBlock(s) => SIGNATURE_GAP + signature_parts(s)?.height,
    })
}

/// Whether the block after `blocks[index]`, a label without a value, is content it introduces
/// (a tick box list, a table…) rather than the start of another part of the form.
fn leads_in(blocks: &[Block], index: usize) -> bool {
    matches!(
        blocks.get(index + 1),
        Some(
            Block::Field { .. }
                | Block::Checkbox { .. }
                | Block::Paragraph(_)
                | Block::Text(_)
                | Block::Table(_)
                | Block::Image(_)
        )
    )
}

/// A field's lines, and the first of them where the value starts (`None`: no value).
struct FieldLines {
    lines: Vec<Line>,
    first_value_line: Option<usize>,
}

fn field_lines(label: &str, value: &str) -> Result<FieldLines, PdfError> {
    let label = text::prepare(label);
    let value = text::prepare(value);
    let label = match label.trim_end() {
        "" => String::new(),
        l if l.ends_with(':') => format!("{l} "),
        l => format!("{l}: "),
    };
    let spans = [
        Span::new(Face::Regular, &label),
        Span::new(Face::Bold, &value),
    ];
    let lines = text::break_lines(&spans, BODY_SIZE, TEXT_WIDTH)?;
    let first_value_line = lines
        .iter()
        .position(|line| line.fragments.iter().any(|f| f.face == Face::Bold));
    Ok(FieldLines {
        lines,
        first_value_line,
    })
}

/// The lines of a paragraph or styled text block, and their style.
fn text_lines(block: &Block) -> Result<(Vec<Line>, Style), PdfError> {
    match block {
        Block::Text(t) => {
            let face = match (t.bold, t.italic) {
                (false, false) => Face::Regular,
                (true, false) => Face::Bold,
                (false, true) => Face::Italic,
                (true, true) => Face::BoldItalic,
            };
            let laid = lines(face, BODY_SIZE, &t.text, TEXT_WIDTH)?;
            Ok((laid, Style::new(BODY_SIZE, t.align)))
        }
        Block::Paragraph(text) => {
            let laid = lines(Face::Regular, BODY_SIZE, text, TEXT_WIDTH)?;
            Ok((laid, Style::new(BODY_SIZE, Align::Left)))
        }
        _ => Ok((Vec::new(), Style::new(BODY_SIZE, Align::Left))),
    }
}

fn national_header(l: &mut Layouter) -> Result<(), PdfError> {
    let name = lines(Face::Bold, NATIONAL_NAME_SIZE, NATIONAL_NAME, TEXT_WIDTH)?;
    let motto = lines(Face::Bold, MOTTO_SIZE, MOTTO, TEXT_WIDTH)?;
    let name_style = Style::new(NATIONAL_NAME_SIZE, Align::Center);
    let motto_style = Style::new(MOTTO_SIZE, Align::Center);
    l.ensure(name_style.line_height() + motto_style.line_height() + 6.0);
    l.flow(&name, LEFT, TEXT_WIDTH, name_style);
    l.flow(&motto, LEFT, TEXT_WIDTH, motto_style);
    let width = motto.first().map_or(0.0, |m| m.width);
    let x = LEFT + (TEXT_WIDTH - width) / 2.0;
    let rule_y = l.y + 1.0;
    l.push(Item::Line {
        from: (x, rule_y),
        to: (x + width, rule_y),
        width: HAIRLINE,
    });
    l.y = rule_y;
    l.gap(10.0);
    Ok(())
}

fn office_box(l: &mut Layouter, index: usize, b: &OfficeBox) -> Result<(), PdfError> {
    let box_width = TEXT_WIDTH * 0.42;
    let label_x = LEFT + TEXT_WIDTH * 0.5;
    let label_width = TEXT_WIDTH * 0.5;
    let small = Style::new(SMALL_SIZE, Align::Center);
    let mut stamp = Vec::new();
    for (i, line) in b.stamp_lines.iter().enumerate() {
        let face = if i == 0 { Face::Bold } else { Face::Italic };
        stamp.extend(lines(face, SMALL_SIZE, line, box_width - 2.0 * PAD)?);
    }
    let mut label = Vec::new();
    for (i, line) in b.form_label.iter().enumerate() {
        let trimmed = line.trim();
        let face = if i == 0 {
            Face::Bold
        } else if trimmed.starts_with('(') && trimmed.ends_with(')') {
            Face::Italic
        } else {
            Face::Regular
        };
        label.extend(lines(face, SMALL_SIZE, line, label_width)?);
    }
    let stamp_height = (stamp.len() as f32 * small.line_height() + 2.0 * PAD).max(STAMP_BOX_HEIGHT);
    let label_height = label.len() as f32 * small.line_height();
    let height = stamp_height.max(label_height);
    if height > CONTENT_HEIGHT {
        return Err(invalid(index, "office box is taller than a page"));
    }
    l.ensure(height);
    let top = l.y;
    l.push(Item::Frame {
        area: Area {
            x: LEFT,
            y: top,
            w: box_width,
            h: stamp_height,
        },
        width: OUTLINE,
    });
    for (i, line) in stamp.iter().enumerate() {
        let line_top = top + PAD + i as f32 * small.line_height();
        l.put_line(line, line_top, LEFT + PAD, box_width - 2.0 * PAD, small);
    }
    let right = Style::new(SMALL_SIZE, Align::Right);
    for (i, line) in label.iter().enumerate() {
        l.put_line(
            line,
            top + i as f32 * small.line_height(),
            label_x,
            label_width,
            right,
        );
    }
    l.y = top + height;
    l.gap(10.0);
    Ok(())
}

fn title(l: &mut Layouter, text: &str, subtitle: Option<&str>) -> Result<(), PdfError> {
    let style = Style::new(TITLE_SIZE, Align::Center);
    let laid = lines(Face::Bold, TITLE_SIZE, text, TEXT_WIDTH)?;
    l.gap(4.0);
    l.ensure(laid.len() as f32 * style.line_height() + BODY_LINE);
    l.flow(&laid, LEFT, TEXT_WIDTH, style);
    if let Some(sub) = subtitle.filter(|s| !s.trim().is_empty()) {
        let sub = lines(Face::Italic, BODY_SIZE, sub, TEXT_WIDTH)?;
        l.flow(&sub, LEFT, TEXT_WIDTH, Style::new(BODY_SIZE, Align::Center));
    }
    l.gap(8.0);
    Ok(())
}

/// A section heading measured: the number (if any) and the heading's lines in the band.
struct SectionBand {
    number: Option<Line>,
    lines: Vec<Line>,
    height: f32,
}

fn section_band(number: Option<&str>, heading: &str) -> Result<SectionBand, PdfError> {
    let number = number.map(text::prepare).filter(|n| !n.trim().is_empty());
    let cell = if number.is_some() {
        SECTION_NUMBER_WIDTH
    } else {
        0.0
    };
    let lines = lines(
        Face::Bold,
        BODY_SIZE,
        heading,
        TEXT_WIDTH - cell - 2.0 * PAD,
    )?;
    let number = match number {
        Some(n) => text::break_lines(&[Span::new(Face::Bold, &n)], BODY_SIZE, cell)?
            .into_iter()
            .next(),
        None => None,
    };
    let height = lines.len() as f32 * BODY_LINE + 2.0 * PAD;
    Ok(SectionBand {
        number,
        lines,
        height,
    })
}

/// Draws a measured section band at the cursor and moves the cursor below it.
fn section(l: &mut Layouter, band: &SectionBand) {
    let cell = if band.number.is_some() {
        SECTION_NUMBER_WIDTH
    } else {
        0.0
    };
    let text_x = LEFT + cell + PAD;
    let text_width = TEXT_WIDTH - cell - 2.0 * PAD;
    let style = Style::new(BODY_SIZE, Align::Left);
    let top = l.y;
    l.push(Item::Frame {
        area: Area {
            x: LEFT,
            y: top,
            w: TEXT_WIDTH,
            h: band.height,
        },
        width: OUTLINE,
    });
    if let Some(number) = &band.number {
        l.put_line(
            number,
            top + PAD,
            LEFT,
            cell,
            Style::new(BODY_SIZE, Align::Center),
        );
        l.push(Item::Line {
            from: (LEFT + cell, top),
            to: (LEFT + cell, top + band.height),
            width: OUTLINE,
        });
    }
    for (i, line) in band.lines.iter().enumerate() {
        l.put_line(
            line,
            top + PAD + i as f32 * BODY_LINE,
            text_x,
            text_width,
            style,
        );
    }
    l.y = top + band.height;
}

fn checkbox(l: &mut Layouter, checked: bool, label: &str) -> Result<(), PdfError> {
    let width = TEXT_WIDTH - CHECKBOX_INDENT;
    let laid = lines(Face::Regular, BODY_SIZE, label, width)?;
    let style = Style::new(BODY_SIZE, Align::Left);
    l.ensure(BODY_LINE);
    // The square sits on the first line's baseline, about as tall as a capital letter.
    let baseline = l.y + l.baseline_in(BODY_SIZE, BODY_LINE);
    let square = Area {
        x: LEFT + 1.0,
        y: baseline - CHECKBOX_SIDE + 0.5,
        w: CHECKBOX_SIDE,
        h: CHECKBOX_SIDE,
    };
    l.push(Item::Frame {
        area: square,
        width: OUTLINE,
    });
    if checked {
        let (x0, y0) = (square.x + 1.5, square.y + 1.5);
        let (x1, y1) = (square.x + square.w - 1.5, square.y + square.h - 1.5);
        for (from, to) in [((x0, y0), (x1, y1)), ((x0, y1), (x1, y0))] {
            l.push(Item::Line {
                from,
                to,
                width: OUTLINE,
            });
        }
    }
    l.flow(&laid, LEFT + CHECKBOX_INDENT, width, style);
    l.gap(1.0);
    Ok(())
}

/// Reads an image block's picture (kept for [`picture`] when read ahead) and returns its
/// size on the page, in points.
fn image_size(l: &mut Layouter, index: usize, image: &Image) -> Result<(f32, f32), PdfError> {
    let (max_w, max_h) = (image.max_width_mm * MM, image.max_height_mm * MM);
    if !(max_w.is_finite() && max_h.is_finite() && max_w > 0.0 && max_h > 0.0) {
        return Err(invalid(
            index,
            "image box must have a finite, positive size",
        ));
    }
    let decoded = match l.image.take() {
        Some((i, decoded)) if i == index => decoded,
        _ => {
            let data = Data::from(image.data.clone());
            // No interpolation: PDF/A-2 (ISO 19005-2, 6.2.8) forbids `/Interpolate true`.
            match image.data.as_slice() {
                [0x89, b'P', b'N', b'G', ..] => krilla::image::Image::from_png(data, false),
                [0xFF, 0xD8, 0xFF, ..] => krilla::image::Image::from_jpeg(data, false),
                _ => Err("neither PNG nor JPEG".to_owned()),
            }
            .map_err(|reason| PdfError::Image { index, reason })?
        }
    };
    let (px_w, px_h) = decoded.size();
    if px_w == 0 || px_h == 0 {
        return Err(PdfError::Image {
            index,
            reason: "empty image".into(),
        });
    }
    let (max_w, max_h) = (max_w.min(TEXT_WIDTH), max_h.min(CONTENT_HEIGHT));
    let scale = (max_w / px_w as f32).min(max_h / px_h as f32);
    l.image = Some((index, decoded));
    Ok((px_w as f32 * scale, px_h as f32 * scale))
}

fn picture(l: &mut Layouter, index: usize, image: &Image) -> Result<(), PdfError> {
    let (w, h) = image_size(l, index, image)?;
    let Some((_, decoded)) = l.image.take() else {
        return Err(PdfError::Image {
            index,
            reason: "image not read".into(),
        });
    };
    l.gap(IMAGE_GAP);
    l.ensure(h);
    let area = Area {
        x: LEFT + (TEXT_WIDTH - w) / 2.0,
        y: l.y,
        w,
        h,
    };
    l.push(Item::Image {
        image: decoded,
        area,
    });
    l.y += h;
    l.gap(IMAGE_GAP);
    Ok(())
}

/// A signature block measured: the lines above the signing space and their styles, the
/// name's lines, and the whole height.
struct SignatureParts {
    before: Vec<(Vec<Line>, Style)>,
    name: Vec<Line>,
    height: f32,
}

fn signature_parts(s: &SignatureBlock) -> Result<SignatureParts, PdfError> {
    let body = Style::new(BODY_SIZE, Align::Center);
    let small = Style::new(SMALL_SIZE, Align::Center);
    let width = SIGNATURE_WIDTH;
    let mut before: Vec<(Vec<Line>, Style)> = vec![
        (
            lines(Face::Italic, BODY_SIZE, &s.place_and_date, width)?,
            body,
        ),
        (lines(Face::Bold, BODY_SIZE, &s.role_line, width)?, body),
    ];
    if let Some(note) = &s.note {
        before.push((lines(Face::Italic, SMALL_SIZE, note, width)?, small));
    }
    let name = lines(Face::Bold, BODY_SIZE, &s.name, width)?;
    let before_height: f32 = before
        .iter()
        .map(|(ls, st)| ls.len() as f32 * st.line_height())
        .sum();
    let height = before_height + SIGNING_SPACE + name.len() as f32 * BODY_LINE;
    Ok(SignatureParts {
        before,
        name,
        height,
    })
}

fn signature(l: &mut Layouter, index: usize, s: &SignatureBlock) -> Result<(), PdfError> {
    if l.signature.is_some() {
        return Err(invalid(index, "a document has at most one signature block"));
    }
    let x = LEFT + TEXT_WIDTH - SIGNATURE_WIDTH;
    let width = SIGNATURE_WIDTH;
    let parts = signature_parts(s)?;
    if parts.height > CONTENT_HEIGHT {
        return Err(invalid(index, "signature block is taller than a page"));
    }
    l.gap(SIGNATURE_GAP);
    l.ensure(parts.height);
    let (page, top) = (l.page_index(), l.y);
    for (laid, style) in &parts.before {
        l.flow(laid, x, width, *style);
    }
    let signing_top = l.y;
    l.y += SIGNING_SPACE;
    l.flow(&parts.name, x, width, Style::new(BODY_SIZE, Align::Center));
    l.signature = Some(SignatureArea {
        page,
        block: Area {
            x,
            y: top,
            w: width,
            h: parts.height,
        },
        signing_area: Area {
            x,
            y: signing_top,
            w: width,
            h: SIGNING_SPACE,
        },
    });
    l.gap(4.0);
    Ok(())
}
