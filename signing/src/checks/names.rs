//! Distinguished names: comparison for path building (RFC 5280, 7.1, simplified) and a short
//! form for messages. Attribute values are read from the DER, never from a printed string.

use der::asn1::{Any, ObjectIdentifier};
use der::{Encode, Tag, Tagged};
use x509_cert::name::Name;

const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// The text of a directory string value (UTF8String, PrintableString, IA5String,
/// TeletexString read as Latin-1, BMPString), or `None` for other types.
pub(crate) fn value_text(value: &Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            std::str::from_utf8(bytes).ok().map(str::to_owned)
        }
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// RFC 4518-like preparation, simplified: trimmed, inner whitespace collapsed, case folded.
fn prepared(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn value_key(value: &Any) -> Result<String, Vec<u8>> {
    match value_text(value) {
        Some(text) => Ok(prepared(&text)),
        None => Err(value.to_der().unwrap_or_default()),
    }
}

/// Whether two names are the same: equal DER, or the same attributes RDN by RDN with string
/// values compared after preparation (a CA may encode its name as PrintableString in one
/// certificate and UTF8String in another).
pub(crate) fn same(a: &Name, b: &Name) -> bool {
    if a == b {
        return true;
    }
    if a.0.len() != b.0.len() {
        return false;
    }
    a.0.iter().zip(b.0.iter()).all(|(ra, rb)| {
        let (va, vb) = (ra.0.as_slice(), rb.0.as_slice());
        va.len() == vb.len()
            && va.iter().all(|x| {
                vb.iter()
                    .any(|y| x.oid == y.oid && value_key(&x.value) == value_key(&y.value))
            })
    })
}

/// The common name, for messages; else the whole name as RFC 4514 prints it.
pub(crate) fn short(name: &Name) -> String {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == OID_CN)
        .find_map(|atv| value_text(&atv.value))
        .unwrap_or_else(|| name.to_string())
}
