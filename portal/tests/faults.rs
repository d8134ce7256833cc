//! Fault tests on loopback: a TCP proxy written here, between the client and the server,
//! cuts connections at random points (a bounded number of times, from a seeded RNG printed
//! for replay with `FAULT_SEED=…`), and servers restart mid-upload. Every dossier must end
//! uploaded (and filed) exactly once, and the bytes the client sent must stay under 1.1 ×
//! the containers' sizes: an interrupted upload resumes, it never starts over.

#[path = "tus-oracle/harness.rs"]
mod oracle;
mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hoso_portal::api::{DossierKind, Receipt};
use hoso_portal::client::{
    ClientConfig, PortalClient, RetryPolicy, TusClient, UploadFile, UploadState,
};
use hoso_signing::cms::{CmsOptions, sign_detached};
use hoso_signing::test_pki::Identity;
use oracle::Oracle;
use sha2::{Digest as _, Sha256};
use support::{APPLICANT, Portal, Spoil, container};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
/// Every test here finishes within this, or fails.
const TEST_BUDGET: Duration = Duration::from_secs(45);

// ---------------------------------------------------------------------------------------
// The proxy

/// splitmix64: small, seeded, good enough to place cuts.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The seed of this run: `FAULT_SEED` to replay one, else the clock.
fn seed(test: &str) -> u64 {
    let seed = std::env::var("FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    eprintln!("{test}: fault seed {seed} (replay with FAULT_SEED={seed})");
    seed
}

/// Where and how often the proxy cuts.
struct Plan {
    rng: Rng,
    /// Cuts still allowed.
    cuts_left: u32,
    /// Chance, in percent, that a new connection is cut somewhere.
    percent: u64,
    /// A cut on the way up falls within this many bytes of the connection's start.
    up_window: u64,
    /// A cut on the way down (the request arrived, the answer is lost) falls within this
    /// many bytes of the answers.
    down_window: u64,
}

/// The cut chosen for one connection: after this many bytes up, or down.
#[derive(Debug, Clone, Copy)]
enum Cut {
    None,
    Up(u64),
    Down(u64),
}

struct Proxy {
    addr: SocketAddr,
    plan: Arc<Mutex<Plan>>,
    /// Bytes the client sent (read by the proxy from the client side).
    sent: Arc<AtomicU64>,
    cuts: Arc<AtomicU32>,
    /// Connections the server refused (it was down).
    refused: Arc<AtomicU32>,
}

impl Proxy {
    async fn start(upstream: SocketAddr, plan: Plan) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let sent = Arc::new(AtomicU64::new(0));
        let cuts = Arc::new(AtomicU32::new(0));
        let refused = Arc::new(AtomicU32::new(0));
        let plan = Arc::new(Mutex::new(plan));
        let (s, c, r, p) = (sent.clone(), cuts.clone(), refused.clone(), plan.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let cut = {
                    let mut guard = p.lock().unwrap();
                    let p = &mut *guard;
                    if p.cuts_left > 0 && p.rng.below(100) < p.percent {
                        p.cuts_left -= 1;
                        if p.rng.below(3) == 0 {
                            let at = p.rng.below(p.down_window);
                            Cut::Down(at)
                        } else {
                            let at = p.rng.below(p.up_window);
                            Cut::Up(at)
                        }
                    } else {
                        Cut::None
                    }
                };
                let counters = Counters {
                    sent: s.clone(),
                    cuts: c.clone(),
                    refused: r.clone(),
                };
                tokio::spawn(pipe(client, upstream, cut, counters));
            }
        });
        Proxy {
            addr,
            plan,
            sent,
            cuts,
            refused,
        }
    }

    /// Cuts differently from now on (for connections opened from now on).
    fn replan(&self, plan: Plan) {
        *self.plan.lock().unwrap() = plan;
    }

    fn url(&self, path: &str) -> reqwest::Url {
        reqwest::Url::parse(&format!("http://{}{path}", self.addr)).unwrap()
    }
}

struct Counters {
    sent: Arc<AtomicU64>,
    cuts: Arc<AtomicU32>,
    refused: Arc<AtomicU32>,
}

