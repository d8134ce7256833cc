//! Attachments (tài liệu đính kèm), stored once by content.
//!
//! A file is streamed (fixed 1 MiB buffer, whatever its size) into
//! `attachments/tmp/` while it is hashed, fsynced, then renamed to
//! `attachments/ab/abcdef…`; the index row is written after the file, so a row
//! never names a missing file. Adding the same content again stores nothing
//! new. The media type is sniffed from the first bytes. Index rows name an
//! attachment by the SHA-256 of its content, in a plaintext folder and in an
//! encrypted one alike.
//!
//! In a plaintext folder the file is the content, named by its SHA-256.
//!
//! In an encrypted folder (`Store::open_with_key`) the file is named by
//! `Crypt::blob_name` (an HMAC of the SHA-256: the folder does not tell whether
//! it holds a given known document) and holds the content encrypted with
//! XChaCha20-Poly1305 in the STREAM construction (Hoang, Reyhanitabar, Rogaway
//! and Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
//! Misuse-Resistance", 2015), under `Crypt::blob_key`:
//!
//! ```text
//! offset  length   field
//! 0       8        magic "HOSOBLB1" (format version 1)
//! 8       19       nonce prefix, random per file
//! 27      …        chunks of 64 KiB of content (the last one 1 byte to
//!                  64 KiB), each encrypted and followed by its 16-byte
//!                  Poly1305 tag
//! ```
//!
//! Chunk `i` is encrypted with the nonce `prefix ‖ i as u32 big-endian ‖ flag`,
//! the flag 1 for the last chunk and 0 otherwise (`aead::stream::StreamBE32`),
//! and the 27-byte header as associated data. A content of a multiple of
//! 64 KiB ends with a full chunk; an empty content is one empty last chunk (the
//! file is 43 bytes). Chunks can be neither reordered, dropped at the end nor
//! moved between files: the reader reports the end of the content only after
//! the last chunk authenticated as the last. The file's length gives the
//! content's length and which chunk is last, so a reader seeks to any offset
//! and decrypts only the chunk holding it. A chunk that fails authentication
//! is an `io::Error` of kind `InvalidData` ([`is_damaged`] tells it apart).

mod encrypted;

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
pub use encrypted::is_damaged;
use encrypted::{BlobCipher, SealWriter, SealedReader, sealed_len};

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

/// The content of a stored attachment, decrypted if the folder is encrypted.
///
/// A read of an encrypted attachment that was altered or damaged fails with an
/// error for which [`is_damaged`] holds; [`StoreError::attachment_read`] turns
/// it into [`StoreError::Undecryptable`].
#[derive(Debug)]
pub struct AttachmentReader {
    inner: ReaderKind,
}

#[derive(Debug)]
enum ReaderKind {
    Plain(File),
    Encrypted(Box<SealedReader>),
}

impl Read for AttachmentReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.inner {
            ReaderKind::Plain(file) => file.read(buf),
            ReaderKind::Encrypted(reader) => reader.read(buf),
        }
    }
}

impl Seek for AttachmentReader {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match &mut self.inner {
            ReaderKind::Plain(file) => file.seek(pos),
            ReaderKind::Encrypted(reader) => reader.seek(pos),
        }
    }
}

/// Opens one stored attachment, as often as asked, without the store: what an
/// upload holds while the store records its progress.
#[derive(Clone)]
pub struct AttachmentOpener {
    sha256: String,
    path: PathBuf,
    cipher: Option<BlobCipher>,
}

impl std::fmt::Debug for AttachmentOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachmentOpener")
            .field("sha256", &self.sha256)
            .field("encrypted", &self.cipher.is_some())
            .finish_non_exhaustive()
    }
}

impl AttachmentOpener {
    /// The content from its start. `NotFound` when its file is missing; an
    /// encrypted file with a foreign header or length fails [`is_damaged`].
    pub fn open(&self) -> io::Result<AttachmentReader> {
        let file = File::open(&self.path)?;
        let inner = match &self.cipher {
            None => ReaderKind::Plain(file),
            Some(cipher) => ReaderKind::Encrypted(Box::new(SealedReader::open(file, cipher)?)),
        };
        Ok(AttachmentReader { inner })
    }
}

