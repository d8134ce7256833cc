//! Filing as a user does it: `hoso portal serve` with the test CA as its trust anchor, `hoso
//! login` keeping the session in the OS keyring (Linux keyutils), `hoso submit`, `hoso outbox
//! [run]` and `hoso status` as separate processes, killed and restarted, and `hoso demo`.

use std::io::{BufRead, BufReader};

use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use hoso_core::DossierKind;
use hoso_core::drafting;
use hoso_core::seal::{self, SealOptions};
use hoso_core::store::{OutboxState, Store};
use hoso_signing::checks::RevocationMode;
use hoso_signing::p12::{self, Password};
use hoso_signing::test_pki::{Identity, IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;
use serde_json::Value;

const PASSWORD_VAR: &str = "HOSO_TEST_FILING_P12_PASSWORD";
const PASSWORD: &str = "mật-khẩu-thử";
const APPLICANT: &str = "0101234565";
/// The passphrase of the test data folders, whose key keyutils keeps only as a cache.
const DATA_PASSPHRASE: &str = "cụm mật khẩu thử";

fn hoso_command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hoso"));
    c.env_remove("HOSO_LANG")
        .env_remove("HOSO_PORTAL_URL")
        .env_remove("HOSO_TRUST_ANCHORS")
        .env_remove("HOSO_PKCS11_MODULE")
        // The kernel's keyutils, also on a desktop: tests leave the user's own keyring alone
        // (core/tests/keyring.rs tests the Secret Service on a private bus).
        .env("HOSO_KEYRING", "keyutils")
        // keyutils forgets at reboot: without a passphrase copy the folder would be in clear.
        .env("HOSO_DATA_PASSPHRASE", DATA_PASSPHRASE);
    c
}

/// Waits for a child, killing it after `limit`.
fn wait_bounded(mut child: Child, limit: Duration, what: &str) -> Output {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A `hoso portal serve` process, killed on drop.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path, root: &Path, addr: &str) -> Served {
    let mut child = hoso_command()
        .env("HOSO_PORTAL_P12_PASSWORD", PASSWORD)
        .args(["portal", "serve", "--addr", addr, "--data"])
        .arg(data)
        .arg("--trust-anchor")
        .arg(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line:?}");
    Served { child, url }
}

/// A user's machine (data folder, PKCS#12 file of the applicant) and a portal trusting the
/// test CA.
struct Env {
    dir: tempfile::TempDir,
    data: PathBuf,
    portal_data: PathBuf,
    p12: PathBuf,
    root: PathBuf,
    identity: Identity,
    anchors: TrustAnchors,
    server: Option<Served>,
    url: String,
}

impl Drop for Env {
    fn drop(&mut self) {
        // Leave nothing in the keyring.
        let _ = self.run(&["login", "--forget", "--portal", &self.url.clone()]);
    }
}

fn env() -> Env {
    env_with(None)
}

/// [`env`], the portal signing its receipts with `portal_key` (in `DATA/portal-signer.p12`)
/// when given, else with a key it makes.
fn env_with(portal_key: Option<&Identity>) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::generate().unwrap();
    let identity = pki
        .issue(&IssueSpec::enterprise(
            "Công ty Cổ phần Công nghệ Sao Mai",
            APPLICANT,
            KeySpec::P256,
        ))
        .unwrap();
    let bytes = p12::write(
        &identity.key_pkcs8,
        &identity.certificate,
        &identity.chain,
        &Password::new(PASSWORD),
    )
    .unwrap();
    let p12 = dir.path().join("signer.p12");
    std::fs::write(&p12, bytes).unwrap();
    let root = dir.path().join("root.pem");
    std::fs::write(&root, pki.root_pem()).unwrap();
    let mut anchors = TrustAnchors::empty();
    anchors.add(pki.root.clone());
    let portal_data = dir.path().join("portal");
    if let Some(key) = portal_key {
        std::fs::create_dir_all(&portal_data).unwrap();
        let bytes = p12::write(
            &key.key_pkcs8,
            &key.certificate,
            &key.chain,
            &Password::new(PASSWORD),
        )
        .unwrap();
        std::fs::write(portal_data.join("portal-signer.p12"), bytes).unwrap();
    }
    let server = serve(&portal_data, &root, "127.0.0.1:0");
    Env {
        data: dir.path().join("data"),
        portal_data,
        p12,
        root,
        identity,
        anchors,
        url: server.url.clone(),
        server: Some(server),
        dir,
    }
}

