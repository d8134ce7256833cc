//! The reference portal over real HTTP on loopback: bad input of every kind gets its 4xx and
//! error code, filings are idempotent, statuses move only as allowed, and an upload survives
//! a server restart at its acknowledged offset.

mod support;

use std::io::{Read, Write};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hoso_portal::api::{self, DossierKind, DossierStatus, Receipt, Status, StatusName, codes};
use hoso_portal::server::{ContainerShapeVerifier, FilingVerifier, Store};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use reqwest::Method;
use sha2::{Digest, Sha256};
use support::*;

fn jiff_date(s: &str) -> jiff::civil::Date {
    s.parse().expect("date")
}

#[tokio::test]
async fn malformed_json_wrong_content_type_and_oversized_bodies_get_their_codes() {
    let portal = Portal::new();
    let server = portal.start().await;
    let http = http();
    let base = server.base_url();
    let s = login(&http, &base, &portal.enterprise(APPLICANT)).await;

    let resp = s
        .req(Method::POST, "/v1/dossiers")
        .header("Content-Type", "application/json")
        .body("{\"upload_id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(error_code(resp).await, codes::REQUEST_MALFORMED_JSON);

    let resp = s
        .req(Method::POST, "/v1/dossiers")
        .header("Content-Type", "application/json")
        .body("{\"upload_id\": 5}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(error_code(resp).await, codes::REQUEST_INVALID);

    let resp = s
        .req(Method::POST, "/v1/dossiers")
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    assert_eq!(
        error_code(resp).await,
        codes::REQUEST_UNSUPPORTED_MEDIA_TYPE
    );

    let big = format!("{{\"nonce\": \"{}\"}}", "A".repeat(200_000));
    let resp = http
        .post(format!("{base}/v1/auth/token"))
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(error_code(resp).await, codes::REQUEST_TOO_LARGE);

    let resp = s
        .req(Method::POST, "/v1/dossiers")
        .json(&serde_json::json!({"upload_id": "x", "container_sha256": "ABC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(error_code(resp).await, codes::REQUEST_INVALID);

    let resp = http.get(format!("{base}/v2/nothing")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(error_code(resp).await, codes::REQUEST_NOT_FOUND);
    let resp = http
        .delete(format!("{base}/v1/catalog"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(error_code(resp).await, codes::REQUEST_METHOD_NOT_ALLOWED);
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn every_protected_route_refuses_the_unauthenticated_and_bad_tokens() {
    let portal = Portal::new();
    let server = portal.start().await;
    let http = http();
    let base = server.base_url();
    let id = "0123456789abcdef0123456789abcdef";
    let routes: Vec<(Method, String)> = vec![
        (Method::POST, "/v1/uploads".into()),
        (Method::PATCH, format!("/v1/uploads/{id}")),
        (Method::DELETE, format!("/v1/uploads/{id}")),
        (Method::POST, "/v1/dossiers".into()),
        (Method::GET, "/v1/dossiers".into()),
        (Method::GET, "/v1/dossiers/4-2026-00001".into()),
        (Method::POST, "/v1/dossiers/4-2026-00001/supplements".into()),
    ];
    for (method, path) in &routes {
        for bearer in [None, Some("not-a-token")] {
            let mut req = http
                .request(method.clone(), format!("{base}{path}"))
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Length", "10")
                .json(&serde_json::json!({}));
            if let Some(b) = bearer {
                req = req.bearer_auth(b);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 401, "{method} {path}");
            let expected = if bearer.is_some() {
                codes::AUTH_INVALID_TOKEN
            } else {
                codes::AUTH_MISSING
            };
            assert_eq!(error_code(resp).await, expected, "{method} {path}");
        }
    }
    let resp = http
        .head(format!("{base}/v1/uploads/{id}"))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn login_refuses_reused_nonces_untrusted_certificates_and_wrong_signatures() {
    let portal = Portal::new();
    let server = portal.start().await;
    let http = http();
    let base = server.base_url();
    let me = portal.enterprise(APPLICANT);

    let challenge = |http: reqwest::Client| {
        let base = base.clone();
        async move {
            http.post(format!("{base}/v1/auth/challenge"))
                .send()
                .await
                .unwrap()
                .json::<api::Challenge>()
                .await
                .unwrap()
        }
    };
    let sign = |id: &hoso_signing::test_pki::Identity, bytes: &[u8]| {
        STANDARD.encode(
            hoso_signing::cms::sign_detached(
                &id.signer().unwrap(),
                &Sha256::digest(bytes).into(),
                &Default::default(),
            )
            .unwrap(),
        )
    };
    let token = |nonce: String, signed_nonce: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.post(format!("{base}/v1/auth/token"))
                .json(&api::TokenRequest {
                    nonce,
                    signed_nonce,
                })
                .send()
                .await
                .unwrap()
        }
    };

    // One good login, then the same nonce again.
    let c = challenge(http.clone()).await;
    let signed = sign(&me, &STANDARD.decode(&c.nonce).unwrap());
    assert_eq!(token(c.nonce.clone(), signed.clone()).await.status(), 200);
    let resp = token(c.nonce, signed).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(error_code(resp).await, codes::AUTH_CHALLENGE_INVALID);

    // A nonce the server never issued.
    let forged = STANDARD.encode([7u8; 32]);
    let resp = token(forged.clone(), sign(&me, &[7u8; 32])).await;
    assert_eq!(error_code(resp).await, codes::AUTH_CHALLENGE_INVALID);

    // Signed over other bytes.
    let c = challenge(http.clone()).await;
    let resp = token(c.nonce, sign(&me, b"something else")).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(error_code(resp).await, codes::AUTH_SIGNATURE_INVALID);

    // A certificate from a CA the portal does not trust.
    let stranger_pki = hoso_signing::test_pki::TestPki::generate().unwrap();
    let stranger = stranger_pki
        .issue(&hoso_signing::test_pki::IssueSpec::enterprise(
            "Công ty Lạ",
            APPLICANT,
            hoso_signing::test_pki::KeySpec::P256,
        ))
        .unwrap();
    let c = challenge(http.clone()).await;
    let signed = sign(&stranger, &STANDARD.decode(&c.nonce).unwrap());
    let resp = token(c.nonce, signed).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(error_code(resp).await, "auth.certificate_untrusted");

    // Not base64.
    let c = challenge(http.clone()).await;
    let resp = token(c.nonce, "%%%".into()).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(error_code(resp).await, codes::REQUEST_INVALID);
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn tus_refuses_missing_version_oversize_bad_checksum_and_wrong_offsets() {
    let mut portal = Portal::new();
    portal.config.max_upload_bytes = 1000;
    let server = portal.start().await;
    let http = http();
    let base = server.base_url();
    let s = login(&http, &base, &portal.enterprise(APPLICANT)).await;

    // No Tus-Resumable: 412, with Tus-Version and Tus-Resumable in the answer.
    let resp = s
        .req(Method::POST, "/v1/uploads")
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 412);
    assert_eq!(resp.headers()["tus-version"], "1.0.0");
    assert_eq!(resp.headers()["tus-resumable"], "1.0.0");
    assert_eq!(error_code(resp).await, codes::TUS_VERSION_UNSUPPORTED);

    // Above Tus-Max-Size.
    let resp = s
        .tus(Method::POST, "/v1/uploads")
        .header("Upload-Length", "1001")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(error_code(resp).await, codes::TUS_TOO_LARGE);

    // No Upload-Length; malformed metadata.
    let resp = s.tus(Method::POST, "/v1/uploads").send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let resp = s
        .tus(Method::POST, "/v1/uploads")
        .header("Upload-Length", "10")
        .header("Upload-Metadata", "filename !!!")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);

    let location = s.create_upload(100).await;
    assert!(location.starts_with("/v1/uploads/"));

    // A chunk whose checksum lies: 460, and the offset stays where it was.
    let chunk = [1u8; 40];
    let resp = s
        .tus(Method::PATCH, &location)
        .header("Content-Type", api::tus::PATCH_CONTENT_TYPE)
        .header("Upload-Offset", "0")
        .header("Upload-Checksum", api::tus::checksum_header(&[0u8; 32]))
        .body(chunk.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 460);
    assert_eq!(resp.headers()["tus-resumable"], "1.0.0");
    assert_eq!(error_code(resp).await, codes::TUS_CHECKSUM_MISMATCH);
    let head = s.tus(Method::HEAD, &location).send().await.unwrap();
    assert_eq!(head.headers()["upload-offset"], "0");
    assert_eq!(head.headers()["upload-length"], "100");
    assert_eq!(head.headers()["cache-control"], "no-store");

    // Another algorithm.
    let resp = s
        .tus(Method::PATCH, &location)
        .header("Content-Type", api::tus::PATCH_CONTENT_TYPE)
        .header("Upload-Offset", "0")
        .header("Upload-Checksum", "md5 AAAA")
        .body(chunk.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(resp).await, codes::TUS_CHECKSUM_ALGORITHM);

    // Wrong content type.
    let resp = s
        .tus(Method::PATCH, &location)
        .header("Content-Type", "application/octet-stream")
        .header("Upload-Offset", "0")
        .body(chunk.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);

    // A good chunk, then one at a stale offset: 409 with the real offset.
    assert_eq!(s.patch(&location, 0, &chunk).await.status(), 204);
    let resp = s.patch(&location, 0, &chunk).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(resp.headers()["upload-offset"], "40");
    assert_eq!(error_code(resp).await, codes::TUS_OFFSET_MISMATCH);

    // Past Upload-Length: refused whole.
    let resp = s.patch(&location, 40, &[2u8; 61]).await;
    assert_eq!(resp.status(), 413);
    assert_eq!(error_code(resp).await, codes::TUS_LENGTH_EXCEEDED);

    // Filing an incomplete upload.
    let id = location.rsplit('/').next().unwrap();
    let resp = s.submit(id, &"0".repeat(64)).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(error_code(resp).await, codes::TUS_UPLOAD_INCOMPLETE);

    // Termination, then the upload is gone.
    let resp = s.tus(Method::DELETE, &location).send().await.unwrap();
    assert_eq!(resp.status(), 204);
    let resp = s.patch(&location, 40, &chunk).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(error_code(resp).await, codes::TUS_UPLOAD_NOT_FOUND);

    // Someone else's upload is not found either.
    let other = login(&http, &base, &portal.enterprise(OTHER_TAX_CODE)).await;
    let location = s.create_upload(10).await;
    let resp = other.tus(Method::HEAD, &location).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn a_stalled_patch_times_out_and_keeps_the_bytes_received() {
    let mut portal = Portal::new();
    portal.config.body_idle_timeout = Duration::from_millis(500);
    let server = portal.start().await;
    let http = http();
    let s = login(&http, &server.base_url(), &portal.enterprise(APPLICANT)).await;
    let location = s.create_upload(100).await;

    let addr = server.addr;
    let token = s.token.clone();
    let loc = location.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        write!(
            tcp,
            "PATCH {loc} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: 100\r\n\r\n"
        )
        .unwrap();
        tcp.write_all(&[9u8; 30]).unwrap();
        tcp.flush().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = vec![0u8; 4096];
        let n = tcp.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("upload-offset: 30"),
        "{answer}"
    );
    let head = s.tus(Method::HEAD, &location).send().await.unwrap();
    assert_eq!(head.headers()["upload-offset"], "30");
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn a_restarted_server_resumes_uploads_at_the_acknowledged_offset() {
    let portal = Portal::new();
    let server = portal.start().await;
    let addr = server.addr;
    let http = http();
    let me = portal.enterprise(APPLICANT);
    let s = login(&http, &server.base_url(), &me).await;
    let bytes = container(DossierKind::Patent, APPLICANT, &me, 1, 300_000, Spoil::None);
    let location = s.create_upload(bytes.len() as u64).await;
    assert_eq!(s.patch(&location, 0, &bytes[..100_000]).await.status(), 204);
    server.stop(Duration::from_secs(5)).await.unwrap();

    // Bytes written after the last acknowledgement (a crash between write and answer).
    let id = location.rsplit('/').next().unwrap();
    let part = portal.dir.path().join("uploads").join(format!("{id}.part"));
    std::fs::OpenOptions::new()
        .append(true)
        .open(&part)
        .unwrap()
        .write_all(&[0xEE; 5000])
        .unwrap();

    let server = portal.start_at(addr).await;
    // A new connection pool: the old server's connections are gone.
    let s = Session {
        http: support::http(),
        ..s
    };
    let head = s.tus(Method::HEAD, &location).send().await.unwrap();
    assert_eq!(head.status(), 200, "the token survives the restart");
    assert_eq!(head.headers()["upload-offset"], "100000");
    assert_eq!(
        s.patch(&location, 100_000, &bytes[100_000..])
            .await
            .status(),
        204
    );
    let resp = s.submit(id, &sha256_hex(&bytes)).await;
    assert_eq!(resp.status(), 201);
    let receipt: Receipt = resp.json().await.unwrap();
    assert!(receipt.dossier_number.starts_with("1-"));
    // The filed upload: complete, its bytes moved, still answering.
    let end = bytes.len() as u64;
    let resp = s.patch(&location, end, &[]).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(resp.headers()["upload-offset"], end.to_string().as_str());
    assert_eq!(s.patch(&location, end, &[1]).await.status(), 413);
    let head = s.tus(Method::HEAD, &location).send().await.unwrap();
    assert_eq!(head.headers()["upload-offset"], end.to_string().as_str());
    server.stop(Duration::from_secs(5)).await.unwrap();
}

fn verify_receipt(receipt: &Receipt) {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(
        &STANDARD
            .decode(&receipt.portal_signature.certificate)
            .unwrap(),
    )
    .unwrap();
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(
        cert.tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    )
    .unwrap();
    let sig = p256::ecdsa::Signature::from_slice(
        &STANDARD.decode(&receipt.portal_signature.value).unwrap(),
    )
    .unwrap();
    let digest = Sha256::digest(receipt.signed_payload().as_bytes());
    key.verify_prehash(&digest, &sig)
        .expect("receipt signature");
    assert_eq!(
        receipt.portal_signature.algorithm,
        api::SignatureAlgorithm::EcdsaP256Sha256
    );
    // The client's own check agrees, and refuses the receipt once a field is changed.
    assert_eq!(receipt.verify_signature().unwrap(), cert);
    let mut altered = receipt.clone();
    altered.dossier_number.push('9');
    assert_eq!(
        altered.verify_signature(),
        Err(api::ReceiptSignatureError::Invalid(
            api::SignatureAlgorithm::EcdsaP256Sha256
        ))
    );
    let mut foreign = receipt.clone();
    foreign.portal_signature.certificate = "bm90IGEgY2VydGlmaWNhdGU=".into();
    assert_eq!(
        foreign.verify_signature(),
        Err(api::ReceiptSignatureError::Certificate)
    );
}

#[tokio::test]
async fn the_same_container_filed_again_or_concurrently_gets_one_receipt() {
    let portal = Portal::new();
    let server = portal.start().await;
    let http = http();
    let me = portal.enterprise(APPLICANT);
    let s = login(&http, &server.base_url(), &me).await;
    let bytes = container(
        DossierKind::Trademark,
        APPLICANT,
        &me,
        7,
        20_000,
        Spoil::None,
    );

    let first = s.file(&bytes).await;
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let first: Receipt = first.json().await.unwrap();
    verify_receipt(&first);
    assert_eq!(location, format!("/v1/dossiers/{}", first.dossier_number));
    assert!(
        first.dossier_number.starts_with("4-"),
        "{}",
        first.dossier_number
    );
    assert_eq!(first.container_sha256, sha256_hex(&bytes));

    // Again, from a fresh upload and from the already filed one.
    let again = s.file(&bytes).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Receipt>().await.unwrap(), first);

    // Concurrently, a new container from eight uploads at once: one filing.
    let bytes = container(DossierKind::Barcode, APPLICANT, &me, 8, 20_000, Spoil::None);
    let mut ids = Vec::new();
    for _ in 0..8 {
        ids.push(s.upload(&bytes).await);
    }
    let sha = sha256_hex(&bytes);
    let answers = futures_join(ids.iter().map(|id| {
        let s = s.clone();
        let (id, sha) = (id.clone(), sha.clone());
        async move {
            let r = s.submit(&id, &sha).await;
            (r.status().as_u16(), r.json::<Receipt>().await.unwrap())
        }
    }))
    .await;
    assert_eq!(answers.iter().filter(|(st, _)| *st == 201).count(), 1);
    assert!(
        answers
            .iter()
            .all(|(st, r)| (*st == 200 || *st == 201) && *r == answers[0].1)
    );
    assert!(answers[0].1.dossier_number.starts_with("MSMV-"));

    // Another client sending the same bytes does not get the receipt.
    let other = login(&http, &server.base_url(), &me).await;
    assert_eq!(
        other.file(&bytes).await.status(),
        200,
        "same certificate, same owner"
    );
    let stranger = login(
        &http,
        &server.base_url(),
        &portal.enterprise(OTHER_TAX_CODE),
    )
    .await;
    let resp = stranger.file(&bytes).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(error_code(resp).await, codes::DOSSIER_FILED_BY_ANOTHER);

    let list: api::DossierList = s
        .req(Method::GET, "/v1/dossiers")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.dossiers.len(), 2);
    let listed: api::DossierList = stranger
        .req(Method::GET, "/v1/dossiers")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(listed.dossiers.is_empty());
    server.stop(Duration::from_secs(5)).await.unwrap();
}

/// Runs futures concurrently on the current runtime (no futures crate needed).
async fn futures_join<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn unverifiable_containers_are_refused_each_with_its_code() {
    let portal = Portal::new();
    let server = portal.start().await;
    let http = http();
    let me = portal.enterprise(APPLICANT);
    let s = login(&http, &server.base_url(), &me).await;

    // Signed by a certificate whose tax code is not the applicant's.
    let other = portal.enterprise(OTHER_TAX_CODE);
    let bytes = container(DossierKind::Patent, APPLICANT, &other, 1, 1000, Spoil::None);
    let resp = s.file(&bytes).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(error_code(resp).await, codes::FILING_TAX_CODE_MISMATCH);

    let bytes = container(
        DossierKind::Patent,
        APPLICANT,
        &me,
        2,
        1000,
        Spoil::Unsigned,
    );
    let resp = s.file(&bytes).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(error_code(resp).await, codes::FILING_SIGNATURE_INVALID);

    let bytes = container(
        DossierKind::Patent,
        APPLICANT,
        &me,
        3,
        1000,
        Spoil::Tampered,
    );
    let resp = s.file(&bytes).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(error_code(resp).await, codes::FILING_SIGNATURE_INVALID);

    let resp = s
        .file(b"PK\x03\x04 not really a zip at all, just bytes............")
        .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(error_code(resp).await, codes::FILING_NOT_ASIC);

    // The bytes are not what container_sha256 says.
    let bytes = container(DossierKind::Patent, APPLICANT, &me, 4, 1000, Spoil::None);
    let id = s.upload(&bytes).await;
    let resp = s.submit(&id, &"a".repeat(64)).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(error_code(resp).await, codes::DOSSIER_HASH_MISMATCH);

    let resp = s
        .submit("0123456789abcdef0123456789abcdef", &"b".repeat(64))
        .await;
    assert_eq!(resp.status(), 404);
    assert_eq!(error_code(resp).await, codes::TUS_UPLOAD_NOT_FOUND);

    let list: api::DossierList = s
        .req(Method::GET, "/v1/dossiers")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list.dossiers.is_empty(), "nothing was filed");
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn the_shape_verifier_never_accepts_a_container() {
    let portal = Portal::new();
    let me = portal.enterprise(APPLICANT);
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.asice");
    std::fs::write(
        &good,
        container(DossierKind::Trademark, APPLICANT, &me, 1, 100, Spoil::None),
    )
    .unwrap();
    let err = ContainerShapeVerifier.verify(&good).unwrap_err();
    assert_eq!(err.code, codes::VERIFICATION_UNAVAILABLE);
    let unsigned = dir.path().join("unsigned.asice");
    std::fs::write(
        &unsigned,
        container(
            DossierKind::Trademark,
            APPLICANT,
            &me,
            1,
            100,
            Spoil::Unsigned,
        ),
    )
    .unwrap();
    assert_eq!(
        ContainerShapeVerifier.verify(&unsigned).unwrap_err().code,
        codes::FILING_SIGNATURE_INVALID
    );
    let junk = dir.path().join("junk.asice");
    std::fs::write(&junk, b"hello").unwrap();
    assert_eq!(
        ContainerShapeVerifier.verify(&junk).unwrap_err().code,
        codes::FILING_NOT_ASIC
    );
}

async fn status(s: &Session, number: &str) -> DossierStatus {
    let resp = s
        .req(Method::GET, &format!("/v1/dossiers/{number}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn statuses_move_only_as_allowed_and_supplements_follow_requests() {
    let portal = Portal::new();
    let server = portal.start().await;
    let http = http();
    let me = portal.enterprise(APPLICANT);
    let s = login(&http, &server.base_url(), &me).await;
    let bytes = container(
        DossierKind::IndustrialDesign,
        APPLICANT,
        &me,
        1,
        5000,
        Spoil::None,
    );
    let receipt: Receipt = s.file(&bytes).await.json().await.unwrap();
    let number = receipt.dossier_number.clone();
    assert!(number.starts_with("3-"));

    let supplement = container(
        DossierKind::IndustrialDesign,
        APPLICANT,
        &me,
        2,
        3000,
        Spoil::None,
    );
    let file_supplement = |bytes: Vec<u8>| {
        let s = s.clone();
        let number = number.clone();
        async move {
            let id = s.upload(&bytes).await;
            s.req(Method::POST, &format!("/v1/dossiers/{number}/supplements"))
                .json(&api::SubmitRequest {
                    upload_id: id,
                    container_sha256: sha256_hex(&bytes),
                })
                .send()
                .await
                .unwrap()
        }
    };
    let resp = file_supplement(supplement.clone()).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(
        error_code(resp).await,
        codes::DOSSIER_SUPPLEMENT_NOT_REQUESTED
    );

    // The officer's side, on the same database while the server runs.
    let mut store = Store::open_existing(portal.dir.path()).unwrap();
    let now = jiff::Timestamp::now();
    let err = store
        .advance(&number, Status::Approved { message: None }, now)
        .unwrap_err();
    assert_eq!(err.code(), codes::DOSSIER_INVALID_TRANSITION);
    store
        .advance(&number, Status::InReview { message: None }, now)
        .unwrap();
    store
        .advance(
            &number,
            Status::SupplementRequested {
                deadline: jiff_date("2000-01-01"),
                message: "Bổ sung bản vẽ".into(),
            },
            now,
        )
        .unwrap();
    // Past the deadline.
    let resp = file_supplement(supplement.clone()).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(
        error_code(resp).await,
        codes::DOSSIER_SUPPLEMENT_NOT_REQUESTED
    );
    store
        .advance(&number, Status::InReview { message: None }, now)
        .unwrap();
    store
        .advance(
            &number,
            Status::SupplementRequested {
                deadline: jiff_date("2099-12-31"),
                message: "Bổ sung bản vẽ".into(),
            },
            now,
        )
        .unwrap();

    // A supplement for another applicant.
    let other = container(
        DossierKind::IndustrialDesign,
        OTHER_TAX_CODE,
        &portal.enterprise(OTHER_TAX_CODE),
        3,
        100,
        Spoil::None,
    );
    let resp = file_supplement(other).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(error_code(resp).await, codes::DOSSIER_SUPPLEMENT_APPLICANT);

    let resp = file_supplement(supplement.clone()).await;
    assert_eq!(resp.status(), 201);
    let sup: Receipt = resp.json().await.unwrap();
    assert_eq!(sup.supplement, Some(1));
    assert_eq!(sup.dossier_number, number);
    verify_receipt(&sup);
    let resp = file_supplement(supplement).await;
    assert_eq!(
        resp.status(),
        200,
        "the same supplement again: same receipt"
    );
    assert_eq!(resp.json::<Receipt>().await.unwrap(), sup);

    let st = status(&s, &number).await;
    assert_eq!(st.status, StatusName::InReview);
    assert_eq!(st.supplements, vec![sup]);
    store
        .advance(
            &number,
            Status::FeeDue {
                amount_vnd: 150_000,
                payment_reference: format!("{number}/PHI"),
                message: None,
            },
            now,
        )
        .unwrap();
    store
        .advance(&number, Status::Approved { message: None }, now)
        .unwrap();
    let err = store
        .advance(
            &number,
            Status::Rejected {
                reason: "late".into(),
            },
            now,
        )
        .unwrap_err();
    assert_eq!(err.code(), codes::DOSSIER_INVALID_TRANSITION);

    let st = status(&s, &number).await;
    let names: Vec<StatusName> = st.history.iter().map(|e| e.status.name()).collect();
    use StatusName::*;
    assert_eq!(
        names,
        [
            Received,
            InReview,
            SupplementRequested,
            InReview,
            SupplementRequested,
            InReview,
            FeeDue,
            Approved
        ]
    );
    assert_eq!(st.status, Approved);
    assert_eq!(st.receipt, receipt);

    // Someone else asking: not found.
    let stranger = login(
        &http,
        &server.base_url(),
        &portal.enterprise(OTHER_TAX_CODE),
    )
    .await;
    let resp = stranger
        .req(Method::GET, &format!("/v1/dossiers/{number}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(error_code(resp).await, codes::DOSSIER_NOT_FOUND);
    let resp = s
        .req(Method::GET, "/v1/dossiers/4-2026-99999")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_with_retry_after() {
    let mut portal = Portal::new();
    portal.config.rate_limit.per_second = 1.0;
    portal.config.rate_limit.burst = 5;
    let server = portal.start().await;
    let http = http();
    let base = server.base_url();
    let mut limited = None;
    for _ in 0..10 {
        let resp = http.get(format!("{base}/v1/catalog")).send().await.unwrap();
        if resp.status() == 429 {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("rate limited within 10 requests");
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=5).contains(&retry));
    assert_eq!(error_code(resp).await, codes::RATE_LIMITED);
    server.stop(Duration::from_secs(5)).await.unwrap();
}
