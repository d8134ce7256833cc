//! The paint pass: laid-out pages become a PDF/A-2b file through krilla.

use jiff::tz::{self, TimeZone};
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::{Document as PdfDocument, SerializeSettings};

use super::layout::{HAIRLINE, Item, Laid, OUTLINE, PAGE_HEIGHT, PAGE_WIDTH};
use super::{DocMeta, Document, PdfError, fonts};

/// Vietnam has used UTC+07:00 all year since 1975; metadata dates are written in it.
const VIETNAM_OFFSET_HOURS: i8 = 7;

pub(crate) fn paint(doc: &Document, laid: &Laid) -> Result<Vec<u8>, PdfError> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        // PDF/A-2b needs no structure tree; an untagged file is smaller and faster to write.
        enable_tagging: false,
        ..SerializeSettings::default()
    };
    let mut pdf = PdfDocument::new_with(settings);
    pdf.set_metadata(metadata(&doc.meta)?);
    let page_settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| PdfError::Write("invalid page size".into()))?;
    for page in &laid.pages {
        let mut pdf_page = pdf.start_page_with(page_settings.clone());
        let mut surface = pdf_page.surface();
        // All rules of one width go into one path: one stroke operation per page and width.
        let mut hairlines = PathBuilder::new();
        let mut outlines = PathBuilder::new();
        for item in &page.items {
            match item {
                Item::Text {
                    x,
                    baseline,
                    face,
                    size,
                    text,
                } => {
                    let face = fonts::face(*face)?;
                    let glyphs = face.glyphs(text);
                    let at = Point::from_xy(*x, *baseline);
                    surface.draw_glyphs(at, &glyphs, face.pdf_font(), text, *size, false);
                }
                Item::Line { from, to, width } => {
                    let pb = if *width > HAIRLINE {
                        &mut outlines
                    } else {
                        &mut hairlines
                    };
                    pb.move_to(from.0, from.1);
                    pb.line_to(to.0, to.1);
                }
                Item::Frame { area, width } => {
                    let pb = if *width > HAIRLINE {
                        &mut outlines
                    } else {
                        &mut hairlines
                    };
                    if let Some(rect) =
                        krilla::geom::Rect::from_xywh(area.x, area.y, area.w, area.h)
                    {
                        pb.push_rect(rect);
                    }
                }
                Item::Image { image, area } => {
                    if let Some(size) = Size::from_wh(area.w, area.h) {
                        surface.push_transform(&Transform::from_translate(area.x, area.y));
                        surface.draw_image(image.clone(), size);
                        surface.pop();
                    }
                }
            }
        }
        for (pb, width) in [(hairlines, HAIRLINE), (outlines, OUTLINE)] {
            if let Some(path) = pb.finish() {
                surface.set_stroke(Some(Stroke {
                    width,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        surface.finish();
        pdf_page.finish();
    }
    pdf.finish().map_err(from_krilla)
}

fn metadata(meta: &DocMeta) -> Result<Metadata, PdfError> {
    let local = meta
        .created
        .to_zoned(TimeZone::fixed(tz::offset(VIETNAM_OFFSET_HOURS)));
    let year = u16::try_from(local.year())
        .map_err(|_| PdfError::Write(format!("creation year {} is before year 0", local.year())))?;
    // jiff's civil fields are in range (month 1–12, hour 0–23…), so the casts are lossless.
    let created = DateTime::new(year)
        .month(local.month().unsigned_abs())
        .day(local.day().unsigned_abs())
        .hour(local.hour().unsigned_abs())
        .minute(local.minute().unsigned_abs())
        .second(local.second().unsigned_abs())
        .utc_offset_hour(VIETNAM_OFFSET_HOURS)
        .utc_offset_minute(0);
    Ok(Metadata::new()
        .title(meta.title.clone())
        .description(meta.subject.clone())
        .authors(vec![meta.author.clone()])
        .language(meta.language.clone())
        .creator("Hồ sơ số".to_owned())
        .creation_date(created))
}

fn from_krilla(e: KrillaError) -> PdfError {
    match e {
        KrillaError::Validation(errors) => PdfError::Validation(
            errors
                .into_iter()
                .map(|(error, validator)| format!("{error:?} ({validator:?})"))
                .collect(),
        ),
        other => PdfError::Write(other.to_string()),
    }
}
