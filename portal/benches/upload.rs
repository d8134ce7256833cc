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
    let (ours, sha256) = runtime.block_on(ours(&server, &path));
    let stored = |id: &str| sha256_file(&server.stored_file(id));

    let (curl, curl_id) = curl(&server, &path, length);
    assert_eq!(stored(&curl_id), sha256, "curl's upload is stored intact");

    let rate = |d: Duration| length as f64 / 1e6 / d.as_secs_f64();
    println!("upload of {mib} MiB over loopback to @tus/server + @tus/file-store:");
    println!(
        "  hoso tus client ({} MiB chunks): {:>8.1} MB/s ({:.2} s)",
        DEFAULT_CHUNK_SIZE / MIB,
        rate(ours),
        ours.as_secs_f64()
    );
    println!(
        "  curl, one PATCH:                 {:>8.1} MB/s ({:.2} s)",
        rate(curl),
        curl.as_secs_f64()
    );
    println!(
        "  ratio hoso / curl:               {:>8.2}",
        rate(ours) / rate(curl)
    );
}

/// Our client with its defaults; the SHA-256 is computed before the clock starts (the
/// outbox knows it from sealing).
async fn ours(server: &Oracle, path: &Path) -> (Duration, String) {
    let file = UploadFile::open(path).await.expect("hash the container");
    let tus =
        TusClient::new(ClientConfig::new(server.endpoint()), server.endpoint()).expect("client");
    tus.capabilities().await.expect("OPTIONS");
    let started = Instant::now();
    let done = tus.upload(&file, None, |_| Ok(())).await.expect("upload");
    let elapsed = started.elapsed();
    let id = done.upload_id().expect("upload id");
    assert_eq!(
        sha256_file(&server.stored_file(&id)),
        file.sha256,
        "our upload is stored intact"
    );
    (elapsed, file.sha256)
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
