//! Table layout: a bordered grid whose header row repeats at the top of every page the table
//! continues onto. A row moves whole to the next page when it fits there; a row taller than
//! a page (a long list of goods in one cell) is split between pages line by line.

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

pub(crate) fn lay_out(l: &mut Layouter, index: usize, t: &Table) -> Result<(), PdfError> {
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
    let mut grid = Grid {
        xs,
        widths,
        aligns: vec![Align::Center; t.columns.len()],
    };
    let headings: Vec<String> = t.columns.iter().map(|c| c.heading.clone()).collect();
    let header = grid.cells(Face::Bold, &headings)?;
    let (header_lines, header_height) = height_of(&header);
    if header_height > CONTENT_HEIGHT / 2.0 {
        return Err(invalid(
            "the table header is taller than half a page".into(),
        ));
    }
    let head = |l: &mut Layouter, grid: &mut Grid| {
        let aligns = std::mem::replace(&mut grid.aligns, vec![Align::Center; header.len()]);
        grid.band(l, &header, 0, header_lines);
        grid.aligns = aligns;
    };
    let body_aligns: Vec<Align> = t.columns.iter().map(|c| c.align).collect();

    l.gap(3.0);
    let first_row = match t.rows.first() {
        Some(row) => height_of(&grid.cells(Face::Regular, row)?)
            .1
            .min(LINE + 2.0 * PAD_Y),
        None => 0.0,
    };
    l.ensure(header_height + first_row);
    head(l, &mut grid);
    grid.aligns = body_aligns;
    for row in &t.rows {
        let cells = grid.cells(Face::Regular, row)?;
        let (n, height) = height_of(&cells);
        if height > l.remaining() && height <= CONTENT_HEIGHT - header_height {
            l.new_page();
            head(l, &mut grid);
        }
        let mut from = 0;
        while from < n {
            let fit = ((l.remaining() - 2.0 * PAD_Y + 0.01) / LINE)
                .floor()
                .max(0.0) as usize;
            if fit == 0 {
                l.new_page();
                head(l, &mut grid);
                continue;
            }
            let to = (from + fit).min(n);
            grid.band(l, &cells, from, to);
            from = to;
        }
    }
    l.gap(6.0);
    Ok(())
}
