//! The portal client against the reference portal on loopback: the whole filing path
//! (login, tus upload with per-chunk checksums, submit, status, supplement, catalog), the
//! server's error bodies passed through with their codes, and which failures are retried.

mod support;

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hoso_portal::api::{DossierKind, Status, StatusName, codes};
use hoso_portal::client::{ClientConfig, PortalClient, RetryPolicy, UploadFile};
use hoso_portal::server::{Catalog, Store};
use hoso_signing::cms::{CmsOptions, sign_detached};
use hoso_signing::test_pki::Identity;
use sha2::{Digest as _, Sha256};
use support::{APPLICANT, OTHER_TAX_CODE, Portal, Spoil, container};

fn client(base: &str) -> PortalClient {
    let mut config = ClientConfig::parse(base).unwrap();
    config.chunk_size = 64 * 1024;
    config.retry = RetryPolicy {
        min_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(500),
        deadline: Duration::from_secs(10),
    };
    PortalClient::new(config).unwrap()
}

async fn log_in(portal: &PortalClient, me: &Identity) {
    let challenge = portal.challenge().await.unwrap();
    let nonce = STANDARD.decode(&challenge.nonce).unwrap();
    let signed = sign_detached(
        &me.signer().unwrap(),
        &Sha256::digest(&nonce).into(),
        &CmsOptions::default(),
    )
    .unwrap();
    let token = portal.login(&challenge.nonce, &signed).await.unwrap();
    assert_eq!(token.tax_code.as_deref(), Some(APPLICANT));
    assert!(portal.is_logged_in());
}

/// Writes a container to a file of the temp dir and describes it.
async fn file(dir: &tempfile::TempDir, name: &str, bytes: Vec<u8>) -> UploadFile {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    UploadFile::open(&path).await.unwrap()
}

