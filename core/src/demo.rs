//! The demo: the main job on the example dossiers, end to end, in a data folder of its own.
//! The examples are built into the binary, so `hoso demo` works from any installation.
//!
//! Profiles and one draft of each kind are made and validated; a test CA is generated, with one
//! signer per applicant on a SoftHSM2 token (when the module is installed) or in a PKCS#12 file;
//! the reference portal starts on a free loopback port with its own data, trusting that CA; the
//! dossiers are sealed, queued and filed through the outbox; the portal's officer moves one to
//! "supplement requested", one to "approved" and one to "fee due"; the statuses are synced,
//! which opens the supplement draft.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hoso_portal::api::Status;
use hoso_portal::server::{Server, ServerConfig};
use hoso_signing::SignError;
use hoso_signing::checks::RevocationMode;
use hoso_signing::p12::{self, Password};
use hoso_signing::pkcs11::{Module, Pin, provision};
use hoso_signing::test_pki::{IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

use crate::drafting::{self, DraftError};
use crate::filing::outbox::{self, RunOptions};
use crate::filing::status::{self, DossierView};
use crate::filing::{FilingError, Link, LinkOptions, OpenSigner, server};
use crate::keys::AnySigner;
use crate::kind::DossierKind;
use crate::profile::{Agent, Enterprise, Profile};
use crate::seal::{self, SealError, SealOptions};
use crate::store::{DraftId, Store, StoreError};
use crate::text::Text;

/// The example dossiers, one per kind, and the files they attach: `(relative path, bytes)`.
pub const EXAMPLES: &[(&str, &[u8])] = &[
    (
        "tech-transfer.json",
        include_bytes!("../../examples/tech-transfer.json"),
    ),
    ("patent.json", include_bytes!("../../examples/patent.json")),
    (
        "utility-solution.json",
        include_bytes!("../../examples/utility-solution.json"),
    ),
    (
        "industrial-design.json",
        include_bytes!("../../examples/industrial-design.json"),
    ),
    (
        "trademark.json",
        include_bytes!("../../examples/trademark.json"),
    ),
    (
        "barcode.json",
        include_bytes!("../../examples/barcode.json"),
    ),
    (
        "files/mark.png",
        include_bytes!("../../examples/files/mark.png"),
    ),
    (
        "files/description.pdf",
        include_bytes!("../../examples/files/description.pdf"),
    ),
    (
        "files/abstract.pdf",
        include_bytes!("../../examples/files/abstract.pdf"),
    ),
    (
        "files/design-views.pdf",
        include_bytes!("../../examples/files/design-views.pdf"),
    ),
    (
        "files/design-description.pdf",
        include_bytes!("../../examples/files/design-description.pdf"),
    ),
    (
        "files/contract.pdf",
        include_bytes!("../../examples/files/contract.pdf"),
    ),
    (
        "files/business-registration.pdf",
        include_bytes!("../../examples/files/business-registration.pdf"),
    ),
];

/// The examples folder to use: the one given, else the built-in examples written out under
/// `scratch`.
pub fn materialise_examples(given: Option<&Path>, scratch: &Path) -> std::io::Result<PathBuf> {
    if let Some(dir) = given {
        return Ok(dir.to_owned());
    }
    let dir = scratch.join("examples");
    for (rel, bytes) in EXAMPLES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    Ok(dir)
}

/// One dossier of the demo.
#[derive(Debug, Clone, Serialize)]
pub struct DemoDossier {
    pub kind: DossierKind,
    pub draft_id: DraftId,
    pub title: String,
    pub valid: bool,
    pub problems: usize,
    /// The dossier number (số hồ sơ) on the portal's receipt, once filed.
    pub dossier_number: Option<String>,
    /// The portal's status after the officer's moves (`received`, `approved`, …).
    pub status: Option<String>,
    pub received_at: Option<Timestamp>,
    /// The draft opened to answer a supplement request.
    pub supplement_draft_id: Option<DraftId>,
}

/// How the demo signs.
pub enum DemoToken {
    /// Tokens on this SoftHSM2 module; `SOFTHSM2_CONF` must already name the demo's token
    /// folder ([`SoftHsmDir`]) when the module is first loaded in the process.
    SoftHsm { module: PathBuf },
    /// PKCS#12 files generated for the run.
    Pkcs12,
}

/// A SoftHSM2 configuration of the demo's own, removed when dropped: the demo's tokens never
/// land in another token folder.
pub struct SoftHsmDir {
    _dir: tempfile::TempDir,
    /// What `SOFTHSM2_CONF` must name.
    pub conf: PathBuf,
}

/// The SoftHSM2 PKCS#11 module installed on this machine, if any.
pub fn softhsm_module() -> Option<PathBuf> {
    hoso_signing::pkcs11::modules::discover()
        .into_iter()
        .map(|c| c.path)
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains("softhsm2"))
        })
}