/// Relays one connection until either side closes or the cut comes; then drops both.
async fn pipe(client: TcpStream, upstream: SocketAddr, cut: Cut, counters: Counters) {
    let Counters {
        sent,
        cuts,
        refused,
    } = counters;
    let Ok(server) = TcpStream::connect(upstream).await else {
        // The server is down (restarting): the client sees the connection close.
        refused.fetch_add(1, Ordering::SeqCst);
        return;
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up_limit = match cut {
        Cut::Up(n) => n,
        _ => u64::MAX,
    };
    let down_limit = match cut {
        Cut::Down(n) => n,
        _ => u64::MAX,
    };
    let up = async {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => n,
            };
            sent.fetch_add(n as u64, Ordering::SeqCst);
            let room = up_limit - total;
            let pass = (n as u64).min(room) as usize;
            if sw.write_all(&buf[..pass]).await.is_err() {
                return false;
            }
            total += pass as u64;
            if total == up_limit {
                return true;
            }
        }
    };
    let down = async {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => n,
            };
            let room = down_limit - total;
            let pass = (n as u64).min(room) as usize;
            if cw.write_all(&buf[..pass]).await.is_err() {
                return false;
            }
            total += pass as u64;
            if total == down_limit {
                return true;
            }
        }
    };
    let was_cut = tokio::select! {
        c = up => c,
        c = down => c,
    };
    if was_cut {
        cuts.fetch_add(1, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------------------------------
// Helpers

fn write_file(path: &Path, len: u64, seed: u64) {
    let mut rng = Rng(seed);
    let mut bytes = Vec::with_capacity(len as usize);
    while (bytes.len() as u64) < len {
        bytes.extend_from_slice(&rng.next().to_le_bytes());
    }
    bytes.truncate(len as usize);
    std::fs::write(path, bytes).unwrap();
}

fn sha256_of(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

fn config(base: reqwest::Url, chunk_size: u64) -> ClientConfig {
    let mut config = ClientConfig::new(base);
    config.chunk_size = chunk_size;
    config.request_timeout = Duration::from_secs(10);
    config.retry = RetryPolicy {
        min_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(400),
        deadline: Duration::from_secs(20),
    };
    config
}

/// The outbox's loop for one container: upload, persisting the state after every
/// acknowledged chunk, and on failure run again from the persisted state (bounded).
async fn upload_like_the_outbox(tus: &TusClient, file: &UploadFile) -> UploadState {
    let saved: Arc<Mutex<Option<UploadState>>> = Arc::default();
    for attempt in 0..5 {
        let resume = saved.lock().unwrap().clone();
        let sink = saved.clone();
        match tus
            .upload(file, resume.as_ref(), move |s| {
                *sink.lock().unwrap() = Some(s.clone());
                Ok(())
            })
            .await
        {
            Ok(done) => return done,
            Err(e) if e.is_retryable() => eprintln!("attempt {attempt}: {e}; running again"),
            Err(e) => panic!("upload failed for good: {e}"),
        }
    }
    panic!("upload did not finish in 5 runs")
}

/// The same loop through the portal client (login included).
async fn upload_to_portal(client: &PortalClient, file: &UploadFile) -> UploadState {
    let saved: Arc<Mutex<Option<UploadState>>> = Arc::default();
    for attempt in 0..5 {
        let resume = saved.lock().unwrap().clone();
        let sink = saved.clone();
        match client
            .upload(file, resume.as_ref(), move |s| {
                *sink.lock().unwrap() = Some(s.clone());
                Ok(())
            })
            .await
        {
            Ok(done) => return done,
            Err(e) if e.is_retryable() => eprintln!("attempt {attempt}: {e}; running again"),
            Err(e) => panic!("upload failed for good: {e}"),
        }
    }
    panic!("upload did not finish in 5 runs")
}

/// Certificate login through whatever the network does: a nonce is single-use, so a login
/// whose answer was lost starts again from a new challenge (bounded). The bearer token.
async fn log_in(client: &PortalClient, me: &Identity) -> String {
    for attempt in 0..6 {
        let challenge = match client.challenge().await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("challenge {attempt}: {e}");
                continue;
            }
        };
        let nonce = STANDARD.decode(&challenge.nonce).unwrap();
        let signed = sign_detached(
            &me.signer().unwrap(),
            &Sha256::digest(&nonce).into(),
            &CmsOptions::default(),
        )
        .unwrap();
        match client.login(&challenge.nonce, &signed).await {
            Ok(token) => return token.access_token,
            Err(e) => eprintln!("login {attempt}: {e} ({:?})", e.server_code()),
        }
    }
    panic!("no login in 6 tries")
}

/// Submits until a receipt comes back (the outbox's submit step, bounded).
async fn submit_like_the_outbox(client: &PortalClient, upload_id: &str, sha256: &str) -> Receipt {
    for attempt in 0..5 {
        match client.submit(upload_id, sha256).await {
            Ok(receipt) => return receipt,
            Err(e) if e.is_retryable() => eprintln!("submit {attempt}: {e}; running again"),
            Err(e) => panic!("submit failed for good: {e} ({:?})", e.server_code()),
        }
    }
    panic!("submit did not succeed in 5 runs")
}

/// Stored files (not FileStore's `.json` metadata) whose content is `sha256`.
fn stored_copies(store: &Path, sha256: &str) -> usize {
    std::fs::read_dir(store)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_none() && p.is_file())
        .filter(|p| sha256_of(p) == sha256)
        .count()
}

