//! Verification (kiểm tra hồ sơ đã ký) of a sealed dossier or of one signed form: every
//! signature, every data file's digest, the manifest, the PAdES forms inside, and the checks
//! of each signer's certificate (validity at signing time, key usage, chain, revocation, and
//! the tax code against the applicant's in `dossier.xml`). Each problem names its file.

use std::io::{Read, Seek};
use std::path::Path;

use hoso_signing::asic::{self, ContainerProblem};
use hoso_signing::checks::{self, CertificateReport, CheckOptions, RevocationMode};
use hoso_signing::pades;
use hoso_signing::trust::TrustAnchors;
use jiff::Timestamp;
use serde::Serialize;
use x509_cert::Certificate;

use crate::dossier_xml;
use crate::text::Text;

/// One problem, naming the file (or signature) it is about.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyProblem {
    pub file: String,
    pub code: String,
    pub message: Text,
}

/// A signature found and the checks of its certificate.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureSummary {
    /// `META-INF/signatures0.xml`, or `forms/….pdf` for a form's signature.
    pub file: String,
    pub signer: Option<String>,
    pub tax_code: Option<String>,
    pub signing_time: Option<Timestamp>,
    pub valid: bool,
    pub certificate: Option<CertificateReport>,
}

/// Everything verification found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub kind: Option<String>,
    pub applicant_tax_code: Option<String>,
    pub files: Vec<String>,
    pub signatures: Vec<SignatureSummary>,
    pub problems: Vec<VerifyProblem>,
    pub warnings: Vec<VerifyProblem>,
}

impl VerifyReport {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Why verification could not even start.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("not a dossier container: {0}")]
    NotAContainer(String),
}

impl VerifyError {
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::Read { .. } => "input.unreadable",
            VerifyError::NotAContainer(_) => "asic.not_a_container",
        }
    }

    pub fn text(&self) -> Text {
        match self {
            VerifyError::Read { path, source } => Text::new(
                format!("Không đọc được {}: {source}.", path.display()),
                self.to_string(),
            ),
            VerifyError::NotAContainer(m) => Text::new(
                format!("Tệp không phải hồ sơ .asice hợp lệ: {m}."),
                self.to_string(),
            ),
        }
    }
}

fn container_problem_text(p: &ContainerProblem) -> Text {
    let vi = match p {
        ContainerProblem::BadMimetype { detail } => {
            format!("Mục mimetype không đúng chuẩn ASiC-E: {detail}.")
        }
        ContainerProblem::TamperedFile { path, signature } => {
            format!("{path} đã bị thay đổi sau khi ký ({signature}).")
        }
        ContainerProblem::MissingFile { path, signature } => {
            format!("{path} đã được ký ({signature}) nhưng không có trong hồ sơ.")
        }
        ContainerProblem::ExtraFile { path } => {
            format!("{path} không được chữ ký nào bao phủ (tệp thêm vào).")
        }
        ContainerProblem::ManifestMismatch { path, detail } => {
            format!("{path}: danh mục tệp (manifest) không khớp: {detail}.")
        }
        ContainerProblem::BadSignature {
            signature, detail, ..
        } => {
            format!("Chữ ký {signature} không hợp lệ: {detail}.")
        }
        ContainerProblem::UnreadableFile { path, detail } => {
            format!("Không đọc được {path}: {detail}.")
        }
        ContainerProblem::Unsigned => "Hồ sơ chưa được ký.".to_owned(),
    };
    Text::new(vi, p.to_string())
}

fn problem_file(p: &ContainerProblem) -> String {
    match p {
        ContainerProblem::BadMimetype { .. } => "mimetype".to_owned(),
        ContainerProblem::TamperedFile { path, .. }
        | ContainerProblem::MissingFile { path, .. }
        | ContainerProblem::ExtraFile { path }
        | ContainerProblem::ManifestMismatch { path, .. }
        | ContainerProblem::UnreadableFile { path, .. } => path.clone(),
        ContainerProblem::BadSignature { signature, .. } => signature.clone(),
        ContainerProblem::Unsigned => "META-INF".to_owned(),
    }
}

/// What signers are checked against.
#[derive(Clone, Copy)]
struct Trust<'a> {
    anchors: &'a TrustAnchors,
    revocation: RevocationMode,
}

/// Checks a signer's certificate and records its failures and warnings against `file`.
fn check_signer(
    file: &str,
    signer: &Certificate,
    chain: &[Certificate],
    at: Timestamp,
    expected_tax_code: Option<&str>,
    trust: Trust<'_>,
    report: &mut VerifyReport,
) -> CertificateReport {
    let checked = checks::check_certificate(
        signer,
        chain,
        trust.anchors,
        &CheckOptions {
            at,
            revocation: trust.revocation,
            expected_tax_code,
        },
    );
    for (_, p) in checked.failures() {
        report.problems.push(VerifyProblem {
            file: file.to_owned(),
            code: p.code.as_str().to_owned(),
            message: Text::from(&p.message),
        });
    }
    for (_, p) in checked.warnings() {
        report.warnings.push(VerifyProblem {
            file: file.to_owned(),
            code: p.code.as_str().to_owned(),
            message: Text::from(&p.message),
        });
    }
    checked
}

fn subject_summary(cert: &Certificate) -> (Option<String>, Option<String>) {
    let info = hoso_signing::certinfo::CertificateInfo::from_certificate(cert);
    (
        Some(info.subject.clone()),
        info.tax_code().map(str::to_owned),
    )
}

