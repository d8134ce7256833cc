//! Where a data folder's key is kept (nơi giữ khoá của thư mục dữ liệu).
//!
//! The key itself lives in the OS keyring ([`crate::keyring`]), under the service
//! [`KEYRING_SERVICE`] and the folder's random id, never in a file. Beside the database, the
//! folder holds `hoso.key`, which is not secret:
//!
//! ```json
//! { "format": 1, "folder": "<32 hex digits>", "check": "<base64>",
//!   "passphrase_copy": { "kdf": "argon2id", "memory_kib": 65536, "iterations": 3,
//!                        "parallelism": 1, "salt": "<base64>", "sealed": "<base64>" } }
//! ```
//!
//! `check` is an empty value sealed with the key, which tells the right key from a wrong one
//! before anything is read. `passphrase_copy`, present when the folder was created with
//! `HOSO_DATA_PASSPHRASE` set, is the key sealed with a key derived from that passphrase by
//! Argon2id: it is how a folder is opened where the keyring lost the key or is not there
//! (keyutils forgets at reboot; the folder was carried to another machine).
//!
//! When a new folder is created:
//!
//! - a keyring that survives a reboot (Windows Credential Manager, the Secret Service of a
//!   Linux desktop): the folder is encrypted, its key kept there, plus a passphrase copy if
//!   `HOSO_DATA_PASSPHRASE` is set;
//! - otherwise, with `HOSO_DATA_PASSPHRASE` set: encrypted, with the passphrase copy, and the
//!   key cached in keyutils when there is one;
//! - otherwise the folder is **not** encrypted, and says so (`Store::is_encrypted`, Settings):
//!   a key that the next reboot forgets would lose every draft, which is worse than a folder
//!   in clear on the user's own account (created private to its owner).
//!
//! A folder keeps the protection it was created with; the database records that it is
//! encrypted, so a missing `hoso.key` is an error, never a silent switch to clear text.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::StoreError;
use super::crypt::{Crypt, DataKey, KEY_LEN};

/// The file beside the database that names the folder's key.
pub const KEY_FILE: &str = "hoso.key";

/// The keyring service under which folder keys are kept; the user is the folder's id.
pub const KEYRING_SERVICE: &str = "hoso-data-key";

/// Environment variable with the passphrase that wraps a copy of the folder key.
pub const PASSPHRASE_ENV: &str = "HOSO_DATA_PASSPHRASE";

const FORMAT: u32 = 1;
const KDF: &str = "argon2id";
/// Argon2id with 64 MiB, 3 passes, 1 lane: RFC 9106's second recommended setting.
const MEMORY_KIB: u32 = 64 * 1024;
const ITERATIONS: u32 = 3;
const PARALLELISM: u32 = 1;
const SALT_LEN: usize = 16;
/// The shortest passphrase taken: Argon2 slows guessing, it does not make a short one safe.
pub const MIN_PASSPHRASE_CHARS: usize = 10;
const NONCE_LEN: usize = 24;

#[derive(Debug, Serialize, Deserialize)]
struct KeyFile {
    format: u32,
    folder: String,
    check: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    passphrase_copy: Option<PassphraseCopy>,
}

#[derive(Debug, Serialize, Deserialize)]
struct PassphraseCopy {
    kdf: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
    sealed: String,
}

/// A folder's key, with the id that names it.
#[derive(Debug)]
pub(super) struct FolderKey {
    pub folder: String,
    pub key: DataKey,
}

/// Keys already found in this process: the keyring is asked once per folder (keyutils keyrings
/// belong to threads, and the Secret Service is a D-Bus round trip).
fn cache() -> &'static Mutex<HashMap<String, DataKey>> {
    static CACHE: OnceLock<Mutex<HashMap<String, DataKey>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

fn cached(folder: &str) -> Option<DataKey> {
    cache().lock().ok()?.get(folder).cloned()
}

/// Replaces `hoso.key` with one for `key` and the same folder id, as someone who can write the
/// folder could.
#[cfg(test)]
pub(super) fn replace_with_key(dir: &Path, key: &DataKey) {
    let folder = read_key_file(dir).expect("read").expect("present").folder;
    replace(dir, &key_file(&folder, key, None).expect("key file")).expect("replace");
}

/// Forgets a folder's key in this process, as a new process would start.
#[cfg(test)]
pub(super) fn forget_cached(folder: &str) {
    if let Ok(mut map) = cache().lock() {
        map.remove(folder);
    }
}

