//! The encrypted attachment file (layout in the parent module's doc): a writer that encrypts
//! while it copies, and a reader that decrypts one chunk at a time and seeks by chunk.
//!
//! The cipher and the STREAM nonce schedule are RustCrypto's (`chacha20poly1305`,
//! `aead::stream::StreamBE32`); only the framing is ours. age's payload is the same
//! construction and its reader seeks, but the `age` crate brings its recipient header and a
//! large dependency tree for a key this folder already has.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::KeyInit;
use chacha20poly1305::aead::stream::{NewStream, StreamBE32, StreamPrimitive};
use rand_core::{OsRng, RngCore};

use crate::store::crypt::KEY_LEN;

/// The first bytes of every encrypted attachment file, and its format's version.
const MAGIC: [u8; 8] = *b"HOSOBLB1";
/// XChaCha20's 24-byte nonce less STREAM's 4-byte counter and 1-byte last-chunk flag.
const NONCE_PREFIX_LEN: usize = 19;
pub(super) const HEADER_LEN: usize = MAGIC.len() + NONCE_PREFIX_LEN;
/// Plaintext bytes per chunk: each is authenticated before any of its bytes is handed out, so
/// a chunk is also what a seek costs.
pub(super) const CHUNK_LEN: usize = 64 * 1024;
const TAG_LEN: usize = 16;
const SEALED_CHUNK_LEN: usize = CHUNK_LEN + TAG_LEN;

type Stream = StreamBE32<XChaCha20Poly1305>;

/// Why an encrypted attachment does not open: a chunk fails authentication, or the file's
/// header or length is not one this format writes. It travels inside an [`io::Error`] of kind
/// `InvalidData`, so that readers stay plain `Read + Seek`; see [`is_damaged`].
#[derive(Debug, thiserror::Error)]
#[error("the attachment was altered or damaged: {0}")]
struct AttachmentDamaged(&'static str);

pub(super) fn damaged(why: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, AttachmentDamaged(why))
}

/// Whether a read of an attachment failed because its encrypted file was altered or damaged
/// (rather than, say, the disk failing).
pub fn is_damaged(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<AttachmentDamaged>())
}

/// The cipher of a folder's attachment files. Its key is wiped when the last copy is dropped
/// (`chacha20poly1305` zeroizes on drop).
#[derive(Clone)]
pub(crate) struct BlobCipher(XChaCha20Poly1305);

impl BlobCipher {
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> BlobCipher {
        BlobCipher(XChaCha20Poly1305::new(key.into()))
    }

    fn stream(&self, header: &[u8; HEADER_LEN]) -> Stream {
        Stream::from_aead(self.0.clone(), header[MAGIC.len()..].into())
    }
}

/// Length of the encrypted file of `plain_len` bytes: the header, the content, one tag per
/// chunk (an empty content is one empty chunk).
pub(super) fn sealed_len(plain_len: u64) -> u64 {
    let chunks = plain_len.div_ceil(CHUNK_LEN as u64).max(1);
    HEADER_LEN as u64 + plain_len + chunks * TAG_LEN as u64
}

/// The content length of an encrypted file of `file_len` bytes; `None` for a length that
/// [`sealed_len`] never gives (a partial tag, an empty chunk after the first, more chunks
/// than the 32-bit counter numbers).
fn plain_len(file_len: u64) -> Option<u64> {
    let body = file_len.checked_sub(HEADER_LEN as u64)?;
    let chunks = body.div_ceil(SEALED_CHUNK_LEN as u64).max(1);
    let last = body - (chunks - 1) * SEALED_CHUNK_LEN as u64;
    let well_formed = last >= TAG_LEN as u64
        && (chunks == 1 || last > TAG_LEN as u64)
        && chunks - 1 <= u64::from(u32::MAX);
    well_formed.then(|| body - chunks * TAG_LEN as u64)
}

/// Encrypts what is written to it into `inner`; [`SealWriter::finish`] writes the last chunk.
pub(super) struct SealWriter<W: Write> {
    inner: W,
    stream: Stream,
    header: [u8; HEADER_LEN],
    /// Plaintext of the chunk being filled, with room for its tag. A full chunk is encrypted
    /// only when more bytes arrive: until then it may be the last.
    chunk: Vec<u8>,
    position: u32,
}

impl<W: Write> SealWriter<W> {
    /// Writes the header (with a fresh random nonce prefix) to `inner`.
    pub(super) fn new(mut inner: W, cipher: &BlobCipher) -> io::Result<SealWriter<W>> {
        let mut header = [0u8; HEADER_LEN];
        header[..MAGIC.len()].copy_from_slice(&MAGIC);
        OsRng.fill_bytes(&mut header[MAGIC.len()..]);
        inner.write_all(&header)?;
        Ok(SealWriter {
            inner,
            stream: cipher.stream(&header),
            header,
            chunk: Vec::with_capacity(SEALED_CHUNK_LEN),
            position: 0,
        })
    }

