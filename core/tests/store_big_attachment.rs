//! A 2 GiB attachment is added with bounded memory; so is a 64 MiB one to an
//! encrypted data folder.
//!
//! The source is a sparse file (2 GiB long, a few real bytes: a PDF header, a
//! marker half-way, a trailer; holes read as zeros), so creating it costs no
//! disk, while `add_attachment` still reads, hashes and copies all of it. Its
//! SHA-256 was computed once with both `sha256sum` and `openssl dgst -sha256`.
//!
//! The add runs in a child (this test binary re-executed with
//! `HOSO_TEST_BIG_ATTACHMENT_DIR` set) that reports its own peak resident set
//! (`VmHWM` from `/proc/self/status`), so the parent's memory does not count.
//!
//! The encrypted case is smaller because in the unoptimised test build the
//! cipher runs at about 5 MB/s (its generic code is compiled in hoso-core, at
//! hoso-core's opt-level); its memory limit is half its size, so a copy that
//! held the file would still fail. `cargo bench --bench attachments` measures
//! the optimised speed.
#![cfg(target_os = "linux")]

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::process::{Command, Stdio};

use hoso_core::store::{DataKey, Store};

const DIR_ENV: &str = "HOSO_TEST_BIG_ATTACHMENT_DIR";
const SOURCE_ENV: &str = "HOSO_TEST_BIG_ATTACHMENT_SOURCE";
/// Set in the child of the encrypted case.
const ENCRYPTED_ENV: &str = "HOSO_TEST_BIG_ATTACHMENT_ENCRYPTED";
/// The encrypted case's folder key: any fixed key will do, the test is about size and memory.
const KEY: [u8; 32] = [0x5a; 32];

const HEAD: &[u8] = b"%PDF-1.7\n% hoso big attachment test\n";
const MIDDLE: &str = "middle marker: Hồ sơ số\n";
const TAIL: &[u8] = b"%%EOF\n";

/// One run of the check.
struct Case {
    /// The test's name, which the child is run with.
    test: &'static str,
    encrypted: bool,
    size: u64,
    max_peak_rss_kib: u64,
    /// `sha256sum` and `openssl dgst -sha256` of the file `make_source` writes.
    sha256: &'static str,
}

const PLAIN: Case = Case {
    test: "store_adds_a_2_gib_attachment_in_bounded_memory",
    encrypted: false,
    size: 2 << 30,
    max_peak_rss_kib: 100 * 1024,
    sha256: "3fbdc934d9828880902cd72bf3f7e634a6d16904dc491441c7b5299963cfc174",
};

const ENCRYPTED: Case = Case {
    test: "encrypted_store_adds_a_64_mib_attachment_in_bounded_memory",
    encrypted: true,
    size: 64 << 20,
    max_peak_rss_kib: 32 * 1024,
    sha256: "441a873b24d65ab1f18859b902c9b86b61367f671f6627af45a7433935eed440",
};

fn make_source(path: &Path, size: u64) {
    let file = File::create(path).expect("create source");
    file.set_len(size).expect("sparse length");
    file.write_all_at(HEAD, 0).expect("head");
    file.write_all_at(MIDDLE.as_bytes(), size / 2)
        .expect("middle");
    file.write_all_at(TAIL, size - TAIL.len() as u64)
        .expect("tail");
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM line")
}

fn open_store(dir: &Path, encrypted: bool) -> Store {
    if encrypted {
        Store::open_with_key(dir, &DataKey::from_bytes(KEY)).expect("open encrypted store")
    } else {
        Store::open(dir).expect("open store")
    }
}