fn remember(folder: &str, key: &DataKey) {
    if let Ok(mut map) = cache().lock() {
        map.insert(folder.to_owned(), key.clone());
    }
}

/// The key of the folder at `dir` by the rules of the module doc: `None` for a folder in clear.
/// `db_exists` tells a new folder from one created before encryption.
pub(super) fn unlock(
    dir: &Path,
    db_exists: bool,
    passphrase: Option<&str>,
) -> Result<Option<FolderKey>, StoreError> {
    match read_key_file(dir)? {
        Some(file) => find_key(&file, passphrase).map(Some),
        None if db_exists => Ok(None),
        None => create(dir, passphrase),
    }
}

/// Checks that `key` opens the folder at `dir`, or makes it the key of a new folder (kept by
/// the caller and by this process, not the keyring).
pub(super) fn adopt(dir: &Path, key: &DataKey, db_exists: bool) -> Result<FolderKey, StoreError> {
    let adopted = adopt_file(dir, key, db_exists)?;
    remember(&adopted.folder, key);
    Ok(adopted)
}

fn adopt_file(dir: &Path, key: &DataKey, db_exists: bool) -> Result<FolderKey, StoreError> {
    match read_key_file(dir)? {
        Some(file) if opens(&file, key) => Ok(FolderKey {
            folder: file.folder,
            key: key.clone(),
        }),
        Some(_) => Err(StoreError::WrongKey),
        None if db_exists => Err(StoreError::Corrupt {
            detail: "this data folder was created without encryption".to_owned(),
        }),
        None => {
            let folder = new_folder_id();
            let file = key_file(&folder, key, None)?;
            match write_new(dir, &file) {
                Ok(()) => Ok(FolderKey {
                    folder,
                    key: key.clone(),
                }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    adopt_file(dir, key, db_exists)
                }
                Err(e) => Err(StoreError::io(dir.join(KEY_FILE), e)),
            }
        }
    }
}

fn create(dir: &Path, passphrase: Option<&str>) -> Result<Option<FolderKey>, StoreError> {
    let keyring = crate::keyring::pick_store();
    let durable = keyring
        .as_ref()
        .is_ok_and(|name| crate::keyring::is_durable(name));
    if !durable && passphrase.is_none() {
        tracing::warn!(
            keyring = ?keyring,
            "no keyring that survives a reboot and no {PASSPHRASE_ENV}: the data folder is not encrypted"
        );
        return Ok(None);
    }
    let key = DataKey::generate();
    let folder = new_folder_id();
    let mut in_keyring = false;
    if keyring.is_ok() {
        match keyring_entry(&folder).and_then(|e| {
            e.set_password(&STANDARD.encode(key.as_bytes()))
                .map_err(|e| StoreError::Keyring(e.to_string()))
        }) {
            Ok(()) => in_keyring = true,
            // The only place the key would be: no folder without it.
            Err(e) if durable && passphrase.is_none() => return Err(e),
            Err(e) => tracing::warn!("folder key not cached in the keyring: {e}"),
        }
    }
    let file = key_file(&folder, &key, passphrase)?;
    match write_new(dir, &file) {
        Ok(()) => {
            tracing::info!(
                folder,
                in_keyring,
                passphrase_copy = passphrase.is_some(),
                "encrypted data folder created"
            );
            remember(&folder, &key);
            Ok(Some(FolderKey { folder, key }))
        }
        // Another process created the folder's key first: use its key, forget ours.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            if in_keyring {
                let _ = keyring_entry(&folder).map(|e| e.delete_credential());
            }
            unlock(dir, false, passphrase)
        }
        Err(e) => Err(StoreError::io(dir.join(KEY_FILE), e)),
    }
}

