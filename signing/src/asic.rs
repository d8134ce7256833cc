//! The dossier container: ASiC-E (ETSI EN 319 162-1) with XAdES signatures, laid out as
//! shared/DESIGN.md "Dossier container (.asice)" says:
//!
//! ```text
//! mimetype                   first entry, stored, no extra field: application/vnd.etsi.asic-e+zip
//! dossier.xml, forms/*.pdf, attachments/*    the data files, at their paths
//! META-INF/manifest.xml      OpenDocument manifest: "/" and every data file with its media type
//! META-INF/signatures0.xml   XAdES-B-B over every data file (signatures1.xml… countersign)
//! ```
//!
//! The builder writes in one pass, hashing each data file as it streams into the archive (an
//! attachment can be gigabytes: it is never held in memory), so the manifest and the
//! signature come last. ETSI EN 319 162-1 fixes only `mimetype` as the first entry.
//!
//! The target must be seekable (`File`, `Cursor`): zip then writes sizes and CRC into each
//! local header instead of a data descriptor, which is what keeps `mimetype`'s data at offset
//! 38 with no extra field (shared/DEPENDENCIES.md).

mod read;
mod write;

use crate::xades::{XadesError, XadesReport};

pub use read::verify_container;
pub use write::{AsicBuilder, Compression, add_signature};

/// The content of the `mimetype` entry, and the media type of the container.
pub const MIMETYPE: &str = "application/vnd.etsi.asic-e+zip";
pub const MANIFEST_PATH: &str = "META-INF/manifest.xml";
pub(crate) const MANIFEST_NS: &str = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0";

/// Why a container could not be written, read or countersigned.
#[derive(Debug, thiserror::Error)]
pub enum AsicError {
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Not a ZIP archive, or one the zip reader cannot follow.
    #[error("zip: {0}")]
    Zip(String),
    /// A data file path that cannot go into the container (absolute, `..`, `META-INF/`, a
    /// backslash, a duplicate…).
    #[error("invalid path in the container: {0:?}")]
    InvalidPath(String),
    #[error(transparent)]
    Xades(#[from] XadesError),
    /// A container that already has problems is not countersigned: the new signature would
    /// vouch for them.
    #[error("the container has problems: {}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Container(Vec<ContainerProblem>),
}

impl AsicError {
    pub fn code(&self) -> &'static str {
        match self {
            AsicError::Io(_) => "asic.io",
            AsicError::Zip(_) => "asic.zip",
            AsicError::InvalidPath(_) => "asic.invalid_path",
            AsicError::Xades(e) => e.code(),
            AsicError::Container(_) => "asic.container_problems",
        }
    }
}

impl From<zip::result::ZipError> for AsicError {
    fn from(e: zip::result::ZipError) -> Self {
        match e {
            zip::result::ZipError::Io(io) => AsicError::Io(io),
            other => AsicError::Zip(other.to_string()),
        }
    }
}

/// What a container holds and whether it holds together.
#[derive(Debug, Clone)]
pub struct ContainerReport {
    /// The data files (neither `mimetype` nor under `META-INF/`), in archive order.
    pub files: Vec<ContainerFile>,
    /// One per `META-INF/signatures*.xml`, in archive order.
    pub signatures: Vec<ContainerSignature>,
    /// Every problem found, each naming its file; empty when the container is valid.
    pub problems: Vec<ContainerProblem>,
}

impl ContainerReport {
    /// No problem at all. Certificates still need their checks (chain, validity, revocation,
    /// tax code): each signature's report carries them.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A data file of the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerFile {
    pub path: String,
    /// From the manifest.
    pub media_type: Option<String>,
    pub size: u64,
    pub sha256: [u8; 32],
}

/// A signature file and what it says; `report` is `None` when the file is not a readable
/// XAdES signature (a [`ContainerProblem::BadSignature`] says why).
#[derive(Debug, Clone)]
pub struct ContainerSignature {
    pub file: String,
    pub report: Option<XadesReport>,
}

/// A problem of the container, naming the file concerned. `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerProblem {
    /// The `mimetype` entry is not first, compressed, has an extra field, or the wrong text.
    #[error("mimetype: {detail}")]
    BadMimetype { detail: String },
    /// A data file differs from what `signature` signed.
    #[error("{path}: changed after {signature} signed it")]
    TamperedFile { path: String, signature: String },
    /// A file `signature` signed is not in the container.
    #[error("{path}: signed by {signature} but missing")]
    MissingFile { path: String, signature: String },
    /// A data file no signature covers.
    #[error("{path}: not covered by any signature")]
    ExtraFile { path: String },
    /// The manifest is missing, unreadable, or disagrees with the files or the signatures.
    #[error("{path}: {detail}")]
    ManifestMismatch { path: String, detail: String },
    /// A signature file that does not verify for another reason than its data files (the
    /// signature value, the signed properties, the signing certificate…).
    #[error("{signature}: {detail}")]
    BadSignature {
        signature: String,
        code: String,
        detail: String,
    },
    /// A data file that cannot be read back (a bad CRC, a broken deflate stream).
    #[error("{path}: unreadable: {detail}")]
    UnreadableFile { path: String, detail: String },
    /// No `META-INF/signatures*.xml` at all.
    #[error("the container has no signature")]
    Unsigned,
}

impl ContainerProblem {
    pub fn code(&self) -> &'static str {
        match self {
            ContainerProblem::BadMimetype { .. } => "asic.bad_mimetype",
            ContainerProblem::TamperedFile { .. } => "asic.tampered_file",
            ContainerProblem::MissingFile { .. } => "asic.missing_file",
            ContainerProblem::ExtraFile { .. } => "asic.extra_file",
            ContainerProblem::ManifestMismatch { .. } => "asic.manifest_mismatch",
            ContainerProblem::BadSignature { .. } => "asic.bad_signature",
            ContainerProblem::UnreadableFile { .. } => "asic.unreadable_file",
            ContainerProblem::Unsigned => "asic.unsigned",
        }
    }
}

/// Whether `path` is a XAdES signature file (ETSI EN 319 162-1: a name containing
/// "signatures", directly under `META-INF/`).
pub(crate) fn is_signature_path(path: &str) -> bool {
    path.strip_prefix("META-INF/").is_some_and(|name| {
        !name.contains('/') && name.contains("signatures") && name.ends_with(".xml")
    })
}

/// The number N of a `META-INF/signaturesN.xml` path.
pub(crate) fn signature_index(path: &str) -> Option<u32> {
    path.strip_prefix("META-INF/signatures")?
        .strip_suffix(".xml")?
        .parse()
        .ok()
}

/// Whether `path` is a data file's path (not `mimetype`, nothing under `META-INF/`).
pub(crate) fn is_data_path(path: &str) -> bool {
    path != "mimetype" && !path.starts_with("META-INF/") && !path.ends_with('/')
}
