//! Sealing throughput (dossiers per second) with a SoftHSM2 token when TEST_PKCS11_MODULE is
//! set (scripts/setup-softhsm.sh), else with an in-memory key; and the hashing throughput of a
//! 1 GiB attachment set beside `sha256sum` on the same files in the same run.
//!
//! `cargo bench -p hoso-core --bench seal` (HOSO_BENCH_SEALS sets the count, default 50).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use hoso_core::seal::{self, SealOptions};
use hoso_signing::Signer;
use hoso_signing::checks::RevocationMode;
use hoso_signing::pkcs11::{Module, Pin, provision};
use hoso_signing::test_pki::{IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;

fn main() {
    let pki = TestPki::generate().expect("test PKI");
    let identity = pki
        .issue(&IssueSpec::enterprise(
            "Công ty Thử nghiệm",
            "0101234565",
            KeySpec::Rsa(2048),
        ))
        .expect("signer");
    let mut anchors = TrustAnchors::empty();
    anchors.add(pki.root.clone());
    let opts = SealOptions {
        signing_time: jiff::Timestamp::now(),
        today: jiff::civil::date(2026, 11, 23),
        anchors: &anchors,
        revocation: RevocationMode::Offline,
    };
    let runs: usize = std::env::var("HOSO_BENCH_SEALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().expect("temp dir");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/trademark.json");

    let token_session;
    let software;
    let (signer, backend): (&dyn Signer, &str) = match std::env::var_os("TEST_PKCS11_MODULE") {
        Some(path) => {
            let module = Module::load(Path::new(&path)).expect("module");
            let pin = Pin::new("123456");
            provision::import_identity(
                &module,
                "hoso-bench",
                &Pin::new("12345678"),
                &pin,
                &identity,
                "signer",
                &[1],
            )
            .expect("provision");
            let token = module.token_by_label("hoso-bench").expect("token");
            token_session = hoso_core::keys::login(&token, &pin).expect("login");
            (&token_session, "SoftHSM2 (PKCS#11), RSA 2048")
        }
        None => {
            software = identity.signer().expect("signer");
            (
                &software,
                "in-memory key, RSA 2048 (set TEST_PKCS11_MODULE for SoftHSM2)",
            )
        }
    };
    let start = Instant::now();
    for i in 0..runs {
        let out = dir.path().join(format!("{i}.asice"));
        seal::seal_file(&example, signer, &out, &opts).expect("seal");
    }
    let secs = start.elapsed().as_secs_f64();
    println!("sealing: {runs} trademark dossiers with {backend}");
    println!(
        "  {:.1} dossiers/s ({:.1} ms each)",
        runs as f64 / secs,
        secs * 1000.0 / runs as f64
    );

    // 1 GiB of attachments: four 256 MiB files of non-zero data.
    let mut files = Vec::new();
    let block: Vec<u8> = (0..(1 << 20))
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for n in 0..4 {
        let path = dir.path().join(format!("att-{n}.bin"));
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        for _ in 0..256 {
            std::io::Write::write_all(&mut f, &block).expect("write");
        }
        std::io::Write::flush(&mut f).expect("flush");
        files.push(path);
    }
    let total = 1u64 << 30;
    let mb = total as f64 / 1e6;
    let start = Instant::now();
    let status = Command::new("sha256sum").args(&files).output();
    let theirs = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for f in &files {
        seal::hash_file(f).expect("hash");
    }
    let ours = start.elapsed().as_secs_f64();
    println!("hashing a 1 GiB attachment set (4 × 256 MiB):");
    match status {
        Ok(o) if o.status.success() => {
            println!("  sha256sum: {:.0} MB/s", mb / theirs);
            println!(
                "  hoso:      {:.0} MB/s ({:.2} × sha256sum)",
                mb / ours,
                theirs / ours
            );
        }
        _ => println!("  sha256sum not found; hoso: {:.0} MB/s", mb / ours),
    }
}
