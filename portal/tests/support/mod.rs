//! A reference portal on loopback for the tests and the load benchmark, with verifiers that
//! do real work: logins are detached CMS over the nonce (hoso_signing::cms) whose certificate
//! must chain to a test root; containers are ASiC-E zips whose `META-INF/signatures*.xml`
//! carries a detached CMS over the digests of every data file (a stand-in for XAdES until the
//! signing crate's XAdES verifier lands), checked the same way.

#![allow(dead_code)]

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hoso_portal::api::{self, DossierKind};
use hoso_portal::server::{
    self, ClientIdentity, FilingVerifier, LoginVerifier, Rejection, RunningServer, Server,
    ServerConfig, VerifiedFiling, VerifiedSigner, Verifiers,
};
use hoso_signing::checks::{CheckOptions, RevocationMode, check_certificate, subject_ids};
use hoso_signing::cms::{CmsOptions, DetachedContent, sign_detached, verify_detached};
use hoso_signing::test_pki::{Identity, IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

pub const APPLICANT: &str = "0101234565";
pub const OTHER_TAX_CODE: &str = "0312345670";

/// rustls needs its provider before reqwest builds a client (DEPENDENCIES.md §1).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("reqwest client")
}

/// Checks a certificate against the test root: validity, key usage, chain (offline).
fn check_chain(
    cert: &Certificate,
    all: &[Certificate],
    anchors: &TrustAnchors,
) -> Result<(), String> {
    let report = check_certificate(
        cert,
        all,
        anchors,
        &CheckOptions {
            at: jiff::Timestamp::now(),
            revocation: RevocationMode::Offline,
            expected_tax_code: None,
        },
    );
    let failures = report.failures();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{:?}", report.codes()))
    }
}

fn tax_code_of(cert: &Certificate) -> Option<String> {
    subject_ids(&cert.tbs_certificate.subject)
        .into_iter()
        .find(|id| id.prefix.eq_ignore_ascii_case("MST"))
        .map(|id| id.value)
}

/// Logins: a detached CMS over the nonce by a certificate chaining to the test root.
pub struct TestLoginVerifier {
    anchors: TrustAnchors,
}

impl LoginVerifier for TestLoginVerifier {
    fn verify(&self, nonce: &[u8], signed: &[u8]) -> Result<ClientIdentity, Rejection> {
        let cms = verify_detached(signed, DetachedContent::Bytes(nonce)).map_err(|e| {
            Rejection::new(
                api::codes::AUTH_SIGNATURE_INVALID,
                e.to_string(),
                e.to_string(),
            )
        })?;
        check_chain(&cms.signer, &cms.certificates, &self.anchors)
            .map_err(|e| Rejection::new("auth.certificate_untrusted", e.clone(), e))?;
        Ok(ClientIdentity {
            subject: hoso_signing::certinfo::name_text(&cms.signer.tbs_certificate.subject),
            tax_code: tax_code_of(&cms.signer),
        })
    }
}

/// The bytes a test container's signature covers: `name\tsha256hex\n` for every data file
/// (everything but `mimetype` and `META-INF/`), sorted by name.
pub fn signed_manifest(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut lines: Vec<String> = files
        .iter()
        .filter(|(n, _)| n != "mimetype" && !n.starts_with("META-INF/"))
        .map(|(n, b)| format!("{n}\t{}\n", hex::encode(Sha256::digest(b))))
        .collect();
    lines.sort();
    lines.concat().into_bytes()
}

/// Containers: ASiC-E shape, every signature verifies over the data files' digests with a
/// certificate chaining to the test root; kind and applicant from `dossier.xml`.
pub struct TestFilingVerifier {
    anchors: TrustAnchors,
}

fn refuse(code: &str, why: impl std::fmt::Display) -> Rejection {
    Rejection::new(
        code,
        format!("Hồ sơ không hợp lệ: {why}"),
        format!("Invalid container: {why}"),
    )
}

fn attr<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let start = xml.find(&format!("{name}=\""))? + name.len() + 2;
    let len = xml[start..].find('"')?;
    Some(&xml[start..start + len])
}

