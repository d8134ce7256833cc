//! PKCS#12 files against OpenSSL: what we write, `openssl pkcs12` reads; what `openssl pkcs12
//! -export` writes (the default of OpenSSL 3, and the legacy 3DES/RC2 form of older tools and
//! Windows exports), we read and sign with, verifiably.

use std::path::Path;
use std::process::Command;

use der::pem::LineEnding;
use der::{Encode, EncodePem};
use hoso_signing::p12::{self, P12Error, Password};
use hoso_signing::test_pki::{Identity, IssueSpec, KeySpec, TestPki};
use hoso_signing::{SignatureAlgorithm, Signer};
use sha2::{Digest, Sha256};
use spki::DecodePublicKey;
use x509_cert::Certificate;

const PASSWORD: &str = "Hoso-p12-pass 2026";

fn identity(key: KeySpec) -> (TestPki, Identity) {
    let pki = TestPki::generate().unwrap();
    let id = pki
        .issue(&IssueSpec::enterprise(
            "Công ty TNHH Thử nghiệm P12",
            "0101234565",
            key,
        ))
        .unwrap();
    (pki, id)
}

fn openssl(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl must be installed (scripts/setup-tests.sh)")
}

/// Verifies a signature over a SHA-256 digest with the certificate's public key.
fn verify(cert: &Certificate, alg: SignatureAlgorithm, digest: &[u8; 32], sig: &[u8]) {
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap();
    match alg {
        SignatureAlgorithm::RsaPkcs1Sha256 => rsa::RsaPublicKey::from_public_key_der(&spki)
            .unwrap()
            .verify(rsa::Pkcs1v15Sign::new::<Sha256>(), digest, sig)
            .unwrap(),
        SignatureAlgorithm::RsaPssSha256 => rsa::RsaPublicKey::from_public_key_der(&spki)
            .unwrap()
            .verify(rsa::Pss::new_with_salt::<Sha256>(32), digest, sig)
            .unwrap(),
        SignatureAlgorithm::EcdsaP256Sha256 => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
            let sig = p256::ecdsa::Signature::from_slice(sig).unwrap();
            key.verify_prehash(digest, &sig).unwrap()
        }
        SignatureAlgorithm::EcdsaP384Sha256 => {
            use p384::ecdsa::signature::hazmat::PrehashVerifier;
            let key = p384::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
            let sig = p384::ecdsa::Signature::from_slice(sig).unwrap();
            key.verify_prehash(digest, &sig).unwrap()
        }
    }
}

/// Writes key.pem, cert.pem and chain.pem for `openssl pkcs12 -export`.
fn write_pems(id: &Identity, dir: &Path) {
    let key_pem = der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &id.key_pkcs8).unwrap();
    std::fs::write(dir.join("key.pem"), key_pem).unwrap();
    std::fs::write(dir.join("cert.pem"), id.certificate_pem()).unwrap();
    let chain: String = id
        .chain
        .iter()
        .map(|c| c.to_pem(LineEnding::LF).unwrap())
        .collect();
    std::fs::write(dir.join("chain.pem"), chain).unwrap();
}

#[test]
fn our_file_is_read_by_openssl_with_key_and_chain() {
    let dir = tempfile::tempdir().unwrap();
    for key in [KeySpec::P256, KeySpec::Rsa(2048)] {
        let (_pki, id) = identity(key);
        let bytes = p12::write(
            &id.key_pkcs8,
            &id.certificate,
            &id.chain,
            &Password::from(PASSWORD),
        )
        .unwrap();
        std::fs::write(dir.path().join("ours.p12"), &bytes).unwrap();

        let pass = format!("pass:{PASSWORD}");
        let out = openssl(
            &[
                "pkcs12", "-in", "ours.p12", "-info", "-nodes", "-passin", &pass,
            ],
            dir.path(),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "openssl refused our file:\n{stdout}\n{stderr}"
        );
        assert!(stderr.contains("MAC: sha256"), "{stderr}");
        assert!(stderr.contains("PBES2, PBKDF2, AES-256-CBC"), "{stderr}");
        assert_eq!(stdout.matches("BEGIN CERTIFICATE").count(), 2, "{stdout}");
        assert!(stdout.contains("BEGIN PRIVATE KEY"), "{stdout}");
        assert!(stdout.contains("UID = MST:0101234565"), "{stdout}");

        let wrong = openssl(
            &[
                "pkcs12",
                "-in",
                "ours.p12",
                "-noout",
                "-passin",
                "pass:wrong",
            ],
            dir.path(),
        );
        assert!(!wrong.status.success(), "openssl accepted a wrong password");
    }
}

