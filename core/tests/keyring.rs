//! Where portal sessions and data folder keys are kept on Linux: in the desktop session's
//! Secret Service when it answers with its default collection unlocked, else in the kernel's
//! keyutils.
//!
//! The desktop is a real one for what the store sees: a private D-Bus session bus with GNOME
//! Keyring on it, its login collection created and unlocked by a password on stdin as a
//! desktop login does. The store is chosen once per process from the environment, so each step
//! runs in a process of its own: this test binary, run again with the step to take in
//! `STEP_VAR`.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hoso_core::filing::session::{self, KEYRING_ENV, Session};
use hoso_core::store::{KEY_FILE, ProfileKind, Store};
use jiff::{SignedDuration, Timestamp};

const TEST_NAME: &str = "sessions_go_to_an_unlocked_secret_service_and_to_keyutils_otherwise";
const STEP_VAR: &str = "HOSO_TEST_KEYRING_STEP";
const PORTAL_VAR: &str = "HOSO_TEST_KEYRING_PORTAL";
/// The data folder the store steps open (`HOSO_DATA_DIR` is the app's; tests leave it alone).
const FOLDER_VAR: &str = "HOSO_TEST_KEYRING_FOLDER";
const SECRET_NAME: &str = "Công ty Bí mật Sao Mai";
/// How long the bus and the keyring daemon get to come up.
const START_LIMIT: Duration = Duration::from_secs(15);

/// A D-Bus session bus and GNOME Keyring on it, in a folder of their own; both end on drop.
struct Desktop {
    dir: tempfile::TempDir,
    address: String,
    bus: Child,
    keyring: Child,
}

