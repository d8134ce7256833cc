//! Reading back the signatures of a PDF: every signature field of the AcroForm, its byte
//! ranges, and the CMS inside `/Contents`.

use std::collections::HashSet;

use jiff::Timestamp;
use sha2::Digest as _;

use super::parse::{Dict, Object, PdfFile};
use super::{PadesError, PdfSignatureReport};
use crate::cms::{DetachedContent, inspect_detached};

const MAX_FIELD_DEPTH: usize = 32;

/// The signatures of `pdf`, one report per signed signature field, in field order. A PDF
/// without signatures gives an empty list; a file we cannot parse at all is an error.
///
/// Reads PDFs with classic cross-reference tables (ours, and most signed PDFs' updates);
/// cross-reference streams are refused as [`PadesError::Unsupported`].
pub fn verify_pdf(pdf: &[u8]) -> Result<Vec<PdfSignatureReport>, PadesError> {
    let file = PdfFile::parse(pdf)?;
    let catalog = file.dict(file.root()?)?;
    let Some(form) = catalog.get("AcroForm") else {
        return Ok(Vec::new());
    };
    let Object::Dict(form) = file.resolve(form)? else {
        return Err(PadesError::Malformed(
            "/AcroForm is not a dictionary".into(),
        ));
    };
    let fields = match form.get("Fields").map(|f| file.resolve(f)).transpose()? {
        Some(Object::Array(fields)) => fields,
        _ => return Ok(Vec::new()),
    };
    let mut reports = Vec::new();
    let mut seen = HashSet::new();
    for field in &fields {
        walk(&file, field, None, "", 0, &mut seen, &mut reports)?;
    }
    Ok(reports)
}

/// Visits a field and its kids; `/FT` and the name are inherited (ISO 32000-1, 12.7.3.1).
fn walk(
    file: &PdfFile<'_>,
    field: &Object,
    inherited_type: Option<&[u8]>,
    parent_name: &str,
    depth: usize,
    seen: &mut HashSet<u32>,
    reports: &mut Vec<PdfSignatureReport>,
) -> Result<(), PadesError> {
    if depth > MAX_FIELD_DEPTH {
        return Err(PadesError::Malformed("field tree too deep".into()));
    }
    if let Object::Ref(r) = field
        && !seen.insert(r.num)
    {
        return Ok(());
    }
    let Object::Dict(dict) = file.resolve(field)? else {
        return Ok(());
    };
    let field_type = dict.name("FT").or(inherited_type);
    let own_name = match dict.get("T") {
        Some(Object::Str { value, .. }) => text_string(value),
        _ => String::new(),
    };
    let name = match (parent_name.is_empty(), own_name.is_empty()) {
        (true, _) => own_name,
        (false, true) => parent_name.to_owned(),
        (false, false) => format!("{parent_name}.{own_name}"),
    };
    if let Some(Object::Array(kids)) = dict.get("Kids").map(|k| file.resolve(k)).transpose()? {
        for kid in &kids {
            walk(file, kid, field_type, &name, depth + 1, seen, reports)?;
        }
    }
    if field_type == Some(b"Sig".as_slice())
        && let Some(value) = dict.get("V")
        && let Object::Dict(sig) = file.resolve(value)?
    {
        reports.push(check(file, name, &sig));
    }
    Ok(())
}

