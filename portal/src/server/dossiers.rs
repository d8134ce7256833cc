//! Filing, status and supplements. A filing is idempotent by container SHA-256: whatever
//! happens to the client between its request and our answer, sending the same container
//! again returns the receipt already issued and never files a second dossier.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiResult};
use super::front::{Client, JsonBody};
use super::state::AppState;
use super::store::{NewFiling, StoreError};
use super::tus::lock;
use super::verify::VerifiedFiling;
use crate::api::{
    DossierKind, DossierList, DossierStatus, Message, PortalSignature, Receipt, SignatureAlgorithm,
    Status, StatusName, SubmitRequest, codes, is_sha256_hex, receipt_payload,
};

/// Today in Vietnam (UTC+7, no daylight saving): the day deadlines are counted in.
pub fn today_in_vietnam() -> Date {
    Timestamp::now()
        .to_zoned(TimeZone::fixed(Offset::constant(7)))
        .date()
}

fn now_whole_seconds() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).unwrap_or_else(|_| Timestamp::now())
}

fn check_request(req: &SubmitRequest) -> ApiResult<()> {
    if !is_sha256_hex(&req.container_sha256) {
        return Err(ApiError::invalid(
            "`container_sha256` phải là 64 ký tự hex viết thường",
            "`container_sha256` must be 64 lowercase hex characters",
        ));
    }
    if req.upload_id.is_empty() || req.upload_id.len() > 128 {
        return Err(ApiError::invalid(
            "`upload_id` không hợp lệ",
            "`upload_id` is not valid",
        ));
    }
    Ok(())
}

/// Signs a receipt with the portal's key.
fn sign_receipt(
    signer: &dyn hoso_signing::Signer,
    dossier_number: &str,
    supplement: Option<u32>,
    kind: DossierKind,
    received_at: Timestamp,
    container_sha256: &str,
) -> Result<Receipt, String> {
    let payload = receipt_payload(
        dossier_number,
        supplement,
        kind,
        received_at,
        container_sha256,
    );
    let digest: [u8; 32] = Sha256::digest(payload.as_bytes()).into();
    let value = signer.sign_digest(&digest).map_err(|e| e.to_string())?;
    let algorithm = SignatureAlgorithm::from(signer.algorithm());
    let certificate = der::Encode::to_der(signer.certificate()).map_err(|e| e.to_string())?;
    Ok(Receipt {
        dossier_number: dossier_number.to_owned(),
        supplement,
        kind,
        received_at,
        container_sha256: container_sha256.to_owned(),
        portal_signature: PortalSignature {
            algorithm,
            value: STANDARD.encode(value),
            certificate: STANDARD.encode(certificate),
        },
    })
}

fn filed_by_another() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        codes::DOSSIER_FILED_BY_ANOTHER,
        "Hồ sơ (tệp) này đã được nộp bởi người khác",
        "This container was filed by another client",
    )
}

/// A completed upload whose bytes hash to `sha256` and verify, ready to be filed.
struct Verified {
    source: PathBuf,
    filing: VerifiedFiling,
}

/// Checks a completed upload: complete, its SHA-256, the container's signatures (by the
/// injected verifier) and the applicant's signature.
async fn verify_upload(
    state: &Arc<AppState>,
    owner: &str,
    upload_id: &str,
    sha256: &str,
) -> ApiResult<Verified> {
    let (id, who, sha) = (upload_id.to_owned(), owner.to_owned(), sha256.to_owned());
    let (row, upload_path, container_path) = state
        .db(move |s| {
            Ok((
                s.upload(&id, &who)?,
                s.upload_path(&id),
                s.container_path(&sha),
            ))
        })
        .await?;
    let row = row.ok_or_else(ApiError::upload_not_found)?;
    if row.offset < row.length {
        return Err(ApiError::with_message(
            StatusCode::CONFLICT,
            codes::TUS_UPLOAD_INCOMPLETE,
            Message::new(
                format!("Tệp mới tải lên {}/{} byte", row.offset, row.length),
                format!("Only {} of {} bytes are uploaded", row.offset, row.length),
            ),
        ));
    }
    // After a stop between moving the container and recording the filing, the bytes are
    // already under containers/.
    let source = if upload_path.is_file() {
        upload_path
    } else if container_path.is_file() {
        container_path
    } else {
        return Err(ApiError::upload_not_found());
    };

    let path = source.clone();
    let actual = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut f = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    if actual != sha256 {
        return Err(ApiError::with_message(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::DOSSIER_HASH_MISMATCH,
            Message::new(
                format!("SHA-256 của tệp đã tải lên là {actual}, không khớp container_sha256"),
                format!("The uploaded bytes hash to {actual}, not to container_sha256"),
            ),
        ));
    }

    let verifier = state.verifiers.filing.clone();
    let path = source.clone();
    let filing = tokio::task::spawn_blocking(move || verifier.verify(&path))
        .await
        .map_err(ApiError::internal)?
        .map_err(|r| ApiError::rejection(StatusCode::UNPROCESSABLE_ENTITY, r))?;
    if filing.signers.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::FILING_SIGNATURE_INVALID,
            "Hồ sơ không có chữ ký số",
            "The container has no signature",
        ));
    }
    let applicant = filing.applicant_tax_code.trim();
    if !filing
        .signers
        .iter()
        .any(|s| s.tax_code.as_deref().map(str::trim) == Some(applicant))
    {
        let signers = filing
            .signers
            .iter()
            .map(|s| s.tax_code.as_deref().unwrap_or("—"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ApiError::with_message(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::FILING_TAX_CODE_MISMATCH,
            Message::new(
                format!(
                    "Mã số thuế trên chứng thư ký ({signers}) không phải của người nộp đơn ({applicant})"
                ),
                format!(
                    "The signing certificate's tax code ({signers}) is not the applicant's ({applicant})"
                ),
            ),
        ));
    }
    Ok(Verified { source, filing })
}

