//! Attachment throughput against `openssl dgst -sha256`, and peak memory.
//!
//! `cargo bench -p hoso-core --bench attachments` (add `-- --size-mib N` for
//! another size; default 1024). Prints, for a file of non-zero pseudo-random
//! data read from the page cache:
//!
//! - `openssl dgst -sha256` (the reference hasher);
//! - our hashing alone (sha2, 1 MiB reads, as `add_attachment` does it);
//! - `Store::add_attachment` in full (hash + copy + fsync + index), run in a
//!   child process (this binary re-executed) so that its peak resident set
//!   (`VmHWM`) is its own; to a plaintext data folder, then to an encrypted
//!   one (hash + encrypt + copy: XChaCha20-Poly1305 STREAM, `store/blobs.rs`);
//! - reading the attachment back whole through `Store::open_attachment`, from
//!   each folder (the encrypted one decrypts and authenticates every chunk).
//!
//! MB/s are 10^6 bytes per second.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use hoso_core::store::{DataKey, Store};
use sha2::{Digest, Sha256};

const CHILD_DIR_ENV: &str = "HOSO_BENCH_CHILD_DIR";
const CHILD_SOURCE_ENV: &str = "HOSO_BENCH_CHILD_SOURCE";
/// Set for the child that adds to an encrypted folder.
const CHILD_ENCRYPTED_ENV: &str = "HOSO_BENCH_CHILD_ENCRYPTED";
/// The encrypted folder's key: any fixed key will do.
const KEY: [u8; 32] = [0x5a; 32];
const BUF_LEN: usize = 1 << 20;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BenchResult<()> {
    if let (Some(dir), Some(source)) = (
        std::env::var_os(CHILD_DIR_ENV),
        std::env::var_os(CHILD_SOURCE_ENV),
    ) {
        let encrypted = std::env::var_os(CHILD_ENCRYPTED_ENV).is_some();
        return child(Path::new(&dir), Path::new(&source), encrypted);
    }
    let size_mib = size_mib_arg().unwrap_or(1024);
    let size = size_mib << 20;

    let work = tempfile::tempdir()?;
    let source = work.path().join("attachment.bin");
    let started = Instant::now();
    write_noise(&source, size)?;
    println!(
        "attachments bench: {size_mib} MiB of non-zero pseudo-random data written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Warm the page cache so that every hasher below reads from memory.
    let warm = hash_file(&source)?;

    let openssl = time_openssl(&source);
    match &openssl {
        Ok((secs, digest)) => {
            assert_eq!(digest, &warm, "openssl and sha2 disagree");
            report("openssl dgst -sha256", size, *secs);
        }
        Err(why) => println!("  openssl dgst -sha256      unavailable: {why}"),
    }

    let started = Instant::now();
    let ours = hash_file(&source)?;
    let hash_secs = started.elapsed().as_secs_f64();
    assert_eq!(ours, warm);
    report("sha2 (1 MiB reads)", size, hash_secs);

    let data_dir = work.path().join("data");
    let (add_secs, child_hwm_kib) = add_in_child(&data_dir, &source, false, &ours)?;
    report("Store::add_attachment", size, add_secs);
    let encrypted_dir = work.path().join("data-encrypted");
    let (encrypted_add_secs, encrypted_hwm_kib) =
        add_in_child(&encrypted_dir, &source, true, &ours)?;
    report("  … encrypted folder", size, encrypted_add_secs);

    let read_secs = time_read_back(&open_store(&data_dir, false)?, &ours)?;
    report("open_attachment, read all", size, read_secs);
    let encrypted_read_secs = time_read_back(&open_store(&encrypted_dir, true)?, &ours)?;
    report("  … encrypted folder", size, encrypted_read_secs);

    if let Ok((openssl_secs, _)) = openssl {
        println!(
            "  ratio sha2 / openssl            {:.2}×",
            openssl_secs / hash_secs
        );
        println!(
            "  ratio add_attachment / openssl  {:.2}×  (add also copies and fsyncs every byte)",
            openssl_secs / add_secs
        );
    }
    println!(
        "  ratio add encrypted / plain     {:.2}×  (time)",
        encrypted_add_secs / add_secs
    );
    println!(
        "  peak RSS (VmHWM): add_attachment child {:.1} MiB (encrypted {:.1} MiB), bench process {:.1} MiB",
        child_hwm_kib as f64 / 1024.0,
        encrypted_hwm_kib as f64 / 1024.0,
        peak_rss_kib()? as f64 / 1024.0
    );
    Ok(())
}

/// Runs one `add_attachment` in a child; its time and peak RSS (KiB).
fn add_in_child(
    data_dir: &Path,
    source: &Path,
    encrypted: bool,
    expected_sha: &str,
) -> BenchResult<(f64, u64)> {
    let mut command = Command::new(std::env::current_exe()?);
    if encrypted {
        command.env(CHILD_ENCRYPTED_ENV, "1");
    }
    let out = command
        .env(CHILD_DIR_ENV, data_dir)
        .env(CHILD_SOURCE_ENV, source)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("add_attachment child failed: {stdout}").into());
    }
    let fields: Vec<&str> = stdout
        .lines()
        .find_map(|l| l.strip_prefix("child "))
        .ok_or("no child result")?
        .split(' ')
        .collect();
    let [add_secs, child_hwm_kib, stored_sha] = fields[..] else {
        return Err(format!("bad child result {fields:?}").into());
    };
    assert_eq!(stored_sha, expected_sha, "stored under the wrong hash");
    Ok((add_secs.parse()?, child_hwm_kib.parse()?))
}

