//! Helpers shared by the signature-format tests: test signers of every key type, and the
//! independent validators (openssl, pyHanko, pdfsig, qpdf, xmlsec1, signxml) that read back
//! what we write.
//!
//! The validators are installed by `scripts/setup-validators.sh`. A test whose validator is
//! missing prints a skip note and passes, except under CI (`CI` set), where it fails: CI must
//! never go green without the oracle having run.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use der::EncodePem;
use der::pem::LineEnding;
use hoso_signing::test_pki::{Identity, IssueSpec, KeySpec, TestPki};

/// The four signer kinds every format is tested with.
pub const KEYS: [(&str, KeySpec); 4] = [
    ("rsa-pkcs1", KeySpec::Rsa(2048)),
    ("rsa-pss", KeySpec::RsaPss(2048)),
    ("ecdsa-p256", KeySpec::P256),
    ("ecdsa-p384", KeySpec::P384),
];

/// A test hierarchy and one enterprise signer per key kind.
pub struct Signers {
    pub pki: TestPki,
    pub identities: Vec<(&'static str, Identity)>,
}

impl Signers {
    /// A signer of each of the four key kinds.
    pub fn generate() -> Signers {
        Signers::with(&KEYS.map(|k| k.0))
    }

    /// Only the signers named (RSA key generation is what makes a test slow).
    pub fn with(labels: &[&str]) -> Signers {
        let pki = TestPki::generate().expect("test PKI");
        let identities = KEYS
            .iter()
            .filter(|(label, _)| labels.contains(label))
            .map(|(label, key)| {
                let spec =
                    IssueSpec::enterprise("CÔNG TY TNHH CÔNG NGHỆ HỒ SƠ SỐ", "0101234565", *key);
                (*label, pki.issue(&spec).expect("test signer"))
            })
            .collect();
        Signers { pki, identities }
    }

    pub fn identity(&self, label: &str) -> &Identity {
        &self
            .identities
            .iter()
            .find(|(l, _)| *l == label)
            .expect("known label")
            .1
    }

    /// Writes `root.pem` and `inter.pem` into `dir`.
    pub fn write_pems(&self, dir: &Path) -> (PathBuf, PathBuf) {
        let root = dir.join("root.pem");
        let inter = dir.join("inter.pem");
        std::fs::write(&root, self.pki.root_pem()).unwrap();
        std::fs::write(
            &inter,
            self.pki.intermediate.to_pem(LineEnding::LF).unwrap(),
        )
        .unwrap();
        (root, inter)
    }
}

/// A fixed signing time, so outputs are reproducible: 15 March 2026, 10:20 in Hà Nội.
pub fn signing_time() -> jiff::Timestamp {
    "2026-03-15T03:20:00Z".parse().unwrap()
}

/// Whether oracles are mandatory (CI) rather than skippable (a developer's machine).
fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// Skips (returns false after a note) or, under CI, fails.
pub fn missing(what: &str) -> bool {
    let note = format!(
        "validator {what} is missing: run scripts/setup-validators.sh (or set HOSO_VALIDATORS_VENV)"
    );
    assert!(!in_ci(), "{note}");
    eprintln!("SKIP: {note}");
    false
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The validators' venv: `HOSO_VALIDATORS_VENV`, else `<repo>/.venv-validators`.
pub fn venv() -> Option<PathBuf> {
    let venv = std::env::var_os("HOSO_VALIDATORS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv-validators"));
    venv.join("bin/python").is_file().then_some(venv)
}

/// A command on PATH, if installed.
pub fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A program of the validators' venv (`pyhanko`, `python`).
pub fn venv_tool(name: &str) -> Option<PathBuf> {
    let p = venv()?.join("bin").join(name);
    p.is_file().then_some(p)
}

/// Runs a command; returns (success, stdout + stderr).
pub fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Runs a command that must succeed; returns its output.
pub fn run_ok(cmd: &mut Command) -> String {
    let (ok, text) = run(cmd);
    assert!(ok, "{cmd:?} failed:\n{text}");
    text
}

pub mod pdf;

/// `xmlsec1 --verify` of the signature file `signature` (a path relative to `container_root`),
/// run from the container root so relative URIs resolve to the data files. Returns
/// (verified, output), or `None` when xmlsec1 is missing (and skipping is allowed).
pub fn xmlsec1_verify(
    container_root: &Path,
    signature: &str,
    root_pem: &Path,
    inter_pem: &Path,
) -> Option<(bool, String)> {
    let Some(xmlsec1) = tool("xmlsec1") else {
        missing("xmlsec1");
        return None;
    };
    let (ok, out) = run(Command::new(xmlsec1)
        .current_dir(container_root)
        .arg("--verify")
        .arg("--trusted-pem")
        .arg(root_pem)
        .arg("--untrusted-pem")
        .arg(inter_pem)
        .arg(signature));
    Some((ok && out.lines().any(|l| l.trim() == "OK"), out))
}

/// signxml's `XAdESVerifier` on the signature file (tests/validators/signxml_verify.py).
/// `references` counts every ds:Reference, the SignedProperties one included.
pub fn signxml_verify(
    container_root: &Path,
    signature: &str,
    root_pem: &Path,
    references: usize,
) -> Option<(bool, String)> {
    let Some(python) = venv_tool("python") else {
        missing("signxml (validators venv)");
        return None;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validators/signxml_verify.py");
    let (ok, out) = run(Command::new(python)
        .arg(script)
        .arg(container_root)
        .arg(container_root.join(signature))
        .arg(root_pem)
        .arg(references.to_string()));
    Some((ok && out.contains("VALID:"), out))
}
