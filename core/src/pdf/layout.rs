//! Page geometry and the layout pass: blocks become positioned items on pages. Painting comes
//! after, once the page count is known, so every footer can say "Trang x/y".
//!
//! Coordinates here are krilla's: points, origin at the top left of the page, y downwards.

use super::fonts::{self, Face};
use super::text::{self, Line, Span};
use super::{Align, Document, PdfError, Rect, blocks};

pub(crate) const MM: f32 = 72.0 / 25.4;
pub(crate) const PAGE_WIDTH: f32 = 210.0 * MM;
pub(crate) const PAGE_HEIGHT: f32 = 297.0 * MM;

// Decree 30/2020/NĐ-CP, Appendix I, part II (A4 page, margins): top 20–25 mm, bottom 20–25 mm,
// left 30–35 mm, right 15–20 mm. Forms are dense, so we take the smallest of each range.
const MARGIN_TOP: f32 = 20.0 * MM;
const MARGIN_BOTTOM: f32 = 20.0 * MM;
pub(crate) const LEFT: f32 = 30.0 * MM;
const MARGIN_RIGHT: f32 = 15.0 * MM;
pub(crate) const TEXT_WIDTH: f32 = PAGE_WIDTH - LEFT - MARGIN_RIGHT;
const CONTENT_TOP: f32 = MARGIN_TOP;
const CONTENT_BOTTOM: f32 = PAGE_HEIGHT - MARGIN_BOTTOM;
pub(crate) const CONTENT_HEIGHT: f32 = CONTENT_BOTTOM - CONTENT_TOP;

// Decree 30 asks 13–14 pt for running text; a declaration form is a dense list of fields and
// tables, so we use 12 pt, the size the national header's first line also has.
pub(crate) const BODY_SIZE: f32 = 12.0;
/// Line pitch as a multiple of the font size (Decree 30 allows single to 1.5 spacing).
pub(crate) const LEADING: f32 = 1.25;
pub(crate) const BODY_LINE: f32 = BODY_SIZE * LEADING;

/// Page furniture, in the margins: the running header (pages 2…) and "Trang x/y" (all pages).
const FURNITURE_SIZE: f32 = 10.0;
const HEADER_BASELINE: f32 = 12.0 * MM;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 11.0 * MM;

/// Thin rules (table grid, boxes) and the heavier box outlines, in points.
pub(crate) const HAIRLINE: f32 = 0.5;
pub(crate) const OUTLINE: f32 = 0.75;

const EPSILON: f32 = 0.01;

/// An axis-aligned area in layout coordinates (top-left origin).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Area {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) w: f32,
    pub(crate) h: f32,
}

/// Converts a layout area to a PDF user-space rectangle (bottom-left origin).
pub(crate) fn to_pdf_rect(a: Area) -> Rect {
    Rect {
        x0: a.x,
        y0: PAGE_HEIGHT - (a.y + a.h),
        x1: a.x + a.w,
        y1: PAGE_HEIGHT - a.y,
    }
}

/// Something to paint at a fixed place.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    Text {
        x: f32,
        baseline: f32,
        face: Face,
        size: f32,
        text: String,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
    },
    /// A stroked rectangle.
    Frame { area: Area, width: f32 },
    Image {
        image: krilla::image::Image,
        area: Area,
    },
}

#[derive(Debug, Default)]
pub(crate) struct Page {
    pub(crate) items: Vec<Item>,
}

/// Where the signature block went (layout coordinates).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignatureArea {
    pub(crate) page: usize,
    pub(crate) block: Area,
    pub(crate) signing_area: Area,
}

/// The result of the layout pass.
#[derive(Debug)]
pub(crate) struct Laid {
    pub(crate) pages: Vec<Page>,
    pub(crate) signature: Option<SignatureArea>,
}

/// The layout cursor: the pages so far and the top of the free space on the last one.
pub(crate) struct Layouter {
    pages: Vec<Page>,
    pub(crate) y: f32,
    pub(crate) signature: Option<SignatureArea>,
    /// An image block already read to measure it for the heading before it, by block index.
    pub(crate) image: Option<(usize, krilla::image::Image)>,
    ascent: f32,
    descent: f32,
}

impl Layouter {
    fn new() -> Result<Self, PdfError> {
        let regular = fonts::face(Face::Regular)?;
        Ok(Layouter {
            pages: vec![Page::default()],
            y: CONTENT_TOP,
            signature: None,
            image: None,
            ascent: regular.ascent(),
            descent: regular.descent(),
        })
    }

    pub(crate) fn page_index(&self) -> usize {
        self.pages.len() - 1
    }

