//! What an upload sends: its bytes, length and SHA-256, and the digest of one chunk for
//! `Upload-Checksum`. The bytes come from an opener called afresh for every chunk (a file on
//! disk, or content the caller decrypts as it reads, such as an encrypted data folder's
//! attachment); they are read in pieces on the blocking pool, never whole.

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use super::error::ClientError;

/// The media type of a sealed dossier container (ASiC-E, ETSI EN 319 162-1).
pub const ASICE_CONTENT_TYPE: &str = "application/vnd.etsi.asic-e+zip";

const READ_BUFFER: usize = 1024 * 1024;

/// A seekable source of bytes, such as a [`std::fs::File`].
pub(crate) trait ReadSeek: Read + Seek {}

impl<T: Read + Seek + ?Sized> ReadSeek for T {}

/// Opens the bytes to upload, positioned at their start. Called once per chunk sent or hashed,
/// from the blocking pool, so that a retried or resumed chunk reads from its own offset.
pub(crate) type OpenUpload = dyn Fn() -> io::Result<Box<dyn ReadSeek + Send>> + Send + Sync;

/// A file to upload.
#[derive(Clone)]
pub struct UploadFile {
    /// Names the bytes in errors: the file's path, or what the caller calls them.
    source_name: String,
    open: Arc<OpenUpload>,
    pub length: u64,
    /// SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
    /// Sent as `filename` metadata.
    pub filename: String,
    /// Sent as `filetype` metadata.
    pub content_type: String,
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadFile")
            .field("source", &self.source_name)
            .field("length", &self.length)
            .field("sha256", &self.sha256)
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl UploadFile {
    /// Reads the file once to learn its length and SHA-256.
    pub async fn open(path: impl Into<PathBuf>) -> Result<UploadFile, ClientError> {
        let mut file = UploadFile::from_parts(path, 0, "");
        let (length, digest) = file.hash_region(0, None).await?;
        file.length = length;
        file.sha256 = hex::encode(digest);
        Ok(file)
    }

    /// A file whose length and SHA-256 the caller already knows; nothing is read until the
    /// upload.
    pub fn from_parts(
        path: impl Into<PathBuf>,
        length: u64,
        sha256: impl Into<String>,
    ) -> UploadFile {
        let path = path.into();
        let filename = path
            .file_name()
            .map_or_else(|| "upload".to_owned(), |n| n.to_string_lossy().into_owned());
        let source_name = path.display().to_string();
        let open = move || -> io::Result<Box<dyn ReadSeek + Send>> {
            Ok(Box::new(std::fs::File::open(&path)?))
        };
        UploadFile {
            filename,
            ..UploadFile::from_opener(source_name, length, sha256, open)
        }
    }

    /// Bytes that are not a plain file (the outbox stores them when it seals, and reads them
    /// back decrypted): `open` gives them from their start, as often as asked; `source_name`
    /// names them in errors. The `filename` metadata is `upload` until set.
    pub fn from_opener<F, R>(
        source_name: impl Into<String>,
        length: u64,
        sha256: impl Into<String>,
        open: F,
    ) -> UploadFile
    where
        F: Fn() -> io::Result<R> + Send + Sync + 'static,
        R: Read + Seek + Send + 'static,
    {
        UploadFile {
            source_name: source_name.into(),
            open: Arc::new(move || Ok(Box::new(open()?) as Box<dyn ReadSeek + Send>)),
            length,
            sha256: sha256.into().to_ascii_lowercase(),
            filename: "upload".to_owned(),
            content_type: "application/octet-stream".to_owned(),
        }
    }

    pub fn with_content_type(mut self, content_type: impl Into<String>) -> UploadFile {
        self.content_type = content_type.into();
        self
    }

    pub(crate) fn error(&self, source: io::Error) -> ClientError {
        ClientError::File {
            what: self.source_name.clone(),
            source,
        }
    }

    /// SHA-256 of `len` bytes from `offset`.
    pub(crate) async fn chunk_sha256(
        &self,
        offset: u64,
        len: u64,
    ) -> Result<[u8; 32], ClientError> {
        let (read, digest) = self.hash_region(offset, Some(len)).await?;
        if read != len {
            return Err(self.error(shorter()));
        }
        Ok(digest)
    }

    /// Hashes from `offset`, `len` bytes or to the end; the bytes read and the digest.
    async fn hash_region(
        &self,
        offset: u64,
        len: Option<u64>,
    ) -> Result<(u64, [u8; 32]), ClientError> {
        let open = Arc::clone(&self.open);
        let hashed = tokio::task::spawn_blocking(move || -> io::Result<(u64, [u8; 32])> {
            let mut reader = open()?;
            reader.seek(SeekFrom::Start(offset))?;
            let mut reader = reader.take(len.unwrap_or(u64::MAX));
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; READ_BUFFER];
            let mut total = 0u64;
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                hasher.update(&buf[..n]);
                total += n as u64;
            }
            Ok((total, hasher.finalize().into()))
        })
        .await
        .map_err(|e| self.error(io::Error::other(e)))?;
        hashed.map_err(|e| self.error(e))
    }

    /// `len` bytes from `offset` as a request body, read on the blocking pool in pieces of
    /// `piece` bytes. A read error ends the body with an error (the request fails) and is kept
    /// in the returned slot, so that the caller reports the file rather than the network.
    pub(crate) fn body(&self, offset: u64, len: u64, piece: usize) -> (reqwest::Body, ReadFailure) {
        // Two pieces in flight: the next is read while one is sent.
        let (tx, rx) = mpsc::channel::<io::Result<Vec<u8>>>(2);
        let failure = ReadFailure::default();
        let slot = failure.clone();
        let open = Arc::clone(&self.open);
        tokio::task::spawn_blocking(move || {
            let sent = send_region(&*open, offset, len, piece, &tx);
            if let Err(e) = sent {
                // Kept before the body fails, so the caller finds it once the request has.
                slot.set(e);
                let _ = tx.blocking_send(Err(io::Error::other("the upload's source failed")));
            }
        });
        (reqwest::Body::wrap_stream(Pieces(rx)), failure)
    }
}

