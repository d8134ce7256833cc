//! Table layout: a bordered grid whose header row repeats at the top of every page the table
//! continues onto. A row moves whole to the next page when it fits there; a row taller than
//! a page (a long list of goods in one cell) is split between pages line by line. The header
//! never ends a page: it goes with the first row. An optional total row closes the table in
//! bold, an empty cell of it merged into the cell on its left.

use super::fonts::Face;
use super::layout::{
    Area, CONTENT_HEIGHT, HAIRLINE, Item, LEADING, LEFT, Layouter, Style, TEXT_WIDTH,
};
use super::text::Line;
use super::{Align, PdfError, Table, layout};

/// Tables are the densest part of a form: one point below the body size.
const TABLE_SIZE: f32 = 11.0;
const LINE: f32 = TABLE_SIZE * LEADING;
const PAD_X: f32 = 3.0;
const PAD_Y: f32 = 2.0;

struct Grid {
    xs: Vec<f32>,
    widths: Vec<f32>,
    aligns: Vec<Align>,
}

impl Grid {
    /// The grid of `t` across the text width, every column centred (as the header is).
    fn new(t: &Table) -> Self {
        let total: f32 = t.columns.iter().map(|c| c.width_ratio).sum();
        let widths: Vec<f32> = t
            .columns
            .iter()
            .map(|c| c.width_ratio / total * TEXT_WIDTH)
            .collect();
        let xs = widths
            .iter()
            .scan(LEFT, |x, w| {
                let this = *x;
                *x += w;
                Some(this)
            })
            .collect();
        Grid {
            xs,
            widths,
            aligns: vec![Align::Center; t.columns.len()],
        }
    }

    /// The same grid with the columns of the total row: each empty cell joins the cell on its
    /// left (the first cell always stands). Returns the merged grid and the texts of its cells.
    fn merged(&self, row: &[String], aligns: &[Align]) -> (Grid, Vec<String>) {
        let mut grid = Grid {
            xs: Vec::new(),
            widths: Vec::new(),
            aligns: Vec::new(),
        };
        let mut texts: Vec<String> = Vec::new();
        for (col, text) in row.iter().enumerate() {
            if col > 0 && text.trim().is_empty() {
                if let Some(w) = grid.widths.last_mut() {
                    *w += self.widths[col];
                }
                continue;
            }
            grid.xs.push(self.xs[col]);
            grid.widths.push(self.widths[col]);
            grid.aligns.push(aligns[col]);
            texts.push(text.clone());
        }
        (grid, texts)
    }

    /// Draws lines `from..to` of each cell as one band of the row, and moves the cursor below it.
    fn band(&self, l: &mut Layouter, cells: &[Vec<Line>], from: usize, to: usize) {
        let height = (to - from) as f32 * LINE + 2.0 * PAD_Y;
        let top = l.y;
        for (col, cell) in cells.iter().enumerate() {
            let (x, w) = (self.xs[col], self.widths[col]);
            l.push(Item::Frame {
                area: Area {
                    x,
                    y: top,
                    w,
                    h: height,
                },
                width: HAIRLINE,
            });
            let style = Style::new(TABLE_SIZE, self.aligns[col]);
            let shown = cell.get(from..to.min(cell.len())).unwrap_or_default();
            for (k, line) in shown.iter().enumerate() {
                let line_top = top + PAD_Y + k as f32 * LINE;
                l.put_line(line, line_top, x + PAD_X, w - 2.0 * PAD_X, style);
            }
        }
        l.y = top + height;
    }

    fn cells(&self, face: Face, texts: &[String]) -> Result<Vec<Vec<Line>>, PdfError> {
        texts
            .iter()
            .zip(&self.widths)
            .map(|(t, w)| layout::lines(face, TABLE_SIZE, t, w - 2.0 * PAD_X))
            .collect()
    }
}

fn height_of(cells: &[Vec<Line>]) -> (usize, f32) {
    let n = cells.iter().map(Vec::len).max().unwrap_or(1);
    (n, n as f32 * LINE + 2.0 * PAD_Y)
}

