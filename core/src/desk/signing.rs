//! Tokens and sealing: every token of the configured and known PKCS#11 modules with its PIN
//! warnings and certificates (checked against a draft when one is given), and sealing a batch
//! of drafts with one login, queued in the outbox and, when asked, filed with that same login.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use hoso_signing::checks::{self, CheckKind, CheckOptions, CheckOutcome, RevocationMode};
use hoso_signing::p12::Password;
use hoso_signing::pkcs11::modules::discover;
use hoso_signing::pkcs11::{ModuleCandidate, ModuleOrigin, Pin, TokenCertificate};
use hoso_signing::trust::TrustAnchors;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::app::{self, Settings};
use super::filing::{RunView, SessionView, run_outbox};
use super::{DeskError, DeskResult, Progress, ProgressTask, ProgressUnit};
use crate::filing::outbox::{self, RunOptions};
use crate::filing::{self, Link, LinkOptions, OpenSigner};
use crate::keys::{self, AnySigner};
use crate::seal::{self, SealOptions};
use crate::store::{DraftId, Store};
use crate::text::Text;

/// The token key or PKCS#12 file to sign with. JSON: `{ "token": { "module", "slot",
/// "key_id" } }` or `{ "file": { "path" } }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SignerRef {
    Token {
        /// The PKCS#11 module's path, as [`TokenView::module`] gives it.
        module: String,
        slot: u64,
        /// CKA_ID of the certificate and its key, hexadecimal.
        key_id: String,
    },
    File {
        path: String,
    },
}

/// A token in a slot (or a module that could not be used, with `error`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TokenView {
    pub module: String,
    /// The token software's vendor, for a known module.
    pub vendor: Option<String>,
    /// `null` when the module itself could not be used.
    pub slot_id: Option<u64>,
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    /// A blank token holds nothing to sign with.
    pub initialized: bool,
    /// The PIN is typed on the device.
    pub pin_pad: bool,
    /// The PIN is locked: the token cannot sign.
    pub pin_locked: bool,
    /// To show before the PIN is typed (few tries left, final try, locked, to be changed).
    pub pin_warnings: Vec<Text>,
    pub certificates: Vec<CertificateView>,
    pub error: Option<Text>,
}

/// A certificate on a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CertificateView {
    /// CKA_ID, hexadecimal: what [`SignerRef::Token`] names.
    pub key_id: String,
    pub label: String,
    /// A CA certificate kept on the token: never signs.
    pub is_ca: bool,
    pub subject: String,
    pub issuer: String,
    pub common_name: Option<String>,
    pub serial: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    /// The MST Vietnamese CAs put in the subject.
    pub tax_code: Option<String>,
    /// The CCCD number, for a personal certificate.
    pub citizen_id: Option<String>,
    /// The checks against the draft asked about (empty without one).
    pub checks: Vec<CheckRow>,
    /// Every check holds (warnings allowed): this certificate can seal the draft.
    pub usable: bool,
}

/// One certificate check, as a row of the signing dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CheckRow {
    pub check: CheckName,
    pub status: CheckStatus,
    pub code: Option<String>,
    pub message: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    Validity,
    KeyUsage,
    Chain,
    Revocation,
    TaxCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Passed,
    Warning,
    Indeterminate,
    Failed,
    Skipped,
}

/// One sealed draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SealedView {
    pub draft_id: DraftId,
    /// The container under the data folder's `sealed/`.
    pub path: String,
    pub sha256: String,
    pub size: u64,
    /// Its outbox item.
    pub outbox_id: i64,
    /// Certificate warnings to tell the user (revocation not checked offline, …).
    pub warnings: Vec<Text>,
}

/// What sealing (and submitting) did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SealOutcome {
    pub sealed: Vec<SealedView>,
    /// The portal session, when submitted.
    pub session: Option<SessionView>,
    /// The outbox run, when submitted.
    pub run: Option<RunView>,
}

fn check_row(kind: CheckKind, outcome: &CheckOutcome) -> CheckRow {
    CheckRow {
        check: match kind {
            CheckKind::Validity => CheckName::Validity,
            CheckKind::KeyUsage => CheckName::KeyUsage,
            CheckKind::Chain => CheckName::Chain,
            CheckKind::Revocation => CheckName::Revocation,
            CheckKind::TaxCode => CheckName::TaxCode,
        },
        status: match outcome.status {
            checks::Status::Passed => CheckStatus::Passed,
            checks::Status::Warning => CheckStatus::Warning,
            checks::Status::Indeterminate => CheckStatus::Indeterminate,
            checks::Status::Failed => CheckStatus::Failed,
            checks::Status::Skipped => CheckStatus::Skipped,
        },
        code: outcome.code().map(|c| c.as_str().to_owned()),
        message: outcome.problem.as_ref().map(|p| Text::from(&p.message)),
    }
}