#[tokio::test]
async fn a_dossier_is_uploaded_filed_and_followed_through_the_client() {
    let mut portal = Portal::new();
    portal.config.catalog = Some(Catalog {
        version: "2026.11".into(),
        date: "2026-11-01".parse().unwrap(),
        pack: None,
    });
    let server = portal.start().await;
    let api = client(&server.base_url());
    let me = portal.enterprise(APPLICANT);
    let dir = tempfile::tempdir().unwrap();

    let catalog = api.catalog().await.unwrap();
    assert_eq!(catalog.version, "2026.11");
    log_in(&api, &me).await;
    assert!(
        api.tus().capabilities().await.unwrap().sha256_checksums(),
        "the portal checks chunks"
    );

    let f = file(
        &dir,
        "patent.asice",
        container(DossierKind::Patent, APPLICANT, &me, 1, 300_000, Spoil::None),
    )
    .await;
    let mut offsets = Vec::new();
    let done = api
        .upload(&f, None, |s| {
            offsets.push(s.offset);
            Ok(())
        })
        .await
        .unwrap();
    assert!(done.is_complete());
    assert_eq!(offsets.first(), Some(&0));
    assert!(offsets.len() > 4, "one state per 64 KiB chunk: {offsets:?}");

    let id = done.upload_id().unwrap();
    let receipt = api.submit(&id, &f.sha256).await.unwrap();
    assert!(
        receipt.dossier_number.starts_with("1-"),
        "{}",
        receipt.dossier_number
    );
    assert_eq!(receipt.container_sha256, f.sha256);
    assert_eq!(
        api.submit(&id, &f.sha256).await.unwrap(),
        receipt,
        "idempotent by container"
    );

    let list = api.dossiers().await.unwrap();
    assert_eq!(list.dossiers.len(), 1);
    let status = api.status(&receipt.dossier_number).await.unwrap();
    assert_eq!(status.status, StatusName::Received);
    assert_eq!(status.receipt, receipt);

    // The officer asks for a supplement; the client files one against the dossier.
    let mut store = Store::open_existing(portal.dir.path()).unwrap();
    let now = jiff::Timestamp::now();
    store
        .advance(
            &receipt.dossier_number,
            Status::InReview { message: None },
            now,
        )
        .unwrap();
    store
        .advance(
            &receipt.dossier_number,
            Status::SupplementRequested {
                deadline: "2099-12-31".parse().unwrap(),
                message: "Bổ sung bản mô tả".into(),
            },
            now,
        )
        .unwrap();
    let status = api.status(&receipt.dossier_number).await.unwrap();
    assert_eq!(status.status, StatusName::SupplementRequested);
    let s = file(
        &dir,
        "supplement.asice",
        container(DossierKind::Patent, APPLICANT, &me, 2, 2000, Spoil::None),
    )
    .await;
    let done = api.upload(&s, None, |_| Ok(())).await.unwrap();
    let sup = api
        .submit_supplement(
            &receipt.dossier_number,
            &done.upload_id().unwrap(),
            &s.sha256,
        )
        .await
        .unwrap();
    assert_eq!(sup.supplement, Some(1));
    assert_eq!(sup.dossier_number, receipt.dossier_number);
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn the_portals_refusal_comes_back_with_its_code_and_messages_and_is_not_retried() {
    let portal = Portal::new();
    let server = portal.start().await;
    let api = client(&server.base_url());
    let me = portal.enterprise(APPLICANT);
    let dir = tempfile::tempdir().unwrap();
    log_in(&api, &me).await;

    // Signed by the applicant's certificate, but naming another applicant.
    let f = file(
        &dir,
        "other.asice",
        container(
            DossierKind::Trademark,
            OTHER_TAX_CODE,
            &me,
            3,
            2000,
            Spoil::None,
        ),
    )
    .await;
    let done = api.upload(&f, None, |_| Ok(())).await.unwrap();
    let started = Instant::now();
    let err = api
        .submit(&done.upload_id().unwrap(), &f.sha256)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "portal.rejected");
    assert_eq!(err.server_code(), Some(codes::FILING_TAX_CODE_MISMATCH));
    let detail = err.detail().unwrap();
    assert!(!detail.message.vi.is_empty() && !detail.message.en.is_empty());
    assert!(!err.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a 4xx is answered at once"
    );

    let err = api.status("4-2026-99999").await.unwrap_err();
    assert_eq!(
        (err.code(), err.server_code()),
        ("portal.rejected", Some(codes::DOSSIER_NOT_FOUND))
    );
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn calls_without_a_login_are_unauthorized() {
    let portal = Portal::new();
    let server = portal.start().await;
    let api = client(&server.base_url());
    let err = api.dossiers().await.unwrap_err();
    assert_eq!(err.code(), "portal.unauthorized");
    assert_eq!(err.server_code(), Some(codes::AUTH_MISSING));
    api.set_token(Some("forged"));
    let err = api.dossiers().await.unwrap_err();
    assert_eq!(err.server_code(), Some(codes::AUTH_INVALID_TOKEN));
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn a_rate_limited_client_waits_for_retry_after_and_gets_through() {
    let mut portal = Portal::new();
    portal.config.rate_limit.burst = 2;
    portal.config.rate_limit.per_second = 2.0;
    portal.config.catalog = Some(Catalog {
        version: "1".into(),
        date: "2026-01-01".parse().unwrap(),
        pack: None,
    });
    let server = portal.start().await;
    let api = client(&server.base_url());
    let started = Instant::now();
    for _ in 0..5 {
        api.catalog().await.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "the client waited"
    );
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn an_unreachable_portal_is_given_up_on_by_the_deadline() {
    // A port nobody listens on: bind, learn it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = ClientConfig::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    config.retry = RetryPolicy {
        min_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        deadline: Duration::from_secs(1),
    };
    let api = PortalClient::new(config).unwrap();
    let started = Instant::now();
    let err = api.catalog().await.unwrap_err();
    assert_eq!(err.code(), "portal.unreachable");
    assert!(err.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn extra_root_certificates_are_accepted_as_pem() {
    use der::EncodePem as _;
    let portal = Portal::new();
    let pem = portal.pki.root.to_pem(der::pem::LineEnding::LF).unwrap();
    let mut config = ClientConfig::parse("https://portal.example/").unwrap();
    config.extra_roots.push(pem.into_bytes());
    PortalClient::new(config).unwrap();
}
