//! `hoso seal` and `hoso verify` with a PKCS#12 file from a CA generated for the run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hoso_signing::p12::{self, Password};
use hoso_signing::test_pki::{IssueSpec, KeySpec, TestPki};
use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
    p12: PathBuf,
    root: PathBuf,
}

const PASSWORD_VAR: &str = "HOSO_TEST_P12_PASSWORD";
const PASSWORD: &str = "mật-khẩu-thử";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn setup(tax_code: &str) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let pki = TestPki::generate().unwrap();
    let id = pki
        .issue(&IssueSpec::enterprise(
            "Công ty Cổ phần Công nghệ Sao Mai",
            tax_code,
            KeySpec::P256,
        ))
        .unwrap();
    let bytes = p12::write(
        &id.key_pkcs8,
        &id.certificate,
        &id.chain,
        &Password::new(PASSWORD),
    )
    .unwrap();
    let p12 = dir.path().join("signer.p12");
    std::fs::write(&p12, bytes).unwrap();
    let root = dir.path().join("root.pem");
    std::fs::write(&root, pki.root_pem()).unwrap();
    Env { dir, p12, root }
}

impl Env {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_hoso"))
            .args(args)
            .env("HOSO_DATA_DIR", self.dir.path().join("data"))
            .env(PASSWORD_VAR, PASSWORD)
            .env_remove("HOSO_LANG")
            .env_remove("HOSO_TRUST_ANCHORS")
            .output()
            .unwrap()
    }

    fn seal(&self, target: &str, out: &Path) -> Output {
        self.run(&[
            "seal",
            target,
            "--out",
            out.to_str().unwrap(),
            "--p12",
            self.p12.to_str().unwrap(),
            "--pass-env",
            PASSWORD_VAR,
            "--trust-anchor",
            self.root.to_str().unwrap(),
            "--offline",
        ])
    }

    fn verify(&self, file: &Path) -> (i32, Value) {
        let out = self.run(&[
            "verify",
            file.to_str().unwrap(),
            "--trust-anchor",
            self.root.to_str().unwrap(),
            "--offline",
            "--json",
        ]);
        let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), v)
    }
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn a_draft_sealed_with_a_pkcs12_file_verifies_and_tampering_is_named() {
    let env = setup("0101234565");
    let file = examples().join("trademark.json");
    let id = ok(&env.run(&[
        "draft",
        "new",
        "--kind",
        "trademark",
        "--from",
        file.to_str().unwrap(),
    ]));
    let sealed = env.dir.path().join("trademark.asice");
    ok(&env.seal(&id, &sealed));
    let (code, v) = env.verify(&sealed);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["valid"], true);

    // The sealed draft can no longer be edited.
    let out = env.run(&["draft", "edit", &id, "--set", "note=x"]);
    assert_eq!(out.status.code(), Some(1));

    // Without the test CA as anchor the chain is untrusted.
    let out = env.run(&["verify", sealed.to_str().unwrap(), "--offline", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v["report"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"chain.untrusted"), "{codes:?}");

    // One byte of an attachment changed: exit 1, the file named.
    let tampered = env.dir.path().join("tampered.asice");
    let mut bytes = std::fs::read(&sealed).unwrap();
    let needle = b"IHDR";
    let at = bytes.windows(4).position(|w| w == needle).unwrap();
    bytes[at + 6] ^= 1;
    std::fs::write(&tampered, bytes).unwrap();
    let (code, v) = env.verify(&tampered);
    assert_eq!(code, 1);
    let files: Vec<&str> = v["report"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["file"].as_str().unwrap())
        .collect();
    assert!(files.contains(&"attachments/mark_sample/mark.png"), "{v}");
}

#[test]
fn a_certificate_of_another_tax_code_is_refused() {
    let env = setup("0100109106");
    let out = env.seal(
        examples().join("trademark.json").to_str().unwrap(),
        &env.dir.path().join("x.asice"),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Chứng thư số không dùng được"), "{stderr}");
    assert!(!env.dir.path().join("x.asice").exists());
}

#[test]
fn a_wrong_password_is_an_invalid_input() {
    let env = setup("0101234565");
    let out = Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args([
            "seal",
            examples().join("trademark.json").to_str().unwrap(),
            "--out",
            env.dir.path().join("x.asice").to_str().unwrap(),
            "--p12",
            env.p12.to_str().unwrap(),
            "--pass-env",
            PASSWORD_VAR,
            "--offline",
            "--json",
        ])
        .env("HOSO_DATA_DIR", env.dir.path().join("data"))
        .env(PASSWORD_VAR, "sai")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["error"]["code"].as_str().unwrap().starts_with("pkcs12."),
        "{v}"
    );
}

#[test]
fn many_dossiers_seal_in_one_call() {
    let env = setup("0312345673");
    let out_dir = env.dir.path().join("sealed");
    let patent = examples().join("patent.json");
    let utility = examples().join("utility-solution.json");
    let out = env.run(&[
        "seal",
        patent.to_str().unwrap(),
        utility.to_str().unwrap(),
        "--out-dir",
        out_dir.to_str().unwrap(),
        "--p12",
        env.p12.to_str().unwrap(),
        "--pass-env",
        PASSWORD_VAR,
        "--trust-anchor",
        env.root.to_str().unwrap(),
        "--offline",
        "--json",
    ]);
    let text = ok(&out);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    for name in ["patent.asice", "utility-solution.asice"] {
        let (code, report) = env.verify(&out_dir.join(name));
        assert_eq!(code, 0, "{name}: {report}");
    }
}
