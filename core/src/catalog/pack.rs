//! Data packs (gói dữ liệu): a newer data set (catalog, forms, fees) signed by the portal.
//!
//! A pack is JSON: `{ "payload": base64, "signature": base64 }`. The payload is itself JSON,
//! `{ "format": "hoso-data-pack/1", "version", "date", "files": { "catalog.toml", "forms.toml",
//! "fees.toml" } }`, and the signature is a detached CMS SignedData over the payload's exact
//! bytes, by the portal's signing certificate. The client adopts a pack only after the
//! signature checks out, the data set parses and holds together, and its version is newer than
//! every set it has; the pack is then kept in the store as received, and the older sets stay
//! available for the drafts started under them. No reinstall, no administrator rights.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use super::{DataFiles, DataSet, Library, version_key};
use crate::legal::DataError;
use crate::store::{Store, StoreError};
use crate::text::Text;

const FORMAT: &str = "hoso-data-pack/1";

#[derive(Serialize, Deserialize)]
struct Envelope {
    payload: String,
    signature: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    format: String,
    version: String,
    date: String,
    files: DataFiles,
}

/// Checks the portal's signature over a pack's payload: the detached CMS, its signer's chain
/// to the trust anchors, and that the signer is the portal (hoso-core wires the real check).
pub trait PackVerifier {
    /// `Ok` with a description of the signer, or why the signature is refused.
    fn verify(&self, payload: &[u8], signature: &[u8]) -> Result<String, String>;
}

