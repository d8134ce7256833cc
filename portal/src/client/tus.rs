//! Our own tus 1.0 client (<https://tus.io/protocols/resumable-upload>): core, creation,
//! checksum (sha256, only when the server lists it) and termination.
//!
//! Written here because no good crate exists: the Rust tus clients are 0.x prototypes
//! (blocking, or the whole file in memory, or no checksum, or no way to hand the resume
//! state to the caller), the protocol is four requests, and the resume state lives in our
//! outbox anyway.
//!
//! The contract with the caller: the resume state ([`UploadState`]) is handed to a callback
//! as soon as the upload exists and after every chunk the server acknowledges; the caller
//! persists it. On resume the server's offset (`HEAD`) is the truth, never the saved one, so
//! an interrupted upload goes on where the server stands and never starts over.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{Method, StatusCode, Url};
use serde::{Deserialize, Serialize};

use super::error::{ClientError, StateSinkError};
use super::file::UploadFile;
use super::transport::{ClientConfig, Transport, send};
use crate::api::tus as wire;

/// tus-js-client's metadata key for the media type, which tus servers (and ours, ignoring
/// it) accept; the portal's own keys come from [`crate::api::tus`].
const META_FILETYPE: &str = "filetype";
/// Read buffer of the streamed PATCH body.
const STREAM_BUFFER: usize = 512 * 1024;

/// What the server supports, from `OPTIONS`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub versions: Vec<String>,
    pub extensions: Vec<String>,
    pub max_size: Option<u64>,
    pub checksum_algorithms: Vec<String>,
}

impl Capabilities {
    fn from_headers(h: &HeaderMap) -> Capabilities {
        let list = |name: &str| -> Vec<String> {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        Capabilities {
            versions: list(wire::H_TUS_VERSION),
            extensions: list(wire::H_TUS_EXTENSION),
            max_size: header_u64(h, wire::H_TUS_MAX_SIZE),
            checksum_algorithms: list(wire::H_TUS_CHECKSUM_ALGORITHM),
        }
    }

    pub fn supports(&self, extension: &str) -> bool {
        self.extensions.iter().any(|e| e == extension)
    }

    /// Whether chunks get an `Upload-Checksum: sha256 …`.
    pub fn sha256_checksums(&self) -> bool {
        self.supports("checksum") && self.checksum_algorithms.iter().any(|a| a == "sha256")
    }
}

/// The resume state of one upload: what the caller persists (the outbox, in SQLite).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    /// The upload's absolute URL.
    pub upload_url: String,
    /// Bytes the server has acknowledged.
    pub offset: u64,
    /// SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
    pub length: u64,
}

impl UploadState {
    pub fn is_complete(&self) -> bool {
        self.offset == self.length
    }

    /// The upload id the portal's `POST /v1/dossiers` takes: the last path segment of the
    /// upload URL.
    pub fn upload_id(&self) -> Option<String> {
        upload_id(&self.upload_url)
    }
}

