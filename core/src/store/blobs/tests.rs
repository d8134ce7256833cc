use std::fs;
use std::io::Read;
use std::path::Path;

use super::*;
use crate::store::tests::temp_store;

/// SHA-256 of "abc" (FIPS 180-2, appendix B.1).
const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).expect("write source");
    path
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn attachment_is_named_by_its_sha256_under_a_fan_out_folder() {
    let (dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let info = store
        .add_attachment(&write(src.path(), "a.txt", b"abc"))
        .expect("add");
    assert_eq!(info.sha256, ABC_SHA256);
    assert_eq!(info.size, 3);
    assert_eq!(info.media_type, "text/plain");
    let expected = dir.path().join("attachments").join("ba").join(ABC_SHA256);
    assert_eq!(store.attachment_path(ABC_SHA256).expect("path"), expected);
    assert_eq!(fs::read(&expected).expect("blob"), b"abc");
    assert_eq!(store.attachment(ABC_SHA256).expect("lookup"), Some(info));
}

#[test]
fn attachment_added_twice_is_stored_once() {
    let (dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let bytes = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
    let first = store
        .add_attachment(&write(src.path(), "don.pdf", bytes))
        .expect("first");
    let second = store
        .add_attachment(&write(src.path(), "copy of don.bin", bytes))
        .expect("second");
    assert_eq!(first, second);
    let blobs = files_under(&dir.path().join("attachments"));
    assert_eq!(blobs.len(), 1, "one blob, no temp files left: {blobs:?}");
    let rows: i64 = store
        .conn
        .query_row("SELECT count(*) FROM attachments", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 1);
}

#[test]
fn attachment_type_comes_from_content_not_extension() {
    let (_dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    let cases: [(&str, &[u8], &str); 4] = [
        ("scan.jpg", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        ("logo.pdf", png, "image/png"),
        (
            "photo.txt",
            b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0",
            "image/jpeg",
        ),
        ("notes.png", "Mô tả tóm tắt".as_bytes(), "text/plain"),
    ];
    for (name, bytes, expected) in cases {
        let info = store
            .add_attachment(&write(src.path(), name, bytes))
            .expect("add");
        assert_eq!(info.media_type, expected, "{name}");
    }
}

#[test]
fn empty_file_is_a_valid_attachment() {
    let (_dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let info = store
        .add_attachment(&write(src.path(), "empty", b""))
        .expect("add");
    assert_eq!(info.sha256, EMPTY_SHA256);
    assert_eq!(info.size, 0);
    assert_eq!(info.media_type, "application/octet-stream");
}

#[test]
fn content_larger_than_the_buffer_is_hashed_and_copied_whole() {
    let (_dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let bytes: Vec<u8> = (0..(BUF_LEN * 2 + 12345))
        .map(|i| (i % 251) as u8)
        .collect();
    let info = store
        .add_attachment(&write(src.path(), "big", &bytes))
        .expect("add");
    assert_eq!(info.size, bytes.len() as u64);
    assert_eq!(info.sha256, hex::encode(Sha256::digest(&bytes)));
    let mut back = Vec::new();
    store
        .open_attachment(&info.sha256)
        .expect("open")
        .read_to_end(&mut back)
        .expect("read");
    assert!(back == bytes, "stored bytes differ");
}

#[test]
fn truncated_blob_left_on_disk_is_replaced() {
    let (_dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let path = store.attachment_path(ABC_SHA256).expect("path");
    fs::create_dir_all(path.parent().expect("fan-out")).expect("mkdir");
    fs::write(&path, b"ab").expect("damaged blob");
    store
        .add_attachment(&write(src.path(), "a", b"abc"))
        .expect("add");
    assert_eq!(fs::read(&path).expect("blob"), b"abc");
}

#[test]
fn missing_source_file_is_an_io_error_naming_it() {
    let (_dir, mut store) = temp_store();
    let missing = Path::new("/nonexistent/hoso/don.pdf");
    match store.add_attachment(missing) {
        Err(StoreError::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn unknown_attachment_is_none_or_not_found() {
    let (_dir, store) = temp_store();
    assert_eq!(store.attachment(ABC_SHA256).expect("lookup"), None);
    let err = store.open_attachment(ABC_SHA256).expect_err("absent");
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "attachment",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn malformed_hashes_never_become_paths() {
    let (_dir, store) = temp_store();
    let upper = ABC_SHA256.to_uppercase();
    let traversal = format!("../../../../etc/{}", &ABC_SHA256[16..]);
    for bad in ["", "abc", upper.as_str(), traversal.as_str()] {
        for err in [
            store.attachment_path(bad).map(|_| ()).expect_err("path"),
            store.attachment(bad).map(|_| ()).expect_err("lookup"),
            store.open_attachment(bad).map(|_| ()).expect_err("open"),
        ] {
            assert_eq!(err.code(), "store.invalid_hash", "{bad:?}");
        }
    }
}

#[test]
fn stale_temporary_files_are_swept_on_open_and_fresh_ones_kept() {
    let (dir, store) = temp_store();
    drop(store);
    let tmp = dir.path().join("attachments").join("tmp");
    let stale = write(&tmp, "123-0-0.part", b"partial");
    let fresh = write(&tmp, "456-0-0.part", b"in progress elsewhere");
    let old = SystemTime::now() - Duration::from_secs(2 * 3600);
    fs::File::options()
        .write(true)
        .open(&stale)
        .expect("open")
        .set_modified(old)
        .expect("age it");
    Store::open(dir.path()).expect("reopen");
    assert!(!stale.exists(), "stale temp file removed");
    assert!(fresh.exists(), "a concurrent add is not disturbed");
}
