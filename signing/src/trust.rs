//! Trust anchors: the roots a certificate must chain to (DESIGN.md, "Tokens and
//! certificates").
//!
//! Three sources, in this order: the bundled set (versioned data under
//! `signing/data/trust-anchors/`, listed in its `manifest.toml` and embedded with
//! `include_bytes!`), the files named by the `HOSO_TRUST_ANCHORS` path list, and the files the
//! user names (`--trust-anchor CA.pem`, repeatable). The intermediate certificates that come
//! with a signature or a token are not anchors: they are passed to the checks as untrusted
//! candidates ([`read_certificates`] reads them from files).
//!
//! The bundled set is empty until the Vietnam National Root CA's certificate is confirmed
//! (shared/domain/certificates.md, "National root CA").

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use der::{Decode, Encode};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::checks::Message;

/// The environment variable holding extra trust anchor files, separated like `PATH`
/// (`:` on Unix, `;` on Windows).
pub const TRUST_ANCHORS_ENV: &str = "HOSO_TRUST_ANCHORS";

const MANIFEST: &str = include_str!("../data/trust-anchors/manifest.toml");

/// The certificate files of `data/trust-anchors/`, each listed in its `manifest.toml`:
/// `("name.pem", include_bytes!("../data/trust-anchors/name.pem"))`.
const BUNDLED: &[(&str, &[u8])] = &[];

/// Where an anchor came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorOrigin {
    /// A file of the bundled set.
    Bundled(String),
    /// A file the user named, directly or through [`TRUST_ANCHORS_ENV`].
    File(PathBuf),
    /// Added by the program (tests, a certificate the user confirmed in the UI).
    Added,
}

/// One trusted root.
#[derive(Debug, Clone)]
pub struct TrustAnchor {
    pub certificate: Certificate,
    pub origin: AnchorOrigin,
}

/// Why anchors could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: not a certificate ({detail})")]
    NotACertificate { origin: String, detail: String },
    #[error("bundled trust anchors: {0}")]
    Bundle(String),
}

impl TrustError {
    pub fn code(&self) -> &'static str {
        match self {
            TrustError::Unreadable { .. } => "trust.file_unreadable",
            TrustError::NotACertificate { .. } => "trust.not_a_certificate",
            TrustError::Bundle(_) => "trust.bundle_invalid",
        }
    }

    pub fn message(&self) -> Message {
        match self {
            TrustError::Unreadable { path, source } => Message::new(
                format!(
                    "Không đọc được tệp chứng thư số gốc {}: {source}.",
                    path.display()
                ),
                format!(
                    "Cannot read the trust anchor file {}: {source}.",
                    path.display()
                ),
            ),
            TrustError::NotACertificate { origin, detail } => Message::new(
                format!("{origin} không phải là chứng thư số (PEM hoặc DER): {detail}."),
                format!("{origin} is not a certificate (PEM or DER): {detail}."),
            ),
            TrustError::Bundle(detail) => Message::new(
                format!("Bộ chứng thư số gốc đi kèm chương trình bị lỗi: {detail}."),
                format!("The bundled trust anchors are broken: {detail}."),
            ),
        }
    }
}

/// The certificates in `bytes`: one or more PEM `CERTIFICATE` blocks, or one DER certificate.
pub fn parse_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, String> {
    let text_start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    if bytes[text_start..].starts_with(b"-----BEGIN") {
        let certs = Certificate::load_pem_chain(bytes).map_err(|e| e.to_string())?;
        if certs.is_empty() {
            return Err("no CERTIFICATE block".into());
        }
        Ok(certs)
    } else {
        Certificate::from_der(bytes)
            .map(|c| vec![c])
            .map_err(|e| e.to_string())
    }
}

/// The certificates in a file (PEM or DER): for trust anchors and for intermediates.
pub fn read_certificates(path: &Path) -> Result<Vec<Certificate>, TrustError> {
    let bytes = std::fs::read(path).map_err(|source| TrustError::Unreadable {
        path: path.to_owned(),
        source,
    })?;
    parse_certificates(&bytes).map_err(|detail| TrustError::NotACertificate {
        origin: path.display().to_string(),
        detail,
    })
}