    fn seal_chunk(&mut self, last: bool) -> io::Result<()> {
        self.stream
            .encrypt_in_place(self.position, last, &self.header, &mut self.chunk)
            .map_err(|_| io::Error::other("attachment chunk encryption failed"))?;
        self.inner.write_all(&self.chunk)?;
        self.chunk.clear();
        if !last {
            self.position = self.position.checked_add(1).ok_or_else(|| {
                io::Error::other("the attachment is too large to encrypt (over 256 TiB)")
            })?;
        }
        Ok(())
    }

    /// Encrypts the last chunk and hands back the inner writer.
    pub(super) fn finish(mut self) -> io::Result<W> {
        self.seal_chunk(true)?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for SealWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.chunk.len() == CHUNK_LEN {
            self.seal_chunk(false)?;
        }
        let n = buf.len().min(CHUNK_LEN - self.chunk.len());
        self.chunk.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decrypts an encrypted attachment file. Bytes are handed out only from a chunk that
/// authenticated at its position; the end of the content is reported only once the last chunk
/// authenticated as the last, so a file cut at a chunk boundary is an error, never a shorter
/// content.
pub(super) struct SealedReader {
    file: File,
    stream: Stream,
    header: [u8; HEADER_LEN],
    len: u64,
    last_chunk: u64,
    /// Position in the plaintext.
    pos: u64,
    /// The decrypted chunk `loaded`, with room for its tag.
    chunk: Vec<u8>,
    loaded: Option<u64>,
    last_verified: bool,
}

impl fmt::Debug for SealedReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedReader")
            .field("len", &self.len)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl SealedReader {
    /// Checks the header and the file's length; decrypts nothing yet.
    pub(super) fn open(mut file: File, cipher: &BlobCipher) -> io::Result<SealedReader> {
        let len = plain_len(file.metadata()?.len())
            .ok_or_else(|| damaged("its length is not that of an encrypted attachment"))?;
        let mut header = [0u8; HEADER_LEN];
        file.read_exact(&mut header)?;
        if header[..MAGIC.len()] != MAGIC {
            return Err(damaged("it does not start like an encrypted attachment"));
        }
        Ok(SealedReader {
            file,
            stream: cipher.stream(&header),
            header,
            len,
            last_chunk: len.saturating_sub(1) / CHUNK_LEN as u64,
            pos: 0,
            chunk: Vec::with_capacity(SEALED_CHUNK_LEN),
            loaded: None,
            last_verified: false,
        })
    }

    /// Reads and decrypts chunk `index` into `self.chunk`.
    fn load(&mut self, index: u64) -> io::Result<()> {
        self.loaded = None;
        let start = index * CHUNK_LEN as u64;
        let plain = (self.len - start).min(CHUNK_LEN as u64) as usize;
        self.chunk.resize(plain + TAG_LEN, 0);
        self.file.seek(SeekFrom::Start(
            HEADER_LEN as u64 + index * SEALED_CHUNK_LEN as u64,
        ))?;
        self.file.read_exact(&mut self.chunk)?;
        // `plain_len` refused files with more chunks than the counter numbers.
        let position = u32::try_from(index).map_err(|_| damaged("too many chunks"))?;
        let last = index == self.last_chunk;
        self.stream
            .decrypt_in_place(position, last, &self.header, &mut self.chunk)
            .map_err(|_| damaged("a chunk does not authenticate"))?;
        self.loaded = Some(index);
        self.last_verified |= last;
        Ok(())
    }
}

impl Read for SealedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pos >= self.len {
            if !self.last_verified {
                self.load(self.last_chunk)?;
            }
            return Ok(0);
        }
        let index = self.pos / CHUNK_LEN as u64;
        if self.loaded != Some(index) {
            self.load(index)?;
        }
        let within = (self.pos % CHUNK_LEN as u64) as usize;
        let n = (self.chunk.len() - within).min(buf.len());
        buf[..n].copy_from_slice(&self.chunk[within..within + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SealedReader {
    /// Moves within the plaintext; the chunk holding the new position is decrypted by the next
    /// read. As with a file, a position past the end reads nothing.
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let (base, delta) = match pos {
            SeekFrom::Start(n) => {
                self.pos = n;
                return Ok(n);
            }
            SeekFrom::End(d) => (self.len, d),
            SeekFrom::Current(d) => (self.pos, d),
        };
        self.pos = base.checked_add_signed(delta).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid seek to a negative or overflowing position",
            )
        })?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip_and_malformed_lengths_are_refused() {
        let sizes = [
            0,
            1,
            CHUNK_LEN as u64 - 1,
            CHUNK_LEN as u64,
            CHUNK_LEN as u64 + 1,
            10 * CHUNK_LEN as u64,
        ];
        for size in sizes {
            assert_eq!(plain_len(sealed_len(size)), Some(size), "{size}");
        }
        assert_eq!(sealed_len(0), 27 + 16);
        assert_eq!(sealed_len(CHUNK_LEN as u64), 27 + 65536 + 16);
        let header = HEADER_LEN as u64;
        let tag = TAG_LEN as u64;
        let sealed_chunk = SEALED_CHUNK_LEN as u64;
        for bad in [0, header, header + tag - 1, header + sealed_chunk + tag] {
            assert_eq!(plain_len(bad), None, "{bad}");
        }
    }
}
