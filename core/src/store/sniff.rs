//! Media type of an attachment, from its content only.
//!
//! The extension is whatever the user's file happened to be called; the
//! manifest of a sealed container must say what the bytes are.

/// How many leading bytes [`sniff_media_type`] needs (what `infer` reads from a path).
pub const SNIFF_LEN: usize = 8192;

/// How far into a file a PDF header may start (readers accept leading junk).
const PDF_HEADER_WINDOW: usize = 1024;

/// The media type of content starting with `first_bytes` (give at least the
/// first [`SNIFF_LEN`] bytes when the content is that long).
///
/// Magic numbers via `infer` first; then our fallbacks: a `%PDF-` header
/// within the first 1024 bytes, an XML prolog, and UTF-8 text without NULs or
/// other control characters. Anything else is `application/octet-stream`.
pub fn sniff_media_type(first_bytes: &[u8]) -> &'static str {
    if let Some(kind) = infer::get(first_bytes) {
        return match kind.mime_type() {
            // RFC 7303: application/xml is the preferred name.
            "text/xml" => "application/xml",
            other => other,
        };
    }
    let window = &first_bytes[..first_bytes.len().min(PDF_HEADER_WINDOW)];
    if window.windows(5).any(|w| w == b"%PDF-") {
        return "application/pdf";
    }
    let text = first_bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(first_bytes);
    if text.trim_ascii_start().starts_with(b"<?xml") {
        return "application/xml";
    }
    if is_text(text, first_bytes.len() >= SNIFF_LEN) {
        return "text/plain";
    }
    "application/octet-stream"
}

/// UTF-8 without control characters other than whitespace. When `truncated`,
/// a multi-byte character cut at the end of the sample does not count against it.
fn is_text(bytes: &[u8], truncated: bool) -> bool {
    if bytes.is_empty() {
        return false;
    }
    let valid = match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => truncated && e.error_len().is_none(),
    };
    valid
        && !bytes
            .iter()
            .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || b == 0x7f)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0";

    #[test]
    fn sniffs_common_attachment_types() {
        assert_eq!(
            sniff_media_type(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"),
            "application/pdf"
        );
        assert_eq!(sniff_media_type(PNG), "image/png");
        assert_eq!(sniff_media_type(JPEG), "image/jpeg");
        assert_eq!(
            sniff_media_type("Bản mô tả sáng chế\nYêu cầu bảo hộ 1.\n".as_bytes()),
            "text/plain"
        );
        assert_eq!(
            sniff_media_type(b"\x00\x01\x02\x03\xFE\xFD"),
            "application/octet-stream"
        );
    }

    #[test]
    fn pdf_header_after_leading_junk_is_still_pdf() {
        let mut bytes = vec![b' '; 300];
        bytes.extend_from_slice(b"%PDF-1.4\n");
        assert_eq!(sniff_media_type(&bytes), "application/pdf");
    }

    #[test]
    fn xml_prolog_is_application_xml_with_or_without_bom() {
        assert_eq!(
            sniff_media_type(b"<?xml version=\"1.0\"?><a/>"),
            "application/xml"
        );
        assert_eq!(
            sniff_media_type(b"\xEF\xBB\xBF  <?xml version=\"1.0\"?><a/>"),
            "application/xml"
        );
    }

    #[test]
    fn text_with_control_characters_or_invalid_utf8_is_binary() {
        assert_eq!(sniff_media_type(b"abc\0def"), "application/octet-stream");
        assert_eq!(sniff_media_type(b"abc\x01def"), "application/octet-stream");
        // Windows-1258 "Việt": not UTF-8.
        assert_eq!(sniff_media_type(b"Vi\xEA\xF2t"), "application/octet-stream");
        assert_eq!(sniff_media_type(b""), "application/octet-stream");
    }

    #[test]
    fn utf8_character_cut_at_the_end_of_a_full_sample_is_still_text() {
        let mut bytes = "ệ".repeat(SNIFF_LEN).into_bytes();
        bytes.truncate(SNIFF_LEN); // 3-byte characters: 8192 cuts one in half
        assert!(std::str::from_utf8(&bytes).is_err());
        assert_eq!(sniff_media_type(&bytes), "text/plain");
        // A short sample is the whole file: a cut character means it is not text.
        assert_eq!(
            sniff_media_type(&"ệ".as_bytes()[..2]),
            "application/octet-stream"
        );
    }
}
