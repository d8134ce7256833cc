//! Upload throughput over loopback: a 1 GiB container sent by our tus client, and the same
//! bytes sent by `curl` (one tus PATCH, `curl -X PATCH -T file`, after a creation POST), to
//! the same independent tus server (@tus/server + @tus/file-store) in the same run. Prints
//! both rates and their ratio.
//!
//!   cargo bench -p hoso-portal --bench upload
//!   UPLOAD_BENCH_MIB=256 cargo bench -p hoso-portal --bench upload   # a smaller file
//!
//! Skips with a note when node, the oracle's modules or curl are missing.

#[path = "../tests/tus-oracle/harness.rs"]
mod oracle;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use hoso_portal::client::{ClientConfig, DEFAULT_CHUNK_SIZE, TusClient, UploadFile};
use oracle::Oracle;
use sha2::{Digest as _, Sha256};

const MIB: u64 = 1024 * 1024;

fn main() {
    if let Some(why) = oracle::unavailable() {
        println!("upload bench skipped: tus oracle unavailable ({why})");
        return;
    }
    if Command::new("curl").arg("--version").output().is_err() {
        println!("upload bench skipped: curl is not installed");
        return;
    }
    let mib = std::env::var("UPLOAD_BENCH_MIB")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(1024);
    let length = mib * MIB;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("container.asice");
    write_file(&path, length);
    let server = Oracle::start(&dir.path().join("store"));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let file = runtime
        .block_on(UploadFile::open(&path))
        .expect("hash the container");
    let tus =
        TusClient::new(ClientConfig::new(server.endpoint()), server.endpoint()).expect("client");
    runtime.block_on(tus.capabilities()).expect("OPTIONS");

    // Rounds alternate which client goes first, so that neither always pays for the other's
    // writeback; the best of each is compared.
    let rounds = std::env::var("UPLOAD_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(2)
        .max(1);
    let rate = |d: Duration| length as f64 / 1e6 / d.as_secs_f64();
    println!("upload of {mib} MiB over loopback to @tus/server + @tus/file-store:");
    let (mut best_ours, mut best_curl) = (Duration::MAX, Duration::MAX);
    for round in 0..rounds {
        let mut run_ours = || {
            let (took, id) = runtime.block_on(ours(&tus, &file));
            check_and_remove(&server, &id, &file.sha256);
            println!(
                "  round {round}: hoso tus client ({} MiB chunks) {:>8.1} MB/s ({:.2} s)",
                DEFAULT_CHUNK_SIZE / MIB,
                rate(took),
                took.as_secs_f64()
            );
            best_ours = best_ours.min(took);
        };
        let mut run_curl = || {
            let (took, id) = curl(&server, &path, length);
            check_and_remove(&server, &id, &file.sha256);
            println!(
                "  round {round}: curl, one PATCH                 {:>8.1} MB/s ({:.2} s)",
                rate(took),
                took.as_secs_f64()
            );
            best_curl = best_curl.min(took);
        };
        if round % 2 == 0 {
            run_ours();
            run_curl();
        } else {
            run_curl();
            run_ours();
        }
    }
    println!(
        "  best: hoso {:.1} MB/s, curl {:.1} MB/s, ratio hoso / curl {:.2}",
        rate(best_ours),
        rate(best_curl),
        rate(best_ours) / rate(best_curl)
    );
}

/// The stored upload must be the file, byte for byte; then it goes, to keep the disk free.
fn check_and_remove(server: &Oracle, id: &str, sha256: &str) {
    let stored = server.stored_file(id);
    assert_eq!(sha256_file(&stored), sha256, "upload {id} is stored intact");
    let _ = std::fs::remove_file(&stored);
    let _ = std::fs::remove_file(stored.with_extension("json"));
}

/// One upload by our client with its defaults (the SHA-256 was computed before: the outbox
/// knows it from sealing); the time and the upload id.
async fn ours(tus: &TusClient, file: &UploadFile) -> (Duration, String) {
    let started = Instant::now();
    let done = tus.upload(file, None, |_| Ok(())).await.expect("upload");
    let elapsed = started.elapsed();
    (elapsed, done.upload_id().expect("upload id"))
}

/// `curl` creating an upload, then sending the whole file in one PATCH (only the PATCH is
/// timed); the upload id.
fn curl(server: &Oracle, path: &Path, length: u64) -> (Duration, String) {
    let created = Command::new("curl")
        .args(["-s", "-i", "-X", "POST", "-H", "Tus-Resumable: 1.0.0"])
        .arg("-H")
        .arg(format!("Upload-Length: {length}"))
        .arg(server.endpoint().as_str())
        .output()
        .expect("curl POST");
    let head = String::from_utf8_lossy(&created.stdout);
    let location = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("location")
                .then(|| value.trim().to_owned())
        })
        .expect("creation answered a Location");
    let started = Instant::now();
    let status = Command::new("curl")
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PATCH",
        ])
        // `-T` streams the file; `--data-binary @file` would read it whole into memory,
        // which curl 7.88 refuses for 1 GiB ("out of memory").
        .arg("-T")
        .arg(path)
        .args([
            "-H",
            "Tus-Resumable: 1.0.0",
            "-H",
            "Upload-Offset: 0",
            "-H",
            "Content-Type: application/offset+octet-stream",
            // No `Expect: 100-continue` round trip (our client does not wait for one either).
            "-H",
            "Expect:",
        ])
        .arg(&location)
        .output()
        .expect("curl PATCH");
    let elapsed = started.elapsed();
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "204",
        "curl PATCH status"
    );
    let id = location.rsplit('/').next().unwrap_or_default().to_owned();
    (elapsed, id)
}

/// `length` bytes of xorshift output, written in 8 MiB pieces.
fn write_file(path: &Path, length: u64) {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut piece = vec![0u8; 8 * MIB as usize];
    let mut left = length;
    while left > 0 {
        for word in piece.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(piece.len() as u64) as usize;
        out.write_all(&piece[..n]).expect("write");
        left -= n as u64;
    }
    out.flush().expect("flush");
}

fn sha256_file(path: &Path) -> String {
    use std::io::Read as _;
    let mut f = std::fs::File::open(path).expect("open stored file");
    let mut h = Sha256::new();
    let mut buf = vec![0u8; MIB as usize];
    loop {
        let n = f.read(&mut buf).expect("read stored file");
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    hex::encode(h.finalize())
}
