//! HTTP for OCSP (POST `application/ocsp-request`) and CRLs (GET), bounded in time and size.

use std::io::Read;
use std::time::Duration;

/// Largest OCSP response read.
pub(crate) const MAX_OCSP_BYTES: u64 = 1 << 20;
/// Largest CRL read: the CRLs of large Vietnamese CAs run to megabytes.
pub(crate) const MAX_CRL_BYTES: u64 = 64 << 20;

pub(crate) struct Http {
    client: reqwest::blocking::Client,
}

impl Http {
    /// A client whose every request gives up after `timeout` (connection included).
    pub(crate) fn new(timeout: Duration) -> Result<Http, String> {
        // reqwest is built without a rustls provider (DEPENDENCIES.md §1); installing ring
        // twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("hoso/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Http { client })
    }

    pub(crate) fn post_ocsp(&self, url: &str, request: Vec<u8>) -> Result<Vec<u8>, String> {
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/ocsp-request")
            .header(reqwest::header::ACCEPT, "application/ocsp-response")
            .body(request)
            .send()
            .map_err(|e| describe(&e))?;
        read(response, MAX_OCSP_BYTES)
    }

    pub(crate) fn get(&self, url: &str, limit: u64) -> Result<Vec<u8>, String> {
        let response = self.client.get(url).send().map_err(|e| describe(&e))?;
        read(response, limit)
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        e.to_string()
    }
}

fn read(response: reqwest::blocking::Response, limit: u64) -> Result<Vec<u8>, String> {
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(format!("response larger than {limit} bytes"));
    }
    let mut body = Vec::new();
    response
        .take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("reading the response: {e}"))?;
    if body.len() as u64 > limit {
        return Err(format!("response larger than {limit} bytes"));
    }
    Ok(body)
}

/// Whether we fetch from this address: plain HTTP (the usual for OCSP and CRLs, whose
/// answers are signed) or HTTPS; never LDAP or file URLs.
pub(crate) fn fetchable(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}