fn containers(dir: &Path, sizes: &[u64]) -> Vec<PathBuf> {
    sizes
        .iter()
        .enumerate()
        .map(|(i, &len)| {
            let path = dir.join(format!("dossier-{i}.asice"));
            write_file(&path, len, 100 + i as u64);
            path
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Against the independent tus server

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_through_a_cutting_proxy_complete_once_under_1_1x_the_bytes() {
    let test = "uploads_through_a_cutting_proxy_complete_once_under_1_1x_the_bytes";
    if !oracle::available_or_skip(test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let server = Oracle::start(&store);
    let upstream: SocketAddr = format!("127.0.0.1:{}", server.port).parse().unwrap();
    let proxy = Proxy::start(
        upstream,
        Plan {
            rng: Rng(seed(test)),
            cuts_left: 10,
            percent: 100,
            up_window: MIB,
            down_window: 2000,
        },
    )
    .await;
    let sizes = [3 * MIB + 1, 2 * MIB + 77_777, 3 * MIB + 4321, MIB / 2];
    let paths = containers(dir.path(), &sizes);
    let tus = Arc::new(
        TusClient::new(config(proxy.url("/files"), 256 * KIB), proxy.url("/files")).unwrap(),
    );

    let run = async {
        let mut tasks = tokio::task::JoinSet::new();
        for path in paths {
            let tus = tus.clone();
            tasks.spawn(async move {
                let file = UploadFile::open(&path).await.unwrap();
                let done = upload_like_the_outbox(&tus, &file).await;
                (file, done)
            });
        }
        tasks.join_all().await
    };
    let results = tokio::time::timeout(TEST_BUDGET, run)
        .await
        .expect("within the time budget");

    let total: u64 = sizes.iter().sum();
    let sent = proxy.sent.load(Ordering::SeqCst);
    eprintln!(
        "{test}: {} cuts, client sent {sent} bytes for {total} ({:.3}×)",
        proxy.cuts.load(Ordering::SeqCst),
        sent as f64 / total as f64
    );
    assert!(
        proxy.cuts.load(Ordering::SeqCst) >= 5,
        "the proxy cut too rarely to test anything"
    );
    for (file, done) in &results {
        assert!(done.is_complete());
        let id = done.upload_id().unwrap();
        assert_eq!(
            sha256_of(&server.stored_file(&id)),
            file.sha256,
            "{}",
            file.filename
        );
        assert_eq!(
            stored_copies(&store, &file.sha256),
            1,
            "uploaded exactly once"
        );
    }
    assert!(
        (sent as f64) < 1.1 * total as f64,
        "the client sent {sent} bytes for {total} bytes of containers"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tus_server_restart_mid_upload_resumes_where_it_stood() {
    let test = "a_tus_server_restart_mid_upload_resumes_where_it_stood";
    if !oracle::available_or_skip(test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let server = Arc::new(Mutex::new(Oracle::start(&store)));
    let port = server.lock().unwrap().port;
    let upstream: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let proxy = Proxy::start(
        upstream,
        Plan {
            rng: Rng(1),
            cuts_left: 0,
            percent: 0,
            up_window: 1,
            down_window: 1,
        },
    )
    .await;
    let path = dir.path().join("big.asice");
    let length = 8 * MIB + 3;
    write_file(&path, length, 7);
    let file = UploadFile::open(&path).await.unwrap();
    let tus = TusClient::new(config(proxy.url("/files"), 512 * KIB), proxy.url("/files")).unwrap();

    let mut states: Vec<UploadState> = Vec::new();
    let mut restarter: Option<std::thread::JoinHandle<()>> = None;
    let upload = tus.upload(&file, None, |s| {
        states.push(s.clone());
        if s.offset >= 2 * MIB && restarter.is_none() {
            // Killed (SIGKILL, a crash) right after it acknowledged this chunk; back 300 ms
            // later on the same port, with the same store.
            server.lock().unwrap().stop();
            let server = server.clone();
            restarter = Some(std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                server.lock().unwrap().restart();
            }));
        }
        Ok(())
    });
    let done = tokio::time::timeout(TEST_BUDGET, upload)
        .await
        .expect("within the time budget")
        .unwrap();
    restarter.expect("the server was restarted").join().unwrap();

    assert!(
        proxy.refused.load(Ordering::SeqCst) > 0,
        "the client met the server down"
    );
    assert!(
        states.windows(2).all(|w| w[0].offset <= w[1].offset),
        "never back to an earlier offset"
    );
    assert!(
        states.iter().all(|s| s.upload_url == done.upload_url),
        "one upload throughout"
    );
    let id = done.upload_id().unwrap();
    assert_eq!(
        sha256_of(&server.lock().unwrap().stored_file(&id)),
        file.sha256
    );
    let sent = proxy.sent.load(Ordering::SeqCst);
    eprintln!(
        "{test}: client sent {sent} bytes for {length} ({:.3}×)",
        sent as f64 / length as f64
    );
    assert!(
        (sent as f64) < 1.1 * length as f64,
        "sent {sent} for {length}"
    );
}

// ---------------------------------------------------------------------------------------
// Against the reference portal: uploads and filings

const KINDS: [DossierKind; 4] = [
    DossierKind::Patent,
    DossierKind::Trademark,
    DossierKind::TechTransfer,
    DossierKind::Barcode,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filings_through_a_cutting_proxy_are_filed_exactly_once_under_1_1x_the_bytes() {
    let test = "filings_through_a_cutting_proxy_are_filed_exactly_once_under_1_1x_the_bytes";
    let portal = Portal::new();
    let server = portal.start().await;
    let mut rng = Rng(seed(test));
    let proxy = Proxy::start(
        server.addr,
        Plan {
            rng: Rng(rng.next()),
            cuts_left: 8,
            percent: 100,
            up_window: MIB,
            down_window: 2000,
        },
    )
    .await;
    let me = portal.enterprise(APPLICANT);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, kind) in KINDS.into_iter().enumerate() {
        let bytes = container(
            kind,
            APPLICANT,
            &me,
            40 + i as u64,
            (3 * MIB) as usize,
            Spoil::None,
        );
        let path = dir.path().join(format!("{kind}.asice"));
        std::fs::write(&path, bytes).unwrap();
        files.push(UploadFile::open(&path).await.unwrap());
    }
    let total: u64 = files.iter().map(|f| f.length).sum();
    // The portal discards a cut chunk that carries a checksum, so chunks are small here.
    let client = Arc::new(PortalClient::new(config(proxy.url("/"), 64 * KIB)).unwrap());

    let run = async {
        let token = log_in(&client, &me).await;
        let mut uploads = tokio::task::JoinSet::new();
        for file in files.clone() {
            let client = client.clone();
            uploads.spawn(async move {
                let done = upload_to_portal(&client, &file).await;
                (file, done)
            });
        }
        let uploaded = uploads.join_all().await;

        // The submits go through new connections, with cuts placed in requests and answers
        // (most often in the answer: the portal filed the dossier, the client never heard).
        proxy.replan(Plan {
            rng: Rng(rng.next()),
            cuts_left: 8,
            percent: 100,
            up_window: 400,
            down_window: 600,
        });
        let submitter = Arc::new(PortalClient::new(config(proxy.url("/"), 64 * KIB)).unwrap());
        submitter.set_token(Some(&token));
        let mut submits = tokio::task::JoinSet::new();
        for (file, done) in uploaded {
            let submitter = submitter.clone();
            submits.spawn(async move {
                let id = done.upload_id().unwrap();
                let receipt = submit_like_the_outbox(&submitter, &id, &file.sha256).await;
                // The outbox crashed before saving the receipt: it submits again.
                let again = submit_like_the_outbox(&submitter, &id, &file.sha256).await;
                assert_eq!(again, receipt, "the same container gets the same receipt");
                (file, receipt)
            });
        }
        let filed = submits.join_all().await;
        let list = submitter.dossiers().await.unwrap();
        (filed, list)
    };
    let (filed, list) = tokio::time::timeout(TEST_BUDGET, run)
        .await
        .expect("within the time budget");

    let sent = proxy.sent.load(Ordering::SeqCst);
    eprintln!(
        "{test}: {} cuts, client sent {sent} bytes for {total} ({:.3}×)",
        proxy.cuts.load(Ordering::SeqCst),
        sent as f64 / total as f64
    );
    assert_eq!(
        list.dossiers.len(),
        files.len(),
        "one dossier per container: {list:?}"
    );
    for (file, receipt) in &filed {
        let entries: Vec<_> = list
            .dossiers
            .iter()
            .filter(|d| d.container_sha256 == file.sha256)
            .collect();
        assert_eq!(entries.len(), 1, "filed exactly once");
        assert_eq!(entries[0].dossier_number, receipt.dossier_number);
    }
    assert!(
        proxy.cuts.load(Ordering::SeqCst) >= 5,
        "the proxy cut too rarely to test anything"
    );
    assert!(
        (sent as f64) < 1.1 * total as f64,
        "the client sent {sent} bytes for {total}"
    );
    server.stop(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_restart_mid_upload_resumes_and_files_once() {
    let test = "a_portal_restart_mid_upload_resumes_and_files_once";
    let portal = Portal::new();
    let server = portal.start().await;
    let addr = server.addr;
    let proxy = Proxy::start(
        addr,
        Plan {
            rng: Rng(1),
            cuts_left: 0,
            percent: 0,
            up_window: 1,
            down_window: 1,
        },
    )
    .await;
    let me = portal.enterprise(APPLICANT);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("patent.asice");
    let bytes = container(
        DossierKind::Patent,
        APPLICANT,
        &me,
        77,
        (6 * MIB) as usize,
        Spoil::None,
    );
    std::fs::write(&path, bytes).unwrap();
    let file = UploadFile::open(&path).await.unwrap();
    let client = PortalClient::new(config(proxy.url("/"), 64 * KIB)).unwrap();

    let (restart_tx, restart_rx) = tokio::sync::oneshot::channel::<()>();
    // Runs beside the upload (not spawned: the test PKI is not Sync).
    let restarter = async {
        if restart_rx.await.is_ok() {
            // Stopped with 20 ms of grace (the chunk under way is cut), back on the same
            // address and data folder 200 ms later.
            server.stop(Duration::from_millis(20)).await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            Some(portal.start_at(addr).await)
        } else {
            server.stop(Duration::from_secs(5)).await.unwrap();
            None
        }
    };
    let run = async {
        log_in(&client, &me).await;
        let mut states: Vec<UploadState> = Vec::new();
        let mut trigger = Some(restart_tx);
        let done = client
            .upload(&file, None, |s| {
                states.push(s.clone());
                if s.offset >= 2 * MIB
                    && let Some(tx) = trigger.take()
                {
                    let _ = tx.send(());
                }
                Ok(())
            })
            .await
            .unwrap();
        let receipt = client
            .submit(&done.upload_id().unwrap(), &file.sha256)
            .await
            .unwrap();
        let list = client.dossiers().await.unwrap();
        (states, done, receipt, list)
    };
    let ((states, done, receipt, list), restarted) =
        tokio::time::timeout(TEST_BUDGET, async { tokio::join!(run, restarter) })
            .await
            .expect("within the time budget");
    let restarted = restarted.expect("the portal was restarted");

    assert!(
        proxy.refused.load(Ordering::SeqCst) > 0,
        "the client met the portal down"
    );
    assert!(
        states.windows(2).all(|w| w[0].offset <= w[1].offset),
        "never back to an earlier offset"
    );
    assert!(
        states.iter().all(|s| s.upload_url == done.upload_url),
        "one upload throughout"
    );
    assert_eq!(receipt.container_sha256, file.sha256);
    assert_eq!(list.dossiers.len(), 1);
    let sent = proxy.sent.load(Ordering::SeqCst);
    eprintln!(
        "{test}: client sent {sent} bytes for {} ({:.3}×)",
        file.length,
        sent as f64 / file.length as f64
    );
    assert!(
        (sent as f64) < 1.1 * file.length as f64,
        "sent {sent} for {}",
        file.length
    );
    restarted.stop(Duration::from_secs(5)).await.unwrap();
}