fn find_key(file: &KeyFile, passphrase: Option<&str>) -> Result<FolderKey, StoreError> {
    let found = |key: DataKey| {
        remember(&file.folder, &key);
        FolderKey {
            folder: file.folder.clone(),
            key,
        }
    };
    if let Some(key) = cached(&file.folder) {
        return Ok(found(key));
    }
    if crate::keyring::pick_store().is_ok() {
        match keyring_entry(&file.folder).map(|e| e.get_password()) {
            Ok(Ok(text)) => match decode_key(&text) {
                Some(key) if opens(file, &key) => return Ok(found(key)),
                _ => tracing::warn!(folder = file.folder, "the keyring holds another key"),
            },
            Ok(Err(keyring_core::Error::NoEntry)) => {}
            Ok(Err(e)) => tracing::warn!("keyring not read: {e}"),
            Err(e) => tracing::warn!("keyring not read: {e}"),
        }
    }
    match (&file.passphrase_copy, passphrase) {
        (Some(copy), Some(passphrase)) => {
            let key = unwrap_key(&file.folder, copy, passphrase)?;
            if !opens(file, &key) {
                return Err(StoreError::WrongKey);
            }
            // Back into the keyring, so that the next process does not pay for Argon2 again.
            if crate::keyring::pick_store().is_ok() {
                let kept = keyring_entry(&file.folder).and_then(|e| {
                    e.set_password(&STANDARD.encode(key.as_bytes()))
                        .map_err(|e| StoreError::Keyring(e.to_string()))
                });
                if let Err(e) = kept {
                    tracing::warn!("folder key not cached in the keyring: {e}");
                }
            }
            Ok(found(key))
        }
        (copy, _) => Err(StoreError::Locked {
            has_passphrase_copy: copy.is_some(),
        }),
    }
}

fn keyring_entry(folder: &str) -> Result<keyring_core::Entry, StoreError> {
    crate::keyring::entry(KEYRING_SERVICE, folder).map_err(StoreError::Keyring)
}

fn decode_key(text: &str) -> Option<DataKey> {
    let bytes = Zeroizing::new(STANDARD.decode(text.trim()).ok()?);
    let array: [u8; KEY_LEN] = bytes.as_slice().try_into().ok()?;
    Some(DataKey::from_bytes(array))
}

fn new_folder_id() -> String {
    let mut id = [0u8; 16];
    OsRng.fill_bytes(&mut id);
    hex::encode(id)
}

fn check_context(folder: &str) -> String {
    format!("hoso.key check {folder}")
}

fn opens(file: &KeyFile, key: &DataKey) -> bool {
    STANDARD.decode(&file.check).is_ok_and(|sealed| {
        Crypt::new(key)
            .open_value(&check_context(&file.folder), &sealed)
            .is_ok()
    })
}

fn key_file(folder: &str, key: &DataKey, passphrase: Option<&str>) -> Result<KeyFile, StoreError> {
    Ok(KeyFile {
        format: FORMAT,
        folder: folder.to_owned(),
        check: STANDARD.encode(Crypt::new(key).seal_value(&check_context(folder), b"")),
        passphrase_copy: passphrase.map(|p| wrap_key(folder, key, p)).transpose()?,
    })
}

fn read_key_file(dir: &Path) -> Result<Option<KeyFile>, StoreError> {
    let path = dir.join(KEY_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    let file: KeyFile = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
        detail: format!("{KEY_FILE}: {e}"),
    })?;
    if file.format != FORMAT {
        return Err(StoreError::Corrupt {
            detail: format!("{KEY_FILE} has format {}, expected {FORMAT}", file.format),
        });
    }
    Ok(Some(file))
}

/// Writes `hoso.key` durably, failing with `AlreadyExists` when another process wrote it first
/// (a hard link to a complete temporary file is atomic and never replaces).
fn write_new(dir: &Path, file: &KeyFile) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(file).map_err(io::Error::other)?;
    let tmp = dir.join(format!("{KEY_FILE}.{}.tmp", std::process::id()));
    let mut out = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)?;
    let written = out.write_all(&json).and_then(|()| out.sync_all());
    drop(out);
    let linked = written.and_then(|()| fs::hard_link(&tmp, dir.join(KEY_FILE)));
    let _ = fs::remove_file(&tmp);
    linked?;
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// How a folder is protected, for `hoso data` and Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protection {
    pub encrypted: bool,
    /// `hoso.key` keeps a copy of the key sealed by a passphrase.
    pub passphrase_copy: bool,
}

pub(super) fn protection(dir: &Path) -> Result<Protection, StoreError> {
    Ok(match read_key_file(dir)? {
        Some(file) => Protection {
            encrypted: true,
            passphrase_copy: file.passphrase_copy.is_some(),
        },
        None => Protection {
            encrypted: false,
            passphrase_copy: false,
        },
    })
}

