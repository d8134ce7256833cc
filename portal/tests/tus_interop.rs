//! Our tus client against an independent tus server: the protocol's reference
//! implementation (@tus/server 2.4.5 + @tus/file-store 2.1.1, npm). FileStore lists no
//! `checksum` extension, so these uploads also prove that the client copes without it.
//! The stored bytes' SHA-256 must be the file's.

#[path = "tus-oracle/harness.rs"]
mod oracle;

use std::path::Path;
use std::time::Duration;

use hoso_portal::client::{ClientConfig, RetryPolicy, TusClient, UploadFile, UploadState};
use oracle::Oracle;
use sha2::{Digest as _, Sha256};

const MIB: u64 = 1024 * 1024;

/// A file of `len` bytes that no compressor or deduplicator could shortcut.
fn write_file(path: &Path, len: u64, seed: u64) {
    let mut x = seed | 1;
    let mut bytes = Vec::with_capacity(len as usize);
    while (bytes.len() as u64) < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(len as usize);
    std::fs::write(path, bytes).unwrap();
}

fn sha256_of(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

fn client(endpoint: reqwest::Url, chunk_size: u64) -> TusClient {
    let mut config = ClientConfig::new(endpoint.clone());
    config.chunk_size = chunk_size;
    config.retry = RetryPolicy {
        min_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(500),
        deadline: Duration::from_secs(15),
    };
    TusClient::new(config, endpoint).unwrap()
}

#[tokio::test]
async fn a_few_mib_upload_is_stored_byte_for_byte() {
    if !oracle::available_or_skip("a_few_mib_upload_is_stored_byte_for_byte") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Oracle::start(&dir.path().join("store"));
    let path = dir.path().join("dossier.asice");
    write_file(&path, 5 * MIB + 12_345, 1);
    let file = UploadFile::open(&path).await.unwrap();
    let tus = client(server.endpoint(), MIB);

    let caps = tus.capabilities().await.unwrap();
    assert!(caps.supports("creation"), "{caps:?}");
    assert!(
        !caps.sha256_checksums(),
        "FileStore should list no checksum: {caps:?}"
    );

    let mut states: Vec<UploadState> = Vec::new();
    let done = tus
        .upload(&file, None, |s| {
            states.push(s.clone());
            Ok(())
        })
        .await
        .unwrap();

    assert!(done.is_complete());
    assert_eq!(
        states.first().map(|s| s.offset),
        Some(0),
        "the new upload is persisted first"
    );
    assert!(states.windows(2).all(|w| w[0].offset < w[1].offset));
    assert_eq!(
        states.len(),
        1 + 6,
        "one state per acknowledged 1 MiB chunk"
    );
    assert_eq!(states.last(), Some(&done));
    let id = done.upload_id().unwrap();
    assert_eq!(sha256_of(&server.stored_file(&id)), file.sha256);
}

#[tokio::test]
async fn an_interrupted_upload_resumes_from_the_servers_offset() {
    if !oracle::available_or_skip("an_interrupted_upload_resumes_from_the_servers_offset") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Oracle::start(&dir.path().join("store"));
    let path = dir.path().join("dossier.asice");
    write_file(&path, 4 * MIB + 7, 2);
    let file = UploadFile::open(&path).await.unwrap();

    // The process "dies" after the second acknowledged chunk: the callback refuses to go on,
    // as a crash right after the outbox saved the state would.
    let mut saved: Option<UploadState> = None;
    let err = client(server.endpoint(), MIB)
        .upload(&file, None, |s| {
            saved = Some(s.clone());
            if s.offset >= 2 * MIB {
                Err("power cut".into())
            } else {
                Ok(())
            }
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "portal.state_sink");
    let saved = saved.unwrap();
    assert_eq!(saved.offset, 2 * MIB);

    // A new client (a new process) resumes from the saved state; the server's HEAD decides.
    let mut offsets = Vec::new();
    let done = client(server.endpoint(), MIB)
        .upload(&file, Some(&saved), |s| {
            offsets.push(s.offset);
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(done.upload_url, saved.upload_url, "the same upload goes on");
    assert_eq!(
        offsets.first(),
        Some(&(2 * MIB)),
        "resumed at the server's offset, not 0"
    );
    assert_eq!(offsets.last(), Some(&file.length));
    assert_eq!(
        sha256_of(&server.stored_file(&done.upload_id().unwrap())),
        file.sha256
    );

    // Resuming a complete upload sends nothing and reports it complete.
    let again = client(server.endpoint(), MIB)
        .upload(&file, Some(&done), |_| Ok(()))
        .await
        .unwrap();
    assert_eq!(again, done);
}

#[tokio::test]
async fn a_relative_location_is_resolved_against_the_creation_url() {
    if !oracle::available_or_skip("a_relative_location_is_resolved_against_the_creation_url") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Oracle::start_relative(&dir.path().join("store"));
    let path = dir.path().join("small.asice");
    write_file(&path, 100_000, 3);
    let file = UploadFile::open(&path).await.unwrap();
    let done = client(server.endpoint(), MIB)
        .upload(&file, None, |_| Ok(()))
        .await
        .unwrap();
    assert!(
        done.upload_url
            .starts_with(&format!("http://127.0.0.1:{}/files/", server.port)),
        "{}",
        done.upload_url
    );
    assert_eq!(
        sha256_of(&server.stored_file(&done.upload_id().unwrap())),
        file.sha256
    );
}

#[tokio::test]
async fn a_terminated_upload_is_gone_and_a_resume_of_it_starts_a_new_one() {
    if !oracle::available_or_skip("a_terminated_upload_is_gone_and_a_resume_of_it_starts_a_new_one")
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Oracle::start(&dir.path().join("store"));
    let path = dir.path().join("d.asice");
    write_file(&path, 2 * MIB, 4);
    let file = UploadFile::open(&path).await.unwrap();
    let tus = client(server.endpoint(), MIB);

    let mut saved = None;
    let _ = tus
        .upload(&file, None, |s| {
            saved = Some(s.clone());
            if s.offset > 0 {
                Err("stop".into())
            } else {
                Ok(())
            }
        })
        .await;
    let saved: UploadState = saved.unwrap();
    let url = reqwest::Url::parse(&saved.upload_url).unwrap();
    tus.terminate(&url).await.unwrap();
    assert_eq!(
        tus.offset(&url).await.unwrap_err().code(),
        "portal.upload_gone"
    );
    tus.terminate(&url).await.unwrap();

    let done = tus.upload(&file, Some(&saved), |_| Ok(())).await.unwrap();
    assert_ne!(done.upload_url, saved.upload_url);
    assert_eq!(
        sha256_of(&server.stored_file(&done.upload_id().unwrap())),
        file.sha256
    );
}

#[tokio::test]
async fn a_saved_state_of_another_file_is_refused() {
    if !oracle::available_or_skip("a_saved_state_of_another_file_is_refused") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Oracle::start(&dir.path().join("store"));
    let path = dir.path().join("d.asice");
    write_file(&path, 1000, 5);
    let file = UploadFile::open(&path).await.unwrap();
    let other = UploadState {
        upload_url: format!("{}/abc", server.endpoint()),
        offset: 0,
        sha256: "00".repeat(32),
        length: 1000,
    };
    let err = client(server.endpoint(), MIB)
        .upload(&file, Some(&other), |_| Ok(()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "portal.resume_mismatch");
}

/// Reads `bytes`, but fails at `fail_at` as an attachment whose decryption fails there would.
struct FailingAt {
    bytes: std::io::Cursor<Vec<u8>>,
    fail_at: u64,
}

impl std::io::Read for FailingAt {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.fail_at.saturating_sub(self.bytes.position());
        if left == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the attachment was altered or damaged",
            ));
        }
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        self.bytes.read(&mut buf[..n])
    }
}

impl std::io::Seek for FailingAt {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.bytes.seek(pos)
    }
}

