//! Autosave under SIGKILL: every revision whose save returned must survive a
//! kill at any instant, and the database must stay sound.
//!
//! The autosaving process is this test binary itself, re-executed with
//! `HOSO_TEST_AUTOSAVE_DIR` set (no extra binary to locate). It acknowledges
//! each revision on stderr, after `save_revision` returned, as
//! `ack <rev> <run> <k>`; the document of that revision is a pure function of
//! `(run, k)`, so the parent can check it byte for byte after reopening.
//!
//! A kill loses nothing the OS already has, so this proves atomicity and
//! crash consistency, not power-cut durability (that rests on `synchronous=FULL`,
//! asserted by a unit test).
#![cfg(unix)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use hoso_core::store::{DraftId, Store};
use serde_json::{Value, json};

const TEST_NAME: &str = "store_keeps_every_acknowledged_revision_across_sigkill";
const DIR_ENV: &str = "HOSO_TEST_AUTOSAVE_DIR";
const DRAFT_ENV: &str = "HOSO_TEST_AUTOSAVE_DRAFT";
const RUN_ENV: &str = "HOSO_TEST_AUTOSAVE_RUN";
const SEED_ENV: &str = "HOSO_TEST_SEED";

const RUNS: u64 = 12;
/// A child that never acknowledges within this time is a failure, not a hang.
const FIRST_ACK_TIMEOUT: Duration = Duration::from_secs(20);
/// An orphaned child stops on its own after this long.
const CHILD_LIFETIME: Duration = Duration::from_secs(60);

/// The document saved as the `k`-th revision of run `run`: sizes from a few
/// bytes to ~60 KiB, so that some revisions span several database pages.
fn doc_for(run: u64, k: u64) -> Value {
    let len = ((run * 7919 + k * 104_729) % 20_000) as usize;
    json!({
        "run": run,
        "k": k,
        "title": format!("Bản nháp {run}-{k}"),
        "body": "Tờ khai đăng ký nhãn hiệu ".repeat(len / 30 + 1),
        "tail": k * 3 + run,
    })
}

/// Deterministic xorshift64*, seeded per run so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// The re-executed child: saves revisions as fast as it can until killed.
fn autosave_child(dir: &Path) {
    let draft = DraftId(
        std::env::var(DRAFT_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .expect("draft id"),
    );
    let run: u64 = std::env::var(RUN_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("run number");
    let mut store = Store::open(dir).expect("child opens the store");
    let started = Instant::now();
    let mut stderr = std::io::stderr().lock();
    for k in 0.. {
        if started.elapsed() > CHILD_LIFETIME {
            break;
        }
        let rev = store
            .save_revision(draft, &doc_for(run, k), &format!("autosave {run}-{k}"))
            .expect("save_revision");
        // A closed pipe means the parent is gone: stop.
        if writeln!(stderr, "ack {rev} {run} {k}")
            .and_then(|()| stderr.flush())
            .is_err()
        {
            break;
        }
    }
}

struct Ack {
    rev: u32,
    run: u64,
    k: u64,
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut parts = line.strip_prefix("ack ")?.split(' ');
    Some(Ack {
        rev: parts.next()?.parse().ok()?,
        run: parts.next()?.parse().ok()?,
        k: parts.next()?.parse().ok()?,
    })
}

#[test]
fn store_keeps_every_acknowledged_revision_across_sigkill() {
    if let Some(dir) = std::env::var_os(DIR_ENV) {
        autosave_child(Path::new(&dir));
        return;
    }

    let seed = std::env::var(SEED_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
        | 1;
    eprintln!("{SEED_ENV}={seed}");
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().expect("temp dir");
    let draft = {
        let mut store = Store::open(dir.path()).expect("open");
        store
            .create_draft(
                "trademark",
                None,
                "Nhãn hiệu",
                &json!({"run": "initial"}),
                "created",
            )
            .expect("create draft")
    };

    let exe = std::env::current_exe().expect("test binary path");
    let mut acks: Vec<Ack> = Vec::new();
    for run in 0..RUNS {
        let mut child = Command::new(&exe)
            .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
            .env(DIR_ENV, dir.path())
            .env(DRAFT_ENV, draft.0.to_string())
            .env(RUN_ENV, run.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn autosave child");
        let stderr = child.stderr.take().expect("child stderr");
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });

        // Kill at a random instant after autosaving has started.
        let mut lines = Vec::new();
        let deadline = Instant::now() + FIRST_ACK_TIMEOUT;
        while !lines.iter().any(|l: &String| l.starts_with("ack ")) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => lines.push(line),
                Err(_) => break,
            }
        }
        std::thread::sleep(Duration::from_millis(rng.between(50, 300)));
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        reader.join().expect("reader thread");
        lines.extend(rx.try_iter());

        let run_acks: Vec<Ack> = lines.iter().filter_map(|l| parse_ack(l)).collect();
        assert_eq!(
            status.signal(),
            Some(9),
            "run {run}: the child must die by SIGKILL, not on its own; its stderr:\n{}",
            lines.join("\n")
        );
        assert!(
            !run_acks.is_empty(),
            "run {run}: no acknowledged save:\n{}",
            lines.join("\n")
        );
        acks.extend(run_acks);
    }

    // Acknowledged revision numbers only grow: a later run never reused one.
    for pair in acks.windows(2) {
        assert!(
            pair[0].rev < pair[1].rev,
            "revision {} acknowledged twice",
            pair[1].rev
        );
    }

    let raw = rusqlite::Connection::open(dir.path().join("hoso.sqlite3")).expect("raw open");
    let check: String = raw
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");
    drop(raw);

    let store = Store::open(dir.path()).expect("reopen after the last kill");
    store.check_integrity().expect("integrity");
    for ack in &acks {
        let doc = store
            .revision(draft, ack.rev)
            .expect("acknowledged revision present");
        assert_eq!(doc, doc_for(ack.run, ack.k), "revision {} differs", ack.rev);
    }

    // Revisions that committed but were not yet acknowledged are whole too,
    // and the history has no gap.
    let history = store.history(draft).expect("history");
    let head = store.draft(draft).expect("draft").rev;
    assert_eq!(history.len(), head as usize);
    for (i, rev) in history.iter().enumerate() {
        assert_eq!(rev.rev as usize, i + 1);
        if rev.rev > 1 {
            let run = rev.doc["run"].as_u64().expect("run");
            let k = rev.doc["k"].as_u64().expect("k");
            assert_eq!(rev.doc, doc_for(run, k), "revision {} is torn", rev.rev);
            assert_eq!(rev.summary, format!("autosave {run}-{k}"));
        }
    }
    let last_ack = acks.last().map(|a| a.rev).unwrap_or(0);
    assert!(head >= last_ack);
    eprintln!(
        "{} revisions acknowledged over {RUNS} kills, {} committed",
        acks.len(),
        head - 1
    );
}
