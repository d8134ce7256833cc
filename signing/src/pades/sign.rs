//! Writing the incremental update and patching the signature into it
//! (shared/DEPENDENCIES.md, "PAdES recipe").

use der::Tagged;
use jiff::Timestamp;
use x509_cert::Certificate;

use super::parse::{Dict, ObjRef, Object, PdfFile};
use super::{AppearanceFonts, CONTENTS_CAPACITY, PadesError, SignatureFieldSpec, appearance};
use crate::cms::{CmsOptions, sign_detached};
use crate::signer::Signer;

/// Ten digits per number: room for any offset below 10 GB; the real values are written
/// space-padded to the same width.
const BYTE_RANGE_PLACEHOLDER: &[u8] = b"[0 1111111111 1111111111 1111111111]";

fn malformed(what: impl Into<String>) -> PadesError {
    PadesError::Malformed(what.into())
}

pub(super) fn sign(
    pdf: &[u8],
    spec: &SignatureFieldSpec,
    fonts: &AppearanceFonts<'_>,
    signer: &dyn Signer,
    signing_time: Timestamp,
) -> Result<Vec<u8>, PadesError> {
    let r = spec.rect;
    let (width, height) = (r.x1 - r.x0, r.y1 - r.y0);
    if ![r.x0, r.y0, r.x1, r.y1].iter().all(|v| v.is_finite()) || width <= 0.0 || height <= 0.0 {
        return Err(PadesError::BadRect);
    }
    let file = PdfFile::parse(pdf)?;
    let pages = file.pages()?;
    let (page_ref, mut page) = pages
        .get(spec.page)
        .cloned()
        .ok_or(PadesError::PageOutOfRange {
            page: spec.page,
            pages: pages.len(),
        })?;
    let root_ref = file.root()?;
    let mut catalog = file.dict(root_ref)?;

    let mut next = file.size();
    let sig_id = next;
    let widget_id = next + 1;
    next += 2;
    let lines = if spec.lines.is_empty() {
        super::appearance_lines(signer.certificate(), signing_time)
    } else {
        spec.lines.clone()
    };
    let ap = appearance::build(&lines, width, height, fonts, next)?;
    next = ap.next;
    let widget_ref = Object::Ref(ObjRef {
        num: widget_id,
        gen_: 0,
    });

    // Objects of the original file rewritten by this update, with their generation.
    let mut rewritten: Vec<(ObjRef, Object)> = Vec::new();

    match page.get("Annots").cloned() {
        None => page.set("Annots", Object::Array(vec![widget_ref.clone()])),
        Some(Object::Array(mut annots)) => {
            annots.push(widget_ref.clone());
            page.set("Annots", Object::Array(annots));
        }
        Some(Object::Ref(r)) => match file.get(r)? {
            Object::Array(mut annots) => {
                annots.push(widget_ref.clone());
                rewritten.push((r, Object::Array(annots)));
            }
            _ => return Err(malformed("/Annots is not an array")),
        },
        Some(_) => return Err(malformed("/Annots is not an array")),
    }
    rewritten.push((page_ref, Object::Dict(page)));

    let field_name;
    match catalog.get("AcroForm").cloned() {
        None => {
            field_name = "Signature1".to_owned();
            catalog.set(
                "AcroForm",
                Object::Dict(Dict(vec![
                    (b"Fields".to_vec(), Object::Array(vec![widget_ref.clone()])),
                    (b"SigFlags".to_vec(), Object::Number("3".into())),
                ])),
            );
        }
        Some(Object::Dict(mut form)) => {
            field_name = add_field(&file, &mut form, widget_ref.clone())?;
            catalog.set("AcroForm", Object::Dict(form));
        }
        Some(Object::Ref(r)) => {
            let mut form = file.dict(r)?;
            field_name = add_field(&file, &mut form, widget_ref.clone())?;
            rewritten.push((r, Object::Dict(form)));
        }
        Some(_) => return Err(malformed("/AcroForm is not a dictionary")),
    }
    rewritten.push((root_ref, Object::Dict(catalog)));

    // Assemble the update.
    let mut out = Vec::with_capacity(pdf.len() + 2 * CONTENTS_CAPACITY + 64 * 1024);
    out.extend_from_slice(pdf);
    if !matches!(out.last(), Some(b'\n' | b'\r')) {
        out.push(b'\n');
    }
    let mut xref: Vec<(u32, u16, usize)> = Vec::new();

    for (r, object) in &rewritten {
        xref.push((r.num, r.gen_, out.len()));
        out.extend_from_slice(format!("{} {} obj\n", r.num, r.gen_).as_bytes());
        object.write(pdf, &mut out);
        out.extend_from_slice(b"\nendobj\n");
    }

    // The signature dictionary, /Contents last.
    xref.push((sig_id, 0, out.len()));
    out.extend_from_slice(
        format!(
            "{sig_id} 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/M({})/ByteRange",
            pdf_date(signing_time)
        )
        .as_bytes(),
    );
    let byte_range_at = out.len();
    out.extend_from_slice(BYTE_RANGE_PLACEHOLDER);
    out.extend_from_slice(b"/Contents");
    let contents_at = out.len();
    out.push(b'<');
    out.resize(out.len() + 2 * CONTENTS_CAPACITY, b'0');
    out.push(b'>');
    let contents_end = out.len();
    out.extend_from_slice(b">>\nendobj\n");

    let r = spec.rect;
    xref.push((widget_id, 0, out.len()));
    out.extend_from_slice(
        format!(
            "{widget_id} 0 obj\n<</Type/Annot/Subtype/Widget/FT/Sig/T({field_name})/V {sig_id} 0 R/F 4/P {} {} R/Rect[{} {} {} {}]/AP<</N {} 0 R>>>>\nendobj\n",
            page_ref.num,
            page_ref.gen_,
            num(r.x0),
            num(r.y0),
            num(r.x1),
            num(r.y1),
            ap.stream
        )
        .as_bytes(),
    );
    for (id, bytes) in &ap.objects {
        xref.push((*id, 0, out.len()));
        out.extend_from_slice(bytes);
    }

    let xref_at = out.len();
    write_xref(&mut out, &mut xref);
    let mut trailer = Dict::default();
    trailer.set("Size", Object::Number(next.to_string()));
    trailer.set("Root", Object::Ref(root_ref));
    if let Some(info) = file.trailer.get("Info") {
        trailer.set("Info", info.clone());
    }
    if let Some(id) = file.trailer.get("ID") {
        trailer.set("ID", id.clone());
    }
    trailer.set("Prev", Object::Number(file.startxref.to_string()));
    out.extend_from_slice(b"trailer\n");
    trailer.write(pdf, &mut out);
    out.extend_from_slice(format!("\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());

    // Patch /ByteRange, hash around /Contents, sign, patch /Contents.
    let total = out.len();
    let byte_range = format!("[0 {contents_at} {contents_end} {}", total - contents_end);
    if byte_range.len() + 1 > BYTE_RANGE_PLACEHOLDER.len() {
        return Err(PadesError::Unsupported("file larger than 10 GB".into()));
    }
    let slot = &mut out[byte_range_at..byte_range_at + BYTE_RANGE_PLACEHOLDER.len()];
    slot.fill(b' ');
    slot[..byte_range.len()].copy_from_slice(byte_range.as_bytes());
    slot[BYTE_RANGE_PLACEHOLDER.len() - 1] = b']';

    let digest = {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update(&out[..contents_at]);
        h.update(&out[contents_end..]);
        <[u8; 32]>::from(h.finalize())
    };
    let cms = sign_detached(signer, &digest, &CmsOptions { signing_time: None })?;
    if cms.len() > CONTENTS_CAPACITY {
        return Err(PadesError::ContentsTooSmall {
            needed: cms.len(),
            available: CONTENTS_CAPACITY,
        });
    }
    let hex = hex::encode_upper(&cms);
    out[contents_at + 1..contents_at + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// Adds the widget to an existing `/AcroForm`'s `/Fields`, sets `/SigFlags 3`, and returns a
/// field name not used yet ("Signature2", …).
fn add_field(file: &PdfFile<'_>, form: &mut Dict, widget: Object) -> Result<String, PadesError> {
    let mut fields = match form.get("Fields") {
        None => Vec::new(),
        Some(Object::Array(a)) => a.clone(),
        Some(Object::Ref(_)) => {
            return Err(PadesError::Unsupported("indirect /Fields array".into()));
        }
        Some(_) => return Err(malformed("/Fields is not an array")),
    };
    let mut names = Vec::new();
    for field in &fields {
        if let Object::Dict(d) = file.resolve(field)?
            && let Some(Object::Str { value, .. }) = d.get("T")
        {
            names.push(value.clone());
        }
    }
    let name = (1..)
        .map(|n| format!("Signature{n}"))
        .find(|n| !names.iter().any(|existing| existing == n.as_bytes()))
        .unwrap_or_else(|| "Signature".to_owned());
    fields.push(widget);
    form.set("Fields", Object::Array(fields));
    form.set("SigFlags", Object::Number("3".into()));
    Ok(name)
}

/// Classic cross-reference section: one subsection per run of consecutive numbers, 20-byte
/// entries (ISO 32000-1, 7.5.4).
fn write_xref(out: &mut Vec<u8>, entries: &mut [(u32, u16, usize)]) {
    entries.sort_by_key(|e| e.0);
    out.extend_from_slice(b"xref\n");
    let mut i = 0;
    while i < entries.len() {
        let mut j = i + 1;
        while j < entries.len() && entries[j].0 == entries[j - 1].0 + 1 {
            j += 1;
        }
        out.extend_from_slice(format!("{} {}\n", entries[i].0, j - i).as_bytes());
        for (_, gen_, offset) in &entries[i..j] {
            out.extend_from_slice(format!("{offset:010} {gen_:05} n\r\n").as_bytes());
        }
        i = j;
    }
}

/// A PDF date in Vietnam's time (ISO 32000-1, 7.9.4): `D:20260315102000+07'00'`.
fn pdf_date(time: Timestamp) -> String {
    let local = time.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)));
    format!("D:{}+07'00'", local.strftime("%Y%m%d%H%M%S"))
}

/// A real number as PDF writes it: at most three decimals, no trailing zeros.
fn num(v: f32) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// The subject fields the appearance shows.
#[derive(Debug, Default)]
pub(super) struct SubjectFields {
    pub(super) common_name: Option<String>,
    pub(super) organisation: Option<String>,
    pub(super) tax_code: Option<String>,
    pub(super) citizen_id: Option<String>,
}

/// CN, O and the `UID=MST:…` / `UID=CCCD:…` of Vietnamese CAs' subjects.
pub(super) fn subject_fields(cert: &Certificate) -> SubjectFields {
    const CN: &str = "2.5.4.3";
    const O: &str = "2.5.4.10";
    const UID: &str = "0.9.2342.19200300.100.1.1";
    let mut fields = SubjectFields::default();
    for rdn in cert.tbs_certificate.subject.0.iter() {
        for atv in rdn.0.iter() {
            let Some(text) = directory_string(&atv.value) else {
                continue;
            };
            match atv.oid.to_string().as_str() {
                CN => fields.common_name = Some(text),
                O => fields.organisation = Some(text),
                UID => {
                    if let Some(mst) = text.strip_prefix("MST:") {
                        fields.tax_code = Some(mst.trim().to_owned());
                    } else if let Some(id) = text.strip_prefix("CCCD:") {
                        fields.citizen_id = Some(id.trim().to_owned());
                    }
                }
                _ => {}
            }
        }
    }
    fields
}

fn directory_string(value: &der::Any) -> Option<String> {
    use der::Tag;
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            String::from_utf8(value.value().to_vec()).ok()
        }
        Tag::BmpString => {
            let units: Vec<u16> = value
                .value()
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_are_written_as_pdf_expects() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(-0.0001), "0");
        let t: Timestamp = "2026-03-15T03:20:00Z".parse().unwrap();
        assert_eq!(pdf_date(t), "D:20260315102000+07'00'");
    }
}
