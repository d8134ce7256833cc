//! A 2 GiB attachment is added with bounded memory.
//!
//! The source is a sparse file (2 GiB long, a few real bytes: a PDF header, a
//! marker at 1 GiB, a trailer; holes read as zeros), so creating it costs no
//! disk, while `add_attachment` still reads, hashes and copies all 2 GiB. Its
//! SHA-256 was computed once with both `sha256sum` and `openssl dgst -sha256`.
//!
//! The add runs in a child (this test binary re-executed with
//! `HOSO_TEST_BIG_ATTACHMENT_DIR` set) that reports its own peak resident set
//! (`VmHWM` from `/proc/self/status`), so the parent's memory does not count.
#![cfg(target_os = "linux")]

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::process::{Command, Stdio};

use hoso_core::store::Store;

const TEST_NAME: &str = "store_adds_a_2_gib_attachment_in_bounded_memory";
const DIR_ENV: &str = "HOSO_TEST_BIG_ATTACHMENT_DIR";
const SOURCE_ENV: &str = "HOSO_TEST_BIG_ATTACHMENT_SOURCE";

const SIZE: u64 = 2 << 30;
const HEAD: &[u8] = b"%PDF-1.7\n% hoso big attachment test\n";
const MIDDLE_AT: u64 = 1 << 30;
const MIDDLE: &str = "middle marker: Hồ sơ số\n";
const TAIL: &[u8] = b"%%EOF\n";
/// `sha256sum` and `openssl dgst -sha256` of the file `make_source` writes.
const EXPECTED_SHA256: &str = "3fbdc934d9828880902cd72bf3f7e634a6d16904dc491441c7b5299963cfc174";
const MAX_PEAK_RSS_KIB: u64 = 100 * 1024;

fn make_source(path: &Path) {
    let file = File::create(path).expect("create source");
    file.set_len(SIZE).expect("sparse length");
    file.write_all_at(HEAD, 0).expect("head");
    file.write_all_at(MIDDLE.as_bytes(), MIDDLE_AT)
        .expect("middle");
    file.write_all_at(TAIL, SIZE - TAIL.len() as u64)
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

fn child(dir: &Path, source: &Path) {
    let mut store = Store::open(dir).expect("child opens the store");
    let info = store.add_attachment(source).expect("add 2 GiB attachment");
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
    if let (Some(dir), Some(source)) = (std::env::var_os(DIR_ENV), std::env::var_os(SOURCE_ENV)) {
        child(Path::new(&dir), Path::new(&source));
        return;
    }

    let work = tempfile::tempdir().expect("temp dir");
    let source = work.path().join("bản mô tả.bin");
    make_source(&source);
    let data_dir = work.path().join("data");

    let started = std::time::Instant::now();
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
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
    let [sha256, size, media_type, peak_kib] = result[..] else {
        panic!("bad result line: {result:?}");
    };
    let peak_kib: u64 = peak_kib.parse().expect("peak");
    eprintln!(
        "added {SIZE} bytes in {:.1} s, child peak RSS {:.1} MiB",
        started.elapsed().as_secs_f64(),
        peak_kib as f64 / 1024.0
    );

    assert!(
        peak_kib < MAX_PEAK_RSS_KIB,
        "peak RSS {peak_kib} KiB, limit {MAX_PEAK_RSS_KIB} KiB"
    );
    assert_eq!(sha256, EXPECTED_SHA256);
    assert_eq!(size, SIZE.to_string());
    assert_eq!(
        media_type, "application/pdf",
        "sniffed, whatever the name says"
    );

    let store = Store::open(&data_dir).expect("reopen");
    let info = store
        .attachment(EXPECTED_SHA256)
        .expect("lookup")
        .expect("indexed");
    assert_eq!(info.size, SIZE);
    let blob = store.attachment_path(EXPECTED_SHA256).expect("path");
    assert_eq!(std::fs::metadata(&blob).expect("blob").len(), SIZE);

    let mut reader = store.open_attachment(EXPECTED_SHA256).expect("open blob");
    for (offset, expected) in [
        (0, HEAD),
        (MIDDLE_AT, MIDDLE.as_bytes()),
        (SIZE - TAIL.len() as u64, TAIL),
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
