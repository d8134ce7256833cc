//! Writing containers: the one-pass builder and the countersignature.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Seek, Write};

use jiff::Timestamp;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::read::inspect;
use super::{AsicError, MANIFEST_NS, MANIFEST_PATH, MIMETYPE, signature_index};
use crate::cms::DetachedContent;
use crate::signer::Signer;
use crate::xades::{self, DataObject};

/// How a data file is stored in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Deflate: XML and other text.
    Deflated,
    /// As is: PDFs, images and archives are compressed already.
    Stored,
}

impl Compression {
    /// Deflate for text, XML and JSON; store everything else (PDF, images, office files and
    /// archives are compressed already, and deflating gigabytes again wastes minutes).
    pub fn for_media_type(media_type: &str) -> Compression {
        let m = media_type.to_ascii_lowercase();
        let essence = m.split(';').next().unwrap_or_default().trim();
        if essence.starts_with("text/")
            || essence.ends_with("/xml")
            || essence.ends_with("+xml")
            || essence.ends_with("/json")
            || essence.ends_with("+json")
        {
            Compression::Deflated
        } else {
            Compression::Stored
        }
    }

    fn method(self) -> CompressionMethod {
        match self {
            Compression::Deflated => CompressionMethod::Deflated,
            Compression::Stored => CompressionMethod::Stored,
        }
    }
}

/// A data file written so far.
struct Written {
    path: String,
    media_type: String,
    sha256: [u8; 32],
}

/// Builds a container in one pass: `new` writes `mimetype`, each `add_file` streams a data
/// file while hashing it, and `sign` writes the manifest and `META-INF/signatures0.xml` and
/// finishes the archive.
///
/// Entries carry the ZIP epoch (1980-01-01) as their time, so the same files give the same
/// archive around the signature; the signing time is in the signature.
pub struct AsicBuilder<W: Write + Seek> {
    zip: ZipWriter<W>,
    files: Vec<Written>,
}

impl<W: Write + Seek> AsicBuilder<W> {
    pub fn new(writer: W) -> Result<AsicBuilder<W>, AsicError> {
        let mut zip = ZipWriter::new(writer);
        // Stored, no extra field, not large: data at offset 38 (ETSI EN 319 162-1).
        zip.start_file(
            "mimetype",
            SimpleFileOptions::default().compression_method(CompressionMethod::Stored),
        )?;
        zip.write_all(MIMETYPE.as_bytes())?;
        Ok(AsicBuilder {
            zip,
            files: Vec::new(),
        })
    }

    /// Adds a data file at `path` (e.g. `forms/to-khai.pdf`), streamed from `reader`,
    /// compressed as [`Compression::for_media_type`] says.
    pub fn add_file(
        &mut self,
        path: &str,
        media_type: &str,
        reader: impl Read,
    ) -> Result<&mut Self, AsicError> {
        self.add_file_with(
            path,
            media_type,
            Compression::for_media_type(media_type),
            reader,
        )
    }

    /// [`AsicBuilder::add_file`] with the compression chosen by the caller.
    pub fn add_file_with(
        &mut self,
        path: &str,
        media_type: &str,
        compression: Compression,
        mut reader: impl Read,
    ) -> Result<&mut Self, AsicError> {
        check_path(path)?;
        if self.files.iter().any(|f| f.path == path) {
            return Err(AsicError::InvalidPath(path.to_owned()));
        }
        // large_file: the size is unknown until the reader ends, and attachments can pass
        // 4 GiB (zip then needs ZIP64 sizes, reserved in the local header).
        let options = SimpleFileOptions::default()
            .compression_method(compression.method())
            .large_file(true);
        self.zip.start_file(path, options)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            hasher.update(&buf[..n]);
            self.zip.write_all(&buf[..n])?;
        }
        self.files.push(Written {
            path: path.to_owned(),
            media_type: media_type.to_owned(),
            sha256: hasher.finalize().into(),
        });
        Ok(self)
    }

    /// Writes `META-INF/manifest.xml` and `META-INF/signatures0.xml` (XAdES-B-B over every
    /// data file, signed at `signing_time`) and finishes the archive.
    pub fn sign(mut self, signer: &dyn Signer, signing_time: Timestamp) -> Result<W, AsicError> {
        let objects: Vec<DataObject<'_>> = self
            .files
            .iter()
            .map(|f| DataObject {
                path: &f.path,
                media_type: &f.media_type,
                content: DetachedContent::Sha256(f.sha256),
            })
            .collect();
        let signature = xades::sign_detached(&objects, signer, signing_time, "S0")?;
        let manifest = manifest_xml(
            self.files
                .iter()
                .map(|f| (f.path.as_str(), f.media_type.as_str())),
        );
        let xml = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        self.zip.start_file(MANIFEST_PATH, xml)?;
        self.zip.write_all(manifest.as_bytes())?;
        self.zip.start_file("META-INF/signatures0.xml", xml)?;
        self.zip.write_all(signature.as_bytes())?;
        Ok(self.zip.finish()?)
    }
}