/// Writes a SoftHSM2 configuration with an empty token folder.
pub fn softhsm_dir() -> std::io::Result<SoftHsmDir> {
    let dir = tempfile::Builder::new()
        .prefix("hoso-demo-softhsm-")
        .tempdir()?;
    let tokens = dir.path().join("tokens");
    std::fs::create_dir_all(&tokens)?;
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )?;
    Ok(SoftHsmDir { _dir: dir, conf })
}

/// What the demo did.
#[derive(Debug)]
pub struct DemoRun {
    pub data_dir: PathBuf,
    /// The data folder keeps its content encrypted (store/key.rs decides).
    pub encrypted: bool,
    pub dossiers: Vec<DemoDossier>,
    /// The reference portal's address while the demo ran; `None` when the dossiers were not
    /// valid, so nothing was filed.
    pub portal: Option<String>,
    /// `SoftHSM2` or `PKCS#12`.
    pub signed_with: Option<&'static str>,
    /// The statuses as last synced.
    pub statuses: Vec<DossierView>,
    /// Removes the demo's own data folder when dropped, unless kept.
    _scratch: Option<tempfile::TempDir>,
}

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Draft(#[from] DraftError),
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error(transparent)]
    Filing(#[from] FilingError),
    #[error("test signer: {0}")]
    Signer(#[from] SignError),
    #[error("reference portal: {0}")]
    Portal(String),
}

impl From<StoreError> for DemoError {
    fn from(e: StoreError) -> DemoError {
        DemoError::Draft(e.into())
    }
}

impl DemoError {
    pub fn code(&self) -> String {
        match self {
            DemoError::Draft(e) => e.code().to_owned(),
            DemoError::Seal(e) => e.code(),
            DemoError::Filing(e) => e.code().to_owned(),
            DemoError::Signer(e) => e.code().to_owned(),
            DemoError::Portal(_) => "demo.portal".to_owned(),
        }
    }

    pub fn text(&self) -> Text {
        match self {
            DemoError::Draft(e) => e.text(),
            DemoError::Seal(e) => e.text(),
            DemoError::Filing(e) => e.text(),
            DemoError::Signer(e) => Text::new(
                format!("Không tạo được chữ ký thử nghiệm: {e}."),
                format!("The test signer failed: {e}."),
            ),
            DemoError::Portal(e) => Text::new(
                format!("Cổng tham chiếu không chạy được: {e}."),
                format!("The reference portal failed: {e}."),
            ),
        }
    }
}

/// Runs the demo. With no `data_dir`, everything lives in a temporary folder removed when the
/// run is dropped (or kept with `keep`).
pub fn run(
    examples: Option<&Path>,
    data_dir: Option<&Path>,
    keep: bool,
    today: Date,
    token: &DemoToken,
) -> Result<DemoRun, DemoError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| DraftError::Read { path, source }
    };
    let scratch = tempfile::Builder::new()
        .prefix("hoso-demo-")
        .tempdir()
        .map_err(io(&std::env::temp_dir()))?;
    let own_folder = data_dir.is_none();
    let data_dir = data_dir.map_or_else(|| scratch.path().join("data"), Path::to_owned);
    let examples = materialise_examples(examples, scratch.path()).map_err(io(scratch.path()))?;
    // The demo's own folder, removed at the end, is encrypted with a key that lives as long as
    // the run; a folder that outlives it (the user's, or one kept) goes by the keyring's rules.
    let mut store = if own_folder && !keep {
        Store::open_with_key(&data_dir, &crate::store::DataKey::generate())
    } else {
        Store::open(&data_dir)
    }
    .map_err(DraftError::from)?;
    let mut dossiers = draft_examples(&mut store, &examples, today)?;

    let mut portal = None;
    let mut signed_with = None;
    let mut statuses = Vec::new();
    if dossiers.iter().all(|d| d.valid) {
        let filed = file_examples(&mut store, &mut dossiers, scratch.path(), today, token)?;
        portal = Some(filed.portal);
        signed_with = Some(filed.signed_with);
        statuses = filed.statuses;
    }
    let scratch = if keep {
        let _ = scratch.keep();
        None
    } else {
        Some(scratch)
    };
    Ok(DemoRun {
        data_dir,
        encrypted: store.is_encrypted(),
        dossiers,
        portal,
        signed_with,
        statuses,
        _scratch: scratch,
    })
}

