//! The reference portal's own receipt key: a P-256 key and a self-signed certificate
//! ("Hoso Reference Portal"), made on first start under `DATA/receipt-key/` and reused after,
//! so receipts stay verifiable across restarts. A deployment that has a real portal key
//! passes its own [`Signer`](hoso_signing::Signer) instead.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use der::{Decode, Encode};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey};
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

use hoso_signing::SoftwareSigner;

#[derive(Debug, thiserror::Error)]
pub enum ReceiptKeyError {
    #[error("receipt key: {0}")]
    Io(#[from] std::io::Error),
    #[error("receipt key: {0}")]
    Invalid(String),
}

fn invalid(e: impl std::fmt::Display) -> ReceiptKeyError {
    ReceiptKeyError::Invalid(e.to_string())
}

/// The key under `data_dir/receipt-key/`, made if absent.
pub fn load_or_create(data_dir: &Path) -> Result<SoftwareSigner, ReceiptKeyError> {
    let dir = data_dir.join("receipt-key");
    let (key_path, cert_path) = (dir.join("key.p8"), dir.join("cert.der"));
    if !key_path.is_file() || !cert_path.is_file() {
        std::fs::create_dir_all(&dir)?;
        let (key, cert) = generate()?;
        write_private(&key_path, &key)?;
        std::fs::write(&cert_path, cert)?;
    }
    let key = zeroize_vec(std::fs::read(&key_path)?);
    let cert = Certificate::from_der(&std::fs::read(&cert_path)?).map_err(invalid)?;
    SoftwareSigner::from_pkcs8_der(&key, cert, Vec::new(), false).map_err(invalid)
}

fn zeroize_vec(v: Vec<u8>) -> hoso_signing::Pkcs8Der {
    hoso_signing::Pkcs8Der::from(v)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// A fresh key (PKCS#8 DER) and its self-signed certificate (DER), valid ten years.
fn generate() -> Result<(Vec<u8>, Vec<u8>), ReceiptKeyError> {
    let secret = p256::SecretKey::random(&mut rand_core::OsRng);
    let signing = p256::ecdsa::SigningKey::from(&secret);
    let spki_der = secret.public_key().to_public_key_der().map_err(invalid)?;
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der.as_bytes()).map_err(invalid)?;
    let name = Name::from_str("CN=Hoso Reference Portal,O=Hoso,C=VN").map_err(invalid)?;
    let validity = Validity::from_now(Duration::from_secs(10 * 365 * 86_400)).map_err(invalid)?;
    let builder = CertificateBuilder::new(
        Profile::Root,
        SerialNumber::from(1u32),
        validity,
        name,
        spki,
        &signing,
    )
    .map_err(invalid)?;
    let cert = builder
        .build::<p256::ecdsa::DerSignature>()
        .map_err(invalid)?;
    let key = secret.to_pkcs8_der().map_err(invalid)?;
    Ok((key.as_bytes().to_vec(), cert.to_der().map_err(invalid)?))
}
