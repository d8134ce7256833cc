//! The `hoso` binary driven as a user would: real processes, a real data folder per test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

struct Hoso {
    data: tempfile::TempDir,
}

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

impl Hoso {
    fn new() -> Hoso {
        Hoso {
            data: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_hoso"))
            .args(args)
            .env("HOSO_DATA_DIR", self.data.path())
            .env_remove("HOSO_LANG")
            // Tests leave the user's own keyring alone (core/tests/keyring.rs tests it).
            .env("HOSO_KEYRING", "keyutils")
            .env_remove("HOSO_DATA_PASSPHRASE")
            .output()
            .unwrap()
    }

    /// Runs and expects success; returns trimmed stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "hoso {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

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

    fn new_draft(&self, kind: &str) -> String {
        let file = examples().join(format!("{kind}.json"));
        self.ok(&[
            "draft",
            "new",
            "--kind",
            kind,
            "--from",
            file.to_str().unwrap(),
        ])
    }
}

fn paths(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_example_dossier_is_valid_once_drafted() {
    let h = Hoso::new();
    for kind in KINDS {
        let id = h.new_draft(kind);
        let (code, report) = h.json(&["validate", &id]);
        assert_eq!(
            report["problems"],
            serde_json::json!([]),
            "{kind}: {report}"
        );
        assert_eq!(code, 0, "{kind}");
        assert_eq!(report["kind"], kind);
    }
}

#[test]
fn wrong_tax_code_check_digit_is_named_for_every_kind() {
    let h = Hoso::new();
    for kind in KINDS {
        let id = h.new_draft(kind);
        h.ok(&[
            "draft",
            "edit",
            &id,
            "--set",
            "applicant.tax_code=0101234567",
        ]);
        let (code, report) = h.json(&["validate", &id]);
        assert_eq!(code, 1, "{kind}");
        let problem = report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["path"] == "applicant.tax_code")
            .unwrap_or_else(|| panic!("{kind}: {report}"));
        assert_eq!(problem["code"], "tax_code.checksum");
        assert!(
            problem["message"]["vi"]
                .as_str()
                .unwrap()
                .contains("chữ số kiểm tra")
        );
        assert!(
            problem["message"]["en"]
                .as_str()
                .unwrap()
                .contains("check digit")
        );
        assert!(problem["source"].is_string());
    }
}

#[test]
fn trademark_in_class_46_is_refused_naming_the_class() {
    let h = Hoso::new();
    let id = h.new_draft("trademark");
    h.ok(&["draft", "edit", &id, "--set", "goods.1.class=46"]);
    let (code, report) = h.json(&["validate", &id]);
    assert_eq!(code, 1);
    assert_eq!(paths(&report), vec!["goods.1.class"]);
    assert_eq!(report["problems"][0]["code"], "nice_class.range");
}

#[test]
fn barcode_with_a_wrong_gtin_names_the_row() {
    let h = Hoso::new();
    let id = h.new_draft("barcode");
    h.ok(&[
        "draft",
        "edit",
        &id,
        "--set",
        "products.2.gtin=8936012345026",
    ]);
    let (code, report) = h.json(&["validate", &id]);
    assert_eq!(code, 1);
    assert_eq!(paths(&report), vec!["products.2.gtin"]);
    assert_eq!(report["problems"][0]["code"], "gtin.checksum");
    let vi = report["problems"][0]["message"]["vi"].as_str().unwrap();
    assert!(vi.contains("Dòng 3"), "{vi}");
}

#[test]
fn a_dossier_file_validates_without_a_store() {
    let h = Hoso::new();
    let file = examples().join("trademark.json");
    let (code, report) = h.json(&["validate", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
    let broken = h.data.path().join("broken.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    v["applicant"]["tax_code"] = "0101234567".into();
    v["attachments"] = serde_json::json!([]);
    std::fs::write(&broken, v.to_string()).unwrap();
    let (code, report) = h.json(&["validate", broken.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(
        paths(&report),
        vec!["applicant.tax_code", "attachments.mark_sample"]
    );
}

#[test]
fn decomposed_text_comes_back_composed() {
    let h = Hoso::new();
    let id = h.new_draft("trademark");
    let nfc = "Công ty Cổ phần Thương mại Đặng Thị Ngọc Ánh";
    let nfd: String = nfc.nfd().collect();
    assert_ne!(nfd, nfc);
    h.ok(&[
        "draft",
        "edit",
        &id,
        "--set",
        &format!("applicant.name={nfd}"),
    ]);
    let (_, shown) = h.json(&["draft", "show", &id]);
    assert_eq!(shown["dossier"]["applicant"]["name"], nfc);

    let file = h.data.path().join("nfd.json");
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(examples().join("patent.json")).unwrap())
            .unwrap();
    v["attachments"] = serde_json::json!([]);
    std::fs::write(&file, v.to_string().nfd().collect::<String>()).unwrap();
    let id = h.ok(&["draft", "import", file.to_str().unwrap()]);
    let (_, shown) = h.json(&["draft", "show", &id]);
    assert_eq!(
        shown["dossier"]["title"],
        "Bộ lọc nước bằng gốm có lõi phủ bạc"
    );
}

#[test]
fn every_edit_is_a_revision_and_any_can_be_restored() {
    let h = Hoso::new();
    let id = h.new_draft("patent");
    h.ok(&["draft", "edit", &id, "--set", "title=Tên thứ hai"]);
    h.ok(&[
        "draft",
        "edit",
        &id,
        "--set",
        "title=Tên thứ ba",
        "--set",
        "figures=9",
    ]);
    let (code, history) = h.json(&["draft", "history", &id]);
    assert_eq!(code, 0);
    let revs = history.as_array().unwrap();
    assert_eq!(revs.len(), 3);
    assert_eq!(revs[1]["doc"]["title"], "Tên thứ hai");
    assert_eq!(revs[2]["doc"]["figures"], 9);
    assert_eq!(h.ok(&["draft", "restore", &id, "1"]), "r4");
    let (_, shown) = h.json(&["draft", "show", &id]);
    assert_eq!(
        shown["dossier"]["title"],
        "Bộ lọc nước bằng gốm có lõi phủ bạc"
    );
    assert_eq!(shown["rev"], 4);
    let (_, history) = h.json(&["draft", "history", &id]);
    assert_eq!(history.as_array().unwrap().len(), 4);
}

#[test]
fn attachments_go_to_their_slot_and_are_checked_by_content() {
    let h = Hoso::new();
    let id = h.new_draft("trademark");
    let pdf = examples().join("files/contract.pdf");
    let (_, attached) = h.json(&["draft", "attach", &id, pdf.to_str().unwrap()]);
    assert_eq!(attached["attachment"]["slot"], "other");
    assert_eq!(attached["attachment"]["media_type"], "application/pdf");

    // A PDF renamed .png is still a PDF: refused by the image-only slot.
    let disguised = h.data.path().join("mark.png");
    std::fs::copy(&pdf, &disguised).unwrap();
    let (code, err) = h.json(&[
        "draft",
        "attach",
        &id,
        disguised.to_str().unwrap(),
        "--slot",
        "mark_sample",
    ]);
    assert_eq!(code, 1);
    assert_eq!(err["error"]["code"], "attachment.type");

    let (code, err) = h.json(&[
        "draft",
        "attach",
        &id,
        pdf.to_str().unwrap(),
        "--slot",
        "nope",
    ]);
    assert_eq!(code, 1);
    assert_eq!(err["error"]["code"], "attachment.unknown_slot");

    h.ok(&["draft", "detach", &id, "mark_sample"]);
    let (code, report) = h.json(&["validate", &id]);
    assert_eq!(code, 1);
    assert_eq!(paths(&report), vec!["attachments.mark_sample"]);
}

#[test]
fn export_and_import_round_trip() {
    let h = Hoso::new();
    let id = h.new_draft("tech-transfer");
    let out = h.data.path().join("out.json");
    h.ok(&["draft", "export", &id, "--out", out.to_str().unwrap()]);
    let id2 = h.ok(&["draft", "import", out.to_str().unwrap()]);
    let (_, a) = h.json(&["draft", "show", &id]);
    let (_, b) = h.json(&["draft", "show", &id2]);
    assert_eq!(a["dossier"], b["dossier"]);
    let id3 = h.ok(&[
        "draft",
        "new",
        "--kind",
        "tech-transfer",
        "--from",
        out.to_str().unwrap(),
    ]);
    let (code, _) = h.json(&["validate", &id3]);
    assert_eq!(code, 0);
    let (code, err) = h.json(&[
        "draft",
        "new",
        "--kind",
        "patent",
        "--from",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(err["error"]["code"], "input.wrong_kind");
}

#[test]
fn profiles_fill_drafts_and_their_edits_follow_open_drafts() {
    let h = Hoso::new();
    let pid = h.ok(&[
        "profile",
        "add",
        "--type",
        "enterprise",
        "--set",
        "name=Công ty TNHH Ví Dụ",
        "--set",
        "tax_code=0101234565",
        "--set",
        "address=Hà Nội",
        "--set",
        "phone=024 3822 1234",
        "--set",
        "legal_representative.name=Lê Văn A",
    ]);
    let id = h.ok(&["draft", "new", "--kind", "trademark", "--profile", &pid]);
    let (_, shown) = h.json(&["draft", "show", &id]);
    assert_eq!(shown["dossier"]["applicant"]["tax_code"], "0101234565");
    assert_eq!(shown["dossier"]["signatory"]["name"], "Lê Văn A");

    h.ok(&[
        "profile",
        "edit",
        &pid,
        "--set",
        "address=Số 1 Tràng Tiền, Hà Nội",
    ]);
    let (_, shown) = h.json(&["draft", "show", &id]);
    assert_eq!(
        shown["dossier"]["applicant"]["address"],
        "Số 1 Tràng Tiền, Hà Nội"
    );
    let (_, history) = h.json(&["draft", "history", &id]);
    assert_eq!(history.as_array().unwrap().len(), 2);

    let (code, err) = h.json(&[
        "profile",
        "add",
        "--set",
        "name=X",
        "--set",
        "tax_code=0101234567",
    ]);
    assert_eq!(code, 1);
    assert_eq!(err["error"]["code"], "profile.invalid");
    assert_eq!(err["error"]["problems"][0]["path"], "address");
    let (_, list) = h.json(&["profile", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[test]
fn messages_follow_the_language_and_exit_codes_the_contract() {
    let h = Hoso::new();
    let out = h.run(&["draft", "show", "999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Không tìm thấy bản nháp 999"));
    let out = h.run(&["--lang", "en", "draft", "show", "999"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("draft 999 not found"));
    let out = Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(["draft", "show", "999"])
        .env("HOSO_DATA_DIR", h.data.path())
        .env("HOSO_LANG", "en")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
    assert_eq!(
        h.run(&["draft", "new", "--kind", "nhan-hieu"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(h.run(&["no-such-command"]).status.code(), Some(2));
    for cmd in [
        &["draft", "--help"][..],
        &["validate", "--help"],
        &["profile", "add", "--help"],
    ] {
        assert!(h.run(cmd).status.success());
    }
}

#[test]
fn demo_drafts_and_validates_one_dossier_of_each_kind() {
    let h = Hoso::new();
    let (code, v) = h.json(&["demo"]);
    assert_eq!(code, 0, "{v}");
    let kinds: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, KINDS);
}