    pub(crate) fn push(&mut self, item: Item) {
        if let Some(page) = self.pages.last_mut() {
            page.items.push(item);
        }
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = CONTENT_TOP;
    }

    pub(crate) fn at_page_top(&self) -> bool {
        self.y <= CONTENT_TOP + EPSILON
    }

    /// Space left above the bottom margin.
    pub(crate) fn remaining(&self) -> f32 {
        CONTENT_BOTTOM - self.y
    }

    /// Starts a new page unless `height` still fits (or we are already at a page top).
    pub(crate) fn ensure(&mut self, height: f32) {
        if height > self.remaining() + EPSILON && !self.at_page_top() {
            self.new_page();
        }
    }

    /// Adds vertical space, dropped at the top of a page.
    pub(crate) fn gap(&mut self, height: f32) {
        if !self.at_page_top() {
            self.y = (self.y + height).min(CONTENT_BOTTOM);
        }
    }

    /// Baseline offset from the top of a line box of height `line_height`, text centred in it.
    pub(crate) fn baseline_in(&self, size: f32, line_height: f32) -> f32 {
        (line_height - (self.ascent + self.descent) * size) / 2.0 + self.ascent * size
    }

    /// Places one line with its top at `top`, aligned within `[x, x + width]`.
    pub(crate) fn put_line(&mut self, line: &Line, top: f32, x: f32, width: f32, style: Style) {
        let x = match style.align {
            Align::Left => x,
            Align::Center => x + (width - line.width) / 2.0,
            Align::Right => x + width - line.width,
        };
        let baseline = top + self.baseline_in(style.size, style.line_height());
        for fragment in &line.fragments {
            self.push(Item::Text {
                x: x + fragment.x,
                baseline,
                face: fragment.face,
                size: style.size,
                text: fragment.text.clone(),
            });
        }
    }

    /// Places lines one below the other from the cursor, breaking pages between lines.
    pub(crate) fn flow(&mut self, lines: &[Line], x: f32, width: f32, style: Style) {
        for line in lines {
            self.ensure(style.line_height());
            self.put_line(line, self.y, x, width, style);
            self.y += style.line_height();
        }
    }
}

/// Size and alignment of a run of lines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) size: f32,
    pub(crate) align: Align,
}

impl Style {
    pub(crate) const fn new(size: f32, align: Align) -> Self {
        Style { size, align }
    }

    pub(crate) fn line_height(self) -> f32 {
        self.size * LEADING
    }
}

/// Prepares and breaks a single-face text.
pub(crate) fn lines(face: Face, size: f32, text: &str, width: f32) -> Result<Vec<Line>, PdfError> {
    let prepared = text::prepare(text);
    text::break_lines(&[Span::new(face, &prepared)], size, width)
}

/// The layout pass over the whole document, page furniture included.
pub(crate) fn lay_out(doc: &Document) -> Result<Laid, PdfError> {
    let mut l = Layouter::new()?;
    for index in 0..doc.blocks.len() {
        blocks::lay_out(&mut l, &doc.blocks, index)?;
    }
    let header = match &doc.running_header {
        Some(h) if !h.trim().is_empty() => {
            Some(lines(Face::Italic, FURNITURE_SIZE, h, TEXT_WIDTH)?)
        }
        _ => None,
    };
    let total = l.pages.len();
    for (i, page) in l.pages.iter_mut().enumerate() {
        let footer = format!("Trang {}/{}", i + 1, total);
        let width = text::measure(Face::Regular, FURNITURE_SIZE, &footer)?;
        page.items.push(Item::Text {
            x: LEFT + (TEXT_WIDTH - width) / 2.0,
            baseline: FOOTER_BASELINE,
            face: Face::Regular,
            size: FURNITURE_SIZE,
            text: footer,
        });
        if let (Some(first), true) = (header.as_ref().and_then(|h| h.first()), i > 0) {
            // One line only: the header lives in the top margin, which has no room for more.
            for fragment in &first.fragments {
                page.items.push(Item::Text {
                    x: LEFT + fragment.x,
                    baseline: HEADER_BASELINE,
                    face: fragment.face,
                    size: FURNITURE_SIZE,
                    text: fragment.text.clone(),
                });
            }
            let rule_y = HEADER_BASELINE + 3.0;
            page.items.push(Item::Line {
                from: (LEFT, rule_y),
                to: (LEFT + TEXT_WIDTH, rule_y),
                width: HAIRLINE,
            });
        }
    }
    Ok(Laid {
        pages: l.pages,
        signature: l.signature,
    })
}