/// Verifies a sealed dossier (`.asice`).
pub fn verify_container(
    path: &Path,
    anchors: &TrustAnchors,
    revocation: RevocationMode,
) -> Result<VerifyReport, VerifyError> {
    let read = |source| VerifyError::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read)?;
    let container = asic::verify_container(std::io::BufReader::new(file))
        .map_err(|e| VerifyError::NotAContainer(e.to_string()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(
        std::fs::File::open(path).map_err(read)?,
    ))
    .map_err(|e| VerifyError::NotAContainer(e.to_string()))?;

    let dossier = read_entry(&mut zip, "dossier.xml");
    let mut report = VerifyReport {
        kind: dossier.as_deref().and_then(dossier_xml::kind),
        applicant_tax_code: dossier.as_deref().and_then(dossier_xml::applicant_tax_code),
        files: container.files.iter().map(|f| f.path.clone()).collect(),
        signatures: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    if dossier.is_none() {
        report.problems.push(VerifyProblem {
            file: "dossier.xml".into(),
            code: "dossier.missing_data".into(),
            message: Text::new(
                "Hồ sơ thiếu tệp dữ liệu dossier.xml.",
                "The container has no dossier.xml.",
            ),
        });
    }
    for p in &container.problems {
        report.problems.push(VerifyProblem {
            file: problem_file(p),
            code: p.code().to_owned(),
            message: container_problem_text(p),
        });
    }
    let tax_code = report.applicant_tax_code.clone();
    for sig in &container.signatures {
        let Some(x) = &sig.report else { continue };
        let Some(signer) = &x.signer else { continue };
        let at = x.signing_time.unwrap_or_else(Timestamp::now);
        let chain: Vec<Certificate> = x
            .certificates
            .iter()
            .filter(|c| *c != signer)
            .cloned()
            .collect();
        let checked = check_signer(
            &sig.file,
            signer,
            &chain,
            at,
            tax_code.as_deref(),
            Trust {
                anchors,
                revocation,
            },
            &mut report,
        );
        let (subject, mst) = subject_summary(signer);
        report.signatures.push(SignatureSummary {
            file: sig.file.clone(),
            signer: subject,
            tax_code: mst,
            signing_time: x.signing_time,
            valid: x.is_valid() && checked.all_hold(),
            certificate: Some(checked),
        });
    }
    let forms: Vec<String> = container
        .files
        .iter()
        .filter(|f| f.path.starts_with("forms/") && f.path.ends_with(".pdf"))
        .map(|f| f.path.clone())
        .collect();
    for form in forms {
        let Some(bytes) = read_entry(&mut zip, &form) else {
            continue;
        };
        verify_pdf_bytes(
            &form,
            &bytes,
            tax_code.as_deref(),
            Trust {
                anchors,
                revocation,
            },
            &mut report,
        );
    }
    Ok(report)
}

/// Verifies one signed form PDF on its own.
pub fn verify_pdf(
    path: &Path,
    anchors: &TrustAnchors,
    revocation: RevocationMode,
) -> Result<VerifyReport, VerifyError> {
    let bytes = std::fs::read(path).map_err(|source| VerifyError::Read {
        path: path.to_owned(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut report = VerifyReport {
        kind: None,
        applicant_tax_code: None,
        files: vec![name.clone()],
        signatures: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let trust = Trust {
        anchors,
        revocation,
    };
    verify_pdf_bytes(&name, &bytes, None, trust, &mut report);
    Ok(report)
}

fn verify_pdf_bytes(
    name: &str,
    bytes: &[u8],
    tax_code: Option<&str>,
    trust: Trust<'_>,
    report: &mut VerifyReport,
) {
    let problem = |code: &str, vi: String, en: String| VerifyProblem {
        file: name.to_owned(),
        code: code.to_owned(),
        message: Text::new(vi, en),
    };
    let sigs = match pades::verify_pdf(bytes) {
        Ok(s) => s,
        Err(e) => {
            report.problems.push(problem(
                e.code(),
                format!("Không đọc được chữ ký của {name}: {e}."),
                format!("The signatures of {name} cannot be read: {e}."),
            ));
            return;
        }
    };
    if sigs.is_empty() {
        report.problems.push(problem(
            "pades.unsigned",
            format!("{name} chưa được ký."),
            format!("{name} is not signed."),
        ));
    }
    for s in sigs {
        if !s.is_valid() {
            report.problems.push(problem(
                "pades.invalid_signature",
                format!(
                    "Chữ ký trên {name} không hợp lệ (nội dung đã bị thay đổi hoặc chữ ký sai)."
                ),
                format!(
                    "The signature on {name} does not hold (changed content or a bad signature)."
                ),
            ));
        } else if !s.covers_whole_document {
            report.problems.push(problem(
                "pades.partial",
                format!("Chữ ký trên {name} không bao phủ toàn bộ tệp: tệp đã được thêm nội dung sau khi ký."),
                format!("The signature on {name} does not cover the whole file: content was added after signing."),
            ));
        }
        let Some(signer) = &s.signer else { continue };
        let chain: Vec<Certificate> = s
            .certificates
            .iter()
            .filter(|c| *c != signer)
            .cloned()
            .collect();
        let at = s.signing_time.unwrap_or_else(Timestamp::now);
        let checked = check_signer(name, signer, &chain, at, tax_code, trust, report);
        let (subject, mst) = subject_summary(signer);
        report.signatures.push(SignatureSummary {
            file: name.to_owned(),
            signer: subject,
            tax_code: mst,
            signing_time: s.signing_time,
            valid: s.is_valid() && s.covers_whole_document && checked.all_hold(),
            certificate: Some(checked),
        });
    }
}

fn read_entry<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<Vec<u8>> {
    let mut entry = zip.by_name(name).ok()?;
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}
