//! Reading a container back: its layout, manifest, data files and signatures, in one pass
//! over the data files.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, SeekFrom};

use sha2::{Digest, Sha256};
use zip::ZipArchive;

use super::{
    AsicError, ContainerFile, ContainerProblem, ContainerReport, ContainerSignature, MANIFEST_NS,
    MANIFEST_PATH, MIMETYPE, is_data_path, is_signature_path,
};
use crate::xades::{self, XadesProblem};

/// Manifests and signature files are small; a larger one is not ours and is not read whole.
const MAX_XML_BYTES: u64 = 16 * 1024 * 1024;

/// Checks a container: the `mimetype` entry, the manifest against the data files, and every
/// signature file against the data files. Each problem names its file. Fails only when the
/// input is not a ZIP archive or cannot be read.
///
/// Certificate trust is not checked here: each signature's report carries its certificates
/// for the certificate checks.
pub fn verify_container<R: Read + Seek>(mut reader: R) -> Result<ContainerReport, AsicError> {
    inspect(&mut reader)
}

/// The checks of [`verify_container`], for the countersignature too.
pub(crate) fn inspect<R: Read + Seek>(reader: &mut R) -> Result<ContainerReport, AsicError> {
    let mut problems = Vec::new();
    if let Some(detail) = check_mimetype(reader)? {
        problems.push(ContainerProblem::BadMimetype { detail });
    }
    reader.seek(SeekFrom::Start(0))?;
    let mut archive = ZipArchive::new(&mut *reader)?;
    if archive.has_duplicate_names() {
        // Two entries of one name: readers may each pick another one.
        problems.push(ContainerProblem::UnreadableFile {
            path: "central directory".into(),
            detail: "a file name appears more than once".into(),
        });
    }

    let mut files = Vec::new();
    let mut manifest: Option<String> = None;
    let mut signature_files: Vec<(String, String)> = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let name = match entry.name() {
            Ok(n) => n.into_owned(),
            Err(e) => {
                problems.push(ContainerProblem::UnreadableFile {
                    path: String::from_utf8_lossy(entry.name_raw()).into_owned(),
                    detail: e.to_string(),
                });
                continue;
            }
        };
        if name == "mimetype" {
            if i != 0 {
                problems.push(ContainerProblem::BadMimetype {
                    detail: "not the first entry".into(),
                });
            }
            continue;
        }
        if entry.is_dir() {
            continue;
        }
        if is_data_path(&name) {
            let mut hasher = Sha256::new();
            match std::io::copy(&mut entry, &mut HashWriter(&mut hasher)) {
                Ok(size) => files.push(ContainerFile {
                    path: name,
                    media_type: None,
                    size,
                    sha256: hasher.finalize().into(),
                }),
                Err(e) => problems.push(ContainerProblem::UnreadableFile {
                    path: name,
                    detail: e.to_string(),
                }),
            }
        } else if name == MANIFEST_PATH || is_signature_path(&name) {
            let mut text = String::new();
            if let Err(e) = (&mut entry).take(MAX_XML_BYTES).read_to_string(&mut text) {
                problems.push(ContainerProblem::UnreadableFile {
                    path: name,
                    detail: e.to_string(),
                });
                continue;
            }
            if name == MANIFEST_PATH {
                manifest = Some(text);
            } else {
                signature_files.push((name, text));
            }
        }
    }
    if archive.is_empty() {
        problems.push(ContainerProblem::BadMimetype {
            detail: "the archive is empty".into(),
        });
    }

    let digests: BTreeMap<String, [u8; 32]> =
        files.iter().map(|f| (f.path.clone(), f.sha256)).collect();

    // Signatures.
    let mut signatures = Vec::new();
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for (file, xml) in signature_files {
        match xades::verify(&xml, |p| digests.get(p).copied()) {
            Ok(report) => {
                for problem in &report.problems {
                    problems.push(match problem {
                        XadesProblem::ReferenceDigestMismatch { path } => {
                            ContainerProblem::TamperedFile {
                                path: path.clone(),
                                signature: file.clone(),
                            }
                        }
                        XadesProblem::ReferenceMissing { path } => ContainerProblem::MissingFile {
                            path: path.clone(),
                            signature: file.clone(),
                        },
                        other => ContainerProblem::BadSignature {
                            signature: file.clone(),
                            code: other.code().to_owned(),
                            detail: other.to_string(),
                        },
                    });
                }
                covered.extend(report.covered_paths().map(str::to_owned));
                signatures.push(ContainerSignature {
                    file,
                    report: Some(report),
                });
            }
            Err(e) => {
                problems.push(ContainerProblem::BadSignature {
                    signature: file.clone(),
                    code: e.code().to_owned(),
                    detail: e.to_string(),
                });
                signatures.push(ContainerSignature { file, report: None });
            }
        }
    }
    if signatures.is_empty() {
        problems.push(ContainerProblem::Unsigned);
    }
    for f in &files {
        if !covered.contains(&f.path) && !signatures.is_empty() {
            problems.push(ContainerProblem::ExtraFile {
                path: f.path.clone(),
            });
        }
    }

    // Manifest.
    match manifest.as_deref().map(parse_manifest) {
        None => problems.push(ContainerProblem::ManifestMismatch {
            path: MANIFEST_PATH.into(),
            detail: "missing".into(),
        }),
        Some(Err(detail)) => problems.push(ContainerProblem::ManifestMismatch {
            path: MANIFEST_PATH.into(),
            detail,
        }),
        Some(Ok(entries)) => {
            for f in &mut files {
                f.media_type = entries.get(&f.path).cloned();
                // A file no signature covers is reported once, as an extra file.
                if f.media_type.is_none() && covered.contains(&f.path) {
                    problems.push(ContainerProblem::ManifestMismatch {
                        path: f.path.clone(),
                        detail: "not in the manifest".into(),
                    });
                }
            }
            for (path, media_type) in &entries {
                if !digests.contains_key(path) {
                    let reported = problems.iter().any(
                        |p| matches!(p, ContainerProblem::MissingFile { path: q, .. } if q == path),
                    );
                    if !reported {
                        problems.push(ContainerProblem::ManifestMismatch {
                            path: path.clone(),
                            detail: "in the manifest but not in the container".into(),
                        });
                    }
                    continue;
                }
                for s in &signatures {
                    let Some(report) = &s.report else { continue };
                    let signed = report
                        .references
                        .iter()
                        .find(|r| r.path.as_deref() == Some(path))
                        .and_then(|r| r.media_type.as_deref());
                    if let Some(signed) = signed.filter(|m| m != media_type) {
                        problems.push(ContainerProblem::ManifestMismatch {
                            path: path.clone(),
                            detail: format!(
                                "the manifest says {media_type}, {} signed {signed}",
                                s.file
                            ),
                        });
                    }
                }
            }
        }
    }

    Ok(ContainerReport {
        files,
        signatures,
        problems,
    })
}

struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads the first local file header itself: the zip reader does not say whether the entry
/// has an extra field or where its data starts. `None` when `mimetype` is as ETSI EN 319
/// 162-1 wants it: first, stored, no extra field, no data descriptor, the exact text.
fn check_mimetype<R: Read + Seek>(reader: &mut R) -> Result<Option<String>, AsicError> {
    reader.seek(SeekFrom::Start(0))?;
    let mut header = [0u8; 30];
    if reader.read_exact(&mut header).is_err() || header[..4] != *b"PK\x03\x04" {
        return Ok(Some("the archive does not start with a file".into()));
    }
    let u16_at = |i: usize| u16::from_le_bytes([header[i], header[i + 1]]);
    let u32_at =
        |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let flags = u16_at(6);
    let method = u16_at(8);
    let compressed = u32_at(18);
    let name_len = usize::from(u16_at(26));
    let extra_len = u16_at(28);
    let mut name = vec![0u8; name_len];
    reader.read_exact(&mut name)?;
    if name != b"mimetype" {
        return Ok(Some(format!(
            "the first entry is {:?}, not mimetype",
            String::from_utf8_lossy(&name)
        )));
    }
    if method != 0 {
        return Ok(Some(format!("compressed (method {method}), not stored")));
    }
    if extra_len != 0 {
        return Ok(Some(format!("has a {extra_len}-byte extra field")));
    }
    if flags & 0x0008 != 0 {
        return Ok(Some("has a data descriptor".into()));
    }
    if compressed as usize != MIMETYPE.len() {
        return Ok(Some(format!(
            "is {compressed} bytes, not {}",
            MIMETYPE.len()
        )));
    }
    let mut content = vec![0u8; MIMETYPE.len()];
    reader.read_exact(&mut content)?;
    if content != MIMETYPE.as_bytes() {
        return Ok(Some(format!(
            "says {:?}, not {MIMETYPE}",
            String::from_utf8_lossy(&content)
        )));
    }
    Ok(None)
}

/// `full-path` → `media-type` of the manifest's file entries, without the root `/` entry
/// (which must name the container's media type) and directory entries.
fn parse_manifest(xml: &str) -> Result<BTreeMap<String, String>, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("not well-formed: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(MANIFEST_NS) || root.tag_name().name() != "manifest" {
        return Err("the root is not manifest:manifest".into());
    }
    let mut entries = BTreeMap::new();
    let mut container_entry = false;
    for entry in root.children().filter(|c| {
        c.is_element()
            && c.tag_name().namespace() == Some(MANIFEST_NS)
            && c.tag_name().name() == "file-entry"
    }) {
        let path = entry
            .attribute((MANIFEST_NS, "full-path"))
            .ok_or("a file-entry without full-path")?;
        let media_type = entry
            .attribute((MANIFEST_NS, "media-type"))
            .unwrap_or_default();
        if path == "/" {
            if media_type != MIMETYPE {
                return Err(format!("the root entry says {media_type}, not {MIMETYPE}"));
            }
            container_entry = true;
        } else if !path.ends_with('/') {
            entries.insert(path.to_owned(), media_type.to_owned());
        }
    }
    if !container_entry {
        return Err("no root (\"/\") entry".into());
    }
    Ok(entries)
}
