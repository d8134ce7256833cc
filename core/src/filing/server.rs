//! What the reference portal cannot know by itself and hoso-core can: how to verify a filed
//! container and a signed login challenge, and the portal's own receipt key.
//!
//! Containers are verified exactly as `hoso verify` does it ([`crate::verify::verify_container`]:
//! XAdES over every data file, the manifest, the PAdES forms, each signer's certificate) against
//! the server's trust anchors. Revocation is **not** checked (offline mode): the reference
//! server runs on loopback for demos and tests with no OCSP responder or CRL to ask; a real
//! portal would check it online. The certificate's tax code is left to the portal, which files
//! a container only if one signer carries the applicant's tax code (a lawyer may sign too).

use std::path::Path;
use std::sync::Arc;

use hoso_portal::api::{DossierKind, codes};
use hoso_portal::server::verify::check_asic_shape;
use hoso_portal::server::{
    ClientIdentity, ContainerShapeVerifier, FilingVerifier, LoginVerifier, Rejection,
    UnavailableLoginVerifier, VerifiedFiling, VerifiedSigner, Verifiers, receipt_key,
};
use hoso_signing::certinfo::{self, CertificateInfo};
use hoso_signing::checks::{CheckOptions, RevocationMode, check_certificate};
use hoso_signing::cms::{DetachedContent, verify_detached};
use hoso_signing::p12::{self, Password};
use hoso_signing::trust::TrustAnchors;
use hoso_signing::{Signer, SoftwareSigner};
use x509_cert::Certificate;

use crate::verify::verify_container;

/// The file `hoso portal serve` takes the portal's receipt key from, when it exists.
pub const PORTAL_P12_FILE: &str = "portal-signer.p12";
/// The environment variable holding the password of [`PORTAL_P12_FILE`].
pub const PORTAL_P12_PASSWORD_ENV: &str = "HOSO_PORTAL_P12_PASSWORD";

/// Certificate problems the portal judges itself: whether *some* signer carries the
/// applicant's tax code (`filing.tax_code_mismatch`), not every one.
const TAX_CODE_CHECKS: [&str; 3] = [
    "cert.tax_code_mismatch",
    "cert.no_tax_code",
    "cert.tax_code_branch",
];

/// The verifiers of a portal that trusts `anchors` and signs receipts with `receipt_signer`.
///
/// With no anchor at all nothing can be verified, so the portal accepts nothing: containers
/// are only checked for their shape and every filing and login is refused with
/// `verification.unavailable`.
pub fn server_verifiers(
    anchors: TrustAnchors,
    receipt_signer: Arc<dyn Signer + Send + Sync>,
) -> Verifiers {
    if anchors.is_empty() {
        return Verifiers {
            filing: Arc::new(ContainerShapeVerifier),
            login: Arc::new(UnavailableLoginVerifier),
            receipt_signer,
        };
    }
    let anchors = Arc::new(anchors);
    Verifiers {
        filing: Arc::new(ContainerVerifier {
            anchors: anchors.clone(),
        }),
        login: Arc::new(CmsLoginVerifier { anchors }),
        receipt_signer,
    }
}

/// `prefix.code` with the code's own dot made an underscore (`chain.untrusted` →
/// `filing.chain_untrusted`): one dot, as the contract's codes have.
fn scoped(prefix: &str, code: &str) -> String {
    format!("{prefix}.{}", code.replace(['.', '-'], "_"))
}

/// Verifies filed containers as `hoso verify` does.
pub struct ContainerVerifier {
    anchors: Arc<TrustAnchors>,
}

impl FilingVerifier for ContainerVerifier {
    fn verify(&self, container: &Path) -> Result<VerifiedFiling, Rejection> {
        check_asic_shape(container)?;
        let report =
            verify_container(container, &self.anchors, RevocationMode::Offline).map_err(|e| {
                let t = e.text();
                Rejection::new(codes::FILING_NOT_ASIC, t.vi, t.en)
            })?;
        // Warnings (revocation not checked offline) do not stop a filing.
        if let Some(p) = report
            .problems
            .iter()
            .find(|p| !TAX_CODE_CHECKS.contains(&p.code.as_str()))
        {
            let code = match p.code.as_str() {
                "asic.unsigned" => codes::FILING_SIGNATURE_INVALID.to_owned(),
                other => scoped("filing", other),
            };
            return Err(Rejection::new(
                &code,
                format!("{}: {}", p.file, p.message.vi),
                format!("{}: {}", p.file, p.message.en),
            ));
        }
        let kind = report
            .kind
            .as_deref()
            .and_then(DossierKind::from_slug)
            .ok_or_else(|| {
                Rejection::new(
                    codes::FILING_NOT_ASIC,
                    "dossier.xml không nêu loại hồ sơ đã biết",
                    "dossier.xml names no known dossier kind",
                )
            })?;
        let applicant_tax_code = report.applicant_tax_code.clone().ok_or_else(|| {
            Rejection::new(
                codes::FILING_NOT_ASIC,
                "dossier.xml không có mã số thuế của người nộp đơn",
                "dossier.xml has no applicant tax code",
            )
        })?;
        let signers = report
            .signatures
            .iter()
            .filter(|s| s.file.starts_with("META-INF/"))
            .map(|s| VerifiedSigner {
                subject: s.signer.clone().unwrap_or_default(),
                tax_code: s.tax_code.clone(),
            })
            .collect();
        Ok(VerifiedFiling {
            kind,
            applicant_tax_code,
            signers,
        })
    }
}