/// Why a pack was refused. Nothing is adopted when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("not a data pack: {0}")]
    Malformed(String),
    #[error("the data pack is not signed")]
    Unsigned,
    #[error("the data pack's signature does not hold: {0}")]
    BadSignature(String),
    #[error("the data pack's data do not hold together: {0}")]
    InvalidData(#[from] DataError),
    #[error("the data pack {offered} is not newer than the data set {have} in use")]
    NotNewer { offered: String, have: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PackError {
    pub fn code(&self) -> &'static str {
        match self {
            PackError::Malformed(_) => "pack.malformed",
            PackError::Unsigned => "pack.unsigned",
            PackError::BadSignature(_) => "pack.bad_signature",
            PackError::InvalidData(_) => "pack.invalid_data",
            PackError::NotNewer { .. } => "pack.not_newer",
            PackError::Store(e) => e.code(),
        }
    }

    pub fn text(&self) -> Text {
        let vi = match self {
            PackError::Malformed(m) => format!("Tệp không phải gói dữ liệu hợp lệ: {m}."),
            PackError::Unsigned => "Gói dữ liệu không có chữ ký số.".to_owned(),
            PackError::BadSignature(m) => format!("Chữ ký số của gói dữ liệu không hợp lệ: {m}."),
            PackError::InvalidData(e) => format!("Dữ liệu trong gói không nhất quán: {e}."),
            PackError::NotNewer { offered, have } => {
                format!("Gói dữ liệu {offered} không mới hơn bộ dữ liệu đang dùng ({have}).")
            }
            PackError::Store(e) => format!("Lỗi kho dữ liệu: {e}."),
        };
        Text::new(vi, self.to_string())
    }
}

/// Builds a pack: the payload, signed by `sign` (the portal's CMS signer).
pub fn build(
    files: &DataFiles,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<Vec<u8>, PackError> {
    let set = DataSet::parse(files)?;
    let payload = serde_json::to_vec(&Payload {
        format: FORMAT.to_owned(),
        version: set.catalog.version.clone(),
        date: set.catalog.date.to_string(),
        files: files.clone(),
    })
    .map_err(|e| PackError::Malformed(e.to_string()))?;
    let signature = sign(&payload).map_err(PackError::BadSignature)?;
    serde_json::to_vec(&Envelope {
        payload: B64.encode(&payload),
        signature: B64.encode(signature),
    })
    .map_err(|e| PackError::Malformed(e.to_string()))
}

/// A pack whose signature and data have been checked.
#[derive(Debug)]
pub struct VerifiedPack {
    pub set: DataSet,
    pub signer: String,
}

/// Opens and checks a pack without adopting it.
pub fn verify(bytes: &[u8], verifier: &dyn PackVerifier) -> Result<VerifiedPack, PackError> {
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| PackError::Malformed(e.to_string()))?;
    let payload = B64
        .decode(envelope.payload.trim())
        .map_err(|e| PackError::Malformed(e.to_string()))?;
    let signature = B64
        .decode(envelope.signature.trim())
        .map_err(|e| PackError::Malformed(e.to_string()))?;
    if signature.is_empty() {
        return Err(PackError::Unsigned);
    }
    let signer = verifier
        .verify(&payload, &signature)
        .map_err(PackError::BadSignature)?;
    let payload: Payload =
        serde_json::from_slice(&payload).map_err(|e| PackError::Malformed(e.to_string()))?;
    if payload.format != FORMAT {
        return Err(PackError::Malformed(format!("format `{}`", payload.format)));
    }
    let set = DataSet::parse(&payload.files)?;
    if set.catalog.version != payload.version {
        return Err(PackError::Malformed(
            "the payload's version is not its catalog's".to_owned(),
        ));
    }
    Ok(VerifiedPack { set, signer })
}

/// The data sets of the packs adopted into `store`, in the store's order; the bundled set is
/// [`DataSet::bundled`]. Packs were verified when adopted; a stored pack that no longer parses
/// is skipped.
pub(super) fn adopted_sets(store: &Store) -> Result<Vec<DataSet>, StoreError> {
    let mut sets = Vec::new();
    for stored in store.data_packs()? {
        let files = serde_json::from_slice::<Envelope>(&stored.pack)
            .ok()
            .and_then(|e| B64.decode(e.payload).ok())
            .and_then(|p| serde_json::from_slice::<Payload>(&p).ok());
        match files.map(|p| DataSet::parse(&p.files)) {
            Some(Ok(set)) => sets.push(set),
            _ => tracing::warn!(version = %stored.version, "stored data pack no longer parses"),
        }
    }
    Ok(sets)
}

/// Verifies a pack and, if it is newer than every known set, keeps it. Returns the version
/// adopted.
pub fn adopt(
    store: &mut Store,
    bytes: &[u8],
    verifier: &dyn PackVerifier,
) -> Result<VerifiedPack, PackError> {
    let pack = verify(bytes, verifier)?;
    let newest = Library::load(store)?.newest().version().to_owned();
    if version_key(pack.set.version()) <= version_key(&newest) {
        return Err(PackError::NotNewer {
            offered: pack.set.version().to_owned(),
            have: newest,
        });
    }
    store.add_data_pack(
        pack.set.version(),
        &pack.set.catalog.date.to_string(),
        bytes,
    )?;
    Ok(pack)
}

/// The real check of a pack's signature: a detached CMS over the payload whose signer chains
/// to the trust anchors and holds a valid certificate. With `pinned` fingerprints (SHA-256 of
/// the portal signing certificate's DER, hex), only those certificates may sign packs.
pub struct CmsPackVerifier<'a> {
    pub anchors: &'a hoso_signing::trust::TrustAnchors,
    pub pinned: Vec<String>,
}

impl PackVerifier for CmsPackVerifier<'_> {
    fn verify(&self, payload: &[u8], signature: &[u8]) -> Result<String, String> {
        use hoso_signing::checks::{self, CheckOptions, RevocationMode};
        use hoso_signing::cms::{DetachedContent, verify_detached};
        let cms = verify_detached(signature, DetachedContent::Bytes(payload))
            .map_err(|e| e.to_string())?;
        let fingerprint = hoso_signing::trust::fingerprint(&cms.signer);
        if !self.pinned.is_empty()
            && !self
                .pinned
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&fingerprint))
        {
            return Err(format!(
                "the signer {fingerprint} is not the portal's pinned certificate"
            ));
        }
        let report = checks::check_certificate(
            &cms.signer,
            &cms.certificates,
            self.anchors,
            &CheckOptions {
                at: cms.signing_time.unwrap_or_else(jiff::Timestamp::now),
                revocation: RevocationMode::Offline,
                expected_tax_code: None,
            },
        );
        if let Some((_, p)) = report.failures().first() {
            return Err(format!("{}: {}", p.code.as_str(), p.message.en));
        }
        Ok(hoso_signing::certinfo::CertificateInfo::from_certificate(&cms.signer).subject)
    }
}