/// Two profiles, and one draft of each kind from the examples, validated.
fn draft_examples(
    store: &mut Store,
    examples: &Path,
    today: Date,
) -> Result<Vec<DemoDossier>, DraftError> {
    let enterprise = Profile::Enterprise(Enterprise {
        name: "Công ty Cổ phần Công nghệ Sao Mai".into(),
        name_en: "Sao Mai Technology Joint Stock Company".into(),
        tax_code: "0101234565".into(),
        address: "Số 18 phố Lý Thường Kiệt, phường Cửa Nam, thành phố Hà Nội".into(),
        country: "VN".into(),
        legal_representative: crate::forms::Person {
            name: "Nguyễn Thị Ánh".into(),
            title: "Tổng Giám đốc".into(),
        },
        phone: "024 3822 1234".into(),
        email: "phaply@saomai.example.vn".into(),
    });
    let enterprise_id = drafting::add_profile(store, &enterprise, today)?;
    let agent = Profile::Agent(Agent {
        organisation: "Công ty Luật TNHH Sở hữu trí tuệ Ví Dụ".into(),
        agent_code: "VD-0001".into(),
        address: "Số 5 phố Tràng Tiền, phường Hoàn Kiếm, thành phố Hà Nội".into(),
        phone: "024 3933 0000".into(),
        email: "nopdon@vidu-ip.example.vn".into(),
    });
    drafting::add_profile(store, &agent, today)?;

    let mut dossiers = Vec::new();
    for kind in DossierKind::ALL {
        let file = examples.join(format!("{}.json", kind.slug()));
        let profile = (kind == DossierKind::Trademark).then_some(enterprise_id);
        let id = drafting::new_draft(store, kind, profile, Some(&file), today)?;
        let report = drafting::validate_draft(store, id, today)?;
        dossiers.push(DemoDossier {
            kind,
            draft_id: id,
            title: store.draft(id)?.title,
            valid: report.is_valid(),
            problems: report.problems.len(),
            dossier_number: None,
            status: None,
            received_at: None,
            supplement_draft_id: None,
        });
    }
    Ok(dossiers)
}

struct Filed {
    portal: String,
    signed_with: &'static str,
    statuses: Vec<DossierView>,
}