/// The trust anchors: the bundled ones, `HOSO_TRUST_ANCHORS`, and the file of the settings.
fn anchors(settings: &Settings) -> DeskResult<TrustAnchors> {
    let files: Vec<PathBuf> = settings.trust_anchors.iter().map(PathBuf::from).collect();
    TrustAnchors::load(&files).map_err(|e| {
        let m = e.message();
        DeskError::new(e.code(), Text::new(m.vi, m.en))
    })
}

/// The modules to list: the configured paths first, then `HOSO_PKCS11_MODULE`, then the known
/// token software found on this machine; each file once.
fn candidates(settings: &Settings) -> Vec<ModuleCandidate> {
    let configured = settings.pkcs11_modules.iter().map(|path| ModuleCandidate {
        path: PathBuf::from(path),
        origin: ModuleOrigin::User,
        vendor: None,
        confidence: None,
    });
    let mut seen = HashSet::new();
    configured
        .chain(discover())
        .filter(|c| seen.insert(std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone())))
        .collect()
}

/// Every token of every module, with its certificates; checked against `draft` when given
/// (validity now, key usage, chain to the trust anchors, the applicant's tax code; revocation
/// is left to sealing, which may go online).
pub fn tokens(store: &Store, draft: Option<DraftId>) -> DeskResult<Vec<TokenView>> {
    let settings = app::settings_get(store)?;
    // What a certificate is checked against: the trust anchors and the applicant's tax code.
    let against = match draft {
        Some(id) => {
            let dossier = crate::drafting::load(store, id)?;
            let tax_code = dossier.applicant().tax_code.trim().to_owned();
            Some((anchors(&settings)?, tax_code))
        }
        None => None,
    };
    let now = Timestamp::now();
    let mut out = Vec::new();
    for listing in keys::list_modules(candidates(&settings)) {
        let module = listing.module.display().to_string();
        if let Some(error) = listing.error {
            out.push(TokenView {
                module,
                vendor: listing.vendor,
                slot_id: None,
                label: String::new(),
                manufacturer: String::new(),
                model: String::new(),
                serial: String::new(),
                initialized: false,
                pin_pad: false,
                pin_locked: false,
                pin_warnings: Vec::new(),
                certificates: Vec::new(),
                error: Some(error.message),
            });
            continue;
        }
        for token in listing.tokens {
            let chain: Vec<_> = token
                .certificates
                .iter()
                .filter(|c| c.is_ca)
                .map(|c| c.certificate.clone())
                .collect();
            let certificates = token
                .certificates
                .iter()
                .map(|c| {
                    let checks = match &against {
                        Some((anchors, tax)) if !c.is_ca => {
                            let report = checks::check_certificate(
                                &c.certificate,
                                &chain,
                                anchors,
                                &CheckOptions {
                                    at: now,
                                    revocation: RevocationMode::Offline,
                                    expected_tax_code: (!tax.is_empty()).then_some(tax.as_str()),
                                },
                            );
                            report
                                .outcomes()
                                .into_iter()
                                .map(|(k, o)| check_row(k, o))
                                .collect()
                        }
                        _ => Vec::new(),
                    };
                    certificate_view(c, checks, now)
                })
                .collect();
            out.push(TokenView {
                module: module.clone(),
                vendor: listing.vendor.clone(),
                slot_id: Some(token.slot_id),
                label: token.label,
                manufacturer: token.manufacturer,
                model: token.model,
                serial: token.serial,
                initialized: token.initialized,
                pin_pad: token.protected_authentication_path,
                pin_locked: token.pin.user_pin_locked,
                pin_warnings: keys::pin_warnings(&token.pin),
                certificates,
                error: token.certificates_error.map(|e| {
                    Text::new(
                        format!("Không đọc được chứng thư số: {e}"),
                        format!("Cannot read the certificates: {e}"),
                    )
                }),
            });
        }
    }
    Ok(out)
}

fn certificate_view(
    c: &TokenCertificate,
    checks: Vec<CheckRow>,
    now: Timestamp,
) -> CertificateView {
    let usable = !c.is_ca
        && if checks.is_empty() {
            c.info.is_valid_at(now)
        } else {
            checks.iter().all(|r| {
                matches!(
                    r.status,
                    CheckStatus::Passed | CheckStatus::Warning | CheckStatus::Skipped
                )
            })
        };
    CertificateView {
        key_id: hex::encode(&c.id),
        label: c.label.clone(),
        is_ca: c.is_ca,
        subject: c.info.subject.clone(),
        issuer: c.info.issuer.clone(),
        common_name: c.info.common_name.clone(),
        serial: c.info.serial.clone(),
        not_before: c.info.not_before,
        not_after: c.info.not_after,
        tax_code: c.info.tax_code().map(str::to_owned),
        citizen_id: c.info.citizen_id().map(str::to_owned),
        checks,
        usable,
    }
}

