//! `hoso fees` driven as a user would: the built binary, a data folder per test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn example(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../examples/{kind}.json"))
}

fn hoso(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hoso"))
        .args(args)
        .env("HOSO_DATA_DIR", data)
        .env_remove("HOSO_LANG")
        .output()
        .unwrap()
}

fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn trademark_example_fees_as_json() {
    let data = tempfile::tempdir().unwrap();
    let file = example("trademark");
    let out = hoso(data.path(), &["fees", file.to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(v["total_at_filing_vnd"], 2_030_000);
    assert_eq!(v["total_later_vnd"], 460_000);
    assert_eq!(v["lines"][3]["id"], "trademark.search.extra_items");
    assert_eq!(v["lines"][3]["confidence"], "unconfirmed");
    assert!(v["table_version"].is_string());
}

#[test]
fn trademark_example_fees_in_vietnamese_text() {
    let data = tempfile::tempdir().unwrap();
    let file = example("trademark");
    let text = stdout_of(&hoso(data.path(), &["fees", file.to_str().unwrap()]));
    assert!(text.contains("2.030.000"), "{text}");
    assert!(text.contains("460.000"), "{text}");
    assert!(text.contains("Tổng nộp cùng đơn"), "{text}");
    assert!(text.contains("2 nhóm × 180.000"), "{text}");
    assert!(text.contains("✗"), "{text}");
    assert!(text.contains("Chưa áp dụng"), "{text}");
    assert!(text.contains("Circular 263/2016/TT-BTC"), "{text}");
}

#[test]
fn fees_in_english_use_the_english_separator() {
    let data = tempfile::tempdir().unwrap();
    let file = example("trademark");
    let text = stdout_of(&hoso(
        data.path(),
        &["fees", file.to_str().unwrap(), "--lang", "en"],
    ));
    assert!(text.contains("2,030,000"), "{text}");
    assert!(text.contains("Total at filing"), "{text}");
}

#[test]
fn fees_of_a_draft_by_id() {
    let data = tempfile::tempdir().unwrap();
    let file = example("trademark");
    let id = stdout_of(&hoso(
        data.path(),
        &[
            "draft",
            "new",
            "--kind",
            "trademark",
            "--from",
            file.to_str().unwrap(),
        ],
    ));
    let out = hoso(data.path(), &["fees", id.trim(), "--json"]);
    let v: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(v["total_at_filing_vnd"], 2_030_000);
}

#[test]
fn unknown_draft_is_an_invalid_input() {
    let data = tempfile::tempdir().unwrap();
    let out = hoso(data.path(), &["fees", "999", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["error"]["code"].is_string());
}