/// Adds or replaces the passphrase copy of an open folder's key.
pub(super) fn set_passphrase(
    dir: &Path,
    key: &FolderKey,
    passphrase: &str,
) -> Result<(), StoreError> {
    let mut file = read_key_file(dir)?.ok_or_else(|| StoreError::Corrupt {
        detail: format!("{KEY_FILE} is missing"),
    })?;
    if file.folder != key.folder || !opens(&file, &key.key) {
        return Err(StoreError::WrongKey);
    }
    file.passphrase_copy = Some(wrap_key(&file.folder, &key.key, passphrase)?);
    replace(dir, &file).map_err(|e| StoreError::io(dir.join(KEY_FILE), e))
}

/// Replaces `hoso.key` in one step: a reader sees the old file or the new one, whole.
fn replace(dir: &Path, file: &KeyFile) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(file).map_err(io::Error::other)?;
    let tmp = dir.join(format!("{KEY_FILE}.{}.tmp", std::process::id()));
    let mut out = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)?;
    let written = out.write_all(&json).and_then(|()| out.sync_all());
    drop(out);
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, dir.join(KEY_FILE))) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    Ok(())
}

fn argon2(params: (u32, u32, u32)) -> Result<Argon2<'static>, StoreError> {
    let (memory_kib, iterations, parallelism) = params;
    let params = Params::new(memory_kib, iterations, parallelism, Some(KEY_LEN)).map_err(|e| {
        StoreError::Corrupt {
            detail: format!("{KEY_FILE}: Argon2 parameters: {e}"),
        }
    })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn passphrase_key(
    copy_params: (u32, u32, u32),
    passphrase: &str,
    salt: &[u8],
) -> Result<XChaCha20Poly1305, StoreError> {
    let mut kek = Zeroizing::new([0u8; KEY_LEN]);
    argon2(copy_params)?
        .hash_password_into(passphrase.as_bytes(), salt, kek.as_mut())
        .map_err(|e| StoreError::Corrupt {
            detail: format!("{KEY_FILE}: Argon2: {e}"),
        })?;
    Ok(XChaCha20Poly1305::new(kek.as_ref().into()))
}

fn copy_context(folder: &str) -> String {
    format!("hoso.key passphrase copy {folder}")
}

fn wrap_key(folder: &str, key: &DataKey, passphrase: &str) -> Result<PassphraseCopy, StoreError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(StoreError::WeakPassphrase {
            min_chars: MIN_PASSPHRASE_CHARS,
        });
    }
    let mut salt = [0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let cipher = passphrase_key((MEMORY_KIB, ITERATIONS, PARALLELISM), passphrase, &salt)?;
    let context = copy_context(folder);
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: key.as_bytes(),
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| StoreError::Corrupt {
            detail: "the folder key could not be sealed".to_owned(),
        })?;
    Ok(PassphraseCopy {
        kdf: KDF.to_owned(),
        memory_kib: MEMORY_KIB,
        iterations: ITERATIONS,
        parallelism: PARALLELISM,
        salt: STANDARD.encode(salt),
        sealed: STANDARD.encode([nonce.as_slice(), &sealed].concat()),
    })
}