fn check(index: usize, t: &Table) -> Result<(), PdfError> {
    let invalid = |reason: String| PdfError::InvalidBlock { index, reason };
    if t.columns.is_empty() {
        return Err(invalid("a table needs at least one column".into()));
    }
    if t.columns
        .iter()
        .any(|c| !(c.width_ratio.is_finite() && c.width_ratio > 0.0))
    {
        return Err(invalid(
            "column width ratios must be finite and positive".into(),
        ));
    }
    if let Some((r, row)) = t
        .rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != t.columns.len())
    {
        return Err(invalid(format!(
            "row {r} has {} cells for {} columns",
            row.len(),
            t.columns.len()
        )));
    }
    if let Some(total) = t.total_row.as_ref().filter(|r| r.len() != t.columns.len()) {
        return Err(invalid(format!(
            "the total row has {} cells for {} columns",
            total.len(),
            t.columns.len()
        )));
    }
    Ok(())
}

/// The header's lines and height.
fn header(index: usize, t: &Table, grid: &Grid) -> Result<(Vec<Vec<Line>>, usize, f32), PdfError> {
    let headings: Vec<String> = t.columns.iter().map(|c| c.heading.clone()).collect();
    let header = grid.cells(Face::Bold, &headings)?;
    let (lines, height) = height_of(&header);
    if height > CONTENT_HEIGHT / 2.0 {
        return Err(PdfError::InvalidBlock {
            index,
            reason: "the table header is taller than half a page".into(),
        });
    }
    Ok((header, lines, height))
}

/// The height of the first row below the header: the whole row when a page holds it with the
/// header, else its first line (the rest splits onto the next pages).
fn first_row_height(t: &Table, grid: &Grid, header_height: f32) -> Result<f32, PdfError> {
    let cells = match (t.rows.first(), &t.total_row) {
        (Some(row), _) => grid.cells(Face::Regular, row)?,
        (None, Some(total)) => {
            let (merged, texts) = grid.merged(total, &grid.aligns);
            merged.cells(Face::Bold, &texts)?
        }
        (None, None) => return Ok(0.0),
    };
    let height = height_of(&cells).1;
    Ok(if height <= CONTENT_HEIGHT - header_height {
        height
    } else {
        LINE + 2.0 * PAD_Y
    })
}

/// What of the table must share a page with a heading above it: the space above, the header
/// and the first row.
pub(crate) fn lead(index: usize, t: &Table) -> Result<f32, PdfError> {
    check(index, t)?;
    let grid = Grid::new(t);
    let (_, _, header_height) = header(index, t, &grid)?;
    Ok(GAP_BEFORE + header_height + first_row_height(t, &grid, header_height)?)
}

/// Space above and below a table.
const GAP_BEFORE: f32 = 3.0;
const GAP_AFTER: f32 = 6.0;

pub(crate) fn lay_out(l: &mut Layouter, index: usize, t: &Table) -> Result<(), PdfError> {
    check(index, t)?;
    let mut grid = Grid::new(t);
    let (header, header_lines, header_height) = header(index, t, &grid)?;
    // Header cells are centred, as a new grid's are.
    let centred = Grid::new(t);
    let head = |l: &mut Layouter| centred.band(l, &header, 0, header_lines);
    let body_aligns: Vec<Align> = t.columns.iter().map(|c| c.align).collect();

    l.gap(GAP_BEFORE);
    l.ensure(header_height + first_row_height(t, &grid, header_height)?);
    head(l);
    grid.aligns = body_aligns;
    for row in &t.rows {
        let cells = grid.cells(Face::Regular, row)?;
        place_row(l, &grid, &cells, header_height, &head);
    }
    if let Some(total) = &t.total_row {
        let (merged, texts) = grid.merged(total, &grid.aligns);
        let cells = merged.cells(Face::Bold, &texts)?;
        place_row(l, &merged, &cells, header_height, &head);
    }
    l.gap(GAP_AFTER);
    Ok(())
}

/// Places one row at the cursor: on the next page (below a repeated header) if it does not
/// fit here but fits there, else split line by line across pages.
fn place_row(
    l: &mut Layouter,
    grid: &Grid,
    cells: &[Vec<Line>],
    header_height: f32,
    head: &dyn Fn(&mut Layouter),
) {
    let (n, height) = height_of(cells);
    if height > l.remaining() && height <= CONTENT_HEIGHT - header_height {
        l.new_page();
        head(l);
    }
    let mut from = 0;
    while from < n {
        let fit = ((l.remaining() - 2.0 * PAD_Y + 0.01) / LINE)
            .floor()
            .max(0.0) as usize;
        if fit == 0 {
            l.new_page();
            head(l);
            continue;
        }
        let to = (from + fit).min(n);
        grid.band(l, cells, from, to);
        from = to;
    }
}
