//! Sealing (niêm phong hồ sơ): the one step that touches the token. A valid dossier is
//! rendered, each form is signed (PAdES-B-B, a visible signature on its signature block), and
//! the forms, `dossier.xml` and the attachments are packed into one ASiC-E container signed
//! with XAdES. The certificate is checked before anything is signed.
//!
//! The container is written beside its destination and renamed into place only when complete,
//! so a failure never leaves a half-written `.asice` where a finished one is expected.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use hoso_signing::Signer;
use hoso_signing::asic::{AsicBuilder, AsicError};
use hoso_signing::checks::{self, CertificateReport, CheckOptions, RevocationMode};
use hoso_signing::pades::{self, AppearanceFonts, PadesError, SignatureFieldSpec};
use hoso_signing::trust::TrustAnchors;
use jiff::Timestamp;
use jiff::civil::Date;
use sha2::{Digest, Sha256};

use crate::drafting::{self, DraftError};
use crate::forms::AttachmentRef;
use crate::render::RenderedForm;
use crate::store::{DraftId, Store};
use crate::text::Text;
use crate::validate::Report;
use crate::{Dossier, dossier_xml};

/// How a dossier is sealed.
pub struct SealOptions<'a> {
    /// The claimed signing time, written in every signature.
    pub signing_time: Timestamp,
    /// Today, the filing date of a dossier that gives none.
    pub today: Date,
    pub anchors: &'a TrustAnchors,
    pub revocation: RevocationMode,
}

/// What sealing produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sealed {
    pub path: PathBuf,
    /// SHA-256 of the container: its identity at the portal (the idempotency key).
    pub sha256: String,
    pub size: u64,
    pub kind: crate::DossierKind,
    pub forms: Vec<String>,
    /// The certificate checks, warnings included (revocation not checked offline).
    pub certificate: CertificateReport,
}