fn check(file: &PdfFile<'_>, field_name: String, sig: &Dict) -> PdfSignatureReport {
    let mut report = PdfSignatureReport {
        field_name,
        sub_filter: sig
            .name("SubFilter")
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default(),
        signing_time: match sig.get("M") {
            Some(Object::Str { value, .. }) => parse_pdf_date(value),
            _ => None,
        },
        byte_range: Vec::new(),
        covers_whole_document: false,
        signer: None,
        certificates: Vec::new(),
        algorithm: None,
        digest_ok: false,
        signature_ok: false,
        signing_certificate_ok: false,
        problem: None,
    };
    let data = file.data;
    let byte_range: Option<Vec<u64>> = match sig.get("ByteRange") {
        Some(Object::Array(items)) => items
            .iter()
            .map(|i| i.as_int().and_then(|v| u64::try_from(v).ok()))
            .collect(),
        _ => None,
    };
    let (Some(byte_range), Some(Object::Str { value, token })) = (byte_range, sig.get("Contents"))
    else {
        report.problem = Some("pades.malformed: no /ByteRange or /Contents".into());
        return report;
    };
    report.byte_range = byte_range.clone();
    let len = data.len() as u64;
    let [a, a_len, b, b_len] = byte_range[..] else {
        report.problem = Some("pades.byte_range: /ByteRange is not four numbers".into());
        return report;
    };
    // The two ranges must be [start of file, '<' of /Contents) and ('>' of /Contents, …):
    // anything else leaves bytes unsigned that a viewer would show.
    let gap_is_contents = a == 0 && a_len == token.start as u64 && b == token.end as u64;
    if !gap_is_contents || b.checked_add(b_len).is_none_or(|end| end > len) {
        report.problem =
            Some("pades.byte_range: the signed ranges do not surround /Contents".into());
        return report;
    }
    report.covers_whole_document = b + b_len == len;
    let mut hasher = sha2::Sha256::new();
    hasher.update(&data[..a_len as usize]);
    hasher.update(&data[b as usize..(b + b_len) as usize]);
    let digest: [u8; 32] = hasher.finalize().into();

    let cms = der_prefix(value);
    match inspect_detached(cms, DetachedContent::Sha256(digest)) {
        Ok(i) => {
            report.signer = Some(i.signer);
            report.certificates = i.certificates;
            report.algorithm = Some(i.algorithm);
            report.digest_ok = i.digest_ok;
            report.signature_ok = i.signature_ok;
            report.signing_certificate_ok = i.signing_certificate_ok;
        }
        Err(e) => report.problem = Some(format!("{}: {e}", e.code())),
    }
    report
}

/// The DER value at the start of `bytes`, without the zero padding that fills the rest of
/// `/Contents`.
fn der_prefix(bytes: &[u8]) -> &[u8] {
    use der::{Decode, Encode, Header, SliceReader};
    let Ok(mut reader) = SliceReader::new(bytes) else {
        return bytes;
    };
    let Ok(header) = Header::decode(&mut reader) else {
        return bytes;
    };
    let total = header
        .encoded_len()
        .and_then(|h| h + header.length)
        .ok()
        .and_then(|l| usize::try_from(l).ok());
    match total {
        Some(t) if t <= bytes.len() => &bytes[..t],
        _ => bytes,
    }
}

/// A PDF text string: UTF-16BE with a BOM, else PDFDocEncoding (read as Latin-1, which
/// agrees on everything a field name holds).
fn text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        bytes.iter().map(|&b| char::from(b)).collect()
    }
}

/// `D:YYYYMMDDHHmmSS+HH'mm'` (ISO 32000-1, 7.9.4); missing trailing parts take their defaults.
fn parse_pdf_date(bytes: &[u8]) -> Option<Timestamp> {
    let s = std::str::from_utf8(bytes).ok()?;
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return None;
    }
    let field = |from: usize, to: usize, default: i16| -> Option<i16> {
        digits
            .get(from..to)
            .map_or(Some(default), |v| v.parse().ok())
    };
    let year = field(0, 4, 0)?;
    let month = field(4, 6, 1)? as i8;
    let day = field(6, 8, 1)? as i8;
    let hour = field(8, 10, 0)? as i8;
    let minute = field(10, 12, 0)? as i8;
    let second = field(12, 14, 0)? as i8;
    let rest = &s[digits.len()..];
    let offset_seconds = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let tz: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            let h: i32 = tz.get(0..2)?.parse().ok()?;
            let m: i32 = tz.get(2..4).map_or(Some(0), |v| v.parse().ok())?;
            let secs = h * 3600 + m * 60;
            if sign == '-' { -secs } else { secs }
        }
        _ => 0,
    };
    let civil = jiff::civil::DateTime::new(year, month, day, hour, minute, second, 0).ok()?;
    let offset = jiff::tz::Offset::from_seconds(offset_seconds).ok()?;
    offset.to_timestamp(civil).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_parse_with_their_offset() {
        let t = parse_pdf_date(b"D:20260315102000+07'00'").unwrap();
        assert_eq!(t, "2026-03-15T03:20:00Z".parse::<Timestamp>().unwrap());
        let t = parse_pdf_date(b"D:20260315102000Z").unwrap();
        assert_eq!(t, "2026-03-15T10:20:00Z".parse::<Timestamp>().unwrap());
    }

    #[test]
    fn zero_padding_after_the_der_is_dropped() {
        assert_eq!(
            der_prefix(&[0x30, 0x02, 0x05, 0x00, 0, 0, 0]),
            &[0x30, 0x02, 0x05, 0x00]
        );
    }
}
