//! Test support for the certificate checks: an OCSP responder and a CRL server on
//! 127.0.0.1, started per test and stopped when dropped, plus small helpers.
#![allow(dead_code)] // each test binary uses its own part

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use der::{Decode, Encode};
use hoso_signing::checks::{CheckOptions, RevocationMode};
use hoso_signing::test_pki::{Identity, IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;
use jiff::Timestamp;
use sha2::Digest;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::builder::OcspResponseBuilder;
use x509_ocsp::ext::Nonce;
use x509_ocsp::{
    CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse, ResponderId, RevokedInfo,
    SingleResponse,
};

/// The applicant's tax code in most tests (valid check digit, identifiers.md).
pub const TAX_CODE: &str = "0101234565";

/// Network timeout of the tests' revocation checks.
pub const TIMEOUT: Duration = Duration::from_secs(3);

pub fn online() -> RevocationMode {
    RevocationMode::Online { timeout: TIMEOUT }
}

pub fn options(revocation: RevocationMode, expected_tax_code: Option<&str>) -> CheckOptions<'_> {
    CheckOptions {
        at: Timestamp::now(),
        revocation,
        expected_tax_code,
    }
}

pub fn anchors_of(pki: &TestPki) -> TrustAnchors {
    let mut anchors = TrustAnchors::empty();
    anchors.add(pki.root.clone());
    anchors
}

/// An enterprise signer with the test tax code, and the given revocation addresses.
pub fn signer(pki: &TestPki, key: KeySpec, ocsp: Option<String>, crl: Option<String>) -> Identity {
    let mut spec = IssueSpec::enterprise("Công ty TNHH Thử nghiệm", TAX_CODE, key);
    spec.ocsp_url = ocsp;
    spec.crl_url = crl;
    pki.issue(&spec).expect("issue signer")
}

/// An address on 127.0.0.1 where nothing listens.
pub fn dead_url(path: &str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}{path}")
}

/// How the test OCSP responder misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcspMode {
    Normal,
    /// Answers after 30 s: past any client timeout.
    Hang,
    /// Answers `tryLater`.
    TryLater,
    /// thisUpdate two days ago, nextUpdate yesterday.
    Stale,
    /// Echoes another nonce.
    WrongNonce,
}

struct Responder {
    cert: Certificate,
    key: p256::ecdsa::SigningKey,
}

/// Revoked serials (DER bytes) with their revocation time and reason.
type RevokedTable = HashMap<Vec<u8>, (SystemTime, Option<CrlReason>)>;

struct Shared {
    issuer: Certificate,
    responder: Mutex<Responder>,
    revoked: Mutex<RevokedTable>,
    crl: Mutex<Option<Vec<u8>>>,
    mode: Mutex<OcspMode>,
    ocsp_requests: AtomicUsize,
    crl_requests: AtomicUsize,
}

fn responder_of(identity: &Identity) -> Responder {
    let secret =
        <p256::SecretKey as p256::pkcs8::DecodePrivateKey>::from_pkcs8_der(&identity.key_pkcs8)
            .expect("responder key is P-256");
    Responder {
        cert: identity.certificate.clone(),
        key: p256::ecdsa::SigningKey::from(secret),
    }
}

/// An OCSP responder (`POST /ocsp`) and a CRL server (`GET /crl`) for one CA, answering from
/// a table of revoked serials and a CRL the test sets. Stopped when dropped.
pub struct RevocationServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RevocationServer {
    /// A server for `pki`'s intermediate CA, signing with a delegated responder
    /// (id-kp-OCSPSigning) issued by it.
    pub fn start(pki: &TestPki) -> RevocationServer {
        let responder = pki.issue_ocsp_responder().expect("responder");
        RevocationServer::with_responder(&pki.intermediate, &responder)
    }