/// The test CA and one signer per applicant tax code, on SoftHSM2 tokens or in PKCS#12
/// files; SoftHSM2 falls back to files when its module cannot be used.
fn signers(
    store: &Store,
    dossiers: &[DemoDossier],
    scratch: &Path,
    token: &DemoToken,
) -> Result<(TestPki, BTreeMap<String, AnySigner>, &'static str), DemoError> {
    let pki = TestPki::generate()?;
    let mut tax_codes = BTreeMap::new();
    for d in dossiers {
        let dossier = drafting::load(store, d.draft_id)?;
        let applicant = dossier.applicant();
        tax_codes
            .entry(applicant.tax_code.trim().to_owned())
            .or_insert_with(|| applicant.name.clone());
    }
    let mut identities = Vec::new();
    for (tax_code, name) in &tax_codes {
        let id = pki.issue(&IssueSpec::enterprise(name, tax_code, KeySpec::P256))?;
        identities.push((tax_code.clone(), id));
    }
    if let DemoToken::SoftHsm { module } = token {
        match on_softhsm(module, &identities) {
            Ok(signers) => return Ok((pki, signers, "SoftHSM2")),
            Err(e) => tracing::warn!("SoftHSM2 unusable, signing with PKCS#12 files: {e}"),
        }
    }
    let password = Password::new("hoso-demo");
    let mut signers = BTreeMap::new();
    for (tax_code, id) in &identities {
        let bytes = p12::write(&id.key_pkcs8, &id.certificate, &id.chain, &password)
            .map_err(|e| SignError::Pkcs12(e.to_string()))?;
        let path = scratch.join(format!("{tax_code}.p12"));
        std::fs::write(&path, bytes).map_err(|e| SignError::Other(e.to_string()))?;
        let signer =
            crate::keys::open_p12(&path, &password).map_err(|e| SignError::Other(e.to_string()))?;
        signers.insert(tax_code.clone(), AnySigner::File(Box::new(signer)));
    }
    Ok((pki, signers, "PKCS#12"))
}

/// One token per applicant, as each enterprise has its own USB token; logged in once each.
fn on_softhsm(
    module: &Path,
    identities: &[(String, hoso_signing::test_pki::Identity)],
) -> Result<BTreeMap<String, AnySigner>, SignError> {
    let module = Module::load(module)?;
    let (so_pin, pin) = (Pin::from("12345678"), Pin::from("1234"));
    let run = std::process::id();
    let mut signers = BTreeMap::new();
    for (tax_code, id) in identities {
        // Labels are at most 32 bytes.
        let label = format!("demo-{tax_code}-{run}");
        let token =
            provision::import_identity(&module, &label, &so_pin, &pin, id, "Chữ ký số", &[1])?;
        let session = token.login(&pin)?;
        signers.insert(tax_code.clone(), AnySigner::Token(Box::new(session)));
    }
    Ok(signers)
}

