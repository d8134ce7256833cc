//! Sealing the example dossiers with a generated test CA, and verifying what was sealed:
//! tampering with any file, removing one or adding one is named; certificates that must not
//! sign are refused before anything is signed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use hoso_core::seal::{self, SealError, SealOptions};
use hoso_core::verify;
use hoso_signing::checks::RevocationMode;
use hoso_signing::test_pki::{IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;
use jiff::Timestamp;
use jiff::civil::date;

const KINDS: [&str; 6] = [
    "tech-transfer",
    "patent",
    "utility-solution",
    "industrial-design",
    "trademark",
    "barcode",
];

/// The tax codes of the example applicants.
fn example_tax_code(kind: &str) -> &'static str {
    match kind {
        "tech-transfer" => "0305551114",
        "patent" | "utility-solution" => "0312345673",
        "industrial-design" => "0108887771",
        "trademark" => "0101234565",
        _ => "0409876540",
    }
}

fn example(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../examples/{kind}.json"))
}

struct Setup {
    pki: TestPki,
    anchors: TrustAnchors,
    dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let pki = TestPki::generate().unwrap();
    let mut anchors = TrustAnchors::empty();
    anchors.add(pki.root.clone());
    Setup {
        pki,
        anchors,
        dir: tempfile::tempdir().unwrap(),
    }
}

fn options(anchors: &TrustAnchors) -> SealOptions<'_> {
    SealOptions {
        signing_time: Timestamp::now(),
        today: date(2026, 11, 23),
        anchors,
        revocation: RevocationMode::Offline,
    }
}

fn seal_example(s: &Setup, kind: &str, key: KeySpec) -> PathBuf {
    let id = s
        .pki
        .issue(&IssueSpec::enterprise(
            "Công ty Thử nghiệm",
            example_tax_code(kind),
            key,
        ))
        .unwrap();
    let signer = id.signer().unwrap();
    let out = s.dir.path().join(format!("{kind}.asice"));
    let sealed = seal::seal_file(&example(kind), &signer, &out, &options(&s.anchors))
        .unwrap_or_else(|e| panic!("{kind}: {e}: {:?}", e.text()));
    assert_eq!(sealed.path, out);
    assert_eq!(seal::hash_file(&out).unwrap().0, sealed.sha256);
    out
}

#[test]
fn every_example_seals_and_verifies() {
    let s = setup();
    for (kind, key) in KINDS.into_iter().zip([
        KeySpec::P256,
        KeySpec::Rsa(2048),
        KeySpec::P384,
        KeySpec::RsaPss(2048),
        KeySpec::P256,
        KeySpec::Rsa(2048),
    ]) {
        let out = seal_example(&s, kind, key);
        let report = verify::verify_container(&out, &s.anchors, RevocationMode::Offline).unwrap();
        assert!(report.is_valid(), "{kind}: {:?}", report.problems);
        assert_eq!(report.kind.as_deref(), Some(kind));
        assert_eq!(
            report.applicant_tax_code.as_deref(),
            Some(example_tax_code(kind))
        );
        // The container's XAdES signature and the form's PAdES signature.
        assert_eq!(report.signatures.len(), 2, "{kind}");
        assert!(report.signatures.iter().all(|s| s.valid));
        assert!(report.files.iter().any(|f| f == "dossier.xml"));
        assert!(report.files.iter().any(|f| f.starts_with("forms/")));
        assert!(report.files.iter().any(|f| f.starts_with("attachments/")));
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.code == "revocation.not_checked_offline"),
            "{kind}"
        );
    }
}

/// A container's entries: (name, bytes).
type Entries = Vec<(String, Vec<u8>)>;

/// Rewrites a container with `edit` applied to its entries.
fn rewrite(src: &Path, dst: &Path, edit: impl Fn(Entries) -> Entries) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let mut e = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).unwrap();
        entries.push((e.name().unwrap().to_string(), bytes));
    }
    let entries = edit(entries);
    let mut out = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    for (name, bytes) in entries {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        out.start_file(name, opts).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
}

