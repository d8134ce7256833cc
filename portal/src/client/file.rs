//! The file an upload sends: its path, length and SHA-256, and the digest of one chunk for
//! `Upload-Checksum`. Files are read in pieces on the blocking pool, never whole.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::error::ClientError;

/// The media type of a sealed dossier container (ASiC-E, ETSI EN 319 162-1).
pub const ASICE_CONTENT_TYPE: &str = "application/vnd.etsi.asic-e+zip";

const READ_BUFFER: usize = 1024 * 1024;

/// A file to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadFile {
    pub path: PathBuf,
    pub length: u64,
    /// SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
    /// Sent as `filename` metadata.
    pub filename: String,
    /// Sent as `filetype` metadata.
    pub content_type: String,
}

impl UploadFile {
    /// Reads the file once to learn its length and SHA-256.
    pub async fn open(path: impl Into<PathBuf>) -> Result<UploadFile, ClientError> {
        let path = path.into();
        let p = path.clone();
        let (length, digest) = tokio::task::spawn_blocking(move || hash_region(&p, 0, None))
            .await
            .map_err(|e| ClientError::File {
                path: path.clone(),
                source: std::io::Error::other(e),
            })??;
        Ok(UploadFile::from_parts(path, length, hex::encode(digest)))
    }

    /// A file whose length and SHA-256 the caller already knows (the outbox stores them
    /// when it seals); nothing is read until the upload.
    pub fn from_parts(
        path: impl Into<PathBuf>,
        length: u64,
        sha256: impl Into<String>,
    ) -> UploadFile {
        let path = path.into();
        let filename = path
            .file_name()
            .map_or_else(|| "upload".to_owned(), |n| n.to_string_lossy().into_owned());
        UploadFile {
            path,
            length,
            sha256: sha256.into().to_ascii_lowercase(),
            filename,
            content_type: "application/octet-stream".to_owned(),
        }
    }

    pub fn with_content_type(mut self, content_type: impl Into<String>) -> UploadFile {
        self.content_type = content_type.into();
        self
    }
}

/// SHA-256 of `len` bytes of the file from `offset`.
pub(crate) async fn chunk_sha256(
    path: &Path,
    offset: u64,
    len: u64,
) -> Result<[u8; 32], ClientError> {
    let p = path.to_owned();
    let (read, digest) = tokio::task::spawn_blocking(move || hash_region(&p, offset, Some(len)))
        .await
        .map_err(|e| ClientError::File {
            path: path.to_owned(),
            source: std::io::Error::other(e),
        })??;
    if read != len {
        return Err(ClientError::File {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the file got shorter"),
        });
    }
    Ok(digest)
}

/// Hashes the file from `offset`, `len` bytes or to its end; the bytes read and the digest.
fn hash_region(path: &Path, offset: u64, len: Option<u64>) -> Result<(u64, [u8; 32]), ClientError> {
    let err = |source| ClientError::File {
        path: path.to_owned(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(err)?;
    f.seek(SeekFrom::Start(offset)).map_err(err)?;
    let mut reader = f.take(len.unwrap_or(u64::MAX));
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; READ_BUFFER];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((total, hasher.finalize().into()))
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
        let chunk = chunk_sha256(&path, 1, 1).await.unwrap();
        assert_eq!(hex::encode(chunk), hex::encode(Sha256::digest(b"b")));
        assert_eq!(
            chunk_sha256(&path, 2, 5).await.unwrap_err().code(),
            "portal.file"
        );
    }
}