impl FilingVerifier for TestFilingVerifier {
    fn verify(&self, container: &Path) -> Result<VerifiedFiling, Rejection> {
        server::verify::check_asic_shape(container)?;
        let bad = |e: &dyn std::fmt::Display| refuse(api::codes::FILING_NOT_ASIC, e);
        let file = std::fs::File::open(container).map_err(|e| bad(&e))?;
        let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(&e))?;
        let mut files = Vec::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).map_err(|e| bad(&e))?;
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(|e| bad(&e))?;
            let name = entry.name().map_err(|e| bad(&e))?.into_owned();
            files.push((name, bytes));
        }
        let manifest = signed_manifest(&files);
        let mut signers = Vec::new();
        for (name, bytes) in &files {
            if !(name.starts_with("META-INF/signatures") && name.ends_with(".xml")) {
                continue;
            }
            let text = String::from_utf8_lossy(bytes);
            let b64 = text
                .split_once("<TestSignature>")
                .and_then(|(_, r)| r.split_once("</TestSignature>"))
                .map(|(b, _)| b.trim())
                .ok_or_else(|| {
                    refuse(api::codes::FILING_SIGNATURE_INVALID, "no signature value")
                })?;
            let der = STANDARD
                .decode(b64)
                .map_err(|e| refuse(api::codes::FILING_SIGNATURE_INVALID, e))?;
            let cms = verify_detached(&der, DetachedContent::Bytes(&manifest))
                .map_err(|e| refuse(api::codes::FILING_SIGNATURE_INVALID, e))?;
            check_chain(&cms.signer, &cms.certificates, &self.anchors)
                .map_err(|e| refuse("filing.certificate_untrusted", e))?;
            signers.push(VerifiedSigner {
                subject: hoso_signing::certinfo::name_text(&cms.signer.tbs_certificate.subject),
                tax_code: tax_code_of(&cms.signer),
            });
        }
        let dossier = files
            .iter()
            .find(|(n, _)| n == "dossier.xml")
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .ok_or_else(|| bad(&"no dossier.xml"))?;
        let kind = attr(&dossier, "kind")
            .and_then(DossierKind::from_slug)
            .ok_or_else(|| bad(&"dossier.xml names no known kind"))?;
        let applicant_tax_code = attr(&dossier, "applicant-tax-code")
            .ok_or_else(|| bad(&"dossier.xml has no applicant"))?
            .to_owned();
        Ok(VerifiedFiling {
            kind,
            applicant_tax_code,
            signers,
        })
    }
}

/// How to spoil a test container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Spoil {
    #[default]
    None,
    /// No signature file.
    Unsigned,
    /// A data file changed after signing.
    Tampered,
}

/// A sealed test container: ASiC-E layout, `dossier.xml` naming the kind and applicant, a
/// form of `size` pseudo-random bytes (distinct per `seed`), signed by `signer`.
pub fn container(
    kind: DossierKind,
    applicant: &str,
    signer: &Identity,
    seed: u64,
    size: usize,
    spoil: Spoil,
) -> Vec<u8> {
    let mut form = Vec::with_capacity(size);
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    while form.len() < size {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        form.extend_from_slice(&x.to_le_bytes());
    }
    form.truncate(size);
    let dossier = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><dossier kind=\"{}\" applicant-tax-code=\"{applicant}\" seed=\"{seed}\"/>",
        kind.slug()
    );
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("dossier.xml".into(), dossier.into_bytes()),
        ("forms/form.pdf".into(), form),
    ];
    let manifest = signed_manifest(&files);
    let cms = sign_detached(
        &signer.signer().expect("signer"),
        &Sha256::digest(&manifest).into(),
        &CmsOptions::default(),
    )
    .expect("sign");
    if spoil == Spoil::Tampered {
        files[0].1.extend_from_slice(b"<!-- changed -->");
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).expect("zip");
    zip.write_all(server::verify::ASIC_E_MIMETYPE.as_bytes())
        .expect("zip");
    zip.start_file("META-INF/manifest.xml", stored)
        .expect("zip");
    zip.write_all(b"<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\"/>")
        .expect("zip");
    if spoil != Spoil::Unsigned {
        zip.start_file("META-INF/signatures0.xml", stored)
            .expect("zip");
        write!(
            zip,
            "<TestSignature>{}</TestSignature>",
            STANDARD.encode(cms)
        )
        .expect("zip");
    }
    for (name, bytes) in &files {
        zip.start_file(name.as_str(), stored).expect("zip");
        zip.write_all(bytes).expect("zip");
    }
    zip.finish().expect("zip").into_inner()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A test CA, the server's data folder and settings.
pub struct Portal {
    pub pki: TestPki,
    pub dir: tempfile::TempDir,
    pub config: ServerConfig,
}

impl Portal {
    pub fn new() -> Portal {
        let pki = TestPki::generate().expect("test PKI");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = ServerConfig::new(dir.path());
        config.rate_limit.per_second = 10_000.0;
        config.rate_limit.burst = 10_000;
        Portal { pki, dir, config }
    }

