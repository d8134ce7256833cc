//! The demo: the main job on the example dossiers, end to end as far as the product goes,
//! in a data folder of its own. The examples are built into the binary, so `hoso demo`
//! works from any installation.

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Serialize;

use crate::drafting::{self, DraftError};
use crate::kind::DossierKind;
use crate::profile::{Agent, Enterprise, Profile};
use crate::store::{DraftId, Store};

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
}

/// What the demo did.
#[derive(Debug)]
pub struct DemoRun {
    pub data_dir: PathBuf,
    pub dossiers: Vec<DemoDossier>,
    /// Removes the demo's own data folder when dropped, unless kept.
    _scratch: Option<tempfile::TempDir>,
}

/// Runs the demo: two profiles, one draft of each kind from the examples, each validated.
/// With no `data_dir`, everything lives in a temporary folder removed when the run is dropped
/// (or kept with `keep`).
pub fn run(
    examples: Option<&Path>,
    data_dir: Option<&Path>,
    keep: bool,
    today: Date,
) -> Result<DemoRun, DraftError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| DraftError::Read { path, source }
    };
    let scratch = tempfile::Builder::new()
        .prefix("hoso-demo-")
        .tempdir()
        .map_err(io(&std::env::temp_dir()))?;
    let data_dir = data_dir.map_or_else(|| scratch.path().join("data"), Path::to_owned);
    let examples = materialise_examples(examples, scratch.path()).map_err(io(scratch.path()))?;
    let mut store = Store::open(&data_dir)?;

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
    let enterprise_id = drafting::add_profile(&mut store, &enterprise, today)?;
    let agent = Profile::Agent(Agent {
        organisation: "Công ty Luật TNHH Sở hữu trí tuệ Ví Dụ".into(),
        agent_code: "VD-0001".into(),
        address: "Số 5 phố Tràng Tiền, phường Hoàn Kiếm, thành phố Hà Nội".into(),
        phone: "024 3933 0000".into(),
        email: "nopdon@vidu-ip.example.vn".into(),
    });
    drafting::add_profile(&mut store, &agent, today)?;

    let mut dossiers = Vec::new();
    for kind in DossierKind::ALL {
        let file = examples.join(format!("{}.json", kind.slug()));
        let profile = (kind == DossierKind::Trademark).then_some(enterprise_id);
        let id = drafting::new_draft(&mut store, kind, profile, Some(&file), today)?;
        let report = drafting::validate_draft(&store, id, today)?;
        dossiers.push(DemoDossier {
            kind,
            draft_id: id,
            title: store.draft(id)?.title,
            valid: report.is_valid(),
            problems: report.problems.len(),
        });
    }
    let scratch = if keep {
        let _ = scratch.keep();
        None
    } else {
        Some(scratch)
    };
    Ok(DemoRun {
        data_dir,
        dossiers,
        _scratch: scratch,
    })
}