/// SHA-256 of a certificate's DER, lower-case hex: how anchors are pinned in the manifest.
pub fn fingerprint(cert: &Certificate) -> String {
    hex::encode(Sha256::digest(cert.to_der().unwrap_or_default()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    version: u32,
    #[serde(default)]
    anchor: Vec<ManifestEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // subject, source and retrieved document the entry for reviewers
struct ManifestEntry {
    file: String,
    subject: String,
    sha256: String,
    source: String,
    retrieved: String,
}

/// The anchors of a manifest, each file taken from `files` and checked against its pinned
/// fingerprint.
fn from_bundle(manifest: &str, files: &[(&str, &[u8])]) -> Result<Vec<TrustAnchor>, TrustError> {
    let manifest: Manifest =
        toml::from_str(manifest).map_err(|e| TrustError::Bundle(format!("manifest.toml: {e}")))?;
    if manifest.version != 1 {
        return Err(TrustError::Bundle(format!(
            "manifest.toml: unknown version {}",
            manifest.version
        )));
    }
    let mut anchors = Vec::new();
    for entry in &manifest.anchor {
        let bytes = files
            .iter()
            .find(|(name, _)| *name == entry.file)
            .map(|(_, bytes)| *bytes)
            .ok_or_else(|| TrustError::Bundle(format!("{} is not embedded", entry.file)))?;
        let certs = parse_certificates(bytes)
            .map_err(|e| TrustError::Bundle(format!("{}: {e}", entry.file)))?;
        let [certificate] = <[Certificate; 1]>::try_from(certs)
            .map_err(|_| TrustError::Bundle(format!("{}: one certificate per file", entry.file)))?;
        let actual = fingerprint(&certificate);
        if !actual.eq_ignore_ascii_case(entry.sha256.trim()) {
            return Err(TrustError::Bundle(format!(
                "{}: SHA-256 {actual} is not the pinned {}",
                entry.file, entry.sha256
            )));
        }
        anchors.push(TrustAnchor {
            certificate,
            origin: AnchorOrigin::Bundled(entry.file.clone()),
        });
    }
    Ok(anchors)
}

/// A set of trust anchors, without duplicates.
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors {
    anchors: Vec<TrustAnchor>,
}

impl TrustAnchors {
    /// No anchor: nothing validates until some are added.
    pub fn empty() -> TrustAnchors {
        TrustAnchors::default()
    }

    /// The bundled set only.
    pub fn bundled() -> Result<TrustAnchors, TrustError> {
        let mut anchors = TrustAnchors::empty();
        for anchor in from_bundle(MANIFEST, BUNDLED)? {
            anchors.push(anchor);
        }
        Ok(anchors)
    }

    /// What the application uses: the bundled set, then the files of [`TRUST_ANCHORS_ENV`],
    /// then `user_files` (`--trust-anchor`, in the order given).
    pub fn load(user_files: &[PathBuf]) -> Result<TrustAnchors, TrustError> {
        let mut anchors = TrustAnchors::bundled()?;
        if let Some(list) = std::env::var_os(TRUST_ANCHORS_ENV) {
            anchors.add_path_list(&list)?;
        }
        for path in user_files {
            anchors.add_file(path)?;
        }
        Ok(anchors)
    }

    fn push(&mut self, anchor: TrustAnchor) -> bool {
        if self.contains(&anchor.certificate) {
            return false;
        }
        self.anchors.push(anchor);
        true
    }

    /// Trusts `certificate`; false when it already was.
    pub fn add(&mut self, certificate: Certificate) -> bool {
        self.push(TrustAnchor {
            certificate,
            origin: AnchorOrigin::Added,
        })
    }

    /// Trusts every certificate of a PEM or DER file; how many were new.
    pub fn add_file(&mut self, path: &Path) -> Result<usize, TrustError> {
        let mut added = 0;
        for certificate in read_certificates(path)? {
            let origin = AnchorOrigin::File(path.to_owned());
            added += usize::from(self.push(TrustAnchor {
                certificate,
                origin,
            }));
        }
        Ok(added)
    }

    /// Trusts the files of a path list separated like `PATH` (empty entries are skipped);
    /// how many certificates were new.
    pub fn add_path_list(&mut self, list: &OsStr) -> Result<usize, TrustError> {
        let mut added = 0;
        for path in std::env::split_paths(list) {
            if !path.as_os_str().is_empty() {
                added += self.add_file(&path)?;
            }
        }
        Ok(added)
    }

    pub fn contains(&self, certificate: &Certificate) -> bool {
        self.anchors.iter().any(|a| &a.certificate == certificate)
    }

    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    pub fn certificates(&self) -> impl Iterator<Item = &Certificate> {
        self.anchors.iter().map(|a| &a.certificate)
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_pki::TestPki;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/trust-anchors");

    #[test]
    fn bundled_folder_manifest_and_table_agree() {
        let manifest: Manifest = toml::from_str(MANIFEST).unwrap();
        let mut listed: Vec<&str> = manifest.anchor.iter().map(|e| e.file.as_str()).collect();
        let mut embedded: Vec<&str> = BUNDLED.iter().map(|(name, _)| *name).collect();
        let mut on_disk: Vec<String> = std::fs::read_dir(DIR)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != "manifest.toml" && name != "README.md")
            .collect();
        listed.sort_unstable();
        embedded.sort_unstable();
        on_disk.sort_unstable();
        assert_eq!(listed, embedded);
        assert_eq!(listed, on_disk);
        // Every embedded file parses and matches its pinned fingerprint.
        assert_eq!(TrustAnchors::bundled().unwrap().len(), listed.len());
    }

    fn manifest_for(file: &str, sha256: &str) -> String {
        format!(
            "version = 1\n[[anchor]]\nfile = \"{file}\"\nsubject = \"CN=Hoso Test Root CA\"\n\
             sha256 = \"{sha256}\"\nsource = \"generated\"\nretrieved = \"2026-11-01\"\n"
        )
    }

    #[test]
    fn bundle_loads_pinned_anchors_and_refuses_a_wrong_fingerprint() {
        let pki = TestPki::generate().unwrap();
        let pem = pki.root_pem();
        let files = [("root.pem", pem.as_bytes())];

        let anchors =
            from_bundle(&manifest_for("root.pem", &fingerprint(&pki.root)), &files).unwrap();
        assert_eq!(anchors.len(), 1);
        assert_eq!(anchors[0].certificate, pki.root);
        assert_eq!(anchors[0].origin, AnchorOrigin::Bundled("root.pem".into()));

        let wrong = from_bundle(&manifest_for("root.pem", &"00".repeat(32)), &files).unwrap_err();
        assert_eq!(wrong.code(), "trust.bundle_invalid");
        let missing = from_bundle(&manifest_for("other.pem", "00"), &files).unwrap_err();
        assert!(missing.to_string().contains("not embedded"), "{missing}");
    }

    #[test]
    fn pem_chains_and_der_files_parse_and_garbage_does_not() {
        let pki = TestPki::generate().unwrap();
        let chain = format!(
            "{}\n{}",
            pki.root_pem(),
            der::EncodePem::to_pem(&pki.intermediate, der::pem::LineEnding::LF).unwrap()
        );
        assert_eq!(parse_certificates(chain.as_bytes()).unwrap().len(), 2);
        let der = pki.root.to_der().unwrap();
        assert_eq!(parse_certificates(&der).unwrap(), vec![pki.root.clone()]);
        assert!(parse_certificates(b"not a certificate").is_err());
    }

    #[test]
    fn duplicates_are_trusted_once() {
        let pki = TestPki::generate().unwrap();
        let mut anchors = TrustAnchors::empty();
        assert!(anchors.add(pki.root.clone()));
        assert!(!anchors.add(pki.root.clone()));
        assert_eq!(anchors.len(), 1);
    }
}
