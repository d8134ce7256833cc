//! The desktop app in its real window, driven as a user drives it: under Xvfb, through
//! `tauri-driver` and Debian's WebKitWebDriver. One journey, bounded in time: create an
//! enterprise profile, fill a trademark dossier (a validation error shown, then corrected),
//! attach the mark, preview the forms, seal on the SoftHSM2 token through the PIN dialog,
//! file with the reference portal on loopback, see the receipt, then a status change.
//! Screenshots of each step go to `target/e2e-screenshots/`. The time from launch to an
//! interactive home screen is printed, not asserted.
//!
//! Needs `tauri-driver`, `WebKitWebDriver`, `xvfb-run` (scripts/setup-desktop.sh) and the
//! SoftHSM2 module (scripts/setup-softhsm.sh): skipped without them, failed in CI.

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hoso_core::filing::server;
use hoso_portal::api::Status;
use hoso_portal::server::{RunningServer, Server, ServerConfig};
use hoso_signing::pkcs11::{Module, Pin, provision};
use hoso_signing::test_pki::{IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;
use jiff::Timestamp;
use support::webdriver::{Driver, Element, Session, poll};

const APPLICANT: &str = "0101234565";
const STEP: Duration = Duration::from_secs(30);
/// The data folder's passphrase (its key's copy in `hoso.key`).
const PASSPHRASE: &str = "cụm mật khẩu thử";

/// A tool the test needs, or why the test cannot run.
fn tool(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(home.map(|h| h.join(".cargo/bin")));
    candidates.map(|d| d.join(name)).find(|p| p.is_file())
}

fn prerequisites() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let found = (
        tool("tauri-driver"),
        tool("xvfb-run"),
        tool("WebKitWebDriver"),
        std::env::var_os("TEST_PKCS11_MODULE").map(PathBuf::from),
    );
    match found {
        (Some(driver), Some(xvfb), Some(_), Some(module)) => Some((driver, xvfb, module)),
        missing => {
            let why = format!(
                "needs tauri-driver, xvfb-run, WebKitWebDriver (scripts/setup-desktop.sh) and \
                 TEST_PKCS11_MODULE (scripts/setup-softhsm.sh); found {missing:?}"
            );
            assert!(std::env::var_os("CI").is_none(), "{why}");
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `tauri-driver` under its own X server; the whole process group goes on drop.
struct DriverProcess(Child);

impl Drop for DriverProcess {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `tauri-driver` under `xvfb` (the command, with the app's environment), in a process group
/// of its own that ends on drop, ready for sessions.
async fn start_driver(mut xvfb: Command, tauri_driver: &Path) -> (DriverProcess, Driver) {
    let port = free_port();
    let native = free_port();
    xvfb.args(["-a", "-s", "-screen 0 1400x900x24"])
        .arg(tauri_driver)
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    std::os::unix::process::CommandExt::process_group(&mut xvfb, 0);
    let process = DriverProcess(xvfb.spawn().unwrap());
    let driver = Driver::new(port);
    driver.wait_ready(Duration::from_secs(30)).await.unwrap();
    (process, driver)
}

async fn portal(data: &Path, anchors: &TrustAnchors) -> RunningServer {
    let verifiers = server::verifiers_for(data, anchors.clone()).unwrap();
    Server::bind(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        ServerConfig::new(data),
        verifiers,
    )
    .await
    .unwrap()
    .spawn()
}

/// The steps of the journey, each ending in a screenshot.
struct Journey {
    s: Session,
    shots: PathBuf,
    n: u32,
}

impl Journey {
    async fn shot(&mut self, name: &str) {
        self.n += 1;
        let png = self.s.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(self.shots.join(format!("{:02}-{name}.png", self.n)), png).unwrap();
    }

    async fn el(&self, testid: &str) -> Element {
        self.el_within(testid, STEP).await
    }

    async fn el_within(&self, testid: &str, limit: Duration) -> Element {
        match self
            .s
            .wait_for(&format!("[data-testid=\"{testid}\"]"), limit)
            .await
        {
            Ok(e) => e,
            Err(e) => {
                // What the window showed instead, for whoever reads the failure.
                if let Ok(png) = self.s.screenshot().await {
                    let _ = std::fs::write(self.shots.join("failure.png"), png);
                }
                if let Ok(text) = self
                    .s
                    .execute("return document.body.innerText;", vec![])
                    .await
                {
                    eprintln!("the window said:\n{}", text.as_str().unwrap_or_default());
                }
                panic!("{e} (window: target/e2e-screenshots/failure.png)")
            }
        }
    }

    /// Clicks as a user does: the element scrolled into view first.
    async fn click(&self, testid: &str) {
        let e = self.el(testid).await;
        self.s
            .execute(
                "arguments[0].scrollIntoView({ block: 'center' });",
                vec![Session::element_arg(&e)],
            )
            .await
            .unwrap();
        self.s
            .click(&e)
            .await
            .unwrap_or_else(|e| panic!("{testid}: {e}"));
    }

    /// Replaces what a field holds, as typing does.
    async fn fill(&self, testid: &str, text: &str) {
        let e = self.el(testid).await;
        self.s.clear(&e).await.unwrap();
        self.s.type_text(&e, text).await.unwrap();
    }

    async fn text(&self, testid: &str) -> String {
        let e = self.el(testid).await;
        self.s.text(&e).await.unwrap()
    }

    async fn wait_text(&self, testid: &str, pred: impl Fn(&str) -> bool) -> String {
        self.s
            .wait_text(&format!("[data-testid=\"{testid}\"]"), STEP, pred)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn ready(&self) {
        self.s
            .wait_for("main[data-ready=\"true\"]", STEP)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Waits until every image matching `css` is decoded (a page of the preview is a large
    /// `data:` URL).
    async fn images_painted(&self, css: &str) {
        let script = format!(
            "return [...document.querySelectorAll('{}')].every(i => i.complete && i.naturalWidth > 0);",
            css.replace('\'', "\\'")
        );
        let painted = poll(STEP, Duration::from_millis(100), async || {
            let all = self.s.execute(&script, vec![]).await?;
            Ok((all == serde_json::json!(true)).then_some(()))
        })
        .await
        .unwrap();
        assert!(painted.is_some(), "images of {css} not painted");
    }

    async fn select(&self, testid: &str, value: &str) {
        let e = self.el(testid).await;
        self.s
            .execute(
                "const [el, v] = arguments; el.value = v; \
                 el.dispatchEvent(new Event('change', { bubbles: true })); \
                 el.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![Session::element_arg(&e), serde_json::json!(value)],
            )
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_files_a_trademark_from_profile_to_status_in_the_real_window() {
    let Some((tauri_driver, xvfb_run, module_path)) = prerequisites() else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|t| t.join("e2e-screenshots"))
        .unwrap();
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();

    // The applicant's certificate on a SoftHSM2 token, and a portal trusting its CA.
    let pki = TestPki::generate().unwrap();
    let identity = pki
        .issue(&IssueSpec::enterprise(
            "Công ty Cổ phần Công nghệ Sao Mai",
            APPLICANT,
            KeySpec::P256,
        ))
        .unwrap();
    let module = Module::load(&module_path).unwrap();
    let label = format!("hoso-e2e-{}", std::process::id());
    let pin = "246810";
    provision::import_identity(
        &module,
        &label,
        &Pin::new("12345678"),
        &Pin::new(pin),
        &identity,
        "signer",
        &[0x0e],
    )
    .unwrap();
    let mut anchors = TrustAnchors::empty();
    anchors.add(pki.root.clone());
    let anchors_pem = dir.path().join("anchors.pem");
    std::fs::write(&anchors_pem, pki.root_pem()).unwrap();
    let portal_dir = dir.path().join("portal");
    let server = portal(&portal_dir, &anchors).await;
    let mark = hoso_tests::repo_root().join("examples/files/mark.png");

    // The app, started by WebKitWebDriver under tauri-driver under Xvfb.
    let app_env = |keyring: &'static str, passphrase: Option<&'static str>| {
        let mut cmd = Command::new(&xvfb_run);
        cmd.env("HOSO_DATA_DIR", dir.path().join("data"))
            .env("HOSO_PORTAL_URL", server.base_url())
            .env("HOSO_TRUST_ANCHORS", &anchors_pem)
            .env("HOSO_PKCS11_MODULE", &module_path)
            .env("HOSO_DIALOG_STUB", &mark)
            .env_remove("HOSO_LANG")
            .env("HOSO_KEYRING", keyring);
        match passphrase {
            Some(p) => cmd.env(hoso_core::store::PASSPHRASE_ENV, p),
            None => cmd.env_remove(hoso_core::store::PASSPHRASE_ENV),
        };
        cmd
    };
    // keyutils forgets at reboot: the folder is encrypted through its passphrase copy.
    let (_driver_process, driver) =
        start_driver(app_env("keyutils", Some(PASSPHRASE)), &tauri_driver).await;
    let app = Path::new(env!("CARGO_BIN_EXE_hoso-desktop"));
    let launched = Instant::now();
    let session = driver.session(&app.to_string_lossy()).await.unwrap();
    let mut j = Journey {
        s: session,
        shots,
        n: 0,
    };
    j.el("home").await;
    j.ready().await;
    println!(
        "startup: interactive home screen {} ms after launch (Xvfb, debug build)",
        launched.elapsed().as_millis()
    );
    j.shot("home").await;

    // The test CA's certificates name no OCSP or CRL address: revocation checks off.
    j.click("nav-settings").await;
    j.ready().await;
    assert!(
        j.text("encryption").await.starts_with("Đã mã hóa"),
        "the data folder is encrypted"
    );
    let check = j.el("settings-check-revocation").await;
    if j.s.property(&check, "checked").await.unwrap() == serde_json::json!(true) {
        j.click("settings-check-revocation").await;
    }
    j.click("settings-save").await;

    // A profile, entered once.
    j.click("nav-profiles").await;
    j.click("profile-new-enterprise").await;
    j.fill("field-name", "Công ty Cổ phần Công nghệ Sao Mai")
        .await;
    j.fill("field-tax_code", APPLICANT).await;
    j.fill(
        "field-address",
        "Số 18 phố Lý Thường Kiệt, phường Cửa Nam, thành phố Hà Nội",
    )
    .await;
    j.fill("field-phone", "024 3822 1234").await;
    j.fill("field-email", "phaply@saomai.example.vn").await;
    j.fill("field-legal_representative.name", "Nguyễn Thị Ánh")
        .await;
    j.fill("field-legal_representative.title", "Tổng Giám đốc")
        .await;
    j.shot("profile").await;
    j.click("profile-save").await;
    j.s.wait_for("[data-testid^=\"profile-row-\"]", STEP)
        .await
        .unwrap();

    // A trademark dossier from the profile.
    j.click("nav-new").await;
    j.click("procedure-trademark").await;
    let profile_select = j.el("profile-select").await;
    let first_profile = j
        .s
        .execute(
            "const s = arguments[0]; const o = [...s.options].find(o => o.value); return o ? o.value : null;",
            vec![Session::element_arg(&profile_select)],
        )
        .await
        .unwrap();
    j.select("profile-select", first_profile.as_str().unwrap())
        .await;
    j.click("draft-create").await;
    j.el("field-mark.description").await;
    j.ready().await;
    j.fill(
        "field-mark.description",
        "Nhãn hiệu SAO MAI gồm vòng tròn màu đỏ và vạch chéo màu xanh lam",
    )
    .await;
    j.fill("field-signatory.name", "Nguyễn Thị Ánh").await;
    j.fill("field-signatory.place", "Hà Nội").await;

    // A Nice class from the picker, its goods typed, a wrong email shown then corrected.
    j.fill("nice-search", "phan mem").await;
    j.click("nice-hit-9").await;
    j.fill("field-goods.0.items", "Phần mềm máy tính đã ghi")
        .await;
    j.fill("field-applicant.email", "phaply@").await;
    let problem = j
        .wait_text("problem-applicant.email", |t| !t.is_empty())
        .await;
    println!("validation shown: {problem}");
    j.shot("validation-error").await;
    j.fill("field-applicant.email", "phaply@saomai.example.vn")
        .await;
    j.s.wait_gone("[data-testid=\"problem-applicant.email\"]", STEP)
        .await
        .unwrap();
    j.wait_text("save-state", |t| !t.is_empty()).await;
    let fee = j.text("fee-total").await;
    assert!(
        fee.chars().any(|c| c.is_ascii_digit()),
        "a fee total: {fee}"
    );

    // The mark sample through the (stubbed) native dialog.
    j.click("attach-mark_sample").await;
    j.el("attached-mark_sample").await;
    j.el("mark-image").await;
    j.shot("dossier").await;

    // The rendered forms.
    j.click("to-preview").await;
    j.s.wait_for("[data-testid=\"preview-page\"]", Duration::from_secs(60))
        .await
        .unwrap();
    j.images_painted("[data-testid=\"preview-page\"]").await;
    j.shot("preview").await;

    // Sealed on the token through the PIN dialog, and filed.
    j.click("to-sign").await;
    // Other tests' tokens share the SoftHSM2 folder: ours is the one with its label.
    let token_testid =
        j.s.wait_text_of_any("[data-testid^=\"token-\"]", STEP, &label)
            .await
            .unwrap();
    let cert =
        j.s.wait_for(
            &format!("[data-testid=\"{token_testid}\"] [data-testid=\"cert-0e\"]"),
            STEP,
        )
        .await
        .unwrap();
    j.s.click(&cert).await.unwrap();
    let submit = j.el("submit-after-seal").await;
    if j.s.property(&submit, "checked").await.unwrap() != serde_json::json!(true) {
        j.s.click(&submit).await.unwrap();
    }
    j.click("sign-button").await;
    j.el("pin-dialog").await;
    j.fill("pin-input", pin).await;
    // The dialog takes the PIN from its input's value: submit only once it holds all of it.
    let pin_input = j.el("pin-input").await;
    let typed = poll(STEP, Duration::from_millis(50), async || {
        let value = j.s.property(&pin_input, "value").await?;
        Ok((value == serde_json::json!(pin)).then_some(()))
    })
    .await
    .unwrap();
    assert!(typed.is_some(), "the PIN did not reach the input");
    j.shot("pin-dialog").await;
    j.click("pin-submit").await;
    j.el_within("seal-result", Duration::from_secs(120)).await;
    let number =
        j.s.wait_text(
            "[data-testid=\"receipt-number\"]",
            Duration::from_secs(90),
            |t| !t.trim().is_empty(),
        )
        .await
        .unwrap();
    let number = number.trim().to_owned();
    println!("filed: {number}");
    j.shot("receipt").await;

    // The officer takes it into review; the app shows the change.
    {
        let mut officer = hoso_portal::server::Store::open_existing(&portal_dir).unwrap();
        officer
            .advance(
                &number,
                Status::InReview { message: None },
                Timestamp::now(),
            )
            .unwrap();
    }
    j.click("nav-home").await;
    j.ready().await;
    j.click("status-refresh").await;
    let badge =
        j.s.wait_text(
            &format!("[data-testid=\"filed-row-{number}\"] [data-testid=\"status-badge\"]"),
            STEP,
            |t| t.contains("Đang thẩm định"),
        )
        .await
        .unwrap();
    println!("status: {badge}");
    j.shot("status").await;

    // English changes what the window says.
    j.click("nav-settings").await;
    j.select("settings-lang", "en").await;
    j.click("settings-save").await;
    j.click("nav-home").await;
    j.wait_text(&format!("filed-row-{number}"), |t| t.contains("In review"))
        .await;
    j.shot("english").await;

    j.s.quit().await.unwrap();
    drop(driver);
    drop(_driver_process);

    // Without the keyring and without HOSO_DATA_PASSPHRASE, as after a reboot: the folder
    // opens only by its passphrase, typed on the Unlock screen, and everything is still there.
    let (_driver_process, driver) = start_driver(app_env("none", None), &tauri_driver).await;
    let session = driver.session(&app.to_string_lossy()).await.unwrap();
    let mut j = Journey { s: session, ..j };
    j.el("unlock").await;
    j.shot("locked").await;
    j.fill("unlock-input", "không phải cụm này").await;
    j.click("unlock-submit").await;
    j.el("error").await;
    j.fill("unlock-input", PASSPHRASE).await;
    j.click("unlock-submit").await;
    j.wait_text(&format!("filed-row-{number}"), |t| t.contains("In review"))
        .await;
    j.shot("unlocked").await;
    j.s.quit().await.unwrap();
    server.stop(Duration::from_secs(2)).await.unwrap();
}