impl Desktop {
    fn start() -> Desktop {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("bus");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon (scripts/setup-tests.sh installs it)");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_owned();
        assert!(address.starts_with("unix:"), "bus address: {address:?}");

        let runtime = dir.path().join("run");
        std::fs::create_dir(&runtime).unwrap();
        std::fs::set_permissions(
            &runtime,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--components=secrets", "--unlock"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("HOME", dir.path())
            .env_remove("DISPLAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (scripts/setup-tests.sh installs it)");
        // The login password, read to its end: creates the login collection and unlocks it.
        keyring
            .stdin
            .take()
            .unwrap()
            .write_all(b"test desktop password")
            .unwrap();
        let desktop = Desktop {
            dir,
            address,
            bus,
            keyring,
        };
        desktop.wait_for_secrets();
        desktop
    }

    /// Until the Secret Service's name is owned on the bus.
    fn wait_for_secrets(&self) {
        let started = Instant::now();
        loop {
            let out = Command::new("dbus-send")
                .arg(format!("--bus={}", self.address))
                .args([
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .expect("dbus-send");
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return;
            }
            assert!(
                started.elapsed() < START_LIMIT,
                "GNOME Keyring did not come up on the bus"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs `step` in a new process of this test, on this desktop's bus.
    fn step(&self, step: &str, keyring: Option<&str>, portal: &str) {
        step_on(&self.address, step, keyring, portal, self.dir.path());
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

fn step_on(address: &str, step: &str, keyring: Option<&str>, portal: &str, home: &Path) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(STEP_VAR, step)
        .env(PORTAL_VAR, portal)
        .env(FOLDER_VAR, home.join("data"))
        .env_remove(hoso_core::store::PASSPHRASE_ENV)
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .env("HOME", home)
        // No X display: libdbus would try to start a bus for it.
        .env_remove("DISPLAY");
    match keyring {
        Some(k) => cmd.env(KEYRING_ENV, k),
        None => cmd.env_remove(KEYRING_ENV),
    };
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "step {step} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn session(portal: &str) -> Session {
    Session {
        portal: portal.to_owned(),
        access_token: "dGhlIHBvcnRhbCdzIGJlYXJlciB0b2tlbg==".into(),
        expires_at: Timestamp::now() + SignedDuration::from_secs(600),
        subject: "CN=Công ty Cổ phần Công nghệ Sao Mai".into(),
        tax_code: Some("0101234565".into()),
    }
}

fn folder() -> std::path::PathBuf {
    std::env::var_os(FOLDER_VAR).unwrap().into()
}

/// One step, in the process the parent started for it.
fn run_step(step: &str, portal: &str) {
    match step {
        "save" => {
            assert_eq!(session::pick_store().unwrap(), "Secret Service");
            session::save(&session(portal)).unwrap();
        }
        "load" => {
            assert_eq!(session::pick_store().unwrap(), "Secret Service");
            let kept = session::load(portal)
                .unwrap()
                .expect("kept by the last process");
            assert_eq!(kept.access_token, session(portal).access_token);
            assert_eq!(kept.subject, session(portal).subject);
        }
        "folder-create" => {
            assert_eq!(session::pick_store().unwrap(), "Secret Service");
            let mut store = Store::open(&folder()).unwrap();
            assert!(store.is_encrypted(), "a durable keyring: encrypted");
            store
                .add_profile(ProfileKind::Enterprise, SECRET_NAME, &serde_json::json!({}))
                .unwrap();
            let key_file = std::fs::read_to_string(folder().join(KEY_FILE)).unwrap();
            assert!(!key_file.contains("passphrase_copy"), "{key_file}");
        }
        "folder-reopen" => {
            assert_eq!(session::pick_store().unwrap(), "Secret Service");
            let store = Store::open(&folder()).unwrap();
            assert!(store.is_encrypted());
            assert_eq!(store.profiles().unwrap()[0].name, SECRET_NAME);
        }
        "folder-locked-without-its-keyring" => {
            assert_eq!(session::pick_store().unwrap(), "Linux keyutils");
            let err = Store::open(&folder()).unwrap_err();
            assert_eq!(err.code(), "store.locked", "{err}");
        }
        "keyutils-has-none" => {
            assert_eq!(session::pick_store().unwrap(), "Linux keyutils");
            assert_eq!(session::load(portal).unwrap(), None, "not in keyutils");
        }
        "lock" => {
            use dbus_secret_service::{EncryptionType, SecretService};
            let service = SecretService::connect(EncryptionType::Dh).unwrap();
            service.get_default_collection().unwrap().lock().unwrap();
        }
        "locked-falls-back" => {
            assert_eq!(session::pick_store().unwrap(), "Linux keyutils");
        }
        "locked-refused" => {
            let e = session::pick_store().unwrap_err().to_string();
            assert!(e.contains("locked"), "{e}");
        }
        "no-bus-falls-back" => {
            assert_eq!(session::pick_store().unwrap(), "Linux keyutils");
            session::save(&session(portal)).unwrap();
            assert!(session::forget(portal).unwrap());
        }
        other => panic!("no step {other}"),
    }
}

#[test]
fn sessions_go_to_an_unlocked_secret_service_and_to_keyutils_otherwise() {
    if let Ok(step) = std::env::var(STEP_VAR) {
        return run_step(&step, &std::env::var(PORTAL_VAR).unwrap());
    }
    let portal = format!(
        "http://127.0.0.1:1/keyring-test-{}-{}",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    );
    let desktop = Desktop::start();
    desktop.step("save", None, &portal);
    desktop.step("load", None, &portal);
    desktop.step("folder-create", None, &portal);
    desktop.step("folder-reopen", None, &portal);
    desktop.step(
        "folder-locked-without-its-keyring",
        Some("keyutils"),
        &portal,
    );
    desktop.step("keyutils-has-none", Some("keyutils"), &portal);
    desktop.step("lock", None, &portal);
    desktop.step("locked-falls-back", None, &portal);
    desktop.step("locked-refused", Some("secret-service"), &portal);

    let nowhere = desktop.dir.path().join("no-such-bus");
    step_on(
        &format!("unix:path={}", nowhere.display()),
        "no-bus-falls-back",
        None,
        &portal,
        desktop.dir.path(),
    );
}