#[test]
fn openssl_export_is_read_and_signs_verifiably() {
    let dir = tempfile::tempdir().unwrap();
    for (key, alg) in [
        (KeySpec::Rsa(2048), SignatureAlgorithm::RsaPkcs1Sha256),
        (KeySpec::P256, SignatureAlgorithm::EcdsaP256Sha256),
        (KeySpec::P384, SignatureAlgorithm::EcdsaP384Sha256),
    ] {
        let (_pki, id) = identity(key);
        write_pems(&id, dir.path());
        let pass = format!("pass:{PASSWORD}");
        let out = openssl(
            &[
                "pkcs12",
                "-export",
                "-inkey",
                "key.pem",
                "-in",
                "cert.pem",
                "-certfile",
                "chain.pem",
                "-passout",
                &pass,
                "-out",
                "exported.p12",
            ],
            dir.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(dir.path().join("exported.p12")).unwrap();

        let signer = p12::open(&bytes, &Password::from(PASSWORD)).unwrap();
        assert_eq!(signer.certificate(), &id.certificate);
        assert_eq!(signer.chain(), id.chain.as_slice());
        assert_eq!(signer.algorithm(), alg);
        let digest: [u8; 32] = Sha256::digest(b"to khai dang ky nhan hieu").into();
        let sig = signer.sign_digest(&digest).unwrap();
        verify(signer.certificate(), alg, &digest, &sig);

        let contents = p12::read(&bytes, &Password::from(PASSWORD)).unwrap();
        if matches!(key, KeySpec::Rsa(_)) {
            let pss = contents.signer(true).unwrap();
            let sig = pss.sign_digest(&digest).unwrap();
            verify(
                &id.certificate,
                SignatureAlgorithm::RsaPssSha256,
                &digest,
                &sig,
            );
        }
    }
}

#[test]
fn legacy_triple_des_and_rc2_exports_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let (_pki, id) = identity(KeySpec::P256);
    write_pems(&id, dir.path());
    let pass = format!("pass:{PASSWORD}");
    let base = [
        "pkcs12",
        "-export",
        "-inkey",
        "key.pem",
        "-in",
        "cert.pem",
        "-certfile",
        "chain.pem",
        "-passout",
        &pass,
        "-out",
        "legacy.p12",
    ];
    // 3DES for key and certificates, SHA-1 MAC: what the default provider still does.
    let mut args = base.to_vec();
    args.extend([
        "-keypbe",
        "PBE-SHA1-3DES",
        "-certpbe",
        "PBE-SHA1-3DES",
        "-macalg",
        "sha1",
    ]);
    let out = openssl(&args, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(dir.path().join("legacy.p12")).unwrap();
    let signer = p12::open(&bytes, &Password::from(PASSWORD)).unwrap();
    let digest = [42u8; 32];
    verify(
        &id.certificate,
        SignatureAlgorithm::EcdsaP256Sha256,
        &digest,
        &signer.sign_digest(&digest).unwrap(),
    );
    assert!(matches!(
        p12::read(&bytes, &Password::from("sai mật khẩu")),
        Err(P12Error::WrongPassword)
    ));

    // `-legacy`: RC2-40 certificates, 3DES key (OpenSSL 1.x and old Windows exports); needs the
    // legacy provider, present in Debian's libssl3.
    let mut args = base.to_vec();
    args.push("-legacy");
    let out = openssl(&args, dir.path());
    if !out.status.success() {
        eprintln!(
            "skipping the RC2 case: this openssl has no legacy provider ({})",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return;
    }
    let info = openssl(
        &[
            "pkcs12",
            "-in",
            "legacy.p12",
            "-info",
            "-noout",
            "-legacy",
            "-passin",
            &pass,
        ],
        dir.path(),
    );
    assert!(
        String::from_utf8_lossy(&info.stderr).contains("pbeWithSHA1And40BitRC2-CBC"),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    let bytes = std::fs::read(dir.path().join("legacy.p12")).unwrap();
    let contents = p12::read(&bytes, &Password::from(PASSWORD)).unwrap();
    assert_eq!(contents.certificate, id.certificate);
    assert_eq!(contents.chain, id.chain);
}

#[test]
fn wrong_password_is_its_own_error() {
    let (_pki, id) = identity(KeySpec::P256);
    let bytes = p12::write(
        &id.key_pkcs8,
        &id.certificate,
        &id.chain,
        &Password::from(PASSWORD),
    )
    .unwrap();
    let err = p12::open(&bytes, &Password::from("1234")).unwrap_err();
    assert!(matches!(err, P12Error::WrongPassword), "{err:?}");
    assert_eq!(err.code(), "pkcs12.wrong_password");
    assert!(matches!(
        p12::read(b"not a pfx", &Password::from("x")),
        Err(P12Error::Malformed(_))
    ));
}

#[test]
fn our_file_round_trips_with_a_vietnamese_password() {
    let (_pki, id) = identity(KeySpec::P256);
    let password = Password::from("Mật khẩu của Công ty Hồ sơ số");
    let bytes = p12::write(&id.key_pkcs8, &id.certificate, &id.chain, &password).unwrap();
    let contents = p12::read(&bytes, &password).unwrap();
    assert_eq!(contents.certificate, id.certificate);
    assert_eq!(contents.chain, id.chain);
    assert!(contents.roots.is_empty());
    assert_eq!(contents.key_pkcs8.as_slice(), id.key_pkcs8.as_slice());
}

#[test]
fn the_key_certificate_is_found_by_public_key_not_by_position() {
    let (pki, id) = identity(KeySpec::P256);
    // The intermediate and the root put where the signer's certificate usually is.
    let bytes = p12::write(
        &id.key_pkcs8,
        &pki.intermediate,
        &[pki.root.clone(), id.certificate.clone()],
        &Password::from(PASSWORD),
    )
    .unwrap();
    let contents = p12::read(&bytes, &Password::from(PASSWORD)).unwrap();
    assert_eq!(contents.certificate, id.certificate);
    assert_eq!(contents.chain, vec![pki.intermediate.clone()]);
    assert_eq!(contents.roots, vec![pki.root.clone()]);
}

#[test]
fn a_file_without_the_keys_certificate_is_refused() {
    let (pki, id) = identity(KeySpec::P256);
    let bytes = p12::write(
        &id.key_pkcs8,
        &pki.intermediate,
        &[],
        &Password::from(PASSWORD),
    )
    .unwrap();
    assert!(matches!(
        p12::read(&bytes, &Password::from(PASSWORD)),
        Err(P12Error::NoCertificate)
    ));
}

#[test]
fn password_never_shows_in_debug() {
    let password = Password::from(PASSWORD);
    assert!(!format!("{password:?}").contains("Hoso"));
}
