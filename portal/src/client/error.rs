//! The client's one error type. Every variant has a stable machine code (`portal.*`) that
//! the outbox, the CLI's `--json` output and the desktop app branch on; what the server
//! said (its own code and its Vietnamese and English message) is passed through untouched.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::api::{ErrorBody, ErrorDetail, codes};

/// What a callback that persists upload state may fail with (the outbox's SQLite error,
/// for instance).
pub type StateSinkError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The portal could not be reached: DNS, connection refused, TLS handshake.
    #[error("portal unreachable: {0}")]
    Unreachable(String),
    /// The connection dropped in the middle of an exchange.
    #[error("connection to the portal lost: {0}")]
    ConnectionLost(String),
    /// No answer in time (ours, or the server's 408).
    #[error("the portal did not answer in time: {0}")]
    Timeout(String),
    /// The bearer token is missing, unknown or expired (401): log in again.
    #[error("not logged in to the portal ({})", detail_code(.detail))]
    Unauthorized { detail: Option<ErrorDetail> },
    /// 429: too many requests; `retry_after` is the server's `Retry-After`.
    #[error("the portal is rate limiting this client")]
    RateLimited {
        retry_after: Option<Duration>,
        detail: Option<ErrorDetail>,
    },
    /// 5xx: the server failed; the request may be retried.
    #[error("the portal failed (HTTP {status}, {})", detail_code(.detail))]
    ServerError {
        status: u16,
        retry_after: Option<Duration>,
        detail: Option<ErrorDetail>,
    },
    /// A 409 the server marks as transient (the same request is still being worked on).
    #[error("the portal is still working on this request ({})", detail_code(.detail))]
    InProgress {
        retry_after: Option<Duration>,
        detail: Option<ErrorDetail>,
    },
    /// Any other 4xx: the request itself is refused; retrying would not help.
    #[error("the portal refused the request (HTTP {status}, {})", detail_code(.detail))]
    Rejected {
        status: u16,
        detail: Option<ErrorDetail>,
    },
    /// tus: the upload's offset moved under us (409), it is locked by an earlier request
    /// still being torn down (423), or a chunk's checksum did not match (460). The upload
    /// loop asks the server for its offset again and goes on from there.
    #[error("the upload's offset must be asked again (HTTP {status})")]
    UploadResync { status: u16 },
    /// tus: the server no longer knows the upload (404/410): expired or terminated.
    #[error("the portal no longer has this upload (HTTP {status})")]
    UploadGone { status: u16 },
    /// tus: the file is larger than the server's `Tus-Max-Size`.
    #[error("the file ({length} bytes) is larger than the portal accepts ({max} bytes)")]
    TooLarge { length: u64, max: u64 },
    /// The server answered something the protocol does not allow.
    #[error("unexpected answer from the portal: {0}")]
    Protocol(String),
    /// The file to upload could not be read; `what` is its path or what its opener is called.
    #[error("cannot read {what}: {source}")]
    File {
        what: String,
        source: std::io::Error,
    },
    /// The resume state does not belong to this file (other SHA-256 or length).
    #[error("the saved upload state is for another file")]
    ResumeMismatch,
    /// The caller's callback could not persist the upload state.
    #[error("cannot save the upload state: {0}")]
    StateSink(StateSinkError),
    /// The client's configuration is unusable (URL, certificate).
    #[error("portal client configuration: {0}")]
    Config(String),
}

fn detail_code(detail: &Option<ErrorDetail>) -> &str {
    detail.as_ref().map_or("no error body", |d| d.code.as_str())
}