/// A path a data file may have: relative, `/`-separated, no empty, `.` or `..` segment, no
/// backslash or control character, not `mimetype`, nothing under `META-INF/`.
fn check_path(path: &str) -> Result<(), AsicError> {
    let bad = path.is_empty()
        || path == "mimetype"
        || path.starts_with("META-INF/")
        || path.contains('\\')
        || path.chars().any(char::is_control)
        || path
            .split('/')
            .any(|segment| segment.is_empty() || segment == "." || segment == "..");
    if bad {
        Err(AsicError::InvalidPath(path.to_owned()))
    } else {
        Ok(())
    }
}

/// The OpenDocument manifest (ETSI EN 319 162-1, ASiC-E with XAdES): the container itself as `/`, then
/// every data file with its media type.
pub(crate) fn manifest_xml<'a>(files: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    use crate::xades::escape_attr_value as esc;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest xmlns:manifest=\"{MANIFEST_NS}\">\n <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"{MIMETYPE}\"/>\n"
    );
    for (path, media_type) in files {
        xml.push_str(&format!(
            " <manifest:file-entry manifest:full-path=\"{}\" manifest:media-type=\"{}\"/>\n",
            esc(path),
            esc(media_type)
        ));
    }
    xml.push_str("</manifest:manifest>\n");
    xml
}

/// Countersigns a container: copies every entry of `existing` byte for byte (raw, nothing
/// recompressed) into `out`, and adds `META-INF/signaturesN.xml` (the first free N) signed by
/// `signer`, covering the same data files.
///
/// The container is checked first (one pass over the data files): a container with any
/// problem (a changed file, an invalid signature, a file no signature covers) is refused,
/// since the new signature would vouch for it.
pub fn add_signature<R: Read + Seek, W: Write + Seek>(
    mut existing: R,
    out: W,
    signer: &dyn Signer,
    signing_time: Timestamp,
) -> Result<W, AsicError> {
    let report = inspect(&mut existing)?;
    if !report.problems.is_empty() {
        return Err(AsicError::Container(report.problems));
    }
    let covered: BTreeSet<&str> = report
        .signatures
        .iter()
        .filter_map(|s| s.report.as_ref())
        .flat_map(|r| r.covered_paths())
        .collect();
    let media_types: HashMap<&str, &str> = report
        .files
        .iter()
        .filter_map(|f| Some((f.path.as_str(), f.media_type.as_deref()?)))
        .collect();
    let objects: Vec<DataObject<'_>> = report
        .files
        .iter()
        .filter(|f| covered.contains(f.path.as_str()))
        .map(|f| DataObject {
            path: &f.path,
            media_type: media_types
                .get(f.path.as_str())
                .copied()
                .unwrap_or("application/octet-stream"),
            content: DetachedContent::Sha256(f.sha256),
        })
        .collect();
    let next = report
        .signatures
        .iter()
        .filter_map(|s| signature_index(&s.file))
        .max()
        .map_or(0, |n| n + 1);
    let signature = xades::sign_detached(&objects, signer, signing_time, &format!("S{next}"))?;

    let mut archive = ZipArchive::new(existing)?;
    let mut zip = ZipWriter::new(out);
    for i in 0..archive.len() {
        zip.raw_copy_file(archive.by_index_raw(i)?)?;
    }
    zip.start_file(
        format!("META-INF/signatures{next}.xml"),
        SimpleFileOptions::default().compression_method(CompressionMethod::Deflated),
    )?;
    zip.write_all(signature.as_bytes())?;
    Ok(zip.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_data_area_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a//b",
            "a/./b",
            "mimetype",
            "META-INF/x.xml",
            "a\\b",
            "a/",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?}");
        }
        for good in [
            "dossier.xml",
            "forms/to-khai.pdf",
            "attachments/Bản vẽ 1.png",
        ] {
            assert!(check_path(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn text_is_deflated_and_compressed_formats_are_stored() {
        assert_eq!(
            Compression::for_media_type("application/xml"),
            Compression::Deflated
        );
        assert_eq!(
            Compression::for_media_type("text/plain; charset=utf-8"),
            Compression::Deflated
        );
        assert_eq!(
            Compression::for_media_type("application/pdf"),
            Compression::Stored
        );
        assert_eq!(
            Compression::for_media_type("image/png"),
            Compression::Stored
        );
    }
}
