//! What every request goes through before its handler: the tus version check, the bearer
//! token, the rate limit and the timeout; and the extractors that turn a request into a
//! logged-in client and a JSON body, or into a 4xx with the error body.

use std::any::Any;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::state::AppState;
use super::verify::ClientIdentity;
use crate::api::{codes, tus};

/// The outcome of the `Authorization` header, for the [`Client`] extractor.
#[derive(Clone)]
enum Auth {
    Missing,
    Invalid,
    Client(ClientIdentity),
}

/// The SHA-256 (hex) under which a bearer token is stored: the server keeps no token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn is_upload_path(path: &str) -> bool {
    path == tus::UPLOADS_PATH || path.starts_with("/v1/uploads/")
}

pub async fn front(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let uploads = is_upload_path(req.uri().path());
    let response = match guarded(&state, &mut req, uploads).await {
        Some(r) => r,
        None => run(&state, req, next).await,
    };
    with_tus_headers(response, uploads)
}

/// The checks before the handler; `Some` is the answer when one fails.
async fn guarded(state: &AppState, req: &mut Request, uploads: bool) -> Option<Response> {
    if uploads && req.method() != Method::OPTIONS {
        let version = req.headers().get(tus::H_TUS_RESUMABLE);
        if version.is_none_or(|v| v.as_bytes() != tus::VERSION.as_bytes()) {
            let mut r = ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                codes::TUS_VERSION_UNSUPPORTED,
                "Cần tiêu đề Tus-Resumable: 1.0.0",
                "Tus-Resumable: 1.0.0 is required",
            )
            .into_response();
            r.headers_mut()
                .insert(tus::H_TUS_VERSION, HeaderValue::from_static(tus::VERSION));
            return Some(r);
        }
    }

    let auth = match req.headers().get(header::AUTHORIZATION) {
        None => Auth::Missing,
        Some(v) => match v.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) {
            None => Auth::Invalid,
            Some(token) => match resolve(state, token.trim()).await {
                Ok(Some(id)) => Auth::Client(id),
                Ok(None) => Auth::Invalid,
                Err(e) => return Some(e.into_response()),
            },
        },
    };
    let key = match &auth {
        Auth::Client(id) => format!("client:{}", id.subject),
        _ => {
            let ip = req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_default();
            format!("ip:{ip}")
        }
    };
    req.extensions_mut().insert(auth);
    if let Err(secs) = state.limiter.check(&key) {
        let mut e = ApiError::with_message(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            crate::api::Message::new(
                format!("Quá nhiều yêu cầu; thử lại sau {secs} giây"),
                format!("Too many requests; retry in {secs} s"),
            ),
        );
        e.retry_after = Some(secs);
        return Some(e.into_response());
    }
    None
}

async fn run(state: &AppState, req: Request, next: Next) -> Response {
    // A PATCH streams a chunk for as long as the link needs; its body has an idle timeout.
    if req.method() == Method::PATCH {
        return next.run(req).await;
    }
    match tokio::time::timeout(state.config.request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::timeout().into_response(),
    }
}

fn with_tus_headers(mut response: Response, uploads: bool) -> Response {
    if uploads {
        response
            .headers_mut()
            .insert(tus::H_TUS_RESUMABLE, HeaderValue::from_static(tus::VERSION));
    }
    response
}

async fn resolve(state: &AppState, token: &str) -> Result<Option<ClientIdentity>, ApiError> {
    let hash = token_hash(token);
    if let Some(id) = state.cached_token(&hash) {
        return Ok(Some(id));
    }
    let key = hash.clone();
    let row = state.db(move |s| Ok(s.token(&key)?)).await?;
    Ok(row.map(|(subject, tax_code, expires)| {
        let id = ClientIdentity { subject, tax_code };
        state.cache_token(hash, id.clone(), expires);
        id
    }))
}

pub async fn no_route() -> ApiError {
    ApiError::not_found_route()
}

pub async fn no_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::REQUEST_METHOD_NOT_ALLOWED,
        "Phương thức không được hỗ trợ ở địa chỉ này",
        "Method not allowed on this route",
    )
}

pub fn panicked(_: Box<dyn Any + Send + 'static>) -> Response<Body> {
    ApiError::internal("a handler panicked").into_response()
}

/// A logged-in client; a handler that takes one answers 401 to anyone else.
pub struct Client(pub ClientIdentity);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Client, ApiError> {
        match parts.extensions.get::<Auth>() {
            Some(Auth::Client(id)) => Ok(Client(id.clone())),
            Some(Auth::Invalid) => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                codes::AUTH_INVALID_TOKEN,
                "Phiên đăng nhập không hợp lệ hoặc đã hết hạn; hãy đăng nhập lại",
                "The bearer token is invalid or expired; log in again",
            )),
            _ => Err(ApiError::unauthenticated()),
        }
    }
}

/// A JSON body: `Content-Type: application/json` (415 otherwise), within the size limit
/// (413), well-formed (400 `request.malformed_json`) and of the expected shape (400
/// `request.invalid`).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<JsonBody<T>, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::media_type("application/json"));
        }
        let bytes = match Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    codes::REQUEST_TOO_LARGE,
                    "Nội dung yêu cầu quá lớn",
                    "The request body is too large",
                ));
            }
            Err(r) => return Err(ApiError::invalid(&r.body_text(), &r.body_text())),
        };
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            if e.is_data() {
                ApiError::invalid(
                    &format!("Nội dung JSON không đúng cấu trúc: {e}"),
                    &format!("The JSON body does not have the expected shape: {e}"),
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    codes::REQUEST_MALFORMED_JSON,
                    "Nội dung không phải JSON hợp lệ",
                    "The body is not well-formed JSON",
                )
            }
        })
    }
}