impl ClientError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::Unreachable(_) => "portal.unreachable",
            ClientError::ConnectionLost(_) => "portal.connection_lost",
            ClientError::Timeout(_) => "portal.timeout",
            ClientError::Unauthorized { .. } => "portal.unauthorized",
            ClientError::RateLimited { .. } => "portal.rate_limited",
            ClientError::ServerError { .. } => "portal.server_error",
            ClientError::InProgress { .. } => "portal.in_progress",
            ClientError::Rejected { .. } => "portal.rejected",
            ClientError::UploadResync { .. } => "portal.upload_resync",
            ClientError::UploadGone { .. } => "portal.upload_gone",
            ClientError::TooLarge { .. } => "portal.too_large",
            ClientError::Protocol(_) => "portal.protocol",
            ClientError::File { .. } => "portal.file",
            ClientError::ResumeMismatch => "portal.resume_mismatch",
            ClientError::StateSink(_) => "portal.state_sink",
            ClientError::Config(_) => "portal.config",
        }
    }

    /// The server's error body (its machine code and its vi/en message), when it sent one.
    pub fn detail(&self) -> Option<&ErrorDetail> {
        match self {
            ClientError::Unauthorized { detail }
            | ClientError::RateLimited { detail, .. }
            | ClientError::ServerError { detail, .. }
            | ClientError::InProgress { detail, .. }
            | ClientError::Rejected { detail, .. } => detail.as_ref(),
            _ => None,
        }
    }

    /// The server's machine code (`dossier.hash_mismatch`, …), when it sent an error body.
    pub fn server_code(&self) -> Option<&str> {
        self.detail().map(|d| d.code.as_str())
    }

    /// Whether the same request may be sent again: the network failed, the server failed or
    /// asked us to wait. A 4xx is final, except 408, 429 and a 409 marked as in progress.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ClientError::Unreachable(_)
                | ClientError::ConnectionLost(_)
                | ClientError::Timeout(_)
                | ClientError::RateLimited { .. }
                | ClientError::ServerError { .. }
                | ClientError::InProgress { .. }
                | ClientError::UploadResync { .. }
        )
    }

    /// How long the server asked us to wait (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ClientError::RateLimited { retry_after, .. }
            | ClientError::ServerError { retry_after, .. }
            | ClientError::InProgress { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Classifies a transport error of reqwest.
    pub(crate) fn from_transport(e: reqwest::Error) -> ClientError {
        // The chain carries the useful part ("connection reset by peer"); reqwest's own
        // message is only "error sending request".
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        if e.is_timeout() {
            ClientError::Timeout(text)
        } else if e.is_connect() {
            ClientError::Unreachable(text)
        } else if e.is_builder() {
            ClientError::Config(text)
        } else if e.is_decode() {
            ClientError::Protocol(text)
        } else {
            ClientError::ConnectionLost(text)
        }
    }

    /// Classifies a failure while reading an answer's body: the headers came, the rest did
    /// not (reqwest calls that a decode error; it is the connection that failed).
    pub(crate) fn from_body_read(e: reqwest::Error) -> ClientError {
        match ClientError::from_transport(e) {
            ClientError::Protocol(text) | ClientError::Unreachable(text) => {
                ClientError::ConnectionLost(text)
            }
            other => other,
        }
    }

    /// Builds the error for a response that is not a success, from its status, its
    /// `Retry-After` and its body (an [`ErrorBody`] when the portal sent one; tus servers
    /// other than ours send plain text, which is dropped).
    pub(crate) fn from_response(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> ClientError {
        let detail = serde_json::from_slice::<ErrorBody>(body)
            .ok()
            .map(|b| b.error);
        let retry_after = retry_after(headers);
        let code = detail.as_ref().map(|d| d.code.as_str());
        match status.as_u16() {
            401 => ClientError::Unauthorized { detail },
            404 | 410 if code.is_none_or(|c| c == codes::TUS_UPLOAD_NOT_FOUND) => {
                // Only meaningful on an upload URL; elsewhere the caller maps it back.
                ClientError::UploadGone {
                    status: status.as_u16(),
                }
            }
            408 => ClientError::Timeout(format!("HTTP 408 ({})", detail_code(&detail))),
            409 if code == Some(codes::TUS_OFFSET_MISMATCH) => {
                ClientError::UploadResync { status: 409 }
            }
            409 if code.is_some_and(|c| c.ends_with(".in_progress")) => ClientError::InProgress {
                retry_after,
                detail,
            },
            423 | 460 => ClientError::UploadResync {
                status: status.as_u16(),
            },
            429 => ClientError::RateLimited {
                retry_after,
                detail,
            },
            s if status.is_server_error() => ClientError::ServerError {
                status: s,
                retry_after,
                detail,
            },
            s => ClientError::Rejected { status: s, detail },
        }
    }

    /// An [`ClientError::UploadGone`] outside tus is a plain refusal (a dossier not found).
    pub(crate) fn outside_uploads(self) -> ClientError {
        match self {
            ClientError::UploadGone { status } => ClientError::Rejected {
                status,
                detail: None,
            },
            ClientError::UploadResync { status } => ClientError::Rejected {
                status,
                detail: None,
            },
            e => e,
        }
    }
}

/// `Retry-After` as seconds or as an HTTP date (RFC 9110 §10.2.3); a date in the past is
/// zero.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = at
        .as_millisecond()
        .saturating_sub(jiff::Timestamp::now().as_millisecond());
    Some(Duration::from_millis(u64::try_from(wait).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Message;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    fn body(code: &str) -> Vec<u8> {
        serde_json::to_vec(&ErrorBody::new(code, Message::new("lỗi", "error"))).unwrap()
    }

    #[test]
    fn the_servers_error_body_is_passed_through() {
        let e = ClientError::from_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &HeaderMap::new(),
            &body(codes::FILING_TAX_CODE_MISMATCH),
        );
        assert_eq!(e.code(), "portal.rejected");
        assert_eq!(e.server_code(), Some(codes::FILING_TAX_CODE_MISMATCH));
        assert_eq!(e.detail().unwrap().message.vi, "lỗi");
        assert!(!e.is_retryable());
    }

    #[test]
    fn only_transient_statuses_are_retried() {
        let h = HeaderMap::new();
        let retryable = |s: u16, b: &[u8]| {
            ClientError::from_response(StatusCode::from_u16(s).unwrap(), &h, b).is_retryable()
        };
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(retryable(s, b""), "{s}");
        }
        for s in [400, 401, 403, 413, 415, 422] {
            assert!(!retryable(s, b""), "{s}");
        }
        assert!(!retryable(409, &body(codes::DOSSIER_FILED_BY_ANOTHER)));
        assert!(retryable(409, &body("dossier.in_progress")));
        assert!(retryable(409, &body(codes::TUS_OFFSET_MISMATCH)));
        assert!(!retryable(404, &body(codes::DOSSIER_NOT_FOUND)));
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        let later = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(120);
        let date = jiff::fmt::rfc2822::DateTimePrinter::new()
            .timestamp_to_rfc9110_string(&later)
            .unwrap();
        h.insert(RETRY_AFTER, HeaderValue::from_str(&date).unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