impl Env {
    fn run(&self, args: &[&str]) -> Output {
        let child = hoso_command()
            .args(args)
            .env("HOSO_DATA_DIR", &self.data)
            .env(PASSWORD_VAR, PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_bounded(child, Duration::from_secs(60), &format!("hoso {args:?}"))
    }

    /// Runs with `--json`; exit code and the JSON printed.
    fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(&all);
        let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "no JSON from hoso {args:?}: {e}\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), v)
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (code, v) = self.json(args);
        assert_eq!(code, 0, "hoso {args:?}: {v}");
        v
    }

    fn login(&self) {
        let v = self.ok(&[
            "login",
            "--portal",
            &self.url,
            "--p12",
            self.p12.to_str().unwrap(),
            "--pass-env",
            PASSWORD_VAR,
        ]);
        assert_eq!(v["tax_code"], APPLICANT);
        assert_eq!(v["keyring"], "Linux keyutils");
    }

    /// A trademark draft of the example, its note `note`, with `extra` bytes of attached PDF,
    /// sealed by the applicant: the draft id and the container.
    fn sealed(&self, note: &str, extra: usize) -> (i64, PathBuf) {
        let mut store = Store::open_with_passphrase(&self.data, Some(DATA_PASSPHRASE)).unwrap();
        let today = jiff::Zoned::now().date();
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/trademark.json");
        let id = drafting::new_draft(
            &mut store,
            DossierKind::Trademark,
            None,
            Some(&example),
            today,
        )
        .unwrap();
        drafting::edit_fields(&mut store, id, &[("note".into(), note.into())]).unwrap();
        if extra > 0 {
            let big = self.dir.path().join(format!("scan-{id}.pdf"));
            std::fs::write(&big, pseudo_pdf(extra, id.0 as u64)).unwrap();
            drafting::attach(&mut store, id, &big, Some("other")).unwrap();
        }
        let out = self.dir.path().join(format!("trademark-{id}.asice"));
        let opts = SealOptions {
            signing_time: jiff::Timestamp::now(),
            today,
            anchors: &self.anchors,
            revocation: RevocationMode::Offline,
        };
        let signer = self.identity.signer().unwrap();
        seal::seal_draft(&mut store, id, &signer, &out, &opts).unwrap();
        (id.0, out)
    }