#[test]
fn tampered_missing_and_extra_files_are_named() {
    let s = setup();
    let sealed = seal_example(&s, "trademark", KeySpec::P256);
    let check = |name: &str, edit: &dyn Fn(Entries) -> Entries| {
        let dst = s.dir.path().join(name);
        rewrite(&sealed, &dst, edit);
        verify::verify_container(&dst, &s.anchors, RevocationMode::Offline).unwrap()
    };

    let report = check("tampered.asice", &|mut entries| {
        let e = entries
            .iter_mut()
            .find(|(n, _)| n == "attachments/mark_sample/mark.png")
            .unwrap();
        let last = e.1.len() - 1;
        e.1[last] ^= 1;
        entries
    });
    assert!(!report.is_valid());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.file == "attachments/mark_sample/mark.png" && p.code == "asic.tampered_file"),
        "{:?}",
        report.problems
    );

    let report = check("missing.asice", &|entries| {
        entries
            .into_iter()
            .filter(|(n, _)| n != "dossier.xml")
            .collect()
    });
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.file == "dossier.xml" && p.code == "asic.missing_file")
    );

    let report = check("extra.asice", &|mut entries| {
        entries.push(("attachments/other/extra.pdf".into(), b"%PDF-1.4\n".to_vec()));
        entries
    });
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.file == "attachments/other/extra.pdf" && p.code == "asic.extra_file"),
        "{:?}",
        report.problems
    );

    // A form changed inside the container: its PAdES signature and the container's both break.
    let report = check("form.asice", &|mut entries| {
        let e = entries
            .iter_mut()
            .find(|(n, _)| n.starts_with("forms/"))
            .unwrap();
        let at = e.1.len() / 3;
        e.1[at] ^= 0x20;
        entries
    });
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.file.starts_with("forms/") && p.code == "asic.tampered_file")
    );
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.file.starts_with("forms/") && p.code == "pades.invalid_signature")
    );
}

#[test]
fn a_certificate_that_must_not_sign_is_refused_before_signing() {
    let s = setup();
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    let cases: Vec<(&str, IssueSpec)> = vec![
        (
            "cert.tax_code_mismatch",
            IssueSpec::enterprise("Công ty Khác", "0100109106", KeySpec::P256),
        ),
        (
            "cert.expired",
            IssueSpec {
                not_before: now - 400 * day,
                not_after: now - day,
                ..IssueSpec::enterprise("Công ty Thử nghiệm", "0101234565", KeySpec::P256)
            },
        ),
        (
            "cert.not_yet_valid",
            IssueSpec {
                not_before: now + day,
                not_after: now + 400 * day,
                ..IssueSpec::enterprise("Công ty Thử nghiệm", "0101234565", KeySpec::P256)
            },
        ),
        (
            "cert.key_usage",
            IssueSpec {
                signing_key_usage: false,
                ..IssueSpec::enterprise("Công ty Thử nghiệm", "0101234565", KeySpec::P256)
            },
        ),
    ];
    for (code, spec) in cases {
        let signer = s.pki.issue(&spec).unwrap().signer().unwrap();
        let out = s.dir.path().join("refused.asice");
        let err = seal::seal_file(&example("trademark"), &signer, &out, &options(&s.anchors))
            .unwrap_err();
        assert!(matches!(err, SealError::Certificate(_)), "{code}: {err}");
        assert_eq!(err.code(), code);
        assert!(!out.exists(), "{code}: nothing is written");
    }
    // Another CA's certificate does not chain to the anchors.
    let other = TestPki::generate().unwrap();
    let signer = other
        .issue(&IssueSpec::enterprise(
            "Công ty Thử nghiệm",
            "0101234565",
            KeySpec::P256,
        ))
        .unwrap()
        .signer()
        .unwrap();
    let err = seal::seal_file(
        &example("trademark"),
        &signer,
        &s.dir.path().join("x.asice"),
        &options(&s.anchors),
    )
    .unwrap_err();
    assert_eq!(err.code(), "chain.untrusted");
}

#[test]
fn an_invalid_dossier_is_not_sealed() {
    let s = setup();
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example("trademark")).unwrap()).unwrap();
    v["goods"][0]["class"] = 46.into();
    v["attachments"] = serde_json::json!([]);
    let file = s.dir.path().join("invalid.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let signer = s
        .pki
        .issue(&IssueSpec::enterprise(
            "Công ty Thử nghiệm",
            "0101234565",
            KeySpec::P256,
        ))
        .unwrap()
        .signer()
        .unwrap();
    let err = seal::seal_file(
        &file,
        &signer,
        &s.dir.path().join("x.asice"),
        &options(&s.anchors),
    )
    .unwrap_err();
    let SealError::Invalid(report) = err else {
        panic!("{err}")
    };
    assert!(report.problems.iter().any(|p| p.path == "goods.0.class"));
}

