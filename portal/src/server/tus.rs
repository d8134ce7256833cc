//! tus 1.0 uploads: core, creation, checksum (sha256) and termination, under `/v1/uploads`.
//!
//! The acknowledged offset lives in the database and is written only after the bytes up to
//! it are fsynced, so a server that stops at any point resumes at an offset whose bytes are
//! on disk; bytes written past it and not acknowledged are cut off by the next PATCH.

use std::io::{Seek, SeekFrom, Write};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, HttpBody as _};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::auth::random_bytes;
use super::error::{ApiError, ApiResult};
use super::front::Client;
use super::state::AppState;
use super::store::UploadRow;
use crate::api::{Message, codes, tus};

/// Bytes gathered before one write to disk.
const WRITE_BUFFER: usize = 1 << 20;
/// How long a PATCH or DELETE waits for another one on the same upload.
const LOCK_WAIT: Duration = Duration::from_secs(10);

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn set(r: &mut Response, name: &'static str, value: impl ToString) {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        r.headers_mut().insert(name, v);
    }
}

/// An upload id as this server makes them: 32 lowercase hex characters.
fn valid_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub async fn options(State(state): State<Arc<AppState>>) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    set(&mut r, tus::H_TUS_VERSION, tus::VERSION);
    set(&mut r, tus::H_TUS_EXTENSION, tus::EXTENSIONS);
    set(
        &mut r,
        tus::H_TUS_CHECKSUM_ALGORITHM,
        tus::CHECKSUM_ALGORITHMS,
    );
    set(&mut r, tus::H_TUS_MAX_SIZE, state.config.max_upload_bytes);
    r
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    Client(client): Client,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if headers.contains_key("upload-defer-length") {
        return Err(ApiError::invalid(
            "Máy chủ không hỗ trợ Upload-Defer-Length",
            "Upload-Defer-Length is not supported",
        ));
    }
    let length: u64 = header_str(&headers, tus::H_UPLOAD_LENGTH)
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            ApiError::invalid(
                "Thiếu hoặc sai tiêu đề Upload-Length",
                "Upload-Length is missing or not a number",
            )
        })?;
    let max = state.config.max_upload_bytes;
    if length > max {
        return Err(ApiError::with_message(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::TUS_TOO_LARGE,
            Message::new(
                format!("Tệp vượt quá dung lượng tối đa {max} byte"),
                format!("The upload exceeds the maximum of {max} bytes"),
            ),
        ));
    }
    let content_length = header_str(&headers, header::CONTENT_LENGTH.as_str())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    if content_length > 0 {
        return Err(ApiError::invalid(
            "Tạo lượt tải lên không kèm dữ liệu (gửi dữ liệu bằng PATCH)",
            "Creation takes no data (creation-with-upload is not supported); send it by PATCH",
        ));
    }
    let metadata = header_str(&headers, tus::H_UPLOAD_METADATA).map(str::to_owned);
    if let Some(m) = &metadata
        && tus::decode_metadata(m).is_none()
    {
        return Err(ApiError::invalid(
            "Upload-Metadata không đúng định dạng (khoá base64(giá trị), …)",
            "Upload-Metadata is malformed (key base64(value), …)",
        ));
    }
    let id = hex::encode(random_bytes(16));
    let owner = client.subject;
    let row_id = id.clone();
    state
        .db(move |s| Ok(s.create_upload(&row_id, &owner, length, metadata.as_deref())?))
        .await?;
    let mut r = StatusCode::CREATED.into_response();
    set(
        &mut r,
        header::LOCATION.as_str(),
        format!("{}/{id}", tus::UPLOADS_PATH),
    );
    set(&mut r, tus::H_UPLOAD_OFFSET, 0);
    Ok(r)
}

async fn load(state: &AppState, id: &str, owner: &str) -> ApiResult<UploadRow> {
    if !valid_id(id) {
        return Err(ApiError::upload_not_found());
    }
    let (id, owner) = (id.to_owned(), owner.to_owned());
    state
        .db(move |s| Ok(s.upload(&id, &owner)?))
        .await?
        .ok_or_else(ApiError::upload_not_found)
}

