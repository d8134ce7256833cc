//! Load: 200 dossiers filed by 20 concurrent clients (each its own certificate and session)
//! to one reference portal over loopback, with the portal's default limits. Every filing
//! must get a receipt, no dossier number twice, no 5xx. Prints p50/p99 of the submit call
//! (`POST /v1/dossiers`: hash, verify, number, sign, record) and of the whole filing
//! (tus create + PATCH with checksum + submit).
//!
//! `cargo bench -p hoso-portal --bench load`

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use hoso_portal::api::{DossierKind, Receipt};
use support::*;

const CLIENTS: usize = 20;
const PER_CLIENT: usize = 10;
const CONTAINER_BYTES: usize = 64 * 1024;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let mut portal = Portal::new();
    // The portal's own defaults, not the tests' relaxed ones.
    portal.config.rate_limit = hoso_portal::server::ServerConfig::new(".").rate_limit;
    let server = portal.start().await;
    let base = server.base_url();

    // Certificates and containers are made before the clock starts.
    let kinds = DossierKind::ALL;
    let mut work = Vec::new();
    for c in 0..CLIENTS {
        let tax_code = format!("01{:08}", 10_000 + c);
        let identity = portal.enterprise(&tax_code);
        let containers: Vec<Vec<u8>> = (0..PER_CLIENT)
            .map(|i| {
                let kind = kinds[(c * PER_CLIENT + i) % kinds.len()];
                container(
                    kind,
                    &tax_code,
                    &identity,
                    (c * 1000 + i) as u64,
                    CONTAINER_BYTES,
                    Spoil::None,
                )
            })
            .collect();
        work.push((identity, containers));
    }

    let started = Instant::now();
    let mut tasks = Vec::new();
    for (identity, containers) in work {
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let http = http();
            let s = login(&http, &base, &identity).await;
            let mut out = Vec::new();
            for bytes in containers {
                let t0 = Instant::now();
                let id = s.upload(&bytes).await;
                let t1 = Instant::now();
                let resp = s.submit(&id, &sha256_hex(&bytes)).await;
                let t2 = Instant::now();
                let status = resp.status().as_u16();
                let receipt = resp.json::<Receipt>().await.ok();
                out.push((status, receipt, t2 - t1, t2 - t0));
            }
            out
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.extend(t.await.expect("client task"));
    }
    let elapsed = started.elapsed();

    let server_errors = results.iter().filter(|r| r.0 >= 500).count();
    let receipts: Vec<&Receipt> = results.iter().filter_map(|r| r.1.as_ref()).collect();
    let created = results.iter().filter(|r| r.0 == 201).count();
    let numbers: HashSet<&str> = receipts.iter().map(|r| r.dossier_number.as_str()).collect();
    let mut submit: Vec<Duration> = results.iter().map(|r| r.2).collect();
    let mut filing: Vec<Duration> = results.iter().map(|r| r.3).collect();
    submit.sort();
    filing.sort();

    let total = CLIENTS * PER_CLIENT;
    println!(
        "load: {total} dossiers ({} KiB each) from {CLIENTS} concurrent clients in {:.2} s ({:.0} filings/s)",
        CONTAINER_BYTES / 1024,
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  submit (POST /v1/dossiers): p50 {}  p99 {}  max {}",
        ms(percentile(&submit, 0.50)),
        ms(percentile(&submit, 0.99)),
        ms(*submit.last().expect("results"))
    );
    println!(
        "  whole filing (create + PATCH + submit): p50 {}  p99 {}",
        ms(percentile(&filing, 0.50)),
        ms(percentile(&filing, 0.99))
    );
    println!(
        "  receipts {} / {total}, new filings {created}, distinct numbers {}, 5xx {server_errors}",
        receipts.len(),
        numbers.len()
    );
    server.stop(Duration::from_secs(5)).await.expect("stop");
    assert_eq!(server_errors, 0, "no 5xx");
    assert_eq!(receipts.len(), total, "every filing got a receipt");
    assert_eq!(created, total, "every filing was new");
    assert_eq!(numbers.len(), total, "no dossier number twice");
}