/// Verifies a login: a detached CMS signature over the nonce whose certificate is valid now,
/// may sign, and chains to the portal's anchors (revocation not checked, as for filings).
pub struct CmsLoginVerifier {
    anchors: Arc<TrustAnchors>,
}

impl LoginVerifier for CmsLoginVerifier {
    fn verify(&self, nonce: &[u8], signed_nonce: &[u8]) -> Result<ClientIdentity, Rejection> {
        let cms = verify_detached(signed_nonce, DetachedContent::Bytes(nonce)).map_err(|e| {
            Rejection::new(
                codes::AUTH_SIGNATURE_INVALID,
                format!("Chữ ký trên mã thử thách không hợp lệ: {e}"),
                format!("The signature over the challenge does not hold: {e}"),
            )
        })?;
        let chain: Vec<Certificate> = cms
            .certificates
            .iter()
            .filter(|c| **c != cms.signer)
            .cloned()
            .collect();
        let report = check_certificate(
            &cms.signer,
            &chain,
            &self.anchors,
            &CheckOptions {
                at: jiff::Timestamp::now(),
                revocation: RevocationMode::Offline,
                expected_tax_code: None,
            },
        );
        if let Some((_, p)) = report.failures().first() {
            return Err(Rejection::new(
                &scoped("auth", p.code.as_str()),
                p.message.vi.clone(),
                p.message.en.clone(),
            ));
        }
        let info = CertificateInfo::from_certificate(&cms.signer);
        Ok(ClientIdentity {
            subject: certinfo::name_text(&cms.signer.tbs_certificate.subject),
            tax_code: info.tax_code().map(str::to_owned),
        })
    }
}

/// The verifiers of a portal that trusts `anchors` and signs receipts with its own key from
/// `data_dir` ([`receipt_signer`]): what `hoso portal serve` runs with.
pub fn verifiers_for(data_dir: &Path, anchors: TrustAnchors) -> Result<Verifiers, ReceiptKeyError> {
    let receipt_signer = receipt_signer(data_dir)?;
    Ok(server_verifiers(anchors, Arc::new(receipt_signer)))
}

/// Why the portal's receipt key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptKeyError {
    #[error("{file}: set {PORTAL_P12_PASSWORD_ENV} to its password")]
    NoPassword { file: String },
    #[error("{file}: {detail}")]
    P12 { file: String, detail: String },
    #[error("{0}")]
    Generated(String),
}

/// The portal's own key, which signs receipts: `DATA/portal-signer.p12` when there is one (its
/// password in `HOSO_PORTAL_P12_PASSWORD`), else a P-256 key and self-issued certificate made on
/// first start and kept in `DATA/receipt-key/` (`key.p8`, `cert.der`) so that receipts stay
/// verifiable across restarts. A reference server only: a real portal's key lives in an HSM.
pub fn receipt_signer(data_dir: &Path) -> Result<SoftwareSigner, ReceiptKeyError> {
    let p12_path = data_dir.join(PORTAL_P12_FILE);
    if p12_path.is_file() {
        let file = p12_path.display().to_string();
        let password = std::env::var(PORTAL_P12_PASSWORD_ENV)
            .map_err(|_| ReceiptKeyError::NoPassword { file: file.clone() })?;
        let bytes = std::fs::read(&p12_path).map_err(|e| ReceiptKeyError::P12 {
            file: file.clone(),
            detail: e.to_string(),
        })?;
        return p12::open(&bytes, &Password::new(password)).map_err(|e| ReceiptKeyError::P12 {
            file,
            detail: e.to_string(),
        });
    }
    receipt_key::load_or_create(data_dir).map_err(|e| ReceiptKeyError::Generated(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_one_dot() {
        assert_eq!(
            scoped("filing", "chain.untrusted"),
            "filing.chain_untrusted"
        );
        assert_eq!(scoped("auth", "cert.expired"), "auth.cert_expired");
    }
}
