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
//!   (`VmHWM`) is its own.
//!
//! MB/s are 10^6 bytes per second.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use hoso_core::store::Store;
use sha2::{Digest, Sha256};

const CHILD_DIR_ENV: &str = "HOSO_BENCH_CHILD_DIR";
const CHILD_SOURCE_ENV: &str = "HOSO_BENCH_CHILD_SOURCE";
const BUF_LEN: usize = 1 << 20;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BenchResult<()> {
    if let (Some(dir), Some(source)) = (
        std::env::var_os(CHILD_DIR_ENV),
        std::env::var_os(CHILD_SOURCE_ENV),
    ) {
        return child(Path::new(&dir), Path::new(&source));
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
    let out = Command::new(std::env::current_exe()?)
        .env(CHILD_DIR_ENV, &data_dir)
        .env(CHILD_SOURCE_ENV, &source)
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
    let add_secs: f64 = add_secs.parse()?;
    let child_hwm_kib: u64 = child_hwm_kib.parse()?;
    assert_eq!(stored_sha, ours, "stored under the wrong hash");
    report("Store::add_attachment", size, add_secs);

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
        "  peak RSS (VmHWM): add_attachment child {:.1} MiB, bench process {:.1} MiB",
        child_hwm_kib as f64 / 1024.0,
        peak_rss_kib()? as f64 / 1024.0
    );
    Ok(())
}

/// The re-executed child: one `add_attachment`, timed, then its own peak RSS.
fn child(dir: &Path, source: &Path) -> BenchResult<()> {
    let mut store = Store::open(dir)?;
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
