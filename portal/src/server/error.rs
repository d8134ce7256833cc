//! Every answer that is not a success: an HTTP status and the contract's error body.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::store::StoreError;
use super::verify::Rejection;
use crate::api::{ErrorBody, Message, codes};

/// An error answer: status, code, message, and `Retry-After` seconds when it applies.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, vi: &str, en: &str) -> ApiError {
        ApiError {
            status,
            body: ErrorBody::new(code, Message::new(vi, en)),
            retry_after: None,
        }
    }

    pub fn with_message(status: StatusCode, code: &str, message: Message) -> ApiError {
        ApiError {
            status,
            body: ErrorBody::new(code, message),
            retry_after: None,
        }
    }

    pub fn rejection(status: StatusCode, r: Rejection) -> ApiError {
        ApiError::with_message(status, &r.code, r.message)
    }

    pub fn invalid(vi: &str, en: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, codes::REQUEST_INVALID, vi, en)
    }

    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!("portal server: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::SERVER_INTERNAL,
            "Lỗi máy chủ; vui lòng thử lại",
            "Server error; please retry",
        )
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::AUTH_MISSING,
            "Cần đăng nhập bằng chứng thư số (Authorization: Bearer …)",
            "Log in with your certificate first (Authorization: Bearer …)",
        )
    }

    pub fn not_found_route() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            codes::REQUEST_NOT_FOUND,
            "Không có địa chỉ này",
            "No such route",
        )
    }

    pub fn dossier_not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            codes::DOSSIER_NOT_FOUND,
            "Không tìm thấy hồ sơ",
            "No such dossier",
        )
    }

    pub fn upload_not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            codes::TUS_UPLOAD_NOT_FOUND,
            "Không tìm thấy lượt tải lên",
            "No such upload",
        )
    }

    pub fn media_type(expected: &str) -> ApiError {
        ApiError::with_message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::REQUEST_UNSUPPORTED_MEDIA_TYPE,
            Message::new(
                format!("Content-Type phải là {expected}"),
                format!("Content-Type must be {expected}"),
            ),
        )
    }

    pub fn too_large(limit: u64) -> ApiError {
        ApiError::with_message(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::REQUEST_TOO_LARGE,
            Message::new(
                format!("Nội dung yêu cầu vượt quá {limit} byte"),
                format!("The request body exceeds {limit} bytes"),
            ),
        )
    }

    pub fn timeout() -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            codes::REQUEST_TIMEOUT,
            "Yêu cầu quá thời gian chờ",
            "The request timed out",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match &e {
            StoreError::NotFound(_) => ApiError::dossier_not_found(),
            StoreError::InvalidTransition { from, to, .. } => ApiError::with_message(
                StatusCode::CONFLICT,
                codes::DOSSIER_INVALID_TRANSITION,
                Message::new(
                    format!("Không thể chuyển hồ sơ từ trạng thái {from} sang {to}"),
                    format!("The dossier cannot move from {from} to {to}"),
                ),
            ),
            _ => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