impl StoreError {
    /// The error of reading attachment `sha256`'s content:
    /// [`StoreError::Undecryptable`] when its encrypted file was altered or
    /// damaged, else an I/O error.
    pub fn attachment_read(sha256: &str, e: io::Error) -> StoreError {
        if is_damaged(&e) {
            StoreError::Undecryptable {
                what: format!("attachment {sha256}"),
            }
        } else {
            StoreError::io(format!("attachment {sha256}"), e)
        }
    }
}

/// Where the content read from a source goes: the file itself, or a cipher in
/// front of it.
enum BlobSink {
    Plain(File),
    Encrypted(SealWriter<File>),
}

impl BlobSink {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            BlobSink::Plain(file) => file.write_all(bytes),
            BlobSink::Encrypted(writer) => writer.write_all(bytes),
        }
    }

    fn finish(self) -> io::Result<File> {
        match self {
            BlobSink::Plain(file) => Ok(file),
            BlobSink::Encrypted(writer) => writer.finish(),
        }
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

    /// The cipher of this folder's attachment files, if it is encrypted.
    fn blob_cipher(&self) -> Option<BlobCipher> {
        self.crypt.as_ref().map(|c| BlobCipher::new(c.blob_key()))
    }

    /// Stores the file at `path` (once per distinct content) and returns what
    /// identifies it. Memory use does not depend on the file's size.
    pub fn add_attachment(&mut self, path: &Path) -> Result<AttachmentInfo, StoreError> {
        let mut source = File::open(path).map_err(|e| StoreError::io(path, e))?;
        let tmp_dir = self.attachments_dir().join(TMP_DIR);
        fs::create_dir_all(&tmp_dir).map_err(|e| StoreError::io(&tmp_dir, e))?;
        let (mut tmp, out) = TempBlob::create(&tmp_dir)?;
        let mut sink = match self.blob_cipher() {
            None => BlobSink::Plain(out),
            Some(cipher) => BlobSink::Encrypted(
                SealWriter::new(out, &cipher).map_err(|e| StoreError::io(&tmp.path, e))?,
            ),
        };

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
            sink.write_all(chunk)
                .map_err(|e| StoreError::io(&tmp.path, e))?;
            size += n as u64;
        }
        let out = sink.finish().map_err(|e| StoreError::io(&tmp.path, e))?;
        out.sync_all().map_err(|e| StoreError::io(&tmp.path, e))?;
        drop(out);

        let sha256 = hex::encode(hasher.finalize());
        let dest = self.blob_path(&sha256);
        let fan_out = dest.parent().unwrap_or(&dest).to_owned();
        fs::create_dir_all(&fan_out).map_err(|e| StoreError::io(&fan_out, e))?;
        let file_len = match self.crypt {
            None => size,
            Some(_) => sealed_len(size),
        };
        let present = fs::metadata(&dest).is_ok_and(|m| m.is_file() && m.len() == file_len);
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

    /// What opens an attachment's content apart from the store (for an upload,
    /// which records its progress in the store while it reads). Nothing is
    /// opened yet: a missing file shows at [`AttachmentOpener::open`].
    pub fn attachment_opener(&self, sha256: &str) -> Result<AttachmentOpener, StoreError> {
        check_hash(sha256)?;
        Ok(AttachmentOpener {
            sha256: sha256.to_owned(),
            path: self.blob_path(sha256),
            cipher: self.blob_cipher(),
        })
    }

    /// Opens an attachment's content for reading.
    pub fn open_attachment(&self, sha256: &str) -> Result<AttachmentReader, StoreError> {
        let opener = self.attachment_opener(sha256)?;
        opener.open().map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::not_found("attachment", sha256),
            _ if is_damaged(&e) => StoreError::attachment_read(sha256, e),
            _ => StoreError::io(&opener.path, e),
        })
    }

    /// The file of a checked hash: `attachments/ab/abcdef…`, where `abcdef…` is
    /// the hash itself, or its keyed name in an encrypted folder. A level of
    /// folders keeps any one folder small enough for every file system and
    /// file manager.
    fn blob_path(&self, sha256: &str) -> PathBuf {
        let name = match &self.crypt {
            None => sha256.to_owned(),
            Some(crypt) => crypt.blob_name(sha256),
        };
        self.attachments_dir()
            .join(name.get(..2).unwrap_or("00"))
            .join(&name)
    }
}

#[cfg(test)]
mod tests;