/// The last non-empty path segment of an upload URL.
pub fn upload_id(upload_url: &str) -> Option<String> {
    let url = Url::parse(upload_url).ok()?;
    url.path_segments()?
        .rev()
        .find(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A tus client for one collection URL (where `POST` creates uploads).
#[derive(Debug)]
pub struct TusClient {
    transport: Arc<Transport>,
    endpoint: Url,
    capabilities: tokio::sync::OnceCell<Capabilities>,
}

impl TusClient {
    /// A standalone tus client (the portal client makes its own, sharing its login).
    pub fn new(config: ClientConfig, endpoint: Url) -> Result<TusClient, ClientError> {
        Ok(TusClient::with_transport(
            Arc::new(Transport::new(config)?),
            endpoint,
        ))
    }

    pub(crate) fn with_transport(transport: Arc<Transport>, endpoint: Url) -> TusClient {
        TusClient {
            transport,
            endpoint,
            capabilities: tokio::sync::OnceCell::new(),
        }
    }

    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// `OPTIONS`, asked once per client.
    pub async fn capabilities(&self) -> Result<&Capabilities, ClientError> {
        self.capabilities
            .get_or_try_init(|| {
                self.transport.config.retry.run("tus OPTIONS", || async {
                    let req = self
                        .transport
                        .request(Method::OPTIONS, self.endpoint.clone());
                    let resp = send(req).await?;
                    Ok(Capabilities::from_headers(resp.headers()))
                })
            })
            .await
    }

    fn request(&self, method: Method, url: Url) -> reqwest::RequestBuilder {
        self.transport
            .request(method, url)
            .header(wire::H_TUS_RESUMABLE, wire::VERSION)
    }

    /// Creation `POST`: a new, empty upload of `file.length` bytes; its URL.
    pub async fn create(&self, file: &UploadFile) -> Result<Url, ClientError> {
        let metadata = wire::encode_metadata([
            (wire::META_FILENAME, file.filename.as_bytes()),
            (wire::META_SHA256, file.sha256.as_bytes()),
            (META_FILETYPE, file.content_type.as_bytes()),
        ]);
        // Not idempotent, but harmless to repeat: a lost answer leaves an empty upload on
        // the server, which expires there.
        self.transport
            .config
            .retry
            .run("tus POST", || async {
                let req = self
                    .request(Method::POST, self.endpoint.clone())
                    .header(wire::H_UPLOAD_LENGTH, file.length)
                    .header(wire::H_UPLOAD_METADATA, metadata.as_str())
                    .header(CONTENT_LENGTH, 0);
                let resp = send(req).await?;
                if resp.status() != StatusCode::CREATED {
                    return Err(ClientError::Protocol(format!(
                        "creation answered {}",
                        resp.status()
                    )));
                }
                let location = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        ClientError::Protocol("creation answered without a Location".into())
                    })?;
                // A relative Location is resolved against the creation URL.
                self.endpoint
                    .join(location)
                    .map_err(|e| ClientError::Protocol(format!("bad Location {location:?}: {e}")))
            })
            .await
    }

    /// `HEAD`: the server's offset and length of an upload.
    pub async fn offset(&self, upload_url: &Url) -> Result<(u64, Option<u64>), ClientError> {
        self.transport
            .config
            .retry
            .run("tus HEAD", || self.head_once(upload_url))
            .await
    }

    async fn head_once(&self, upload_url: &Url) -> Result<(u64, Option<u64>), ClientError> {
        let resp = send(self.request(Method::HEAD, upload_url.clone())).await?;
        let offset = header_u64(resp.headers(), wire::H_UPLOAD_OFFSET)
            .ok_or_else(|| ClientError::Protocol("HEAD answered without Upload-Offset".into()))?;
        Ok((offset, header_u64(resp.headers(), wire::H_UPLOAD_LENGTH)))
    }

    /// Termination `DELETE`. An upload the server no longer has counts as terminated.
    pub async fn terminate(&self, upload_url: &Url) -> Result<(), ClientError> {
        let result = self
            .transport
            .config
            .retry
            .run("tus DELETE", || async {
                let req = self.request(Method::DELETE, upload_url.clone());
                send(req).await.map(drop)
            })
            .await;
        match result {
            Err(ClientError::UploadGone { .. }) => Ok(()),
            other => other,
        }
    }

    /// Uploads `file`, resuming `resume` when given, and returns the completed state.
    ///
    /// `on_state` receives the state when the upload is created (offset 0), when a resumed
    /// upload's offset is learnt from the server, and after every acknowledged chunk. If it
    /// fails, the upload stops with [`ClientError::StateSink`]. A saved upload the server
    /// no longer has (expired, terminated: 404/410) is created anew; any other failure
    /// leaves the state as it was last handed out, to resume from later.
    pub async fn upload<F>(
        &self,
        file: &UploadFile,
        resume: Option<&UploadState>,
        mut on_state: F,
    ) -> Result<UploadState, ClientError>
    where
        F: FnMut(&UploadState) -> Result<(), StateSinkError>,
    {
        let caps = self.capabilities().await?.clone();
        if let Some(max) = caps.max_size.filter(|&max| max > 0 && file.length > max) {
            return Err(ClientError::TooLarge {
                length: file.length,
                max,
            });
        }
        let resumed = match resume {
            Some(saved) => self.resume(file, saved).await?,
            None => None,
        };
        let mut state = match resumed {
            Some(state) => state,
            None => {
                if !caps.supports("creation") {
                    return Err(ClientError::Protocol(
                        "the tus server does not offer creation".into(),
                    ));
                }
                let url = self.create(file).await?;
                UploadState {
                    upload_url: url.to_string(),
                    offset: 0,
                    sha256: file.sha256.clone(),
                    length: file.length,
                }
            }
        };
        on_state(&state).map_err(ClientError::StateSink)?;
        let url = parse_url(&state.upload_url)?;
        let checksum = caps.sha256_checksums();
        // Shared with the retried step: the last offset the server acknowledged, and whether
        // it must be asked again because the last exchange failed half-way.
        let known = AtomicU64::new(state.offset);
        let resync = AtomicBool::new(false);
        while state.offset < state.length {
            let offset = self
                .transport
                .config
                .retry
                .run("tus PATCH", || {
                    self.step(file, &url, &known, &resync, checksum)
                })
                .await?;
            if offset != state.offset {
                state.offset = offset;
                on_state(&state).map_err(ClientError::StateSink)?;
            }
        }
        Ok(state)
    }

    /// Checks a saved state against the file and asks the server where it stands; `None`
    /// when the server no longer has the upload.
    async fn resume(
        &self,
        file: &UploadFile,
        saved: &UploadState,
    ) -> Result<Option<UploadState>, ClientError> {
        if saved.sha256 != file.sha256 || saved.length != file.length {
            return Err(ClientError::ResumeMismatch);
        }
        let url = parse_url(&saved.upload_url)?;
        match self.offset(&url).await {
            Ok((offset, length))
                if offset <= file.length && length.is_none_or(|l| l == file.length) =>
            {
                Ok(Some(UploadState {
                    offset,
                    ..saved.clone()
                }))
            }
            Ok((offset, length)) => {
                tracing::warn!(url = %url, offset, ?length, "saved upload has another length; creating a new one");
                Ok(None)
            }
            Err(ClientError::UploadGone { status }) => {
                tracing::warn!(url = %url, status, "the server no longer has the saved upload; creating a new one");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// One try: after a failed exchange, `HEAD` for the server's offset; then one `PATCH`.
    async fn step(
        &self,
        file: &UploadFile,
        url: &Url,
        known: &AtomicU64,
        resync: &AtomicBool,
        checksum: bool,
    ) -> Result<u64, ClientError> {
        if resync.load(Ordering::SeqCst) {
            let (offset, _) = self.head_once(url).await?;
            if offset > file.length {
                return Err(ClientError::Protocol(format!(
                    "server offset {offset} is past the file's length {}",
                    file.length
                )));
            }
            known.store(offset, Ordering::SeqCst);
            resync.store(false, Ordering::SeqCst);
        }
        let offset = known.load(Ordering::SeqCst);
        if offset == file.length {
            return Ok(offset);
        }
        let len = self
            .transport
            .config
            .chunk_size
            .max(1)
            .min(file.length - offset);
        match self.patch(file, url, offset, len, checksum).await {
            Ok(next) => {
                known.store(next, Ordering::SeqCst);
                Ok(next)
            }
            Err(e) => {
                resync.store(true, Ordering::SeqCst);
                Err(e)
            }
        }
    }

    /// One `PATCH` of `len` bytes from `offset`, streamed from the file; the new offset.
    async fn patch(
        &self,
        file: &UploadFile,
        url: &Url,
        offset: u64,
        len: u64,
        checksum: bool,
    ) -> Result<u64, ClientError> {
        let mut req = self
            .request(Method::PATCH, url.clone())
            .header(CONTENT_TYPE, wire::PATCH_CONTENT_TYPE)
            .header(wire::H_UPLOAD_OFFSET, offset)
            .header(CONTENT_LENGTH, len)
            .timeout(self.patch_timeout(len));
        if checksum {
            let digest = file.chunk_sha256(offset, len).await?;
            req = req.header(wire::H_UPLOAD_CHECKSUM, wire::checksum_header(&digest));
        }
        let (body, read_failure) = file.body(offset, len, STREAM_BUFFER);
        let resp = match send(req.body(body)).await {
            Ok(resp) => resp,
            // The body was cut short by its source, not by the network: not worth a retry.
            Err(e) => return Err(read_failure.take().map_or(e, |source| file.error(source))),
        };
        let next = header_u64(resp.headers(), wire::H_UPLOAD_OFFSET)
            .ok_or_else(|| ClientError::Protocol("PATCH answered without Upload-Offset".into()))?;
        if next <= offset || next > file.length {
            return Err(ClientError::Protocol(format!(
                "PATCH at {offset} of {len} bytes answered offset {next}"
            )));
        }
        Ok(next)
    }

    fn patch_timeout(&self, len: u64) -> Duration {
        let config = &self.transport.config;
        config.request_timeout + Duration::from_secs(len / config.min_upload_rate.max(1))
    }
}

fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn parse_url(url: &str) -> Result<Url, ClientError> {
    Url::parse(url).map_err(|e| ClientError::Protocol(format!("bad upload URL {url:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn capabilities_are_read_from_options_headers() {
        let mut h = HeaderMap::new();
        h.insert("tus-version", HeaderValue::from_static("1.0.0"));
        h.insert(
            "tus-extension",
            HeaderValue::from_static("creation,creation-with-upload, termination,expiration"),
        );
        let caps = Capabilities::from_headers(&h);
        assert!(caps.supports("creation") && caps.supports("termination"));
        assert!(!caps.sha256_checksums(), "FileStore lists no checksum");
        h.insert(
            "tus-extension",
            HeaderValue::from_static("creation,checksum,termination"),
        );
        h.insert(
            "tus-checksum-algorithm",
            HeaderValue::from_static("sha1,sha256"),
        );
        h.insert("tus-max-size", HeaderValue::from_static("1073741824"));
        let caps = Capabilities::from_headers(&h);
        assert!(caps.sha256_checksums());
        assert_eq!(caps.max_size, Some(1 << 30));
    }

    #[test]
    fn the_upload_id_is_the_last_path_segment() {
        assert_eq!(
            upload_id("https://p.example/v1/uploads/abc123").as_deref(),
            Some("abc123")
        );
        assert_eq!(
            upload_id("https://p.example/v1/uploads/abc123/?x=1").as_deref(),
            Some("abc123")
        );
        assert_eq!(upload_id("https://p.example/"), None);
    }

    #[test]
    fn a_relative_location_resolves_against_the_creation_url() {
        let endpoint = Url::parse("http://127.0.0.1:9/files").unwrap();
        assert_eq!(
            endpoint.join("/files/abc").unwrap().as_str(),
            "http://127.0.0.1:9/files/abc"
        );
        let endpoint = Url::parse("http://127.0.0.1:9/v1/uploads/").unwrap();
        assert_eq!(
            endpoint.join("abc").unwrap().as_str(),
            "http://127.0.0.1:9/v1/uploads/abc"
        );
    }
}