/// Moves a verified container to `containers/{sha256}.asice`.
async fn keep_container(state: &AppState, source: PathBuf, sha256: &str) -> ApiResult<()> {
    let sha = sha256.to_owned();
    let target = state.db(move |s| Ok(s.container_path(&sha))).await?;
    if source == target {
        return Ok(());
    }
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        match std::fs::rename(&source, &target) {
            // A concurrent filing of the same bytes moved its copy first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && target.is_file() => Ok(()),
            other => other,
        }
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

fn receipt_response(status: StatusCode, receipt: Receipt) -> Response {
    let location = format!("/v1/dossiers/{}", receipt.dossier_number);
    let mut r = (status, Json(receipt)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `POST /v1/dossiers`: 201 with a new receipt, or 200 with the receipt already issued for
/// this container.
pub async fn submit(
    State(state): State<Arc<AppState>>,
    Client(client): Client,
    JsonBody(req): JsonBody<SubmitRequest>,
) -> ApiResult<Response> {
    check_request(&req)?;
    let sha = req.container_sha256.clone();
    let existing = state.db(move |s| Ok(s.dossier_by_container(&sha)?)).await?;
    if let Some((owner, receipt)) = existing {
        return if owner == client.subject {
            let (id, sha) = (req.upload_id.clone(), req.container_sha256.clone());
            state
                .db(move |s| Ok(s.mark_upload_filed(&id, &sha)?))
                .await?;
            Ok(receipt_response(StatusCode::OK, receipt))
        } else {
            Err(filed_by_another())
        };
    }

    let _guard = lock(&state, &req.upload_id).await?;
    let Verified { source, filing } = verify_upload(
        &state,
        &client.subject,
        &req.upload_id,
        &req.container_sha256,
    )
    .await?;
    keep_container(&state, source, &req.container_sha256).await?;

    let signer = state.verifiers.receipt_signer.clone();
    let owner = client.subject.clone();
    let (id, sha) = (req.upload_id.clone(), req.container_sha256.clone());
    let (filed_by, receipt, new) = state
        .db(move |s| {
            let received_at = now_whole_seconds();
            let year = received_at
                .to_zoned(TimeZone::fixed(Offset::constant(7)))
                .year();
            let filing = NewFiling {
                kind: filing.kind,
                owner: &owner,
                applicant_tax_code: filing.applicant_tax_code.trim(),
                container_sha256: &sha,
                received_at,
            };
            let result = s.file_dossier(&filing, year, |number| {
                sign_receipt(
                    signer.as_ref(),
                    number,
                    None,
                    filing.kind,
                    received_at,
                    &sha,
                )
                .map_err(StoreError::Corrupt)
            })?;
            s.mark_upload_filed(&id, &sha)?;
            Ok(result)
        })
        .await?;
    if filed_by != client.subject {
        return Err(filed_by_another());
    }
    if new {
        tracing::info!(number = %receipt.dossier_number, kind = %receipt.kind, "dossier filed");
    }
    Ok(receipt_response(
        if new {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        receipt,
    ))
}

/// `GET /v1/dossiers`: the caller's dossiers, newest first.
pub async fn list(
    State(state): State<Arc<AppState>>,
    Client(client): Client,
) -> ApiResult<Json<DossierList>> {
    let rows = state
        .db(move |s| Ok(s.list(Some(&client.subject))?))
        .await?;
    Ok(Json(DossierList {
        dossiers: rows.into_iter().map(|r| r.summary).collect(),
    }))
}

/// `GET /v1/dossiers/{number}`: status history; someone else's dossier is not found.
pub async fn show(
    State(state): State<Arc<AppState>>,
    Client(client): Client,
    Path(number): Path<String>,
) -> ApiResult<Json<DossierStatus>> {
    let status = state
        .db(move |s| match s.dossier_owner(&number)? {
            Some((owner, _)) if owner == client.subject => Ok(s.status(&number)?),
            _ => Ok(None),
        })
        .await?;
    status.map(Json).ok_or_else(ApiError::dossier_not_found)
}

fn not_requested(status: StatusName) -> ApiError {
    ApiError::with_message(
        StatusCode::CONFLICT,
        codes::DOSSIER_SUPPLEMENT_NOT_REQUESTED,
        Message::new(
            format!("Hồ sơ không ở trạng thái yêu cầu bổ sung (hiện là {status})"),
            format!("No supplement is requested for this dossier (it is {status})"),
        ),
    )
}

/// Whether a supplement is accepted now: requested, and the deadline not passed.
fn supplement_open(status: &DossierStatus) -> ApiResult<()> {
    if status.status != StatusName::SupplementRequested {
        return Err(not_requested(status.status));
    }
    let deadline = status.history.iter().rev().find_map(|e| match &e.status {
        Status::SupplementRequested { deadline, .. } => Some(*deadline),
        _ => None,
    });
    match deadline {
        Some(d) if today_in_vietnam() > d => Err(ApiError::with_message(
            StatusCode::CONFLICT,
            codes::DOSSIER_SUPPLEMENT_NOT_REQUESTED,
            Message::new(
                format!("Đã quá hạn nộp bổ sung ({d})"),
                format!("The supplement deadline ({d}) has passed"),
            ),
        )),
        _ => Ok(()),
    }
}

/// `POST /v1/dossiers/{number}/supplements`: files a sealed supplement container while a
/// supplement is requested; the dossier goes back to `in_review`. Idempotent like filing.
pub async fn supplement(
    State(state): State<Arc<AppState>>,
    Client(client): Client,
    Path(number): Path<String>,
    JsonBody(req): JsonBody<SubmitRequest>,
) -> ApiResult<Response> {
    check_request(&req)?;
    let (n, who, sha) = (
        number.clone(),
        client.subject.clone(),
        req.container_sha256.clone(),
    );
    let (status, existing, dossier_container) = state
        .db(move |s| {
            let status = match s.dossier_owner(&n)? {
                Some((owner, applicant)) if owner == who => s.status(&n)?.map(|st| (st, applicant)),
                _ => None,
            };
            Ok((
                status,
                s.supplement_by_container(&sha)?,
                s.dossier_by_container(&sha)?,
            ))
        })
        .await?;
    let (status, applicant) = status.ok_or_else(ApiError::dossier_not_found)?;
    if let Some((of, receipt)) = existing {
        return if of == number {
            Ok(receipt_response(StatusCode::OK, receipt))
        } else {
            Err(filed_by_another())
        };
    }
    if dossier_container.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            codes::DOSSIER_FILED_BY_ANOTHER,
            "Tệp này đã được nộp như một hồ sơ, không phải hồ sơ bổ sung",
            "This container was filed as a dossier, not as a supplement",
        ));
    }
    supplement_open(&status)?;

    let _guard = lock(&state, &req.upload_id).await?;
    let Verified { source, filing } = verify_upload(
        &state,
        &client.subject,
        &req.upload_id,
        &req.container_sha256,
    )
    .await?;
    if filing.applicant_tax_code.trim() != applicant {
        return Err(ApiError::with_message(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::DOSSIER_SUPPLEMENT_APPLICANT,
            Message::new(
                format!(
                    "Người nộp đơn của hồ sơ bổ sung ({}) không phải của hồ sơ ({applicant})",
                    filing.applicant_tax_code
                ),
                format!(
                    "The supplement's applicant ({}) is not the dossier's ({applicant})",
                    filing.applicant_tax_code
                ),
            ),
        ));
    }
    keep_container(&state, source, &req.container_sha256).await?;

    let signer = state.verifiers.receipt_signer.clone();
    let kind = status.kind;
    let (id, sha) = (req.upload_id.clone(), req.container_sha256.clone());
    let (receipt, new) = state
        .db(move |s| {
            let at = now_whole_seconds();
            let result = s.file_supplement(&number, &sha, at, supplement_open, |seq| {
                sign_receipt(signer.as_ref(), &number, Some(seq), kind, at, &sha)
                    .map_err(|e| ApiError::from(StoreError::Corrupt(e)))
            })?;
            s.mark_upload_filed(&id, &sha)?;
            Ok(result)
        })
        .await?;
    Ok(receipt_response(
        if new {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        receipt,
    ))
}
