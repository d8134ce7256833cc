use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::encrypted::{CHUNK_LEN, HEADER_LEN, damaged};
use super::*;
use crate::store::tests::temp_store;
use crate::store::{Crypt, DataKey};

/// SHA-256 of "abc" (FIPS 180-2, appendix B.1).
const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).expect("write source");
    path
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn attachment_is_named_by_its_sha256_under_a_fan_out_folder() {
    let (dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let info = store
        .add_attachment(&write(src.path(), "a.txt", b"abc"))
        .expect("add");
    assert_eq!(info.sha256, ABC_SHA256);
    assert_eq!(info.size, 3);
    assert_eq!(info.media_type, "text/plain");
    let expected = dir.path().join("attachments").join("ba").join(ABC_SHA256);
    assert_eq!(store.blob_path(ABC_SHA256), expected);
    assert_eq!(fs::read(&expected).expect("blob"), b"abc");
    assert_eq!(store.attachment(ABC_SHA256).expect("lookup"), Some(info));
}

#[test]
fn attachment_added_twice_is_stored_once() {
    let (dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let bytes = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
    let first = store
        .add_attachment(&write(src.path(), "don.pdf", bytes))
        .expect("first");
    let second = store
        .add_attachment(&write(src.path(), "copy of don.bin", bytes))
        .expect("second");
    assert_eq!(first, second);
    let blobs = files_under(&dir.path().join("attachments"));
    assert_eq!(blobs.len(), 1, "one blob, no temp files left: {blobs:?}");
    let rows: i64 = store
        .conn
        .query_row("SELECT count(*) FROM attachments", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 1);
}

#[test]
fn attachment_type_comes_from_content_not_extension() {
    let (_dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    let cases: [(&str, &[u8], &str); 4] = [
        ("scan.jpg", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        ("logo.pdf", png, "image/png"),
        (
            "photo.txt",
            b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0",
            "image/jpeg",
        ),
        ("notes.png", "Mô tả tóm tắt".as_bytes(), "text/plain"),
    ];
    for (name, bytes, expected) in cases {
        let info = store
            .add_attachment(&write(src.path(), name, bytes))
            .expect("add");
        assert_eq!(info.media_type, expected, "{name}");
    }
}

#[test]
fn empty_file_is_a_valid_attachment() {
    let (_dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let info = store
        .add_attachment(&write(src.path(), "empty", b""))
        .expect("add");
    assert_eq!(info.sha256, EMPTY_SHA256);
    assert_eq!(info.size, 0);
    assert_eq!(info.media_type, "application/octet-stream");
}

#[test]
fn content_larger_than_the_buffer_is_hashed_and_copied_whole() {
    let (_dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let bytes: Vec<u8> = (0..(BUF_LEN * 2 + 12345))
        .map(|i| (i % 251) as u8)
        .collect();
    let info = store
        .add_attachment(&write(src.path(), "big", &bytes))
        .expect("add");
    assert_eq!(info.size, bytes.len() as u64);
    assert_eq!(info.sha256, hex::encode(Sha256::digest(&bytes)));
    let mut back = Vec::new();
    store
        .open_attachment(&info.sha256)
        .expect("open")
        .read_to_end(&mut back)
        .expect("read");
    assert!(back == bytes, "stored bytes differ");
}

#[test]
fn truncated_blob_left_on_disk_is_replaced() {
    let (_dir, mut store) = temp_store();
    let src = tempfile::tempdir().expect("src dir");
    let path = store.blob_path(ABC_SHA256);
    fs::create_dir_all(path.parent().expect("fan-out")).expect("mkdir");
    fs::write(&path, b"ab").expect("damaged blob");
    store
        .add_attachment(&write(src.path(), "a", b"abc"))
        .expect("add");
    assert_eq!(fs::read(&path).expect("blob"), b"abc");
}

#[test]
fn missing_source_file_is_an_io_error_naming_it() {
    let (_dir, mut store) = temp_store();
    let missing = Path::new("/nonexistent/hoso/don.pdf");
    match store.add_attachment(missing) {
        Err(StoreError::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn unknown_attachment_is_none_or_not_found() {
    let (_dir, store) = temp_store();
    assert_eq!(store.attachment(ABC_SHA256).expect("lookup"), None);
    let err = store.open_attachment(ABC_SHA256).expect_err("absent");
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "attachment",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn malformed_hashes_never_become_paths() {
    let (_dir, store) = temp_store();
    let upper = ABC_SHA256.to_uppercase();
    let traversal = format!("../../../../etc/{}", &ABC_SHA256[16..]);
    for bad in ["", "abc", upper.as_str(), traversal.as_str()] {
        for err in [
            store
                .attachment_opener(bad)
                .map(|_| ())
                .expect_err("opener"),
            store.attachment(bad).map(|_| ()).expect_err("lookup"),
            store.open_attachment(bad).map(|_| ()).expect_err("open"),
        ] {
            assert_eq!(err.code(), "store.invalid_hash", "{bad:?}");
        }
    }
}

#[test]
fn stale_temporary_files_are_swept_on_open_and_fresh_ones_kept() {
    let (dir, store) = temp_store();
    drop(store);
    let tmp = dir.path().join("attachments").join("tmp");
    let stale = write(&tmp, "123-0-0.part", b"partial");
    let fresh = write(&tmp, "456-0-0.part", b"in progress elsewhere");
    let old = SystemTime::now() - Duration::from_secs(2 * 3600);
    fs::File::options()
        .write(true)
        .open(&stale)
        .expect("open")
        .set_modified(old)
        .expect("age it");
    Store::open(dir.path()).expect("reopen");
    assert!(!stale.exists(), "stale temp file removed");
    assert!(fresh.exists(), "a concurrent add is not disturbed");
}

// ---- Encrypted folders -------------------------------------------------------------------

const CHUNK: u64 = CHUNK_LEN as u64;

fn temp_encrypted_store() -> (tempfile::TempDir, Store, DataKey) {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = DataKey::generate();
    let store = Store::open_with_key(dir.path(), &key).expect("open encrypted store");
    (dir, store, key)
}

/// Bytes no chunk of which repeats another (xorshift64), so that a chunk read from the wrong
/// place shows.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn read_all(store: &Store, sha256: &str) -> io::Result<Vec<u8>> {
    let mut back = Vec::new();
    store
        .open_attachment(sha256)
        .expect("open")
        .read_to_end(&mut back)?;
    Ok(back)
}

fn assert_damaged(result: io::Result<Vec<u8>>, what: &str) {
    match result {
        Ok(bytes) => panic!("{what}: read {} bytes from a damaged file", bytes.len()),
        Err(e) => {
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{what}: {e}");
            assert!(is_damaged(&e), "{what}: {e}");
            assert!(e.to_string().contains("altered or damaged"), "{what}: {e}");
        }
    }
}

/// Adds `bytes` to an encrypted store; the stored file's path.
fn add_encrypted(store: &mut Store, bytes: &[u8]) -> (AttachmentInfo, PathBuf) {
    let src = tempfile::tempdir().expect("src dir");
    let info = store
        .add_attachment(&write(src.path(), "bí mật.bin", bytes))
        .expect("add");
    let path = store.blob_path(&info.sha256);
    (info, path)
}

#[test]
fn encrypted_attachments_of_any_size_read_back_whole() {
    let (_dir, mut store, _key) = temp_encrypted_store();
    let sizes = [0, 3, CHUNK_LEN - 1, CHUNK_LEN, CHUNK_LEN + 1, (1 << 20) + 1];
    for (seed, len) in sizes.into_iter().enumerate() {
        let bytes = noise(len, seed as u64 + 1);
        let (info, path) = add_encrypted(&mut store, &bytes);
        assert_eq!(info.size, len as u64);
        assert_eq!(info.sha256, hex::encode(Sha256::digest(&bytes)), "{len}");
        let chunks = (len as u64).div_ceil(CHUNK).max(1);
        assert_eq!(
            fs::metadata(&path).expect("blob").len(),
            HEADER_LEN as u64 + len as u64 + 16 * chunks,
            "{len} bytes: header, content and one tag per chunk"
        );
        assert!(
            read_all(&store, &info.sha256).expect("read") == bytes,
            "{len}"
        );
    }
}

#[test]
fn an_encrypted_file_is_named_by_its_keyed_name_and_holds_no_plaintext() {
    let (dir, mut store, key) = temp_encrypted_store();
    let text = "Bản mô tả sáng chế: phương pháp bí mật. ".repeat(4000);
    let (info, path) = add_encrypted(&mut store, text.as_bytes());
    let name = Crypt::new(&key).blob_name(&info.sha256);
    assert_ne!(name, info.sha256);
    let expected = dir.path().join("attachments").join(&name[..2]).join(&name);
    assert_eq!(path, expected);
    let files = files_under(&dir.path().join("attachments"));
    assert_eq!(
        files,
        vec![expected],
        "one file, named by the keyed name only"
    );

    let on_disk = fs::read(&path).expect("blob");
    assert_eq!(&on_disk[..8], b"HOSOBLB1");
    assert!(
        !on_disk
            .windows(16)
            .any(|w| w == &text.as_bytes()[..16] || w == b"ng ph\xc3\xa1p b\xc3\xad m\xe1"),
        "plaintext on disk"
    );
    // The index keeps the content's own hash.
    assert_eq!(store.attachment(&info.sha256).expect("lookup"), Some(info));
}

#[test]
fn an_encrypted_attachment_seeks_to_any_offset() {
    let (_dir, mut store, _key) = temp_encrypted_store();
    let len = 3 * CHUNK + 100;
    let bytes = noise(len as usize, 7);
    let (info, _) = add_encrypted(&mut store, &bytes);
    let mut reader = store.open_attachment(&info.sha256).expect("open");
    let offsets = [
        0,
        1,
        CHUNK - 1,
        CHUNK,
        CHUNK + 1,
        2 * CHUNK + 12345,
        3 * CHUNK,
        len - 1,
        5,
    ];
    for offset in offsets {
        assert_eq!(reader.seek(SeekFrom::Start(offset)).expect("seek"), offset);
        // Across the next chunk boundary where there is one.
        let want = &bytes[offset as usize..(offset + CHUNK + 7).min(len) as usize];
        let mut got = vec![0; want.len()];
        reader.read_exact(&mut got).expect("read");
        assert!(got == want, "bytes at {offset}");
    }
    assert_eq!(reader.seek(SeekFrom::End(-10)).expect("seek"), len - 10);
    let mut tail = Vec::new();
    reader.read_to_end(&mut tail).expect("tail");
    assert_eq!(tail, &bytes[(len - 10) as usize..]);
    assert_eq!(
        reader.seek(SeekFrom::Current(-100)).expect("seek"),
        len - 100
    );
    let mut byte = [0u8];
    reader.read_exact(&mut byte).expect("read");
    assert_eq!(byte[0], bytes[(len - 100) as usize]);
    assert_eq!(reader.seek(SeekFrom::End(0)).expect("seek"), len);
    assert_eq!(reader.read(&mut byte).expect("at the end"), 0);
    assert_eq!(
        reader.seek(SeekFrom::Start(len + 5)).expect("past"),
        len + 5
    );
    assert_eq!(reader.read(&mut byte).expect("past the end"), 0);
    assert!(reader.seek(SeekFrom::Current(-(len as i64) - 6)).is_err());
}

#[test]
fn a_flipped_byte_anywhere_in_an_encrypted_file_is_an_error_never_other_bytes() {
    let (_dir, mut store, _key) = temp_encrypted_store();
    let bytes = noise(2 * CHUNK_LEN + 10, 3);
    let (info, path) = add_encrypted(&mut store, &bytes);
    let good = fs::read(&path).expect("blob");
    let chunk2 = HEADER_LEN + 2 * (CHUNK_LEN + 16);
    let places = [
        ("magic", 0),
        ("nonce prefix", 10),
        ("first chunk", HEADER_LEN + 5),
        ("first tag", HEADER_LEN + CHUNK_LEN + 3),
        ("second chunk", HEADER_LEN + CHUNK_LEN + 16 + 100),
        ("last chunk", chunk2 + 2),
        ("last tag", good.len() - 1),
    ];
    for (what, at) in places {
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        fs::write(&path, &bad).expect("damage");
        match store.open_attachment(&info.sha256) {
            Err(e) => assert_eq!(e.code(), "store.undecryptable", "{what}"),
            Ok(mut reader) => {
                let mut back = Vec::new();
                assert_damaged(reader.read_to_end(&mut back).map(|_| back), what);
            }
        }
    }
    fs::write(&path, &good).expect("repair");
    assert!(read_all(&store, &info.sha256).expect("read") == bytes);
}

#[test]
fn a_truncated_encrypted_file_is_an_error_never_a_shorter_content() {
    let (_dir, mut store, _key) = temp_encrypted_store();
    let bytes = noise(2 * CHUNK_LEN + 10, 4);
    let (info, path) = add_encrypted(&mut store, &bytes);
    let good = fs::read(&path).expect("blob");
    let whole_chunks = HEADER_LEN + 2 * (CHUNK_LEN + 16);
    for (what, len) in [
        ("the last chunk removed", whole_chunks),
        ("the last two chunks removed", HEADER_LEN + CHUNK_LEN + 16),
        ("cut inside the last chunk", good.len() - 5),
        ("cut inside the first chunk", HEADER_LEN + 100),
    ] {
        fs::write(&path, &good[..len]).expect("truncate");
        let mut reader = store.open_attachment(&info.sha256).expect("open");
        let mut back = Vec::new();
        assert_damaged(reader.read_to_end(&mut back).map(|_| back), what);
    }
    for len in [HEADER_LEN + 16 - 1, HEADER_LEN, 3] {
        fs::write(&path, &good[..len]).expect("truncate");
        let err = store.open_attachment(&info.sha256).expect_err("no content");
        assert_eq!(err.code(), "store.undecryptable", "{len} bytes");
        assert!(err.to_string().contains(&info.sha256), "{err}");
    }
}

#[test]
fn another_key_reads_no_encrypted_attachment() {
    let (dir, mut store, key) = temp_encrypted_store();
    let mut infos = Vec::new();
    for bytes in [b"".to_vec(), noise(CHUNK_LEN + 1, 5)] {
        infos.push(add_encrypted(&mut store, &bytes).0);
    }
    drop(store);
    // Someone who can write the folder puts a `hoso.key` of their own key in place: the folder
    // opens with it, and finds nothing it can read.
    let key_file = dir.path().join(crate::store::KEY_FILE);
    let original = fs::read(&key_file).expect("key file");
    let other_key = DataKey::generate();
    crate::store::key::replace_with_key(dir.path(), &other_key);
    let other = Store::open_with_key(dir.path(), &other_key).expect("open");
    fs::write(&key_file, original).expect("put the key file back");
    let store = Store::open_with_key(dir.path(), &key).expect("reopen");
    for info in &infos {
        // Names are keyed: another key does not even find the file.
        let err = other.open_attachment(&info.sha256).expect_err("not found");
        assert_eq!(err.code(), "store.not_found");
        // Given the file, another key does not decrypt it, not even the empty content.
        let opener = AttachmentOpener {
            cipher: other.blob_cipher(),
            ..store.attachment_opener(&info.sha256).expect("opener")
        };
        let mut back = Vec::new();
        assert_damaged(
            opener
                .open()
                .expect("the header is well formed")
                .read_to_end(&mut back)
                .map(|_| back),
            &info.sha256,
        );
        assert_eq!(
            read_all(&store, &info.sha256).expect("own key").len() as u64,
            info.size
        );
    }
}

#[test]
fn encrypted_content_added_twice_is_stored_once() {
    let (dir, mut store, _key) = temp_encrypted_store();
    let bytes = noise(CHUNK_LEN + 3, 6);
    let (first, path) = add_encrypted(&mut store, &bytes);
    let written = fs::read(&path).expect("blob");
    let (second, _) = add_encrypted(&mut store, &bytes);
    assert_eq!(first, second);
    let blobs = files_under(&dir.path().join("attachments"));
    assert_eq!(blobs, vec![path.clone()], "one blob, no temp files left");
    assert_eq!(
        fs::read(&path).expect("blob"),
        written,
        "the first copy is kept"
    );
}

#[test]
fn a_truncated_encrypted_leftover_is_replaced() {
    let (_dir, mut store, _key) = temp_encrypted_store();
    let path = store.blob_path(ABC_SHA256);
    fs::create_dir_all(path.parent().expect("fan-out")).expect("mkdir");
    fs::write(&path, b"HOSOBLB1").expect("damaged blob");
    let (info, stored) = add_encrypted(&mut store, b"abc");
    assert_eq!(stored, path);
    assert_eq!(read_all(&store, &info.sha256).expect("read"), b"abc");
}

#[test]
fn a_read_error_of_a_damaged_attachment_maps_to_undecryptable() {
    let err = StoreError::attachment_read(ABC_SHA256, damaged("test"));
    assert_eq!(err.code(), "store.undecryptable");
    assert_eq!(
        err.to_string(),
        format!("cannot decrypt attachment {ABC_SHA256}: it was altered or damaged")
    );
    let disk = io::Error::other("disk on fire");
    assert_eq!(
        StoreError::attachment_read(ABC_SHA256, disk).code(),
        "store.io"
    );
}

/// Pins the documented layout with the AEAD alone, without the STREAM helper that wrote it.
#[test]
fn an_encrypted_file_follows_the_documented_layout() {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};

    let (_dir, mut store, key) = temp_encrypted_store();
    let bytes = noise(2 * CHUNK_LEN + 1, 8);
    let (_, path) = add_encrypted(&mut store, &bytes);
    let file = fs::read(&path).expect("blob");
    let (header, body) = file.split_at(27);
    assert_eq!(&header[..8], b"HOSOBLB1");
    let aead = XChaCha20Poly1305::new(Crypt::new(&key).blob_key().into());
    let sealed: Vec<&[u8]> = body.chunks(CHUNK_LEN + 16).collect();
    assert_eq!(sealed.len(), 3);
    let mut back = Vec::new();
    for (i, chunk) in sealed.iter().enumerate() {
        let mut nonce = header[8..].to_vec();
        nonce.extend_from_slice(&(i as u32).to_be_bytes());
        nonce.push(u8::from(i == sealed.len() - 1));
        let plain = aead
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: chunk,
                    aad: header,
                },
            )
            .expect("chunk opens with the documented nonce and associated data");
        back.extend_from_slice(&plain);
    }
    assert!(back == bytes);
}
