//! The official forms of every kind, rendered from the example dossiers and read back with
//! poppler (`pdftotext`, `pdffonts`) and `qpdf`, tools we did not write.

use std::path::{Path, PathBuf};
use std::process::Command;

use hoso_core::drafting;
use hoso_core::render::RenderedForm;
use jiff::civil::date;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

const KINDS: [&str; 6] = [
    "tech-transfer",
    "patent",
    "utility-solution",
    "industrial-design",
    "trademark",
    "barcode",
];

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// A tool from the project's setup; missing is a skip on a developer's machine, a failure in
/// CI (where scripts/setup-tests.sh installs it).
fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("-v").output().is_ok();
    if !found {
        assert!(std::env::var_os("CI").is_none(), "{name} is missing in CI");
        eprintln!("skipped: {name} is not installed (scripts/setup-tests.sh installs it)");
    }
    found
}

fn render(kind: &str) -> RenderedForm {
    let forms = drafting::render_file(&examples().join(format!("{kind}.json")), date(2026, 11, 23))
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    assert_eq!(forms.len(), 1);
    forms.into_iter().next().unwrap()
}

fn pdftotext(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("f.pdf");
    std::fs::write(&pdf, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    squash(&String::from_utf8(out.stdout).unwrap())
}

/// Whitespace folded to single spaces, NFC: lines wrap where the form's width says.
fn squash(s: &str) -> String {
    s.nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The values a user typed: string leaves of the dossier, less the machine fields (kind
/// slugs, enum values, hashes) that the form shows as tick boxes or not at all.
fn typed_values(v: &Value, key: &str, out: &mut Vec<String>) {
    const MACHINE: [&str; 15] = [
        "language",
        "kind",
        "form_version",
        "party_type",
        "mark_type",
        "certificate_form",
        "registration",
        "applicant_role",
        "direction",
        "transfer_of",
        "methods",
        "basis",
        "sha256",
        "media_type",
        "slot",
    ];
    if MACHINE.contains(&key) {
        return;
    }
    match v {
        Value::String(s) if s.trim().is_empty() => {}
        Value::String(s) => {
            let looks_like_date =
                s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
            if looks_like_date {
                out.push(format!("{}/{}/{}", &s[8..10], &s[5..7], &s[..4]));
            } else {
                out.push(squash(s));
            }
        }
        Value::Array(items) => items.iter().for_each(|i| typed_values(i, key, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| typed_values(v, k, out)),
        _ => {}
    }
}

#[test]
fn every_kind_renders_its_form_with_every_typed_value() {
    if !tool("pdftotext") {
        return;
    }
    for kind in KINDS {
        let form = render(kind);
        let text = pdftotext(&form.pdf.bytes);
        let dossier =
            drafting::read_file(&examples().join(format!("{kind}.json")), date(2026, 11, 23))
                .unwrap();
        let json = dossier.to_json();
        for header in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
        ] {
            assert!(text.contains(header), "{kind}: no national header");
        }
        let title = hoso_core::legal::Forms::bundled()
            .get(dossier.form_version())
            .unwrap()
            .title_vi
            .clone();
        assert!(text.contains(&title), "{kind}: no title {title}");
        let mut values = Vec::new();
        typed_values(&json, "", &mut values);
        assert!(values.len() > 10, "{kind}");
        for value in values {
            // Filing dates are printed in the signature line, in words.
            if json["filing_date"]
                .as_str()
                .is_some_and(|d| value.ends_with(&d[..4]) && value.len() == 10)
            {
                continue;
            }
            assert!(
                text.contains(&value),
                "{kind}: `{value}` is not in the form:\n{text}"
            );
        }
        let pages = form.pdf.pages;
        assert!(
            text.contains(&format!("Trang {pages}/{pages}")),
            "{kind}: no page numbers"
        );
    }
}

#[test]
fn forms_embed_their_fonts_with_unicode_maps() {
    if !tool("pdffonts") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for kind in KINDS {
        let pdf = dir.path().join(format!("{kind}.pdf"));
        std::fs::write(&pdf, render(kind).pdf.bytes).unwrap();
        let out = Command::new("pdffonts").arg(&pdf).output().unwrap();
        let listing = String::from_utf8(out.stdout).unwrap();
        let fonts: Vec<&str> = listing.lines().skip(2).collect();
        assert!(!fonts.is_empty(), "{kind}: no fonts");
        for line in fonts {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let n = cols.len();
            assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "{kind}: {line}");
        }
    }
}

#[test]
fn forms_pass_qpdf_check() {
    if !tool("qpdf") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for kind in KINDS {
        let pdf = dir.path().join(format!("{kind}.pdf"));
        std::fs::write(&pdf, render(kind).pdf.bytes).unwrap();
        let out = Command::new("qpdf")
            .arg("--check")
            .arg(&pdf)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn the_same_dossier_renders_to_the_same_bytes() {
    for kind in KINDS {
        assert_eq!(render(kind).pdf.bytes, render(kind).pdf.bytes, "{kind}");
    }
}

#[test]
fn trademark_form_shows_the_fee_total_of_the_schedule() {
    if !tool("pdftotext") {
        return;
    }
    let text = pdftotext(&render("trademark").pdf.bytes);
    assert!(text.contains("2.030.000"), "{text}");
}

#[test]
fn long_lists_flow_onto_further_pages_with_page_numbers() {
    if !tool("pdftotext") {
        return;
    }
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(examples().join("barcode.json")).unwrap())
            .unwrap();
    v["prefix_length"] = 8.into();
    v["company_prefix"] = "89360123".into();
    let products: Vec<Value> = (0..500)
        .map(|i| {
            let data = format!("89360123{i:04}");
            let check = hoso_core::ident::gs1_check_digit(&data).unwrap();
            serde_json::json!({ "gtin": format!("{data}{check}"), "name": format!("Sản phẩm số {i}"), "brand": "Đồng Quê" })
        })
        .collect();
    v["products"] = products.into();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("files")).unwrap();
    std::fs::copy(
        examples().join("files/business-registration.pdf"),
        dir.path().join("files/business-registration.pdf"),
    )
    .unwrap();
    let file = dir.path().join("big.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let d = drafting::read_file(&file, date(2026, 11, 23)).unwrap();
    assert!(
        d.validate(hoso_core::legal::Forms::bundled(), date(2026, 11, 23))
            .is_valid()
    );
    let forms = drafting::render_file(&file, date(2026, 11, 23)).unwrap();
    let pdf = &forms[0].pdf;
    assert!(pdf.pages >= 10, "{} pages", pdf.pages);
    let text = pdftotext(&pdf.bytes);
    for i in [0, 250, 499] {
        assert!(text.contains(&format!("Sản phẩm số {i}")));
    }
    assert!(text.contains(&format!("Trang {0}/{0}", pdf.pages)));
    assert_eq!(
        text.matches("Mã GTIN").count(),
        text.matches("Tên sản phẩm").count()
    );
    assert!(text.matches("Mã GTIN").count() >= pdf.pages - 2);
}