#[tokio::test]
async fn bytes_from_an_opener_are_stored_and_a_source_failing_midway_is_not_retried() {
    if !oracle::available_or_skip(
        "bytes_from_an_opener_are_stored_and_a_source_failing_midway_is_not_retried",
    ) {
        return;
    }
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let dir = tempfile::tempdir().unwrap();
    let server = Oracle::start(&dir.path().join("store"));
    let path = dir.path().join("source.bin");
    write_file(&path, 3 * MIB + 5, 6);
    let bytes = std::fs::read(&path).unwrap();
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let tus = client(server.endpoint(), MIB);

    let source = bytes.clone();
    let file = UploadFile::from_opener("in memory", bytes.len() as u64, &sha256, move || {
        Ok(std::io::Cursor::new(source.clone()))
    });
    let done = tus.upload(&file, None, |_| Ok(())).await.unwrap();
    assert_eq!(
        sha256_of(&server.stored_file(&done.upload_id().unwrap())),
        sha256
    );

    // FileStore asks for no checksum: the failure shows while the body streams.
    let opened = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&opened);
    let failing =
        UploadFile::from_opener("attachment 3fbd", bytes.len() as u64, &sha256, move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(FailingAt {
                bytes: std::io::Cursor::new(bytes.clone()),
                fail_at: MIB + MIB / 2,
            })
        });
    let mut acknowledged = 0;
    let err = tus
        .upload(&failing, None, |s| {
            acknowledged = s.offset;
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "portal.file", "{err}");
    assert!(err.to_string().contains("attachment 3fbd"), "{err}");
    assert_eq!(acknowledged, MIB, "the first chunk went through");
    assert_eq!(
        opened.load(Ordering::SeqCst),
        2,
        "one open per chunk, the failed one not retried"
    );
}