    fn filings(&self) -> Vec<Value> {
        let out = hoso_command()
            .args(["portal", "officer", "list", "--json", "--data"])
            .arg(&self.portal_data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    fn officer(&self, args: &[&str]) {
        let out = hoso_command()
            .args(["portal", "officer", "advance"])
            .args(args)
            .arg("--data")
            .arg(&self.portal_data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A PDF header over incompressible bytes: a scanned document as far as size goes.
fn pseudo_pdf(len: usize, seed: u64) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

#[test]
fn a_session_survives_a_restart_and_a_container_submitted_twice_is_filed_once() {
    let portal_key = TestPki::generate()
        .unwrap()
        .issue(&IssueSpec::enterprise(
            "Cổng dịch vụ công thử nghiệm",
            "0100109106",
            KeySpec::P256,
        ))
        .unwrap();
    let e = env_with(Some(&portal_key));
    e.login();
    // A new process finds the session in the keyring and the portal in the settings.
    assert_eq!(e.ok(&["status"]), Value::Array(vec![]));

    let (draft, file) = e.sealed("một", 0);
    let first = e.ok(&["submit", file.to_str().unwrap()]);
    assert_eq!(first["item"]["state"], "filed");
    assert_eq!(first["item"]["draft_id"], draft, "linked to its draft");
    let number = first["receipt"]["dossier_number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        number.starts_with("4-") && number.ends_with("-00001"),
        "{number}"
    );
    // Signed with the portal's own key (`portal-signer.p12`).
    let certificate = base64::engine::general_purpose::STANDARD.encode(
        hoso_signing::test_pki::certificate_der(&portal_key.certificate),
    );
    assert_eq!(
        first["receipt"]["portal_signature"]["certificate"],
        certificate
    );

    let again = e.ok(&["submit", file.to_str().unwrap()]);
    assert_eq!(again["item"]["id"], first["item"]["id"]);
    assert_eq!(again["receipt"]["dossier_number"], number.as_str());
    let by_draft = e.ok(&["submit", &draft.to_string()]);
    assert_eq!(by_draft["item"]["id"], first["item"]["id"]);
    assert_eq!(e.filings().len(), 1);

    let outbox = e.ok(&["outbox"]);
    assert_eq!(outbox.as_array().unwrap().len(), 1);
    assert_eq!(outbox[0]["item"]["state"], "filed");
    assert_eq!(
        outbox[0]["receipt"]["container_sha256"],
        outbox[0]["item"]["container_sha256"]
    );

    // Without a session and without a PIN source: told to log in; with one: logs in again.
    e.ok(&["login", "--forget"]);
    let (code, v) = e.json(&["status"]);
    assert_eq!(code, 3, "{v}");
    assert_eq!(v["error"]["code"], "session.login_required");
    assert!(
        v["error"]["message"]["en"]
            .as_str()
            .unwrap()
            .contains("hoso login"),
        "{v}"
    );
    let synced = e.ok(&[
        "status",
        "--p12",
        e.p12.to_str().unwrap(),
        "--pass-env",
        PASSWORD_VAR,
    ]);
    assert_eq!(synced[0]["dossier_number"], number.as_str());
    assert_eq!(synced[0]["draft_id"], draft);
}

#[test]
fn killed_outbox_runs_resume_the_upload_and_file_exactly_once() {
    let e = env();
    e.login();
    let (_, file) = e.sealed("lớn", 6 << 20);
    let queued = e.ok(&["submit", file.to_str().unwrap(), "--queue-only"]);
    assert_eq!(queued["item"]["state"], "queued");
    let size = queued["item"]["size"].as_u64().unwrap();
    assert!(size > 6 << 20);
    let store = Store::open_with_passphrase(&e.data, Some(DATA_PASSPHRASE)).unwrap();

    let mut kills: Vec<(String, u64)> = Vec::new();
    for _ in 0..3 {
        let child = hoso_command()
            .args(["outbox", "run", "--chunk-size", "65536"])
            .env("HOSO_DATA_DIR", &e.data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut child = child;
        // A quarter further each time: killed at ¼, ½ and ¾ of the upload, or wherever the
        // first acknowledged chunk past those lands.
        let floor = size * (kills.len() as u64 + 1) / 4;
        let started = Instant::now();
        let killed = loop {
            if child.try_wait().unwrap().is_some() {
                break None;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "no progress");
            let item = store.outbox().unwrap().remove(0);
            if item.state == OutboxState::Uploading
                && item.upload_offset >= floor
                && item.upload_offset < item.size
            {
                // SIGKILL: no chance to clean up.
                child.kill().unwrap();
                child.wait().unwrap();
                let item = store.outbox().unwrap().remove(0);
                break Some((item.upload_url.unwrap(), item.upload_offset));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        match killed {
            Some(k) => kills.push(k),
            None => break,
        }
    }
    eprintln!(
        "killed at offsets {:?} of {size}",
        kills.iter().map(|k| k.1).collect::<Vec<_>>()
    );
    assert!(!kills.is_empty(), "the upload was never caught half-way");
    // Every run went on with the same upload, from where the portal stood.
    assert!(kills.iter().all(|(url, _)| *url == kills[0].0), "{kills:?}");
    assert!(kills.windows(2).all(|w| w[0].1 < w[1].1), "{kills:?}");

    let done = e.run(&["outbox", "run", "--chunk-size", "65536", "--json"]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let item = store.outbox().unwrap().remove(0);
    assert_eq!(item.state, OutboxState::Filed);
    assert_eq!(item.upload_url.as_deref(), Some(kills[0].0.as_str()));
    let filings = e.filings();
    assert_eq!(filings.len(), 1, "{filings:?}");
    assert_eq!(
        filings[0]["container_sha256"],
        item.container_sha256.as_str()
    );
    let receipt = &store.receipts().unwrap()[0];
    assert_eq!(receipt.container_sha256, item.container_sha256);
    assert_eq!(Some(&receipt.dossier_number), item.dossier_number.as_ref());
}

#[test]
fn a_portal_that_is_down_leaves_the_dossier_queued_and_a_later_run_files_it() {
    let mut e = env();
    e.login();
    let (_, file) = e.sealed("chờ", 0);
    let addr = e.url.trim_start_matches("http://").to_owned();
    drop(e.server.take());

    let (code, v) = e.json(&["submit", file.to_str().unwrap(), "--give-up-after", "2"]);
    assert_eq!(code, 3, "{v}");
    assert_eq!(v["error"]["code"], "portal.unreachable");
    assert!(
        v["error"]["message"]["en"]
            .as_str()
            .unwrap()
            .contains("stays in the outbox"),
        "{v}"
    );
    let outbox = e.ok(&["outbox"]);
    let item = &outbox[0]["item"];
    assert_eq!(item["state"], "queued");
    assert_eq!(item["attempts"], 1);
    assert_eq!(item["last_error"]["code"], "portal.unreachable");

    e.server = Some(serve(&e.portal_data, &e.root, &addr));
    let run = e.ok(&["outbox", "run"]);
    assert_eq!(run["items"][0]["item"]["state"], "filed");
    assert!(run["items"][0]["item"]["last_error"].is_null());
    assert_eq!(e.filings().len(), 1);
}

#[test]
fn status_shows_a_supplement_request_with_its_linked_draft_and_a_fee_notice() {
    let mut e = env();
    e.login();
    let (first_draft, first) = e.sealed("một", 0);
    let (_, second) = e.sealed("hai", 0);
    let a = e.ok(&["submit", first.to_str().unwrap()])["receipt"]["dossier_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = e.ok(&["submit", second.to_str().unwrap()])["receipt"]["dossier_number"]
        .as_str()
        .unwrap()
        .to_owned();
    e.officer(&[&a, "--to", "in_review"]);
    e.officer(&[
        &a,
        "--to",
        "supplement_requested",
        "--deadline",
        "2030-12-31",
        "--message",
        "Bổ sung mẫu nhãn rõ nét hơn",
    ]);
    e.officer(&[&b, "--to", "in_review"]);
    e.officer(&[
        &b,
        "--to",
        "fee_due",
        "--amount",
        "150000",
        "--payment-reference",
        "PHI-0001",
    ]);

    let views = e.ok(&["status"]);
    let view = |n: &str| {
        views
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["dossier_number"] == n)
            .unwrap()
            .clone()
    };
    let asked = view(&a);
    assert_eq!(asked["status"], "supplement_requested");
    let request = &asked["supplement_drafts"][0];
    assert_eq!(request["deadline"], "2030-12-31");
    assert_eq!(request["message"], "Bổ sung mẫu nhãn rõ nét hơn");
    assert_eq!(request["original_draft_id"], first_draft);
    let supplement = request["draft_id"].as_i64().expect("a supplement draft");
    let history = e.ok(&["draft", "history", &supplement.to_string()]);
    assert!(
        history[0]["summary"].as_str().unwrap().contains(&a),
        "{history}"
    );
    let fee = view(&b);
    let last = fee["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "fee_due");
    assert_eq!(last["amount_vnd"], 150000);
    assert_eq!(last["payment_reference"], "PHI-0001");

    let text = e.run(&["status", &a, "--lang", "en"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Supplement requested — deadline 2030-12-31: Bổ sung mẫu nhãn rõ nét hơn"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Supplement draft {supplement}")),
        "{text}"
    );
    let text = e.run(&["status", &b, "--lang", "en"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Fee due — 150,000 VND, payment reference PHI-0001"),
        "{text}"
    );

    // With the portal gone: the last known, offline, and when a sync fails.
    let views = e.ok(&["status"]);
    drop(e.server.take());
    let offline = e.ok(&["status", "--offline"]);
    assert_eq!(offline, views);
    let (code, stale) = e.json(&["status", "--give-up-after", "1"]);
    assert_eq!(code, 3);
    assert_eq!(stale, views);
}

#[test]
fn demo_files_one_dossier_of_each_kind_and_prints_number_and_status() {
    let data = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let child = hoso_command()
        .args(["demo", "--json"])
        .env("HOSO_DATA_DIR", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_bounded(child, Duration::from_secs(60), "hoso demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("hoso demo took {:?}", started.elapsed());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 6);
    for row in rows {
        assert!(row["kind"].is_string(), "{row}");
        assert!(row["dossier_number"].is_string(), "{row}");
        assert!(row["status"].is_string(), "{row}");
    }
    let status_of = |kind: &str| {
        rows.iter()
            .find(|r| r["kind"] == kind)
            .map(|r| r["status"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(status_of("patent"), "supplement_requested");
    assert_eq!(status_of("trademark"), "approved");
    assert_eq!(status_of("industrial-design"), "fee_due");
    assert_eq!(status_of("barcode"), "received");
}
