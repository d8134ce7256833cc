//! tus 1.0 (<https://tus.io/protocols/resumable-upload>) as the portal speaks it: core,
//! creation, checksum (sha256 only) and termination, under `/v1/uploads`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The only protocol version: sent in `Tus-Resumable` on every request but `OPTIONS`, and
/// on every response.
pub const VERSION: &str = "1.0.0";
/// `Tus-Extension` of the portal.
pub const EXTENSIONS: &str = "creation,checksum,termination";
/// `Tus-Checksum-Algorithm` of the portal.
pub const CHECKSUM_ALGORITHMS: &str = "sha256";
/// The content type of a PATCH body.
pub const PATCH_CONTENT_TYPE: &str = "application/offset+octet-stream";
/// The collection: `POST` creates an upload, whose URL is `{UPLOADS_PATH}/{id}`.
pub const UPLOADS_PATH: &str = "/v1/uploads";
/// The non-standard status of a checksum mismatch (tus checksum extension).
pub const STATUS_CHECKSUM_MISMATCH: u16 = 460;

pub const H_TUS_RESUMABLE: &str = "tus-resumable";
pub const H_TUS_VERSION: &str = "tus-version";
pub const H_TUS_EXTENSION: &str = "tus-extension";
pub const H_TUS_MAX_SIZE: &str = "tus-max-size";
pub const H_TUS_CHECKSUM_ALGORITHM: &str = "tus-checksum-algorithm";
pub const H_UPLOAD_OFFSET: &str = "upload-offset";
pub const H_UPLOAD_LENGTH: &str = "upload-length";
pub const H_UPLOAD_METADATA: &str = "upload-metadata";
pub const H_UPLOAD_CHECKSUM: &str = "upload-checksum";

/// Metadata keys the portal reads from `Upload-Metadata` (all optional): `filename` and
/// `sha256` (of the whole container, lowercase hex).
pub const META_FILENAME: &str = "filename";
pub const META_SHA256: &str = "sha256";

/// `Upload-Metadata`: comma-separated `key base64(value)` pairs; a key may stand alone.
pub fn encode_metadata<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> String {
    pairs
        .into_iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.to_owned()
            } else {
                format!("{k} {}", STANDARD.encode(v))
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses `Upload-Metadata`; `None` when a pair is malformed (bad base64, empty or repeated
/// key, a key with spaces or commas).
pub fn decode_metadata(header: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    if header.trim().is_empty() {
        return Some(out);
    }
    for pair in header.split(',') {
        let mut parts = pair.trim().split(' ');
        let key = parts.next().filter(|k| !k.is_empty())?;
        let value = match parts.next() {
            Some(v) => STANDARD.decode(v).ok()?,
            None => Vec::new(),
        };
        if parts.next().is_some() || out.iter().any(|(k, _)| k == key) {
            return None;
        }
        out.push((key.to_owned(), value));
    }
    Some(out)
}

/// `Upload-Checksum: sha256 <base64 of the 32-byte digest>` for a chunk's digest.
pub fn checksum_header(sha256: &[u8; 32]) -> String {
    format!("sha256 {}", STANDARD.encode(sha256))
}

/// Parses `Upload-Checksum` into its algorithm and the digest bytes.
pub fn parse_checksum(header: &str) -> Option<(&str, Vec<u8>)> {
    let (alg, value) = header.trim().split_once(' ')?;
    Some((alg, STANDARD.decode(value.trim()).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_and_refuses_garbage() {
        let h = encode_metadata([("filename", "hồ sơ.asice".as_bytes()), ("flag", b"")]);
        let pairs = decode_metadata(&h).unwrap();
        assert_eq!(pairs[0].0, "filename");
        assert_eq!(pairs[0].1, "hồ sơ.asice".as_bytes());
        assert_eq!(pairs[1], ("flag".to_owned(), vec![]));
        assert!(decode_metadata("a !!!").is_none());
        assert!(decode_metadata("a YQ==,a YQ==").is_none());
    }
}