/// The attachment files of a data folder (not its temporary files).
fn stored_files(data_dir: &Path) -> Vec<std::path::PathBuf> {
    let attachments = data_dir.join("attachments");
    std::fs::read_dir(&attachments)
        .expect("attachments dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n != "tmp"))
        .flat_map(|fan_out| std::fs::read_dir(fan_out).expect("fan-out dir"))
        .map(|e| e.expect("entry").path())
        .collect()
}

fn child(dir: &Path, source: &Path, encrypted: bool) {
    let mut store = open_store(dir, encrypted);
    let info = store.add_attachment(source).expect("add a big attachment");
    let mut stderr = std::io::stderr().lock();
    writeln!(
        stderr,
        "result {} {} {} {}",
        info.sha256,
        info.size,
        info.media_type,
        peak_rss_kib()
    )
    .expect("report");
}

#[test]
fn store_adds_a_2_gib_attachment_in_bounded_memory() {
    check(&PLAIN);
}

#[test]
fn encrypted_store_adds_a_64_mib_attachment_in_bounded_memory() {
    check(&ENCRYPTED);
}

fn check(case: &Case) {
    if let (Some(dir), Some(source)) = (std::env::var_os(DIR_ENV), std::env::var_os(SOURCE_ENV)) {
        child(
            Path::new(&dir),
            Path::new(&source),
            std::env::var_os(ENCRYPTED_ENV).is_some(),
        );
        return;
    }
    let size = case.size;

    let work = tempfile::tempdir().expect("temp dir");
    let source = work.path().join("bản mô tả.bin");
    make_source(&source, size);
    let data_dir = work.path().join("data");

    let started = std::time::Instant::now();
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    if case.encrypted {
        command.env(ENCRYPTED_ENV, "1");
    }
    let out = command
        .args(["--exact", case.test, "--nocapture", "--test-threads=1"])
        .env(DIR_ENV, &data_dir)
        .env(SOURCE_ENV, &source)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stderr}");
    let result: Vec<&str> = stderr
        .lines()
        .find_map(|l| l.strip_prefix("result "))
        .unwrap_or_else(|| panic!("no result line:\n{stderr}"))
        .split(' ')
        .collect();
    let [sha256, stored_size, media_type, peak_kib] = result[..] else {
        panic!("bad result line: {result:?}");
    };
    let peak_kib: u64 = peak_kib.parse().expect("peak");
    eprintln!(
        "added {size} bytes (encrypted: {}) in {:.1} s, child peak RSS {:.1} MiB",
        case.encrypted,
        started.elapsed().as_secs_f64(),
        peak_kib as f64 / 1024.0
    );

    assert!(
        peak_kib < case.max_peak_rss_kib,
        "peak RSS {peak_kib} KiB, limit {} KiB",
        case.max_peak_rss_kib
    );
    assert_eq!(sha256, case.sha256);
    assert_eq!(stored_size, size.to_string());
    assert_eq!(
        media_type, "application/pdf",
        "sniffed, whatever the name says"
    );

    let store = open_store(&data_dir, case.encrypted);
    let info = store
        .attachment(case.sha256)
        .expect("lookup")
        .expect("indexed");
    assert_eq!(info.size, size);
    let [blob] = &stored_files(&data_dir)[..] else {
        panic!("one stored file expected");
    };
    let blob_len = std::fs::metadata(blob).expect("blob").len();
    let named_by_hash = blob.file_name().is_some_and(|n| n == case.sha256);
    if case.encrypted {
        // A 27-byte header and a 16-byte tag per 64 KiB chunk (store/blobs.rs).
        assert_eq!(blob_len, 27 + size + 16 * size.div_ceil(64 << 10));
        assert!(
            !named_by_hash,
            "an encrypted folder hides the content's hash"
        );
    } else {
        assert_eq!(blob_len, size);
        assert!(named_by_hash);
    }

    let mut reader = store.open_attachment(case.sha256).expect("open blob");
    for (offset, expected) in [
        (0, HEAD),
        (size / 2, MIDDLE.as_bytes()),
        (size - TAIL.len() as u64, TAIL),
    ] {
        let mut got = vec![0; expected.len()];
        reader.seek(SeekFrom::Start(offset)).expect("seek");
        reader.read_exact(&mut got).expect("read");
        assert_eq!(got, expected, "bytes at {offset}");
    }
    let tmp_left = std::fs::read_dir(data_dir.join("attachments").join("tmp"))
        .expect("tmp dir")
        .count();
    assert_eq!(tmp_left, 0, "no temporary file left behind");
}
