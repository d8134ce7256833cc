//! Encryption at rest (mã hoá dữ liệu lưu trữ): the data folder's key and what it encrypts.
//!
//! An unfiled patent is a trade secret, so a folder opened with a [`DataKey`] keeps its user
//! content encrypted on disk: the attachment files, and the database columns that hold what
//! the user typed or the portal answered (profiles, draft titles and documents, receipts,
//! statuses, supplement requests). Identifiers, states, sizes and times stay in clear: they are
//! what the database sorts and joins on, and they say nothing about an invention.
//!
//! One 256-bit folder key; each use has its own subkey from HKDF-SHA256, so that a value key
//! never encrypts a file and file names cannot be correlated with content hashes:
//!
//! - values: XChaCha20-Poly1305, a random 192-bit nonce per value, the column and the row's
//!   key as associated data (a value moved to another column or row does not open; values.rs);
//! - attachment files: XChaCha20-Poly1305 in STREAM chunks (`blobs.rs`), so that files of any
//!   size stream in fixed memory and a resumed upload can seek;
//! - attachment file names: HMAC-SHA256 of the content's SHA-256, so that the folder does not
//!   tell whether it holds a given known document.
//!
//! Where the key is kept (the OS keyring, a passphrase-wrapped copy) is `key.rs`'s business.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::StoreError;

/// Length of the folder key and of every subkey, in bytes.
pub const KEY_LEN: usize = 32;

/// The first byte of a sealed value: the format, so that a later one can be told apart.
const VALUE_FORMAT: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// A data folder's key. Wiped from memory when dropped; never printed.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> DataKey {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(key.as_mut());
        DataKey(key)
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> DataKey {
        DataKey(Zeroizing::new(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The subkey for one use: HKDF-SHA256 expanded with `purpose` as its info.
    // A 32-byte output is always within HKDF-SHA256's limit (255 × 32 bytes).
    #[allow(clippy::expect_used)]
    fn subkey(&self, purpose: &str) -> Zeroizing<[u8; KEY_LEN]> {
        let hkdf = Hkdf::<Sha256>::new(None, self.0.as_ref());
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        // A 32-byte output is always within HKDF-SHA256's limit (255 × 32 bytes).
        hkdf.expand(
            format!("hoso data folder v1: {purpose}").as_bytes(),
            out.as_mut(),
        )
        .expect("32 bytes is a valid HKDF-SHA256 output length");
        out
    }
}

/// The ciphers of an open, encrypted data folder.
pub(crate) struct Crypt {
    values: XChaCha20Poly1305,
    blob_key: Zeroizing<[u8; KEY_LEN]>,
    name_key: Zeroizing<[u8; KEY_LEN]>,
}

impl Crypt {
    pub(crate) fn new(key: &DataKey) -> Crypt {
        let values = key.subkey("values");
        Crypt {
            values: XChaCha20Poly1305::new(values.as_ref().into()),
            blob_key: key.subkey("attachment files"),
            name_key: key.subkey("attachment names"),
        }
    }

    /// Encrypts one stored value; `context` is where it is kept (`"revisions.doc"`), bound to
    /// the ciphertext so that it opens nowhere else.
    pub(crate) fn seal_value(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        // Only a message longer than 256 GiB fails to encrypt.
        #[allow(clippy::expect_used)]
        let sealed = self
            .values
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any message that fits in memory");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VALUE_FORMAT);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Decrypts a value [`Crypt::seal_value`] wrote for the same `context`.
    pub(crate) fn open_value(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        let undecryptable = || StoreError::Undecryptable {
            what: context.to_owned(),
        };
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != VALUE_FORMAT {
            return Err(undecryptable());
        }
        let (nonce, ciphertext) = sealed[1..].split_at(NONCE_LEN);
        self.values
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| undecryptable())
    }

    /// The key of the attachment files' STREAM cipher.
    pub(crate) fn blob_key(&self) -> &[u8; KEY_LEN] {
        &self.blob_key
    }

    /// The file name of the attachment whose content has this SHA-256 (hex): 64 hexadecimal
    /// digits that only the key holder can link to the content.
    pub(crate) fn blob_name(&self, sha256: &str) -> String {
        #[allow(clippy::expect_used)]
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.name_key.as_ref())
            .expect("HMAC takes a key of any length");
        mac.update(sha256.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_opens_with_its_key_and_context_only() {
        let key = DataKey::generate();
        let crypt = Crypt::new(&key);
        let sealed = crypt.seal_value("revisions.doc", "Sáng chế bí mật".as_bytes());
        assert!(
            !sealed.windows(6).any(|w| w == b"S\xc3\xa1ng "),
            "no clear text in the sealed value"
        );
        assert_eq!(
            crypt.open_value("revisions.doc", &sealed).expect("opens"),
            "Sáng chế bí mật".as_bytes()
        );
        let err = crypt
            .open_value("profiles.data", &sealed)
            .expect_err("another column's value");
        assert_eq!(err.code(), "store.undecryptable");
        let other = Crypt::new(&DataKey::generate());
        assert!(other.open_value("revisions.doc", &sealed).is_err());
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(crypt.open_value("revisions.doc", &flipped).is_err());
        assert!(crypt.open_value("revisions.doc", &sealed[..10]).is_err());
    }

    #[test]
    fn the_same_value_seals_differently_each_time() {
        let crypt = Crypt::new(&DataKey::generate());
        assert_ne!(crypt.seal_value("c", b"x"), crypt.seal_value("c", b"x"));
    }

    #[test]
    fn subkeys_differ_per_use_and_names_per_key() {
        let key = DataKey::generate();
        let crypt = Crypt::new(&key);
        assert_ne!(crypt.blob_key(), key.as_bytes());
        assert_ne!(crypt.blob_key().as_slice(), crypt.name_key.as_slice());
        let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let name = crypt.blob_name(sha);
        assert_eq!(name.len(), 64);
        assert_ne!(name, sha);
        assert_eq!(name, Crypt::new(&key).blob_name(sha), "stable for one key");
        assert_ne!(name, Crypt::new(&DataKey::generate()).blob_name(sha));
        assert_eq!(format!("{key:?}"), "DataKey(…)");
    }
}
