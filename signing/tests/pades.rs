//! PAdES-B-B on forms: our verifier, and pyHanko, poppler's pdfsig and qpdf as oracles.

mod common;

use std::path::Path;
use std::process::Command;

use common::pdf::{BOLD, REGULAR, SIGNING_AREA, form_pdf};
use common::{Signers, missing, run, run_ok, signing_time, tool, venv_tool};
use hoso_signing::pades::{
    AppearanceFonts, PadesError, SignatureFieldSpec, appearance_lines, sign_pdf, verify_pdf,
};

const FONTS: AppearanceFonts<'static> = AppearanceFonts {
    regular: REGULAR,
    bold: BOLD,
};

fn spec(page: usize) -> SignatureFieldSpec {
    SignatureFieldSpec {
        page,
        rect: SIGNING_AREA,
        lines: Vec::new(),
    }
}

/// `pdfsig` trusts through an NSS database holding the test root.
fn pdfsig_check(dir: &Path, root: &Path, pdf: &Path) {
    let (Some(certutil), Some(pdfsig)) = (tool("certutil"), tool("pdfsig")) else {
        missing("certutil/pdfsig (libnss3-tools, poppler-utils)");
        return;
    };
    let db = dir.join("nss");
    if !db.exists() {
        std::fs::create_dir_all(&db).unwrap();
        let sql = format!("sql:{}", db.display());
        run_ok(Command::new(&certutil).args(["-N", "-d", &sql, "--empty-password"]));
        run_ok(
            Command::new(&certutil)
                .args([
                    "-A",
                    "-d",
                    &sql,
                    "-n",
                    "hoso-test-root",
                    "-t",
                    "CT,C,C",
                    "-i",
                ])
                .arg(root),
        );
    }
    let out = run(Command::new(pdfsig)
        .arg("-nssdir")
        .arg(format!("sql:{}", db.display()))
        .arg(pdf))
    .1;
    assert!(out.contains("Signature is Valid."), "pdfsig:\n{out}");
    assert!(out.contains("Certificate is Trusted."), "pdfsig:\n{out}");
    assert!(out.contains("Total document signed"), "pdfsig:\n{out}");
}

fn pyhanko_check(root: &Path, pdf: &Path) -> String {
    let Some(pyhanko) = venv_tool("pyhanko") else {
        missing("pyhanko (validators venv)");
        return String::new();
    };
    let out = run(Command::new(pyhanko)
        .args(["sign", "validate", "--trust"])
        .arg(root)
        .args(["--trust-replace", "--no-revocation-check", "--pretty-print"])
        .arg(pdf))
    .1;
    assert!(out.contains("judged VALID"), "pyHanko:\n{out}");
    assert!(!out.contains("INVALID"), "pyHanko:\n{out}");
    out
}

fn qpdf_check(pdf: &Path) {
    let Some(qpdf) = tool("qpdf") else {
        missing("qpdf");
        return;
    };
    let (ok, out) = run(Command::new(qpdf).arg("--check").arg(pdf));
    assert!(ok, "qpdf --check:\n{out}");
    assert!(
        out.contains("No syntax or stream encoding errors"),
        "qpdf:\n{out}"
    );
}

#[test]
fn signed_form_is_valid_for_our_verifier_pyhanko_pdfsig_and_qpdf_with_every_key_type() {
    let signers = Signers::generate();
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = signers.write_pems(dir.path());
    let pdf = form_pdf(2);
    for (label, identity) in &signers.identities {
        let signer = identity.signer().unwrap();
        let signed = sign_pdf(&pdf, &spec(1), &FONTS, &signer, signing_time()).unwrap();
        assert!(
            signed.starts_with(&pdf),
            "{label}: the rendered bytes are kept"
        );

        let reports = verify_pdf(&signed).unwrap();
        assert_eq!(reports.len(), 1, "{label}");
        let r = &reports[0];
        assert!(r.is_valid(), "{label}: {r:?}");
        assert!(r.covers_whole_document, "{label}");
        assert_eq!(r.sub_filter, "ETSI.CAdES.detached");
        assert_eq!(r.signing_time, Some(signing_time()));
        assert_eq!(r.signer.as_ref(), Some(&identity.certificate));
        assert_eq!(r.certificates.len(), 2);

        let path = dir.path().join(format!("signed-{label}.pdf"));
        std::fs::write(&path, &signed).unwrap();
        qpdf_check(&path);
        pdfsig_check(dir.path(), &root, &path);
        pyhanko_check(&root, &path);
    }
}

