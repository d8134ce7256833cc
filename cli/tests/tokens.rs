//! `hoso tokens` against a SoftHSM2 token set up by the test, as a user would run it.
//!
//! Needs `source scripts/setup-softhsm.sh`; without TEST_PKCS11_MODULE the token tests print a
//! note and pass, except under CI, where they fail.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use hoso_signing::pkcs11::{Module, Pin, Token, provision};
use hoso_signing::test_pki::{IssueSpec, KeySpec, TestPki};
use serde_json::Value;
use serial_test::serial;

const USER_PIN: &str = "1234";

fn module() -> Option<Arc<Module>> {
    match std::env::var_os("TEST_PKCS11_MODULE") {
        Some(path) => Some(Module::load(&path).expect("TEST_PKCS11_MODULE must load")),
        None if std::env::var_os("CI").is_some() => {
            panic!("TEST_PKCS11_MODULE is unset under CI: source scripts/setup-softhsm.sh")
        }
        None => {
            eprintln!("skipped: TEST_PKCS11_MODULE is unset (source scripts/setup-softhsm.sh)");
            None
        }
    }
}

/// Runs `hoso` with `args`, killed after 30 s. Output is read while the child runs (a listing
/// can be larger than a pipe's buffer).
fn hoso(args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(args)
        .env_remove("HOSO_LANG")
        .env_remove("HOSO_PKCS11_MODULE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("hoso {args:?} still running after 30 s");
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A token with an enterprise's certificate (MST and CCCD in the subject).
fn token(module: &Arc<Module>) -> Token {
    let pki = TestPki::generate().unwrap();
    let mut spec = IssueSpec::enterprise("CÔNG TY TNHH HỒ SƠ SỐ", "0102005769", KeySpec::P256);
    spec.citizen_id = Some("025199009534".into());
    let id = pki.issue(&spec).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let label = format!("cli-{}-{nanos}", std::process::id());
    provision::import_identity(
        module,
        &label,
        &Pin::from("12345678"),
        &Pin::from(USER_PIN),
        &id,
        "Chữ ký số",
        &[0x01],
    )
    .unwrap()
}

#[test]
#[serial]
fn tokens_lists_the_token_its_certificate_and_a_pin_warning_in_vietnamese_and_english() {
    let Some(module) = module() else { return };
    let token = token(&module);
    let label = token.info().label.clone();
    // A wrong PIN leaves the token's count-low flag up, which the listing must show.
    assert!(token.login(&Pin::from("0000")).is_err());

    let path = module.path().to_str().unwrap().to_owned();
    let out = hoso(&["tokens", "--pkcs11-module", &path, "--no-discovery"]);
    let vi = text(&out);
    assert!(out.status.success(), "{vi}");
    assert!(vi.contains(&format!("Token «{label}»")), "{vi}");
    assert!(vi.contains("SoftHSM project"), "{vi}");
    assert!(
        vi.contains("Chủ thể: C=VN, O=CÔNG TY TNHH HỒ SƠ SỐ, CN=CÔNG TY TNHH HỒ SƠ SỐ, UID=MST:0102005769, UID=CCCD:025199009534"),
        "{vi}"
    );
    assert!(vi.contains("MST (mã số thuế): 0102005769"), "{vi}");
    assert!(vi.contains("CCCD (căn cước): 025199009534"), "{vi}");
    assert!(vi.contains("Khóa: ECDSA P-256"), "{vi}");
    assert!(vi.contains("! Đã có lần nhập sai mã PIN"), "{vi}");

    let out = hoso(&[
        "tokens",
        "--pkcs11-module",
        &path,
        "--no-discovery",
        "--lang",
        "en",
    ]);
    let en = text(&out);
    assert!(out.status.success(), "{en}");
    assert!(en.contains("Tax code (MST): 0102005769"), "{en}");
    assert!(en.contains("! A wrong PIN was entered before"), "{en}");
}

#[test]
#[serial]
fn tokens_json_is_an_array_of_modules_with_tokens_and_certificates() {
    let Some(module) = module() else { return };
    let token = token(&module);
    let label = token.info().label.clone();
    let path = module.path().to_str().unwrap().to_owned();
    let out = hoso(&[
        "tokens",
        "--pkcs11-module",
        &path,
        "--no-discovery",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let modules = json.as_array().expect("an array");
    assert_eq!(modules.len(), 1);
    assert_eq!(modules[0]["module"], path.as_str());
    assert_eq!(modules[0]["origin"], "user");
    assert!(modules[0]["error"].is_null());
    let listed = modules[0]["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == label.as_str())
        .expect("our token");
    assert_eq!(listed["user_pin_locked"], false);
    let cert = listed["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["is_ca"] == false)
        .unwrap();
    assert_eq!(cert["id"], "01");
    assert_eq!(cert["key"]["type"], "p256");
    assert_eq!(cert["identifiers"][0]["kind"], "tax_code");
    assert_eq!(cert["identifiers"][0]["value"], "0102005769");
    assert!(cert["not_after"].is_string());
}

#[test]
fn a_module_that_does_not_load_is_reported_with_exit_code_3() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("libvendor-pkcs11.so");
    std::fs::write(&bogus, b"not a shared library").unwrap();
    let missing = Path::new("/nonexistent/vnpt-ca_csp11.so");
    let out = hoso(&[
        "tokens",
        "--pkcs11-module",
        bogus.to_str().unwrap(),
        "--pkcs11-module",
        missing.to_str().unwrap(),
        "--no-discovery",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let modules = json.as_array().unwrap();
    assert_eq!(modules.len(), 2);
    for m in modules {
        assert_eq!(m["error"]["code"], "pkcs11.module_unusable");
        assert!(
            m["error"]["message"]["vi"]
                .as_str()
                .unwrap()
                .starts_with("Không dùng được")
        );
    }

    let out = hoso(&[
        "tokens",
        "--pkcs11-module",
        bogus.to_str().unwrap(),
        "--no-discovery",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out).contains("✗ Không dùng được module PKCS#11"),
        "{}",
        text(&out)
    );
}

#[test]
fn no_module_at_all_is_an_environment_failure() {
    let out = hoso(&["tokens", "--no-discovery", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["code"], "pkcs11.no_module");
}