pub async fn head(
    State(state): State<Arc<AppState>>,
    Client(client): Client,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let row = load(&state, &id, &client.subject).await?;
    let mut r = StatusCode::OK.into_response();
    set(&mut r, tus::H_UPLOAD_OFFSET, row.offset);
    set(&mut r, tus::H_UPLOAD_LENGTH, row.length);
    set(&mut r, header::CACHE_CONTROL.as_str(), "no-store");
    if let Some(m) = row.metadata {
        set(&mut r, tus::H_UPLOAD_METADATA, m);
    }
    Ok(r)
}

pub(super) async fn lock(
    state: &AppState,
    id: &str,
) -> ApiResult<tokio::sync::OwnedMutexGuard<()>> {
    tokio::time::timeout(LOCK_WAIT, state.upload_lock(id).lock_owned())
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::LOCKED,
                codes::TUS_UPLOAD_LOCKED,
                "Lượt tải lên đang được ghi bởi một yêu cầu khác",
                "Another request is writing this upload",
            )
        })
}

/// The outcome of streaming a chunk to disk.
struct Written {
    file: std::fs::File,
    hasher: Sha256,
    count: u64,
    /// Why the body stopped early, if it did.
    cut: Option<ApiError>,
}

pub async fn patch(
    State(state): State<Arc<AppState>>,
    Client(client): Client,
    Path(id): Path<String>,
    req: Request,
) -> ApiResult<Response> {
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let content_type = header_str(&headers, header::CONTENT_TYPE.as_str()).unwrap_or("");
    if !content_type.eq_ignore_ascii_case(tus::PATCH_CONTENT_TYPE) {
        return Err(ApiError::media_type(tus::PATCH_CONTENT_TYPE));
    }
    let offset: u64 = header_str(&headers, tus::H_UPLOAD_OFFSET)
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            ApiError::invalid(
                "Thiếu hoặc sai tiêu đề Upload-Offset",
                "Upload-Offset is missing or not a number",
            )
        })?;
    let checksum = match header_str(&headers, tus::H_UPLOAD_CHECKSUM) {
        None => None,
        Some(h) => match tus::parse_checksum(h) {
            Some((alg, digest)) if alg == "sha256" && digest.len() == 32 => Some(digest),
            Some((alg, _)) if alg != "sha256" => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    codes::TUS_CHECKSUM_ALGORITHM,
                    "Chỉ hỗ trợ Upload-Checksum sha256",
                    "Only sha256 is supported in Upload-Checksum",
                ));
            }
            _ => {
                return Err(ApiError::invalid(
                    "Upload-Checksum không đúng định dạng (sha256 <base64>)",
                    "Upload-Checksum is malformed (sha256 <base64>)",
                ));
            }
        },
    };
    let content_length = header_str(&headers, header::CONTENT_LENGTH.as_str())
        .and_then(|v| v.trim().parse::<u64>().ok());

    let _guard = lock(&state, &id).await?;
    let row = load(&state, &id, &client.subject).await?;
    if row.offset != offset {
        let mut r = ApiError::with_message(
            StatusCode::CONFLICT,
            codes::TUS_OFFSET_MISMATCH,
            Message::new(
                format!("Upload-Offset phải là {}", row.offset),
                format!("Upload-Offset must be {}", row.offset),
            ),
        )
        .into_response();
        set(&mut r, tus::H_UPLOAD_OFFSET, row.offset);
        return Ok(r);
    }
    let room = row.length - row.offset.min(row.length);
    if content_length.is_some_and(|n| n > room) {
        return Err(length_exceeded(room));
    }
    if room == 0 {
        // Complete (perhaps filed, its bytes moved to containers/): nothing to write.
        if content_length.unwrap_or(0) > 0 {
            return Err(length_exceeded(room));
        }
        let mut r = StatusCode::NO_CONTENT.into_response();
        set(&mut r, tus::H_UPLOAD_OFFSET, row.offset);
        return Ok(r);
    }

    let path = {
        let id = id.clone();
        state.db(move |s| Ok(s.upload_path(&id))).await?
    };
    let file = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        // Bytes past the acknowledged offset were never confirmed: drop them.
        f.set_len(offset)?;
        f.seek(SeekFrom::Start(offset))?;
        Ok(f)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ApiError::upload_not_found(),
        _ => ApiError::internal(e),
    })?;

    let written = stream_to(file, body, room, state.config.body_idle_timeout).await?;
    let Written {
        file,
        hasher,
        count,
        cut,
    } = written;

    let exceeded = matches!(&cut, Some(e) if e.body.error.code == codes::TUS_LENGTH_EXCEEDED);
    let verified = match (&checksum, &cut) {
        (Some(expected), None) => Some(hasher.finalize().as_slice() == expected.as_slice()),
        _ => None,
    };
    // Keep the bytes only when they are whole and correct, or when nothing vouches for them
    // and the body was merely cut (tus: a server should keep what it received).
    let keep = !exceeded
        && match (&checksum, verified) {
            (Some(_), Some(ok)) => ok,
            (Some(_), None) => false,
            (None, _) => true,
        };
    let new_offset = if keep { offset + count } else { offset };
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        if !keep {
            file.set_len(offset)?;
        }
        file.sync_data()
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    if new_offset != offset {
        let id = id.clone();
        state
            .db(move |s| Ok(s.set_offset(&id, new_offset)?))
            .await?;
    }

    if let Some(e) = cut {
        let mut r = e.into_response();
        set(&mut r, tus::H_UPLOAD_OFFSET, new_offset);
        return Ok(r);
    }
    if verified == Some(false) {
        let mut r = ApiError::with_message(
            StatusCode::from_u16(tus::STATUS_CHECKSUM_MISMATCH).unwrap_or(StatusCode::BAD_REQUEST),
            codes::TUS_CHECKSUM_MISMATCH,
            Message::new(
                "Mã kiểm tra sha256 không khớp với dữ liệu; phần dữ liệu này đã bị bỏ",
                "The sha256 checksum does not match the data; the chunk was discarded",
            ),
        )
        .into_response();
        set(&mut r, tus::H_UPLOAD_OFFSET, offset);
        return Ok(r);
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    set(&mut r, tus::H_UPLOAD_OFFSET, new_offset);
    Ok(r)
}