fn open_store(dir: &Path, encrypted: bool) -> BenchResult<Store> {
    Ok(if encrypted {
        Store::open_with_key(dir, &DataKey::from_bytes(KEY))?
    } else {
        Store::open(dir)?
    })
}

/// Reads the attachment back whole (1 MiB reads), checking its hash; the seconds taken.
fn time_read_back(store: &Store, sha256: &str) -> BenchResult<f64> {
    let started = Instant::now();
    let mut reader = store.open_attachment(sha256)?;
    let mut buf = vec![0u8; BUF_LEN];
    let mut hasher = Sha256::new();
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(
        hex::encode(hasher.finalize()),
        sha256,
        "read back other bytes"
    );
    Ok(secs)
}

/// The re-executed child: one `add_attachment`, timed, then its own peak RSS.
fn child(dir: &Path, source: &Path, encrypted: bool) -> BenchResult<()> {
    let mut store = open_store(dir, encrypted)?;
    let started = Instant::now();
    let info = store.add_attachment(source)?;
    let secs = started.elapsed().as_secs_f64();
    println!("child {secs} {} {}", peak_rss_kib()?, info.sha256);
    Ok(())
}

fn size_mib_arg() -> Option<u64> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--size-mib")?;
    args.get(at + 1)?.parse().ok()
}

fn report(what: &str, size: u64, secs: f64) {
    println!(
        "  {what:<26} {:>8.0} MB/s  ({secs:.2} s)",
        size as f64 / secs / 1e6
    );
}

/// Non-zero pseudo-random bytes (xorshift64*), so no layer can skip zeros.
fn write_noise(path: &Path, size: u64) -> BenchResult<()> {
    let mut out = BufWriter::with_capacity(BUF_LEN, File::create(path)?);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut block = vec![0u8; BUF_LEN];
    let mut written = 0;
    while written < size {
        for chunk in block.chunks_exact_mut(8) {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            chunk.copy_from_slice(&(state.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1).to_le_bytes());
        }
        let n = (size - written).min(BUF_LEN as u64) as usize;
        out.write_all(&block[..n])?;
        written += n as u64;
    }
    out.flush()?;
    Ok(())
}

fn hash_file(path: &Path) -> BenchResult<String> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; BUF_LEN];
    let mut hasher = Sha256::new();
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn time_openssl(path: &Path) -> BenchResult<(f64, String)> {
    let started = Instant::now();
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-r"])
        .arg(path)
        .stderr(Stdio::null())
        .output()?;
    let secs = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err("openssl dgst failed".into());
    }
    let text = String::from_utf8(out.stdout)?;
    let digest = text
        .split_whitespace()
        .next()
        .ok_or("empty openssl output")?;
    Ok((secs, digest.to_owned()))
}

fn peak_rss_kib() -> BenchResult<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}