/// Seals, files, moves and syncs: everything that needs the portal.
fn file_examples(
    store: &mut Store,
    dossiers: &mut [DemoDossier],
    scratch: &Path,
    today: Date,
    token: &DemoToken,
) -> Result<Filed, DemoError> {
    let (pki, signers, signed_with) = signers(store, dossiers, scratch, token)?;
    let mut anchors = TrustAnchors::empty();
    anchors.add(pki.root.clone());

    let opts = SealOptions {
        signing_time: Timestamp::now(),
        today,
        anchors: &anchors,
        revocation: RevocationMode::Offline,
    };
    for d in dossiers.iter() {
        let tax_code = drafting::load(store, d.draft_id)?
            .applicant()
            .tax_code
            .trim()
            .to_owned();
        let signer = signers
            .get(&tax_code)
            .ok_or_else(|| SignError::Other(format!("no signer for {tax_code}")))?;
        let out = scratch
            .join("sealed")
            .join(format!("{}.asice", d.kind.slug()));
        let sealed = seal::seal_draft(store, d.draft_id, signer.as_signer(), &out, &opts)?;
        outbox::queue_sealed(store, &sealed, d.draft_id)?;
    }

    let portal_dir = scratch.join("portal");
    let verifiers = server::verifiers_for(&portal_dir, anchors.clone())
        .map_err(|e| DemoError::Portal(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| DemoError::Portal(e.to_string()))?;
    // The enterprise of the trademark logs in: it files every dossier of the demo.
    let login = dossiers
        .iter()
        .find(|d| d.kind == DossierKind::Trademark)
        .and_then(|d| drafting::load(store, d.draft_id).ok())
        .and_then(|d| signers.get(d.applicant().tax_code.trim()))
        .or_else(|| signers.values().next())
        .ok_or_else(|| SignError::Other("no signer".into()))?;
    let mut credentials = OpenSigner(login.as_signer());

    let statuses = runtime.block_on(async {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        let server = Server::bind(addr, ServerConfig::new(&portal_dir), verifiers)
            .await
            .map_err(|e| DemoError::Portal(e.to_string()))?
            .spawn();
        let url = server.base_url();
        let result = async {
            let mut link = Link::new(&url, &LinkOptions::default(), Some(&mut credentials))?;
            let report = outbox::run(store, &mut link, RunOptions::default()).await?;
            if let Some(stopped) = report.stopped {
                return Err(DemoError::Portal(stopped.message.en));
            }
            officer_moves(store, dossiers, &portal_dir, today)?;
            Ok::<_, DemoError>(status::sync(store, &mut link, None).await?)
        }
        .await;
        let _ = server.stop(Duration::from_secs(5)).await;
        result.map(|s| (url, s))
    })?;
    let (portal, statuses) = statuses;

    for d in dossiers.iter_mut() {
        let Some(receipt) = store.receipt_for_draft(d.draft_id)? else {
            continue;
        };
        let view = statuses
            .iter()
            .find(|v| v.status.dossier_number == receipt.dossier_number);
        d.received_at = receipt.received_at.parse().ok();
        d.status = view.map(|v| v.status.status.as_str().to_owned());
        d.supplement_draft_id = view
            .and_then(|v| v.open_supplement())
            .and_then(|s| s.draft_id);
        d.dossier_number = Some(receipt.dossier_number);
    }
    drop(signers);
    Ok(Filed {
        portal,
        signed_with,
        statuses,
    })
}

/// The officer's side, straight on the portal's database while it runs: the patent gets a
/// supplement request, the trademark is approved, the industrial design has its later fees due.
fn officer_moves(
    store: &Store,
    dossiers: &[DemoDossier],
    portal_dir: &Path,
    today: Date,
) -> Result<(), DemoError> {
    let portal_err = |e: hoso_portal::server::StoreError| DemoError::Portal(e.to_string());
    let mut portal = hoso_portal::server::Store::open_existing(portal_dir).map_err(portal_err)?;
    for d in dossiers {
        let Some(receipt) = store.receipt_for_draft(d.draft_id)? else {
            continue;
        };
        let last = match d.kind {
            DossierKind::Patent => Status::SupplementRequested {
                deadline: today.checked_add(30.days()).unwrap_or(today),
                message:
                    "Đề nghị bổ sung bản mô tả có hình vẽ minh họa rõ nét hơn (Điều 100 Luật SHTT)"
                        .into(),
            },
            DossierKind::Trademark => Status::Approved {
                message: Some("Chấp nhận đơn hợp lệ".into()),
            },
            DossierKind::IndustrialDesign => {
                let (_, fees) = drafting::fees_of_draft(store, d.draft_id, today)?;
                Status::FeeDue {
                    amount_vnd: if fees.total_later_vnd > 0 {
                        fees.total_later_vnd
                    } else {
                        fees.total_at_filing_vnd
                    },
                    payment_reference: format!("{}/PHI", receipt.dossier_number),
                    message: Some("Phí thẩm định nội dung".into()),
                }
            }
            _ => continue,
        };
        let now = Timestamp::now();
        portal
            .advance(
                &receipt.dossier_number,
                Status::InReview { message: None },
                now,
            )
            .map_err(portal_err)?;
        portal
            .advance(&receipt.dossier_number, last, now)
            .map_err(portal_err)?;
    }
    Ok(())
}
