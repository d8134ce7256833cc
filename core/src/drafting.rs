//! Drafting (soạn hồ sơ): what a user does to a draft, over the store. Every change is one
//! revision; nothing a user typed is ever overwritten in place. The CLI and the desktop app
//! call these functions and nothing below them.

use std::io::Read;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::catalog::Library;
use crate::forms::{AttachmentRef, Dossier, FormError};
use crate::kind::DossierKind;
use crate::legal::FormVersion;
use crate::profile::Profile;
use crate::store::{DraftId, ProfileId, ProfileKind, Store, StoreError, sniff_media_type};
use crate::text::Text;
use crate::validate::Report;

/// Why a drafting step was refused. Nothing was changed when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Form(#[from] FormError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON: {message}")]
    Json { path: PathBuf, message: String },
    #[error("the file is a {found} dossier, not {expected}")]
    WrongKind {
        expected: DossierKind,
        found: DossierKind,
    },
    #[error("no form of {kind} applies on {day}")]
    NoForm { kind: DossierKind, day: Date },
    #[error("the form has no attachment slot `{slot}`; slots: {available}")]
    UnknownSlot { slot: String, available: String },
    #[error("{file} is {found}; the slot `{slot}` accepts {accepted}")]
    AttachmentType {
        file: String,
        found: String,
        slot: String,
        accepted: String,
    },
    #[error("{file} is larger than the {max_mib} MiB limit of the slot `{slot}`")]
    AttachmentSize {
        file: String,
        slot: String,
        max_mib: u64,
    },
    #[error("no attachment matches `{0}`")]
    NoSuchAttachment(String),
    #[error("attachment {0} is not in the local store")]
    MissingBlob(String),
    #[error("the profile is not valid")]
    InvalidProfile(Report),
    #[error("the profile does not match its kind: {0}")]
    ProfileShape(String),
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
}