    pub fn verifiers(&self) -> Verifiers {
        let mut anchors = TrustAnchors::empty();
        anchors.add(self.pki.root.clone());
        Verifiers {
            filing: Arc::new(TestFilingVerifier {
                anchors: anchors.clone(),
            }),
            login: Arc::new(TestLoginVerifier { anchors }),
            receipt_signer: Arc::new(
                server::receipt_key::load_or_create(self.dir.path()).expect("receipt key"),
            ),
        }
    }

    pub async fn start(&self) -> RunningServer {
        self.start_at("127.0.0.1:0".parse().expect("addr")).await
    }

    pub async fn start_at(&self, addr: std::net::SocketAddr) -> RunningServer {
        Server::bind(addr, self.config.clone(), self.verifiers())
            .await
            .expect("bind")
            .spawn()
    }

    /// An enterprise's signer issued by the test CA.
    pub fn enterprise(&self, tax_code: &str) -> Identity {
        self.pki
            .issue(&IssueSpec::enterprise(
                "Công ty Thử nghiệm",
                tax_code,
                KeySpec::P256,
            ))
            .expect("issue")
    }
}

/// One logged-in client of a running portal, speaking raw HTTP (independent of the crate's
/// own client, so that the server is tested against the contract, not against our client).
#[derive(Clone)]
pub struct Session {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

pub async fn login(http: &reqwest::Client, base: &str, identity: &Identity) -> Session {
    let challenge: api::Challenge = http
        .post(format!("{base}/v1/auth/challenge"))
        .send()
        .await
        .expect("challenge")
        .json()
        .await
        .expect("challenge json");
    let nonce = STANDARD.decode(&challenge.nonce).expect("nonce");
    let signed = sign_detached(
        &identity.signer().expect("signer"),
        &Sha256::digest(&nonce).into(),
        &CmsOptions::default(),
    )
    .expect("sign nonce");
    let resp = http
        .post(format!("{base}/v1/auth/token"))
        .json(&api::TokenRequest {
            nonce: challenge.nonce,
            signed_nonce: STANDARD.encode(signed),
        })
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status(), 200, "login: {:?}", resp.text().await);
    let token: api::Token = resp.json().await.expect("token json");
    Session {
        http: http.clone(),
        base: base.to_owned(),
        token: token.access_token,
    }
}

impl Session {
    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    pub fn tus(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.req(method, path).header("Tus-Resumable", "1.0.0")
    }

    /// Creates an upload of `length` bytes; its path.
    pub async fn create_upload(&self, length: u64) -> String {
        let resp = self
            .tus(reqwest::Method::POST, "/v1/uploads")
            .header("Upload-Length", length.to_string())
            .header(
                "Upload-Metadata",
                api::tus::encode_metadata([("filename", &b"d.asice"[..])]),
            )
            .send()
            .await
            .expect("create");
        assert_eq!(resp.status(), 201);
        resp.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned()
    }

    pub async fn patch(&self, location: &str, offset: u64, chunk: &[u8]) -> reqwest::Response {
        let digest: [u8; 32] = Sha256::digest(chunk).into();
        self.tus(reqwest::Method::PATCH, location)
            .header("Content-Type", api::tus::PATCH_CONTENT_TYPE)
            .header("Upload-Offset", offset.to_string())
            .header("Upload-Checksum", api::tus::checksum_header(&digest))
            .body(chunk.to_vec())
            .send()
            .await
            .expect("patch")
    }

    /// Uploads a whole container in one PATCH; the upload id.
    pub async fn upload(&self, bytes: &[u8]) -> String {
        let location = self.create_upload(bytes.len() as u64).await;
        let resp = self.patch(&location, 0, bytes).await;
        assert_eq!(resp.status(), 204, "{:?}", resp.text().await);
        location.rsplit('/').next().expect("id").to_owned()
    }

    pub async fn submit(&self, upload_id: &str, sha256: &str) -> reqwest::Response {
        self.req(reqwest::Method::POST, "/v1/dossiers")
            .json(&api::SubmitRequest {
                upload_id: upload_id.to_owned(),
                container_sha256: sha256.to_owned(),
            })
            .send()
            .await
            .expect("submit")
    }

    /// Uploads and files a container; the response.
    pub async fn file(&self, bytes: &[u8]) -> reqwest::Response {
        let id = self.upload(bytes).await;
        self.submit(&id, &sha256_hex(bytes)).await
    }
}

/// The error code of an error response.
pub async fn error_code(resp: reqwest::Response) -> String {
    let body: api::ErrorBody = resp.json().await.expect("error body");
    assert!(!body.error.message.vi.is_empty() && !body.error.message.en.is_empty());
    body.error.code
}