/// Why a dossier was not sealed. Nothing was signed when the dossier or the certificate is
/// refused; no container is left behind on any error.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the dossier is not valid")]
    Invalid(Report),
    #[error("the certificate cannot sign this dossier")]
    Certificate(Box<CertificateReport>),
    #[error(transparent)]
    Draft(#[from] DraftError),
    #[error(transparent)]
    Pades(#[from] PadesError),
    #[error(transparent)]
    Asic(#[from] AsicError),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl SealError {
    pub fn code(&self) -> String {
        match self {
            SealError::Invalid(_) => "seal.invalid_dossier".to_owned(),
            SealError::Certificate(report) => report
                .failures()
                .first()
                .map(|(_, p)| p.code.as_str().to_owned())
                .unwrap_or_else(|| "seal.certificate".to_owned()),
            SealError::Draft(e) => e.code().to_owned(),
            SealError::Pades(e) => e.code().to_owned(),
            SealError::Asic(e) => e.code().to_owned(),
            SealError::Io { .. } => "output.unwritable".to_owned(),
        }
    }

    pub fn text(&self) -> Text {
        match self {
            SealError::Invalid(_) => Text::new(
                "Hồ sơ chưa hợp lệ nên không thể ký niêm phong.",
                "The dossier is not valid, so it cannot be sealed.",
            ),
            SealError::Certificate(report) => {
                let (vi, en): (Vec<String>, Vec<String>) = report
                    .failures()
                    .iter()
                    .map(|(_, p)| (p.message.vi.clone(), p.message.en.clone()))
                    .unzip();
                Text::new(
                    format!(
                        "Chứng thư số không dùng được để ký hồ sơ này: {}",
                        vi.join(" ")
                    ),
                    format!("The certificate cannot sign this dossier: {}", en.join(" ")),
                )
            }
            SealError::Draft(e) => e.text(),
            SealError::Pades(e) => Text::new(
                format!("Không ký được tờ khai PDF: {e}."),
                format!("The form PDF could not be signed: {e}."),
            ),
            SealError::Asic(e) => Text::new(
                format!("Không tạo được tệp hồ sơ .asice: {e}."),
                format!("The .asice container could not be built: {e}."),
            ),
            SealError::Io { path, source } => Text::new(
                format!("Không ghi được {}: {source}.", path.display()),
                format!("Cannot write {}: {source}.", path.display()),
            ),
        }
    }
}

/// Checks the signer's certificate for this dossier: validity now, key usage, chain to the
/// anchors, revocation, and its tax code against the applicant's.
pub fn check_signer(
    signer: &dyn Signer,
    dossier: &Dossier,
    opts: &SealOptions<'_>,
) -> CertificateReport {
    let tax_code = dossier.applicant().tax_code.trim();
    checks::check_certificate(
        signer.certificate(),
        signer.chain(),
        opts.anchors,
        &CheckOptions {
            at: opts.signing_time,
            revocation: opts.revocation,
            expected_tax_code: (!tax_code.is_empty()).then_some(tax_code),
        },
    )
}

/// Seals a stored draft into `out` and marks it sealed: it can no longer change.
pub fn seal_draft(
    store: &mut Store,
    id: DraftId,
    signer: &dyn Signer,
    out: &Path,
    opts: &SealOptions<'_>,
) -> Result<Sealed, SealError> {
    let report = drafting::validate_draft(store, id, opts.today)?;
    if !report.is_valid() {
        return Err(SealError::Invalid(report));
    }
    let dossier = drafting::load(store, id)?;
    let certificate = check_signer(signer, &dossier, opts);
    if !certificate.all_hold() {
        return Err(SealError::Certificate(Box::new(certificate)));
    }
    let forms = drafting::render_draft(store, id)?;
    let open = |a: &AttachmentRef| -> Result<Box<dyn Read + '_>, SealError> {
        let reader = store.open_attachment(&a.sha256).map_err(DraftError::from)?;
        Ok(Box::new(reader))
    };
    let sealed = write_container(&dossier, &forms, open, signer, out, opts, certificate)?;
    store.mark_sealed(id).map_err(DraftError::from)?;
    Ok(sealed)
}

/// Seals a dossier file (its attachments read from where it names them).
pub fn seal_file(
    path: &Path,
    signer: &dyn Signer,
    out: &Path,
    opts: &SealOptions<'_>,
) -> Result<Sealed, SealError> {
    let (dossier, report) = drafting::validate_file(path, opts.today)?;
    if !report.is_valid() {
        return Err(SealError::Invalid(report));
    }
    let certificate = check_signer(signer, &dossier, opts);
    if !certificate.all_hold() {
        return Err(SealError::Certificate(Box::new(certificate)));
    }
    let forms = drafting::render_file(path, opts.today)?;
    let files = drafting::attachment_files(path)?;
    let open = |a: &AttachmentRef| -> Result<Box<dyn Read>, SealError> {
        let file = files
            .iter()
            .find(|(sha, _)| sha == &a.sha256)
            .map(|(_, p)| p.clone())
            .ok_or_else(|| SealError::Draft(DraftError::MissingBlob(a.file_name.clone())))?;
        let reader = std::fs::File::open(&file)
            .map_err(|source| SealError::Draft(DraftError::Read { path: file, source }))?;
        Ok(Box::new(reader))
    };
    write_container(&dossier, &forms, open, signer, out, opts, certificate)
}

/// Signs the forms, packs everything and signs the container, into a temporary file renamed
/// to `out` once complete.
fn write_container<'s>(
    dossier: &Dossier,
    forms: &[RenderedForm],
    open: impl Fn(&AttachmentRef) -> Result<Box<dyn Read + 's>, SealError>,
    signer: &dyn Signer,
    out: &Path,
    opts: &SealOptions<'_>,
    certificate: CertificateReport,
) -> Result<Sealed, SealError> {
    let fonts = AppearanceFonts {
        regular: crate::pdf::fonts::REGULAR,
        bold: crate::pdf::fonts::BOLD,
    };
    let mut signed_forms = Vec::new();
    for form in forms {
        let placement = form.pdf.signature.ok_or_else(|| {
            SealError::Pades(PadesError::Unsupported(format!(
                "{} has no signature block",
                form.file_name
            )))
        })?;
        let spec = SignatureFieldSpec {
            page: placement.page,
            rect: pades::Rect {
                x0: placement.signing_area.x0,
                y0: placement.signing_area.y0,
                x1: placement.signing_area.x1,
                y1: placement.signing_area.y1,
            },
            lines: Vec::new(),
        };
        let bytes = pades::sign_pdf(&form.pdf.bytes, &spec, &fonts, signer, opts.signing_time)?;
        signed_forms.push((format!("forms/{}", form.file_name), bytes));
    }

    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SealError::Io { path, source }
    };
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
    let file = tmp.reopen().map_err(io(tmp.path()))?;
    let mut builder = AsicBuilder::new(std::io::BufWriter::new(file))?;
    builder.add_file(
        "dossier.xml",
        "application/xml",
        std::io::Cursor::new(dossier_xml::to_xml(dossier)),
    )?;
    for (path, bytes) in &signed_forms {
        builder.add_file(path, "application/pdf", std::io::Cursor::new(bytes))?;
    }
    for (path, a) in attachment_paths(dossier.attachments()) {
        builder.add_file(&path, &a.media_type, open(a)?)?;
    }
    let mut writer = builder.sign(signer, opts.signing_time)?;
    writer.flush().map_err(io(tmp.path()))?;
    let file = writer.into_inner().map_err(|e| SealError::Io {
        path: tmp.path().to_owned(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(io(tmp.path()))?;
    let (sha256, size) = hash_file(tmp.path()).map_err(io(tmp.path()))?;
    tmp.persist(out).map_err(|e| SealError::Io {
        path: out.to_owned(),
        source: e.error,
    })?;
    Ok(Sealed {
        path: out.to_owned(),
        sha256,
        size,
        kind: dossier.kind(),
        forms: signed_forms.into_iter().map(|(p, _)| p).collect(),
        certificate,
    })
}

/// Where each attachment goes in the container: `attachments/<slot>/<file name>`, the name
/// kept (in NFC) but for path separators and control characters, made unique within its slot.
fn attachment_paths(attachments: &[AttachmentRef]) -> Vec<(String, &AttachmentRef)> {
    let mut used = std::collections::HashSet::new();
    attachments
        .iter()
        .map(|a| {
            let clean: String = a
                .file_name
                .chars()
                .map(|c| {
                    if c == '/' || c == '\\' || c.is_control() {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
            let clean = match clean.trim_matches('.') {
                "" => "file".to_owned(),
                name => name.to_owned(),
            };
            let mut path = format!("attachments/{}/{}", a.slot, clean);
            let mut n = 2;
            while !used.insert(path.clone()) {
                let (stem, ext) = match clean.rsplit_once('.') {
                    Some((s, e)) => (s.to_owned(), format!(".{e}")),
                    None => (clean.clone(), String::new()),
                };
                path = format!("attachments/{}/{stem}-{n}{ext}", a.slot);
                n += 1;
            }
            (path, a)
        })
        .collect()
}

/// SHA-256 (hex) and size of a file, streamed.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    file.rewind()?;
    Ok((hex::encode(hasher.finalize()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn att(slot: &str, name: &str) -> AttachmentRef {
        AttachmentRef {
            slot: slot.into(),
            file_name: name.into(),
            sha256: "00".into(),
            size: 1,
            media_type: "application/pdf".into(),
        }
    }

    #[test]
    fn attachment_paths_are_safe_and_unique() {
        let list = [
            att("other", "Hợp đồng.pdf"),
            att("other", "Hợp đồng.pdf"),
            att("other", "../../etc/passwd"),
            att("other", ".."),
        ];
        let paths: Vec<String> = attachment_paths(&list)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(
            paths,
            [
                "attachments/other/Hợp đồng.pdf",
                "attachments/other/Hợp đồng-2.pdf",
                "attachments/other/_.._etc_passwd",
                "attachments/other/file",
            ]
        );
    }
}