fn unwrap_key(
    folder: &str,
    copy: &PassphraseCopy,
    passphrase: &str,
) -> Result<DataKey, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt {
        detail: format!("{KEY_FILE}: {what}"),
    };
    if copy.kdf != KDF {
        return Err(corrupt(&format!("unknown key derivation {}", copy.kdf)));
    }
    let salt = STANDARD.decode(&copy.salt).map_err(|_| corrupt("salt"))?;
    let sealed = STANDARD
        .decode(&copy.sealed)
        .map_err(|_| corrupt("sealed key"))?;
    if sealed.len() < NONCE_LEN {
        return Err(corrupt("sealed key"));
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let cipher = passphrase_key(
        (copy.memory_kib, copy.iterations, copy.parallelism),
        passphrase,
        &salt,
    )?;
    let context = copy_context(folder);
    let bytes = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| StoreError::WrongKey)?,
    );
    let array: [u8; KEY_LEN] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| corrupt("sealed key length"))?;
    Ok(DataKey::from_bytes(array))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passphrase_copy_opens_with_its_passphrase_only() {
        let key = DataKey::generate();
        let copy = wrap_key("f1", &key, "cụm mật khẩu dài").expect("wrap");
        let back = unwrap_key("f1", &copy, "cụm mật khẩu dài").expect("unwrap");
        assert_eq!(back.as_bytes(), key.as_bytes());
        let wrong = unwrap_key("f1", &copy, "cum mat khau dai").expect_err("wrong passphrase");
        assert_eq!(wrong.code(), "store.wrong_key");
        let moved = unwrap_key("f2", &copy, "cụm mật khẩu dài").expect_err("other folder");
        assert_eq!(moved.code(), "store.wrong_key");
        assert!(!copy.sealed.is_empty() && copy.memory_kib == MEMORY_KIB);
    }

    #[test]
    fn a_short_passphrase_is_refused() {
        let err = wrap_key("f1", &DataKey::generate(), "ngắn quá").expect_err("short");
        assert_eq!(err.code(), "store.weak_passphrase");
    }

    #[test]
    fn a_passphrase_copy_is_added_to_a_folder_and_replaced() {
        let dir = tempfile::tempdir().expect("dir");
        let key = DataKey::generate();
        let folder = adopt(dir.path(), &key, false).expect("new folder");
        assert!(!protection(dir.path()).expect("protection").passphrase_copy);
        set_passphrase(dir.path(), &folder, "cụm mật khẩu thứ nhất").expect("add");
        assert!(protection(dir.path()).expect("protection").passphrase_copy);
        set_passphrase(dir.path(), &folder, "cụm mật khẩu thứ hai").expect("replace");
        let file = read_key_file(dir.path()).expect("read").expect("present");
        let copy = file.passphrase_copy.as_ref().expect("copy");
        assert!(unwrap_key(&file.folder, copy, "cụm mật khẩu thứ nhất").is_err());
        let back = unwrap_key(&file.folder, copy, "cụm mật khẩu thứ hai").expect("new one");
        assert_eq!(back.as_bytes(), key.as_bytes());
        let stranger = FolderKey {
            folder: folder.folder.clone(),
            key: DataKey::generate(),
        };
        let err = set_passphrase(dir.path(), &stranger, "cụm mật khẩu thứ ba").expect_err("wrong");
        assert_eq!(err.code(), "store.wrong_key");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers, [std::ffi::OsString::from(KEY_FILE)]);
    }

    #[test]
    fn the_check_value_tells_the_right_key() {
        let key = DataKey::generate();
        let file = key_file("f1", &key, None).expect("file");
        assert!(opens(&file, &key));
        assert!(!opens(&file, &DataKey::generate()));
        let json = serde_json::to_string(&file).expect("json");
        assert!(!json.contains("passphrase_copy"), "{json}");
    }

    #[test]
    fn a_given_key_is_adopted_by_a_new_folder_and_checked_after() {
        let dir = tempfile::tempdir().expect("dir");
        let key = DataKey::generate();
        let first = adopt(dir.path(), &key, false).expect("new folder");
        let again = adopt(dir.path(), &key, true).expect("same key");
        assert_eq!(first.folder, again.folder);
        let err = adopt(dir.path(), &DataKey::generate(), true).expect_err("other key");
        assert_eq!(err.code(), "store.wrong_key");
        let plain = tempfile::tempdir().expect("dir");
        let err = adopt(plain.path(), &key, true).expect_err("folder in clear");
        assert_eq!(err.code(), "store.corrupt");
    }

    #[test]
    fn a_folder_created_with_a_passphrase_opens_from_it_alone() {
        let dir = tempfile::tempdir().expect("dir");
        let key = DataKey::generate();
        let file = key_file("0123", &key, Some("pass phrase")).expect("file");
        write_new(dir.path(), &file).expect("write");
        let again = write_new(dir.path(), &file).expect_err("never replaced");
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
        let read = read_key_file(dir.path()).expect("read").expect("present");
        // Not through the keyring or the cache: the copy only.
        let copy = read.passphrase_copy.as_ref().expect("copy");
        let back = unwrap_key(&read.folder, copy, "pass phrase").expect("unwrap");
        assert!(opens(&read, &back));
    }

    #[test]
    fn a_damaged_key_file_is_reported_as_such() {
        let dir = tempfile::tempdir().expect("dir");
        fs::write(dir.path().join(KEY_FILE), b"{ not json").expect("write");
        let err = read_key_file(dir.path()).expect_err("damaged");
        assert_eq!(err.code(), "store.corrupt");
        fs::write(
            dir.path().join(KEY_FILE),
            br#"{"format":9,"folder":"x","check":""}"#,
        )
        .expect("write");
        assert_eq!(
            read_key_file(dir.path()).expect_err("future").code(),
            "store.corrupt"
        );
    }
}