#[test]
fn a_sealed_draft_can_no_longer_change() {
    let s = setup();
    let mut store = hoso_core::store::Store::open(&s.dir.path().join("data")).unwrap();
    let id = hoso_core::drafting::new_draft(
        &mut store,
        hoso_core::DossierKind::Trademark,
        None,
        Some(&example("trademark")),
        date(2026, 11, 23),
    )
    .unwrap();
    let signer = s
        .pki
        .issue(&IssueSpec::enterprise(
            "Công ty Thử nghiệm",
            "0101234565",
            KeySpec::P256,
        ))
        .unwrap()
        .signer()
        .unwrap();
    let out = s.dir.path().join("draft.asice");
    seal::seal_draft(&mut store, id, &signer, &out, &options(&s.anchors)).unwrap();
    assert!(store.draft(id).unwrap().sealed_at.is_some());
    let err = hoso_core::drafting::edit_fields(&mut store, id, &[("note".into(), "x".into())])
        .unwrap_err();
    assert_eq!(err.code(), "store.sealed");
    let report = verify::verify_container(&out, &s.anchors, RevocationMode::Offline).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
}

// ---------------------------------------------------------------------------------------------
// Independent validators (installed by scripts/setup-validators.sh): xmlsec1 and signxml for
// the container's XAdES, pyHanko for each form's PAdES.

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tool_missing(what: &str) -> bool {
    assert!(std::env::var_os("CI").is_none(), "{what} is missing in CI");
    eprintln!("skipped: {what} is not installed (scripts/setup-tests.sh installs it)");
    true
}

fn venv_tool(name: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("HOSO_VALIDATORS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv-validators"));
    let p = venv.join("bin").join(name);
    p.is_file().then_some(p)
}

fn run(cmd: &mut std::process::Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn sealed_examples_pass_independent_validators() {
    use der::EncodePem;
    let xmlsec1 = std::process::Command::new("xmlsec1")
        .arg("--version")
        .output()
        .is_ok();
    let (Some(python), Some(pyhanko)) = (venv_tool("python"), venv_tool("pyhanko")) else {
        tool_missing("the validators venv");
        return;
    };
    if !xmlsec1 {
        tool_missing("xmlsec1");
        return;
    }
    let s = setup();
    let root = s.dir.path().join("root.pem");
    let inter = s.dir.path().join("inter.pem");
    std::fs::write(&root, s.pki.root_pem()).unwrap();
    std::fs::write(
        &inter,
        s.pki.intermediate.to_pem(der::pem::LineEnding::LF).unwrap(),
    )
    .unwrap();
    let signxml = repo_root().join("signing/tests/validators/signxml_verify.py");
    for (kind, key) in KINDS.into_iter().zip([
        KeySpec::P256,
        KeySpec::Rsa(2048),
        KeySpec::P384,
        KeySpec::P256,
        KeySpec::Rsa(2048),
        KeySpec::P256,
    ]) {
        let sealed = seal_example(&s, kind, key);
        let unzipped = s.dir.path().join(format!("{kind}-unzipped"));
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&sealed).unwrap()).unwrap();
        zip.extract(&unzipped).unwrap();
        let references = zip.len() - 3 + 1; // data files (less mimetype, manifest, signature) + SignedProperties

        let (ok, out) = run(std::process::Command::new("xmlsec1")
            .current_dir(&unzipped)
            .args(["--verify", "--trusted-pem"])
            .arg(&root)
            .arg("--untrusted-pem")
            .arg(&inter)
            .arg("META-INF/signatures0.xml"));
        assert!(
            ok && out.lines().any(|l| l.trim() == "OK"),
            "{kind}: xmlsec1:\n{out}"
        );

        let (ok, out) = run(std::process::Command::new(&python)
            .arg(&signxml)
            .arg(&unzipped)
            .arg(unzipped.join("META-INF/signatures0.xml"))
            .arg(&root)
            .arg(references.to_string()));
        assert!(ok && out.contains("VALID:"), "{kind}: signxml:\n{out}");

        for form in std::fs::read_dir(unzipped.join("forms")).unwrap() {
            let form = form.unwrap().path();
            let (_, out) = run(std::process::Command::new(&pyhanko)
                .args(["sign", "validate", "--trust"])
                .arg(&root)
                .args(["--trust-replace", "--no-revocation-check", "--pretty-print"])
                .arg(&form));
            assert!(
                out.contains("judged VALID") && !out.contains("INVALID"),
                "{kind}: pyHanko:\n{out}"
            );
        }
    }
}
