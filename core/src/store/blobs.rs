//! Attachments (tài liệu đính kèm), stored once by content.
//!
//! A file is streamed (fixed 1 MiB buffer, whatever its size) into
//! `attachments/tmp/` while it is hashed, fsynced, then renamed to
//! `attachments/ab/abcdef…` after its SHA-256; the index row is written after
//! the file, so a row never names a missing file. Adding the same content again
//! stores nothing new. The media type is sniffed from the first bytes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::sniff::{SNIFF_LEN, sniff_media_type};
use super::{Store, StoreError, now};

const ATTACHMENTS_DIR: &str = "attachments";
const TMP_DIR: &str = "tmp";
const TMP_SUFFIX: &str = ".part";
const BUF_LEN: usize = 1 << 20;

/// A temporary file untouched for this long belongs to a process that died.
const STALE_TMP_AGE: Duration = Duration::from_secs(3600);

/// What the store knows about an attachment without opening it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    /// SHA-256 of the content, 64 lowercase hexadecimal digits: its identity.
    pub sha256: String,
    pub size: u64,
    /// Sniffed from the content, e.g. `application/pdf`.
    pub media_type: String,
}

/// The content of a stored attachment.
///
/// A reader rather than a `File`, so that encryption at rest can change what
/// is on disk without changing callers.
#[derive(Debug)]
pub struct AttachmentReader {
    file: File,
}

impl Read for AttachmentReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file.read(buf)
    }
}

impl Seek for AttachmentReader {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file.seek(pos)
    }
}

/// Fails unless `sha256` is 64 lowercase hexadecimal digits, which also keeps
/// any other text from being turned into a path.
fn check_hash(sha256: &str) -> Result<(), StoreError> {
    let valid = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if valid {
        Ok(())
    } else {
        Err(StoreError::InvalidHash {
            value: sha256.chars().take(80).collect(),
        })
    }
}

/// A file in `attachments/tmp/`, removed on drop unless it was moved into place.
struct TempBlob {
    path: PathBuf,
    moved: bool,
}

impl TempBlob {
    fn create(dir: &Path) -> Result<(TempBlob, File), StoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{}-{nanos}-{n}{TMP_SUFFIX}", std::process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => return Ok((TempBlob { path, moved: false }, file)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(StoreError::io(path, e)),
            }
        }
    }
}

impl Drop for TempBlob {
    fn drop(&mut self) {
        if !self.moved {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Makes a rename or a new entry in `dir` durable (no-op where directories
/// cannot be opened, i.e. Windows, whose rename is already journaled).
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

impl Store {
    fn attachments_dir(&self) -> PathBuf {
        self.data_dir.join(ATTACHMENTS_DIR)
    }

    /// Creates the attachment folders and removes temporary files left by a
    /// process that was killed while adding one.
    pub(super) fn prepare_attachment_dirs(&self) -> Result<(), StoreError> {
        let tmp = self.attachments_dir().join(TMP_DIR);
        fs::create_dir_all(&tmp).map_err(|e| StoreError::io(&tmp, e))?;
        let entries = fs::read_dir(&tmp).map_err(|e| StoreError::io(&tmp, e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_TMP_AGE);
            if stale && path.extension().is_some_and(|e| e == &TMP_SUFFIX[1..]) {
                let removed = fs::remove_file(&path);
                tracing::info!(path = %path.display(), ?removed, "stale temporary attachment");
            }
        }
        Ok(())
    }

    /// Stores the file at `path` (once per distinct content) and returns what
    /// identifies it. Memory use does not depend on the file's size.
    pub fn add_attachment(&mut self, path: &Path) -> Result<AttachmentInfo, StoreError> {
        let mut source = File::open(path).map_err(|e| StoreError::io(path, e))?;
        let tmp_dir = self.attachments_dir().join(TMP_DIR);
        fs::create_dir_all(&tmp_dir).map_err(|e| StoreError::io(&tmp_dir, e))?;
        let (mut tmp, mut out) = TempBlob::create(&tmp_dir)?;

        let mut buf = vec![0u8; BUF_LEN];
        let mut head = Vec::with_capacity(SNIFF_LEN);
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        loop {
            let n = match source.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(StoreError::io(path, e)),
            };
            let chunk = &buf[..n];
            if head.len() < SNIFF_LEN {
                let take = n.min(SNIFF_LEN - head.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(chunk);
            out.write_all(chunk)
                .map_err(|e| StoreError::io(&tmp.path, e))?;
            size += n as u64;
        }
        out.sync_all().map_err(|e| StoreError::io(&tmp.path, e))?;
        drop(out);

        let sha256 = hex::encode(hasher.finalize());
        let fan_out = self.fan_out_dir(&sha256);
        let dest = fan_out.join(&sha256);
        fs::create_dir_all(&fan_out).map_err(|e| StoreError::io(&fan_out, e))?;
        let present = fs::metadata(&dest).is_ok_and(|m| m.is_file() && m.len() == size);
        if !present {
            // Over a truncated leftover too: the content is known to be right.
            fs::rename(&tmp.path, &dest).map_err(|e| StoreError::io(&dest, e))?;
            tmp.moved = true;
            sync_dir(&fan_out)?;
            sync_dir(&self.attachments_dir())?;
        }

        let media_type = sniff_media_type(&head);
        let stored_size = i64::try_from(size).map_err(|_| StoreError::Corrupt {
            detail: format!("attachment of {size} bytes is too large"),
        })?;
        let (now, _) = now();
        self.conn.execute(
            "INSERT OR IGNORE INTO attachments (sha256, size, media_type, added_at) \
             VALUES (?1, ?2, ?3, ?4)",
            params![sha256, stored_size, media_type, now],
        )?;
        tracing::debug!(%sha256, size, media_type, new = !present, "attachment added");
        self.attachment(&sha256)?
            .ok_or_else(|| StoreError::not_found("attachment", &sha256))
    }

    /// What the index knows about an attachment, or `None` if it was never added.
    pub fn attachment(&self, sha256: &str) -> Result<Option<AttachmentInfo>, StoreError> {
        check_hash(sha256)?;
        Ok(self
            .conn
            .query_row(
                "SELECT sha256, size, media_type FROM attachments WHERE sha256 = ?1",
                [sha256],
                |r| {
                    let size: i64 = r.get(1)?;
                    Ok(AttachmentInfo {
                        sha256: r.get(0)?,
                        size: u64::try_from(size)
                            .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(1, size))?,
                        media_type: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Where an attachment's content is kept (`attachments/ab/abcdef…`).
    pub fn attachment_path(&self, sha256: &str) -> Result<PathBuf, StoreError> {
        check_hash(sha256)?;
        Ok(self.blob_path(sha256))
    }

    /// Opens an attachment's content for reading.
    pub fn open_attachment(&self, sha256: &str) -> Result<AttachmentReader, StoreError> {
        let path = self.attachment_path(sha256)?;
        match File::open(&path) {
            Ok(file) => Ok(AttachmentReader { file }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(StoreError::not_found("attachment", sha256))
            }
            Err(e) => Err(StoreError::io(path, e)),
        }
    }

    /// `attachments/ab/` for a hash `abcdef…`: a level of folders keeps any
    /// one folder small enough for every file system and file manager.
    fn fan_out_dir(&self, sha256: &str) -> PathBuf {
        self.attachments_dir().join(sha256.get(..2).unwrap_or("00"))
    }

    /// The path of a checked hash.
    fn blob_path(&self, sha256: &str) -> PathBuf {
        self.fan_out_dir(sha256).join(sha256)
    }
}

#[cfg(test)]
mod tests;