/// Opens the signer a [`SignerRef`] names with one login. The secret is moved into a PIN or
/// password that zeroizes itself; it is never kept or logged.
pub fn open_signer(signer: &SignerRef, secret: String) -> DeskResult<AnySigner> {
    match signer {
        SignerRef::File { path } => {
            let password = Password::new(secret);
            Ok(AnySigner::File(Box::new(keys::open_p12(
                Path::new(path),
                &password,
            )?)))
        }
        SignerRef::Token {
            module,
            slot,
            key_id,
        } => {
            let pin = Pin::new(secret);
            let key_id = match key_id.trim() {
                "" => None,
                hex_id => Some(hex::decode(hex_id).map_err(|_| {
                    DeskError::new(
                        "token.key_id",
                        Text::new(
                            format!("Mã khóa «{hex_id}» không hợp lệ."),
                            format!("The key id «{hex_id}» is not valid hexadecimal."),
                        ),
                    )
                })?),
            };
            let session = keys::open_token(Path::new(module), *slot, key_id, &pin)?;
            Ok(AnySigner::Token(Box::new(session)))
        }
    }
}

/// Where sealing puts a draft's container.
pub fn sealed_path(store: &Store, id: DraftId) -> PathBuf {
    store
        .data_dir()
        .join("sealed")
        .join(format!("dossier-{id}.asice"))
}

/// Seals each draft with one login into the data folder's `sealed/`, queues each in the outbox
/// (which links the container to its draft, so a later submit by draft id finds it), and when
/// `submit` is set logs in to the portal with the same open signer and runs the outbox.
/// Revocation is checked online unless the settings say to work offline.
///
/// Stops at the first draft that cannot be sealed; the ones before it stay sealed and queued.
#[allow(clippy::too_many_arguments)]
pub async fn seal(
    store: &mut Store,
    draft_ids: &[DraftId],
    signer: &SignerRef,
    secret: String,
    submit: bool,
    link_options: &LinkOptions,
    today: Date,
    progress: &mut dyn FnMut(Progress),
) -> DeskResult<SealOutcome> {
    let settings = app::settings_get(store)?;
    let anchors = anchors(&settings)?;
    let total = draft_ids.len() as u64;
    progress(Progress {
        task: ProgressTask::Seal,
        item: None,
        done: 0,
        total,
        unit: ProgressUnit::Items,
        label: Text::new("Đang mở token…", "Opening the token…"),
    });
    let signer = open_signer(signer, secret)?;
    let opts = SealOptions {
        signing_time: Timestamp::now(),
        today,
        anchors: &anchors,
        revocation: if settings.check_revocation {
            RevocationMode::online()
        } else {
            RevocationMode::Offline
        },
    };
    let mut sealed = Vec::new();
    for (i, &id) in draft_ids.iter().enumerate() {
        progress(Progress {
            task: ProgressTask::Seal,
            item: Some(id.to_string()),
            done: i as u64,
            total,
            unit: ProgressUnit::Items,
            label: Text::new(
                format!("Đang ký hồ sơ {id}…"),
                format!("Sealing dossier {id}…"),
            ),
        });
        let out = sealed_path(store, id);
        let done = seal::seal_draft(store, id, signer.as_signer(), &out, &opts)?;
        let queued = outbox::queue_sealed(store, &done, id)?;
        sealed.push(SealedView {
            draft_id: id,
            path: done.path.display().to_string(),
            sha256: done.sha256.clone(),
            size: done.size,
            outbox_id: queued.item.id,
            warnings: done
                .certificate
                .warnings()
                .into_iter()
                .map(|(_, p)| Text::from(&p.message))
                .collect(),
        });
    }
    progress(Progress {
        task: ProgressTask::Seal,
        item: None,
        done: total,
        total,
        unit: ProgressUnit::Items,
        label: Text::new(
            format!("Đã ký {total} hồ sơ."),
            format!("{total} dossiers sealed."),
        ),
    });
    if !submit {
        return Ok(SealOutcome {
            sealed,
            session: None,
            run: None,
        });
    }
    let portal = filing::portal_url(store, None)?;
    let mut credentials = OpenSigner(signer.as_signer());
    let mut link = Link::new(&portal, link_options, Some(&mut credentials))?;
    progress(Progress {
        task: ProgressTask::Login,
        item: None,
        done: 0,
        total: 1,
        unit: ProgressUnit::Items,
        label: Text::new(
            format!("Đang đăng nhập {portal}…"),
            format!("Logging in to {portal}…"),
        ),
    });
    let session = SessionView::from(link.log_in(false).await?);
    let run = run_outbox(store, &mut link, RunOptions::default(), progress).await?;
    Ok(SealOutcome {
        sealed,
        session: Some(session),
        run: Some(run),
    })
}