impl DraftError {
    pub fn code(&self) -> &'static str {
        match self {
            DraftError::Store(e) => e.code(),
            DraftError::Form(e) => e.code(),
            DraftError::Read { .. } => "input.unreadable",
            DraftError::Json { .. } => "input.json",
            DraftError::WrongKind { .. } => "input.wrong_kind",
            DraftError::NoForm { .. } => "form_version.none",
            DraftError::UnknownSlot { .. } => "attachment.unknown_slot",
            DraftError::AttachmentType { .. } => "attachment.type",
            DraftError::AttachmentSize { .. } => "attachment.too_large",
            DraftError::NoSuchAttachment(_) => "attachment.no_match",
            DraftError::MissingBlob(_) => "attachment.not_in_store",
            DraftError::InvalidProfile(_) => "profile.invalid",
            DraftError::ProfileShape(_) => "profile.shape",
            DraftError::Render(e) => e.code(),
        }
    }

    /// The message in both languages, for the edge (CLI, desktop).
    pub fn text(&self) -> Text {
        let en = self.to_string();
        let vi = match self {
            DraftError::Store(StoreError::NotFound { what, id }) => {
                let what = match *what {
                    "profile" => "hồ sơ người nộp",
                    "draft" => "bản nháp",
                    "revision" => "phiên bản",
                    _ => "tài liệu",
                };
                format!("Không tìm thấy {what} {id}.")
            }
            DraftError::Store(StoreError::Sealed { id }) => {
                format!("Bản nháp {id} đã được ký niêm phong, không thể sửa.")
            }
            DraftError::Store(StoreError::NewerSchema { .. }) => {
                "Thư mục dữ liệu do phiên bản mới hơn của Hồ sơ số tạo ra; hãy cập nhật ứng dụng."
                    .into()
            }
            DraftError::Store(StoreError::Io { path, source }) => {
                format!("Không dùng được {}: {source}.", path.display())
            }
            DraftError::Store(StoreError::Undecryptable { what }) => {
                format!("Không giải mã được {what}: dữ liệu đã bị sửa hoặc hỏng.")
            }
            DraftError::Store(StoreError::Locked {
                has_passphrase_copy,
            }) => {
                let hint = if *has_passphrase_copy {
                    " Hãy đặt biến HOSO_DATA_PASSPHRASE bằng cụm mật khẩu của thư mục."
                } else {
                    ""
                };
                format!(
                    "Thư mục dữ liệu đã được mã hoá và khoá của nó không có trong kho khoá của hệ điều hành.{hint}"
                )
            }
            DraftError::Store(StoreError::WrongKey) => {
                "Khoá hoặc cụm mật khẩu không mở được thư mục dữ liệu này.".into()
            }
            DraftError::Store(StoreError::WeakPassphrase { min_chars }) => {
                format!("Cụm mật khẩu phải có ít nhất {min_chars} ký tự.")
            }
            DraftError::Store(StoreError::Keyring(e)) => {
                format!("Kho khoá của hệ điều hành báo lỗi: {e}.")
            }
            DraftError::Store(e) => format!("Lỗi kho dữ liệu: {e}."),
            DraftError::Form(FormError::Shape(m)) => {
                format!("Dữ liệu tờ khai không đúng cấu trúc: {m}.")
            }
            DraftError::Form(FormError::Reserved(f)) => {
                format!("Không thể sửa trường `{f}` bằng lệnh sửa trường.")
            }
            DraftError::Form(FormError::BadPath(p)) => {
                format!("Đường dẫn trường `{p}` không hợp lệ.")
            }
            DraftError::Form(FormError::MissingKind) => "Tệp hồ sơ thiếu trường `kind`.".into(),
            DraftError::Form(FormError::UnknownKind(k)) => {
                format!("Không có loại hồ sơ `{}`.", k.0)
            }
            DraftError::Read { path, source } => {
                format!("Không đọc được {}: {source}.", path.display())
            }
            DraftError::Json { path, message } => {
                format!("{} không phải JSON hợp lệ: {message}.", path.display())
            }
            DraftError::WrongKind { expected, found } => {
                format!("Tệp là hồ sơ loại {found}, không phải {expected}.")
            }
            DraftError::NoForm { kind, day } => {
                format!("Không có mẫu tờ khai {kind} áp dụng vào ngày {day}.")
            }
            DraftError::UnknownSlot { slot, available } => {
                format!("Tờ khai không có mục tài liệu `{slot}`; các mục: {available}.")
            }
            DraftError::AttachmentType {
                file,
                found,
                slot,
                accepted,
            } => {
                format!("{file} có kiểu {found}; mục `{slot}` chỉ nhận {accepted}.")
            }
            DraftError::AttachmentSize {
                file,
                slot,
                max_mib,
            } => {
                format!("{file} lớn hơn giới hạn {max_mib} MiB của mục `{slot}`.")
            }
            DraftError::NoSuchAttachment(w) => {
                format!("Không có tài liệu đính kèm nào khớp với `{w}`.")
            }
            DraftError::MissingBlob(h) => {
                format!("Tài liệu đính kèm {h} không có trong kho dữ liệu.")
            }
            DraftError::InvalidProfile(_) => "Hồ sơ người nộp chưa hợp lệ.".into(),
            DraftError::ProfileShape(m) => {
                format!("Dữ liệu hồ sơ người nộp không đúng cấu trúc: {m}.")
            }
            DraftError::Render(crate::render::RenderError::Pdf(
                crate::pdf::PdfError::UnsupportedCharacter { ch, context },
            )) => {
                format!(
                    "Ký tự {ch:?} không in được bằng phông chữ của tờ khai (trong \"{context}\")."
                )
            }
            DraftError::Render(e) => format!("Không tạo được tờ khai PDF: {e}."),
        };
        Text::new(vi, en)
    }
}