    /// A server for `issuer` that signs OCSP responses with `responder`'s P-256 key.
    pub fn with_responder(issuer: &Certificate, responder: &Identity) -> RevocationServer {
        let shared = Arc::new(Shared {
            issuer: issuer.clone(),
            responder: Mutex::new(responder_of(responder)),
            revoked: Mutex::new(HashMap::new()),
            crl: Mutex::new(None),
            mode: Mutex::new(OcspMode::Normal),
            ocsp_requests: AtomicUsize::new(0),
            crl_requests: AtomicUsize::new(0),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = shared.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let app = Router::new()
                    .route("/ocsp", post(ocsp))
                    .route("/crl", get(crl))
                    .with_state(state);
                // Dropping the server future (and then the runtime) ends every connection,
                // a hanging one included.
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stopped => {}
                }
            });
        });
        RevocationServer {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn ocsp_url(&self) -> String {
        format!("http://{}/ocsp", self.addr)
    }

    pub fn crl_url(&self) -> String {
        format!("http://{}/crl", self.addr)
    }

    pub fn revoke(&self, serial: &SerialNumber, at: SystemTime, reason: Option<CrlReason>) {
        self.shared
            .revoked
            .lock()
            .expect("lock")
            .insert(serial.as_bytes().to_vec(), (at, reason));
    }

    pub fn set_crl(&self, crl: &CertificateList) {
        *self.shared.crl.lock().expect("lock") = Some(crl.to_der().expect("CRL DER"));
    }

    pub fn set_mode(&self, mode: OcspMode) {
        *self.shared.mode.lock().expect("lock") = mode;
    }

    /// Signs OCSP responses with another identity's key from now on.
    pub fn set_responder(&self, identity: &Identity) {
        *self.shared.responder.lock().expect("lock") = responder_of(identity);
    }

    pub fn ocsp_requests(&self) -> usize {
        self.shared.ocsp_requests.load(Ordering::SeqCst)
    }

    pub fn crl_requests(&self) -> usize {
        self.shared.crl_requests.load(Ordering::SeqCst)
    }
}

impl Drop for RevocationServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn der_response(content_type: &'static str, body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn ocsp_response(response: &OcspResponse) -> Response {
    der_response(
        "application/ocsp-response",
        response.to_der().expect("OCSP response DER"),
    )
}

fn hash(oid: &der::asn1::ObjectIdentifier, bytes: &[u8]) -> Option<Vec<u8>> {
    match oid.to_string().as_str() {
        "1.3.14.3.2.26" => Some(sha1::Sha1::digest(bytes).to_vec()),
        "2.16.840.1.101.3.4.2.1" => Some(sha2::Sha256::digest(bytes).to_vec()),
        _ => None,
    }
}

/// Whether `id` names a certificate of `issuer`.
fn ours(id: &CertId, issuer: &Certificate) -> bool {
    let alg = &id.hash_algorithm.oid;
    let name = issuer.tbs_certificate.subject.to_der().expect("name DER");
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    hash(alg, &name).as_deref() == Some(id.issuer_name_hash.as_bytes())
        && hash(alg, key).as_deref() == Some(id.issuer_key_hash.as_bytes())
}

fn generalized(t: SystemTime) -> OcspGeneralizedTime {
    OcspGeneralizedTime::try_from(t).expect("time")
}

async fn ocsp(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    shared.ocsp_requests.fetch_add(1, Ordering::SeqCst);
    let mode = *shared.mode.lock().expect("lock");
    match mode {
        OcspMode::Hang => tokio::time::sleep(Duration::from_secs(30)).await,
        OcspMode::TryLater => return ocsp_response(&OcspResponse::try_later()),
        _ => {}
    }
    let Ok(request) = OcspRequest::from_der(&body) else {
        return ocsp_response(&OcspResponse::malformed_request());
    };
    let now = SystemTime::now();
    let (this_update, next_update) = match mode {
        OcspMode::Stale => (
            now - Duration::from_secs(2 * 86_400),
            now - Duration::from_secs(86_400),
        ),
        _ => (
            now - Duration::from_secs(60),
            now + Duration::from_secs(3_600),
        ),
    };
    let responder = shared.responder.lock().expect("lock");
    let mut builder = OcspResponseBuilder::new(ResponderId::ByName(
        responder.cert.tbs_certificate.subject.clone(),
    ));
    for single in &request.tbs_request.request_list {
        let id = single.req_cert.clone();
        let status = if !ours(&id, &shared.issuer) {
            CertStatus::unknown()
        } else {
            match shared
                .revoked
                .lock()
                .expect("lock")
                .get(id.serial_number.as_bytes())
            {
                Some((at, reason)) => CertStatus::revoked(RevokedInfo {
                    revocation_time: generalized(*at),
                    revocation_reason: *reason,
                }),
                None => CertStatus::good(),
            }
        };
        builder = builder.with_single_response(
            SingleResponse::new(id, status, generalized(this_update))
                .with_next_update(generalized(next_update)),
        );
    }
    if let Some(nonce) = request.nonce() {
        let nonce = match mode {
            OcspMode::WrongNonce => Nonce::new(vec![0x42; 16]).expect("nonce"),
            _ => nonce,
        };
        builder = builder.with_extension(nonce).expect("nonce extension");
    }
    let mut key = responder.key.clone();
    let response = builder
        .sign::<_, p256::ecdsa::DerSignature>(
            &mut key,
            Some(vec![responder.cert.clone()]),
            generalized(now),
        )
        .expect("sign OCSP response");
    ocsp_response(&response)
}

async fn crl(State(shared): State<Arc<Shared>>) -> Response {
    shared.crl_requests.fetch_add(1, Ordering::SeqCst);
    match shared.crl.lock().expect("lock").clone() {
        Some(der) => der_response("application/pkix-crl", der),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