#[test]
fn appearance_embeds_vietnamese_font_subsets_that_pdffonts_lists() {
    let signers = Signers::with(&["ecdsa-p256"]);
    let signer = signers.identity("ecdsa-p256").signer().unwrap();
    let signed = sign_pdf(&form_pdf(1), &spec(0), &FONTS, &signer, signing_time()).unwrap();
    let Some(pdffonts) = tool("pdffonts") else {
        missing("pdffonts (poppler-utils)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signed.pdf");
    std::fs::write(&path, &signed).unwrap();
    let out = run_ok(Command::new(pdffonts).arg(&path));
    // The appearance's two faces: bold for the signer line, regular for the rest, both
    // CID TrueType with Identity-H, embedded, subset and with a ToUnicode map.
    let ours: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("LiberationSerif-Bold") || l.contains("CID TrueType"))
        .collect();
    assert!(
        ours.iter().any(|l| l.contains("LiberationSerif-Bold")),
        "pdffonts:\n{out}"
    );
    for line in out.lines().filter(|l| l.contains("CID TrueType")) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let n = cols.len();
        assert!(line.contains("Identity-H"), "{line}");
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "emb sub uni: {line}"
        );
    }
}

#[test]
fn appearance_lines_show_name_organisation_tax_code_and_date() {
    let signers = Signers::with(&["ecdsa-p256"]);
    let cert = &signers.identity("ecdsa-p256").certificate;
    let lines = appearance_lines(cert, signing_time());
    assert_eq!(
        lines,
        [
            "Ký bởi: CÔNG TY TNHH CÔNG NGHỆ HỒ SƠ SỐ",
            "MST: 0101234565",
            "Ngày ký: 15/03/2026 10:20:00 (GMT+7)",
        ]
    );
}

#[test]
fn a_changed_byte_or_appended_bytes_are_detected() {
    let signers = Signers::with(&["ecdsa-p256"]);
    let signer = signers.identity("ecdsa-p256").signer().unwrap();
    let signed = sign_pdf(&form_pdf(1), &spec(0), &FONTS, &signer, signing_time()).unwrap();

    let mut tampered = signed.clone();
    let at = tampered
        .windows(7)
        .position(|w| w == b"(trang ")
        .unwrap_or(200);
    tampered[at + 1] ^= 0x20;
    let r = &verify_pdf(&tampered).unwrap()[0];
    assert!(!r.digest_ok && !r.is_valid(), "{r:?}");

    let mut appended = signed.clone();
    appended.extend_from_slice(b"\n% added after signing\n");
    let r = &verify_pdf(&appended).unwrap()[0];
    assert!(r.is_valid(), "the signed ranges still hold");
    assert!(
        !r.covers_whole_document,
        "but the signature no longer covers the file"
    );
}

#[test]
fn a_second_signature_keeps_the_first_valid() {
    let signers = Signers::with(&["ecdsa-p384", "rsa-pkcs1"]);
    let first = signers.identity("rsa-pkcs1").signer().unwrap();
    let second = signers.identity("ecdsa-p384").signer().unwrap();
    let once = sign_pdf(&form_pdf(1), &spec(0), &FONTS, &first, signing_time()).unwrap();
    let mut other_place = spec(0);
    other_place.rect.y0 -= 90.0;
    other_place.rect.y1 -= 90.0;
    other_place.lines = vec![
        "Người đại diện theo pháp luật".into(),
        "Trần Thị Ánh".into(),
    ];
    let twice = sign_pdf(&once, &other_place, &FONTS, &second, signing_time()).unwrap();

    let reports = verify_pdf(&twice).unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].field_name, "Signature1");
    assert_eq!(reports[1].field_name, "Signature2");
    assert!(reports.iter().all(|r| r.is_valid()), "{reports:?}");
    assert!(!reports[0].covers_whole_document);
    assert!(reports[1].covers_whole_document);

    let dir = tempfile::tempdir().unwrap();
    let (root, _) = signers.write_pems(dir.path());
    let path = dir.path().join("twice.pdf");
    std::fs::write(&path, &twice).unwrap();
    qpdf_check(&path);
    let out = pyhanko_check(&root, &path);
    assert_eq!(out.matches("judged VALID").count(), 2, "pyHanko:\n{out}");
}

#[test]
fn text_the_font_cannot_show_and_missing_pages_are_refused() {
    let signers = Signers::with(&["ecdsa-p256"]);
    let signer = signers.identity("ecdsa-p256").signer().unwrap();
    let pdf = form_pdf(1);
    let mut emoji = spec(0);
    emoji.lines = vec!["Ký bởi: 😀".into()];
    let err = sign_pdf(&pdf, &emoji, &FONTS, &signer, signing_time()).unwrap_err();
    assert!(
        matches!(err, PadesError::UnsupportedCharacter('😀')),
        "{err}"
    );
    let err = sign_pdf(&pdf, &spec(3), &FONTS, &signer, signing_time()).unwrap_err();
    assert_eq!(err.code(), "pades.page_out_of_range");
    let err = sign_pdf(b"not a pdf", &spec(0), &FONTS, &signer, signing_time()).unwrap_err();
    assert_eq!(err.code(), "pdf.malformed");
}

#[test]
fn an_unsigned_pdf_has_no_signatures() {
    assert!(verify_pdf(&form_pdf(1)).unwrap().is_empty());
}