fn read_json(path: &Path) -> Result<Value, DraftError> {
    let text = std::fs::read_to_string(path).map_err(|source| DraftError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| DraftError::Json {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Where a dossier file's attachments end up: copied into the store, or only looked at.
enum Attachments<'s> {
    Store(&'s mut Store),
    Inspect,
}

/// Reads a dossier file. Attachments may be given as `{ "slot", "path" }` (relative to the
/// file); they are copied into the store, or only hashed and sniffed when `store` is `None`.
fn read_dossier_file(path: &Path, mut target: Attachments<'_>) -> Result<Dossier, DraftError> {
    let mut value = read_json(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    if let Some(Value::Array(items)) = value.get_mut("attachments") {
        for item in items.iter_mut() {
            let Some(rel) = item.get("path").and_then(Value::as_str) else {
                continue;
            };
            let file = base.join(rel);
            let slot = item
                .get("slot")
                .and_then(Value::as_str)
                .unwrap_or("other")
                .to_owned();
            check_readable(&file)?;
            let info = match &mut target {
                Attachments::Store(store) => store.add_attachment(&file)?,
                Attachments::Inspect => inspect(&file)?,
            };
            let reference = AttachmentRef {
                slot,
                file_name: file_name(&file),
                sha256: info.sha256,
                size: info.size,
                media_type: info.media_type,
            };
            *item = serde_json::to_value(reference).unwrap_or(Value::Null);
        }
    }
    Ok(Dossier::from_json(value)?)
}

/// Hashes and sniffs a file without storing it.
fn inspect(path: &Path) -> Result<crate::store::AttachmentInfo, DraftError> {
    let read_err = |source| DraftError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut head = Vec::new();
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(read_err)?;
        if n == 0 {
            break;
        }
        if head.len() < 8192 {
            head.extend_from_slice(&buf[..n.min(8192 - head.len())]);
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok(crate::store::AttachmentInfo {
        sha256: hex::encode(hasher.finalize()),
        size,
        media_type: sniff_media_type(&head).to_owned(),
    })
}

/// A file the user names must exist and be a readable file: saying so is clearer than the
/// store's error about copying it.
fn check_readable(path: &Path) -> Result<(), DraftError> {
    let read_err = |source| DraftError::Read {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if !meta.is_file() {
        return Err(read_err(std::io::Error::other("not a regular file")));
    }
    std::fs::File::open(path).map_err(read_err)?;
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Fills the form version a new draft starts on: the one in force on its filing date (or
/// today), unless the file names one.
fn settle_form_version(
    dossier: &mut Dossier,
    library: &Library,
    today: Date,
) -> Result<(), DraftError> {
    if !dossier.form_version().is_empty() {
        return Ok(());
    }
    let day = dossier.filing_date().unwrap_or(today);
    let form = library
        .newest()
        .forms
        .in_force(dossier.kind(), day)
        .ok_or(DraftError::NoForm {
            kind: dossier.kind(),
            day,
        })?;
    form.id.clone_into(dossier.form_version_mut());
    Ok(())
}

fn load_profile(store: &Store, id: ProfileId) -> Result<Profile, DraftError> {
    let stored = store.profile(id)?;
    Profile::from_json(stored.data).map_err(DraftError::ProfileShape)
}

/// Creates a draft of `kind`, empty or from a dossier file, filled from a profile if given.
pub fn new_draft(
    store: &mut Store,
    kind: DossierKind,
    profile: Option<ProfileId>,
    from: Option<&Path>,
    today: Date,
) -> Result<DraftId, DraftError> {
    let mut dossier = match from {
        Some(path) => {
            let d = read_dossier_file(path, Attachments::Store(store))?;
            if d.kind() != kind {
                return Err(DraftError::WrongKind {
                    expected: kind,
                    found: d.kind(),
                });
            }
            d
        }
        None => Dossier::empty(kind, ""),
    };
    settle_form_version(&mut dossier, &Library::load(store)?, today)?;
    if let Some(id) = profile {
        load_profile(store, id)?.apply_to(&mut dossier);
    }
    let summary = match from {
        Some(p) => format!("created from {}", file_name(p)),
        None => "created".to_owned(),
    };
    Ok(store.create_draft(
        kind.slug(),
        profile,
        &dossier.headline(),
        &dossier.to_json(),
        &summary,
    )?)
}

/// Creates a draft from an exported dossier file, of whatever kind it is.
pub fn import_draft(store: &mut Store, path: &Path, today: Date) -> Result<DraftId, DraftError> {
    let mut dossier = read_dossier_file(path, Attachments::Store(store))?;
    settle_form_version(&mut dossier, &Library::load(store)?, today)?;
    Ok(store.create_draft(
        dossier.kind().slug(),
        None,
        &dossier.headline(),
        &dossier.to_json(),
        &format!("imported from {}", file_name(path)),
    )?)
}

/// The latest revision of a draft, as a typed dossier.
pub fn load(store: &Store, id: DraftId) -> Result<Dossier, DraftError> {
    Ok(Dossier::from_json(store.draft(id)?.doc)?)
}

/// A dossier file, read without touching the store (its attachments only looked at).
pub fn read_file(path: &Path, today: Date) -> Result<Dossier, DraftError> {
    let mut d = read_dossier_file(path, Attachments::Inspect)?;
    settle_form_version(&mut d, &Library::bundled(), today)?;
    Ok(d)
}

fn save(
    store: &mut Store,
    id: DraftId,
    dossier: &Dossier,
    summary: &str,
) -> Result<u32, DraftError> {
    let rev = store.save_revision(id, &dossier.to_json(), summary)?;
    store.set_title(id, &dossier.headline())?;
    Ok(rev)
}

/// Sets fields by path; all of one call make one revision.
pub fn edit_fields(
    store: &mut Store,
    id: DraftId,
    sets: &[(String, String)],
) -> Result<u32, DraftError> {
    let mut dossier = load(store, id)?;
    for (path, value) in sets {
        dossier = dossier.with_field(path, value)?;
    }
    let names: Vec<&str> = sets.iter().map(|(p, _)| p.as_str()).collect();
    save(store, id, &dossier, &format!("edited {}", names.join(", ")))
}

/// Brings back revision `rev` as a new revision (later ones are kept), with its title.
pub fn restore(store: &mut Store, id: DraftId, rev: u32) -> Result<u32, DraftError> {
    let new_rev = store.restore(id, rev)?;
    store.set_title(id, &load(store, id)?.headline())?;
    Ok(new_rev)
}

fn form_of<'l>(library: &'l Library, dossier: &Dossier) -> Result<&'l FormVersion, DraftError> {
    library
        .for_form(dossier.form_version())
        .forms
        .get(dossier.form_version())
        .ok_or_else(|| {
            FormError::Shape(format!("unknown form version `{}`", dossier.form_version())).into()
        })
}

/// Attaches a file to a slot (the kind's "other documents" when none is named). The file is
/// copied into the store first; a slot that takes one file has it replaced (the old one stays
/// in the draft's history).
pub fn attach(
    store: &mut Store,
    id: DraftId,
    file: &Path,
    slot: Option<&str>,
) -> Result<(u32, AttachmentRef), DraftError> {
    let mut dossier = load(store, id)?;
    let library = Library::load(store)?;
    let form = form_of(&library, &dossier)?;
    let spec = match slot {
        Some(s) => form.slot(s),
        None => form.default_slot(),
    }
    .ok_or_else(|| DraftError::UnknownSlot {
        slot: slot.unwrap_or("other").to_owned(),
        available: form
            .slots
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    check_readable(file)?;
    let info = store.add_attachment(file)?;
    let name = file_name(file);
    if !spec.accept.iter().any(|t| t == &info.media_type) {
        return Err(DraftError::AttachmentType {
            file: name,
            found: info.media_type,
            slot: spec.id.clone(),
            accepted: spec.accept.join(", "),
        });
    }
    if info.size > spec.max_bytes() {
        return Err(DraftError::AttachmentSize {
            file: name,
            slot: spec.id.clone(),
            max_mib: spec.max_mib,
        });
    }
    let reference = AttachmentRef {
        slot: spec.id.clone(),
        file_name: name,
        sha256: info.sha256,
        size: info.size,
        media_type: info.media_type,
    };
    let list = dossier.attachments_mut();
    if !spec.multiple {
        list.retain(|a| a.slot != spec.id);
    }
    list.push(reference.clone());
    let rev = save(
        store,
        id,
        &dossier,
        &format!("attached {} to {}", reference.file_name, reference.slot),
    )?;
    Ok((rev, reference))
}

/// Removes attachments: those of a slot, or the one whose file name or hash (a prefix of at
/// least 8 hex digits) matches.
pub fn detach(
    store: &mut Store,
    id: DraftId,
    which: &str,
) -> Result<(u32, Vec<AttachmentRef>), DraftError> {
    let mut dossier = load(store, id)?;
    let matches = |a: &AttachmentRef| {
        a.slot == which
            || a.file_name == which
            || (which.len() >= 8 && a.sha256.starts_with(&which.to_ascii_lowercase()))
    };
    let (removed, kept): (Vec<_>, Vec<_>) =
        dossier.attachments().iter().cloned().partition(matches);
    if removed.is_empty() {
        return Err(DraftError::NoSuchAttachment(which.to_owned()));
    }
    *dossier.attachments_mut() = kept;
    let names: Vec<&str> = removed.iter().map(|a| a.file_name.as_str()).collect();
    let rev = save(
        store,
        id,
        &dossier,
        &format!("detached {}", names.join(", ")),
    )?;
    Ok((rev, removed))
}

/// Validates a stored draft: the form's rules, and every attachment present in the store.
pub fn validate_draft(store: &Store, id: DraftId, today: Date) -> Result<Report, DraftError> {
    validate_stored(store, &load(store, id)?, &Library::load(store)?, today)
}

/// [`validate_draft`] for a draft's dossier and the library already at hand (the desktop's
/// view of a draft loads both once for validation, fees and slots).
pub fn validate_stored(
    store: &Store,
    dossier: &Dossier,
    library: &Library,
    today: Date,
) -> Result<Report, DraftError> {
    let mut report = dossier.validate(&library.for_form(dossier.form_version()).forms, today);
    for (i, a) in dossier.attachments().iter().enumerate() {
        if store.attachment(&a.sha256)?.is_none() {
            report.problems.push(crate::validate::Problem {
                path: format!("attachments.{i}"),
                code: "attachment.not_in_store".into(),
                severity: crate::validate::Severity::Error,
                message: Text::new(
                    format!(
                        "Tệp \"{}\" không có trong kho dữ liệu trên máy này; hãy đính kèm lại.",
                        a.file_name
                    ),
                    format!(
                        "File \"{}\" is not in this machine's store; attach it again.",
                        a.file_name
                    ),
                ),
                source: None,
            });
        }
    }
    Ok(report)
}

/// Stores a new profile after checking it.
pub fn add_profile(
    store: &mut Store,
    profile: &Profile,
    today: Date,
) -> Result<ProfileId, DraftError> {
    let report = profile.validate(&Library::load(store)?.newest().forms, today);
    if !report.is_valid() {
        return Err(DraftError::InvalidProfile(report));
    }
    let kind = match profile {
        Profile::Enterprise(_) => ProfileKind::Enterprise,
        Profile::Agent(_) => ProfileKind::Agent,
    };
    Ok(store.add_profile(kind, profile.display_name(), &profile.to_json())?)
}

/// Edits a profile and carries the change into every open (unsealed) draft made from it, as a
/// new revision of each; sealed drafts keep what they were signed with. Returns the drafts
/// updated.
pub fn edit_profile(
    store: &mut Store,
    id: ProfileId,
    sets: &[(String, String)],
    today: Date,
) -> Result<Vec<DraftId>, DraftError> {
    let mut profile = load_profile(store, id)?;
    for (path, value) in sets {
        profile = profile
            .with_field(path, value)
            .map_err(DraftError::ProfileShape)?;
    }
    replace_profile(store, id, &profile, today)
}

/// Replaces a whole profile (the desktop's profile form saves it at once) after checking it,
/// and carries it into every open draft made from it, as [`edit_profile`] does. Its type
/// (enterprise or agent) never changes. Returns the drafts updated.
pub fn replace_profile(
    store: &mut Store,
    id: ProfileId,
    profile: &Profile,
    today: Date,
) -> Result<Vec<DraftId>, DraftError> {
    let stored = store.profile(id)?;
    if stored.kind.as_str() != profile.type_slug() {
        return Err(DraftError::ProfileShape(format!(
            "profile {id} is of type {}, not {}",
            stored.kind.as_str(),
            profile.type_slug()
        )));
    }
    let report = profile.validate(&Library::load(store)?.newest().forms, today);
    if !report.is_valid() {
        return Err(DraftError::InvalidProfile(report));
    }
    store.update_profile(id, profile.display_name(), &profile.to_json())?;
    let mut updated = Vec::new();
    for draft in store.drafts_for_profile(id)? {
        let mut dossier = load(store, draft)?;
        profile.apply_to(&mut dossier);
        save(store, draft, &dossier, &format!("profile {id} updated"))?;
        updated.push(draft);
    }
    Ok(updated)
}

/// The profile stored under `id`.
pub fn profile(store: &Store, id: ProfileId) -> Result<Profile, DraftError> {
    load_profile(store, id)
}

/// Renders the official forms of a draft's latest revision. The revision's save time dates
/// the PDFs, so rendering the same revision again gives the same bytes.
pub fn render_draft(
    store: &Store,
    id: DraftId,
) -> Result<Vec<crate::render::RenderedForm>, DraftError> {
    let stored = store.draft(id)?;
    let saved_at = store
        .history(id)?
        .into_iter()
        .find(|r| r.rev == stored.rev)
        .map(|r| r.saved_at)
        .unwrap_or(stored.updated_at);
    let dossier = Dossier::from_json(stored.doc)?;
    let load = |sha: &str| -> Option<Vec<u8>> {
        let mut reader = store.open_attachment(sha).ok()?;
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).ok()?;
        Some(bytes)
    };
    let library = Library::load(store)?;
    let input = crate::render::RenderInput {
        saved_at,
        attachment: &load,
        data: library.for_form(dossier.form_version()),
    };
    Ok(crate::render::render_dossier(&dossier, &input)?)
}

/// Renders the forms of a dossier file; its attachments are read from where the file names
/// them. Dated by the filing date, else by `today` at midnight in Vietnam.
pub fn render_file(
    path: &Path,
    today: Date,
) -> Result<Vec<crate::render::RenderedForm>, DraftError> {
    let dossier = read_file(path, today)?;
    let files = attachment_files(path)?;
    let load = |sha: &str| -> Option<Vec<u8>> {
        let file = files.iter().find(|(s, _)| s == sha).map(|(_, p)| p)?;
        std::fs::read(file).ok()
    };
    let day = dossier.filing_date().unwrap_or(today);
    let saved_at = day
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(7)))
        .map(|z| z.timestamp())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let input = crate::render::RenderInput {
        saved_at,
        attachment: &load,
        data: crate::catalog::DataSet::bundled(),
    };
    Ok(crate::render::render_dossier(&dossier, &input)?)
}

/// A dossier file, read and validated with the bundled data set.
pub fn validate_file(path: &Path, today: Date) -> Result<(Dossier, Report), DraftError> {
    let dossier = read_file(path, today)?;
    let report = dossier.validate(
        &Library::bundled().for_form(dossier.form_version()).forms,
        today,
    );
    Ok((dossier, report))
}

/// The fees of a draft, from the newest data set that knows its form version.
pub fn fees_of_draft(
    store: &Store,
    id: DraftId,
    today: Date,
) -> Result<(Dossier, crate::fees::FeeSchedule), DraftError> {
    let dossier = load(store, id)?;
    let library = Library::load(store)?;
    let fees = &library.for_form(dossier.form_version()).fees;
    let schedule = crate::fees::compute(&dossier, fees, today);
    Ok((dossier, schedule))
}

/// The fees of a dossier file, from the bundled data set.
pub fn fees_of_file(
    path: &Path,
    today: Date,
) -> Result<(Dossier, crate::fees::FeeSchedule), DraftError> {
    let dossier = read_file(path, today)?;
    let schedule = crate::fees::compute(&dossier, &crate::catalog::DataSet::bundled().fees, today);
    Ok((dossier, schedule))
}

/// The files a dossier file attaches by path, with the SHA-256 of each (hashed, streamed).
pub fn attachment_files(path: &Path) -> Result<Vec<(String, PathBuf)>, DraftError> {
    let raw = read_json(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut files = Vec::new();
    for rel in raw["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("path").and_then(Value::as_str))
    {
        let file = base.join(rel);
        let info = inspect(&file)?;
        files.push((info.sha256, file));
    }
    Ok(files)
}