/// Sends `len` bytes from `offset` down `tx`; stops quietly when the body is dropped.
fn send_region(
    open: &OpenUpload,
    offset: u64,
    len: u64,
    piece: usize,
    tx: &mpsc::Sender<io::Result<Vec<u8>>>,
) -> io::Result<()> {
    let mut reader = open()?;
    reader.seek(SeekFrom::Start(offset))?;
    let mut left = len;
    while left > 0 {
        // Whole pieces, however little each read gives (a decrypting reader: one chunk).
        let want = left.min(piece as u64);
        let mut buf = Vec::with_capacity(want as usize);
        let n = reader.by_ref().take(want).read_to_end(&mut buf)?;
        if (n as u64) < want {
            return Err(shorter());
        }
        left -= want;
        if tx.blocking_send(Ok(buf)).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

fn shorter() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "the file got shorter")
}

/// Where [`UploadFile::body`] leaves the error that cut its body short.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReadFailure(Arc<Mutex<Option<io::Error>>>);

impl ReadFailure {
    fn set(&self, e: io::Error) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(e);
        }
    }

    pub(crate) fn take(&self) -> Option<io::Error> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// The pieces read on the blocking pool, as the stream a request body is made of.
struct Pieces(mpsc::Receiver<io::Result<Vec<u8>>>);

impl futures_core::Stream for Pieces {
    type Item = io::Result<Vec<u8>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_file_is_described_by_its_length_and_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hồ sơ.asice");
        std::fs::write(&path, b"abc").unwrap();
        let f = UploadFile::open(&path).await.unwrap();
        assert_eq!(f.length, 3);
        assert_eq!(
            f.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(f.filename, "hồ sơ.asice");
        let chunk = f.chunk_sha256(1, 1).await.unwrap();
        assert_eq!(hex::encode(chunk), hex::encode(Sha256::digest(b"b")));
        assert_eq!(
            f.chunk_sha256(2, 5).await.unwrap_err().code(),
            "portal.file"
        );
    }

    #[tokio::test]
    async fn bytes_from_an_opener_are_hashed_from_any_offset() {
        let bytes: Vec<u8> = (0..3000u32).map(|i| (i % 253) as u8).collect();
        let source = bytes.clone();
        let f = UploadFile::from_opener("in memory", 3000, "AB", move || {
            Ok(io::Cursor::new(source.clone()))
        });
        assert_eq!(f.sha256, "ab");
        assert_eq!(f.filename, "upload");
        let chunk = f.chunk_sha256(1000, 1500).await.unwrap();
        assert_eq!(chunk, <[u8; 32]>::from(Sha256::digest(&bytes[1000..2500])));
    }

    #[tokio::test]
    async fn a_failing_opener_is_a_file_error_that_names_the_source() {
        let f = UploadFile::from_opener(
            "attachment ab12",
            10,
            "ab",
            || -> io::Result<io::Cursor<Vec<u8>>> {
                Err(io::Error::new(io::ErrorKind::InvalidData, "altered"))
            },
        );
        let err = f.chunk_sha256(0, 10).await.unwrap_err();
        assert_eq!(err.code(), "portal.file");
        assert!(err.to_string().contains("attachment ab12"), "{err}");
        let (_body, failure) = f.body(0, 10, 4);
        for _ in 0..100 {
            if let Some(e) = failure.take() {
                assert_eq!(e.kind(), io::ErrorKind::InvalidData);
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the read failure was not kept");
    }
}