fn length_exceeded(room: u64) -> ApiError {
    ApiError::with_message(
        StatusCode::PAYLOAD_TOO_LARGE,
        codes::TUS_LENGTH_EXCEEDED,
        Message::new(
            format!("Dữ liệu vượt quá Upload-Length (còn {room} byte)"),
            format!("The data goes past Upload-Length ({room} bytes left)"),
        ),
    )
}

/// Streams the body into `file` through a buffer, hashing as it goes, until the body ends,
/// fails, idles too long, or passes `room` bytes.
async fn stream_to(
    file: std::fs::File,
    body: Body,
    room: u64,
    idle: Duration,
) -> ApiResult<Written> {
    let mut body = body;
    let mut w = Written {
        file,
        hasher: Sha256::new(),
        count: 0,
        cut: None,
    };
    let mut buf: Vec<u8> = Vec::with_capacity(WRITE_BUFFER);
    loop {
        let next = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx));
        let frame = match tokio::time::timeout(idle, next).await {
            Err(_) => {
                w.cut = Some(ApiError::timeout());
                break;
            }
            Ok(None) => break,
            Ok(Some(Err(_))) => {
                w.cut = Some(ApiError::invalid(
                    "Kết nối bị ngắt khi đang gửi dữ liệu",
                    "The connection broke while sending the data",
                ));
                break;
            }
            Ok(Some(Ok(frame))) => match frame.into_data() {
                Ok(bytes) => bytes,
                // Trailers carry nothing tus uses.
                Err(_) => continue,
            },
        };
        let len = frame.len() as u64;
        if w.count + buf.len() as u64 + len > room {
            w.cut = Some(length_exceeded(room));
            break;
        }
        buf.extend_from_slice(&frame);
        if buf.len() >= WRITE_BUFFER {
            w = flush(
                w,
                std::mem::replace(&mut buf, Vec::with_capacity(WRITE_BUFFER)),
            )
            .await?;
        }
    }
    if !buf.is_empty() {
        w = flush(w, buf).await?;
    }
    Ok(w)
}

async fn flush(w: Written, buf: Vec<u8>) -> ApiResult<Written> {
    tokio::task::spawn_blocking(move || -> std::io::Result<Written> {
        let mut w = w;
        w.file.write_all(&buf)?;
        w.hasher.update(&buf);
        w.count += buf.len() as u64;
        Ok(w)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

pub async fn terminate(
    State(state): State<Arc<AppState>>,
    Client(client): Client,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let _guard = lock(&state, &id).await?;
    load(&state, &id, &client.subject).await?;
    state.db(move |s| Ok(s.delete_upload(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
