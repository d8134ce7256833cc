//! Detached CMS: our verifier and `openssl cms -verify` as the oracle.

mod common;

use std::process::Command;

use common::{Signers, missing, run, run_ok, signing_time, tool};
use hoso_signing::cms::{self, CmsOptions, DetachedContent};
use sha2::{Digest, Sha256};

const CONTENT: &[u8] = "Nonce đăng nhập 7f3a9c — Hồ sơ số\r\n".as_bytes();

#[test]
fn detached_cms_verifies_with_openssl_for_every_key_type() {
    let signers = Signers::generate();
    let dir = tempfile::tempdir().unwrap();
    let (root, _) = signers.write_pems(dir.path());
    let data = dir.path().join("data");
    std::fs::write(&data, CONTENT).unwrap();
    let digest: [u8; 32] = Sha256::digest(CONTENT).into();
    for (label, identity) in &signers.identities {
        let signer = identity.signer().unwrap();
        let options = CmsOptions {
            signing_time: Some(signing_time()),
        };
        let der = cms::sign_detached(&signer, &digest, &options).unwrap();

        let ok = cms::verify_detached(&der, DetachedContent::Bytes(CONTENT)).unwrap();
        assert_eq!(ok.signer, identity.certificate, "{label}");
        assert_eq!(ok.signing_time, Some(signing_time()), "{label}");
        assert_eq!(ok.certificates.len(), 2, "{label}: signer and intermediate");
        assert_eq!(ok.algorithm, signer_algorithm(&signer), "{label}");

        let Some(openssl) = tool("openssl") else {
            missing("openssl");
            return;
        };
        let p7s = dir.path().join(format!("{label}.p7s"));
        std::fs::write(&p7s, &der).unwrap();
        let (verified, out) = run(Command::new(&openssl)
            .args([
                "cms", "-verify", "-binary", "-purpose", "any", "-inform", "DER", "-in",
            ])
            .arg(&p7s)
            .arg("-content")
            .arg(&data)
            .arg("-CAfile")
            .arg(&root)
            .args(["-out", "/dev/null"]));
        assert!(
            verified && out.contains("Verification successful"),
            "{label}: openssl:\n{out}"
        );

        // openssl names the attributes we put in: signing-certificate-v2 and signing-time.
        let printed = run_ok(
            Command::new(&openssl)
                .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
                .arg(&p7s),
        );
        assert!(
            printed.contains("id-smime-aa-signingCertificateV2"),
            "{printed}"
        );
        assert!(printed.contains("signingTime"), "{printed}");
        assert!(printed.contains("messageDigest"), "{printed}");
        assert!(printed.contains("eContent: <ABSENT>"), "{printed}");
    }
}

fn signer_algorithm(signer: &dyn hoso_signing::Signer) -> hoso_signing::SignatureAlgorithm {
    signer.algorithm()
}

#[test]
fn pades_style_cms_has_no_signing_time() {
    let signers = Signers::with(&["rsa-pss"]);
    let signer = signers.identity("rsa-pss").signer().unwrap();
    let der = cms::sign_detached(&signer, &[1; 32], &CmsOptions::default()).unwrap();
    let ok = cms::verify_detached(&der, DetachedContent::Sha256([1; 32])).unwrap();
    assert_eq!(ok.signing_time, None);
    if let Some(openssl) = tool("openssl") {
        let dir = tempfile::tempdir().unwrap();
        let p7s = dir.path().join("s.p7s");
        std::fs::write(&p7s, &der).unwrap();
        let printed = run_ok(
            Command::new(openssl)
                .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
                .arg(&p7s),
        );
        assert!(!printed.contains("signingTime"), "{printed}");
        assert!(printed.contains("rsassaPss"), "{printed}");
    }
}

#[test]
fn changed_content_and_changed_signatures_are_refused_with_their_codes() {
    let signers = Signers::with(&["ecdsa-p256"]);
    let signer = signers.identity("ecdsa-p256").signer().unwrap();
    let digest: [u8; 32] = Sha256::digest(CONTENT).into();
    let der = cms::sign_detached(&signer, &digest, &CmsOptions::default()).unwrap();

    let err = cms::verify_detached(&der, DetachedContent::Bytes(b"other")).unwrap_err();
    assert_eq!(err.code(), "cms.digest_mismatch");

    // The ECDSA signature value is the last OCTET STRING: change its last byte.
    let mut broken = der.clone();
    let last = broken.len() - 1;
    broken[last] ^= 1;
    let err = cms::verify_detached(&broken, DetachedContent::Bytes(CONTENT)).unwrap_err();
    assert!(
        matches!(err.code(), "cms.bad_signature" | "cms.malformed"),
        "{err}"
    );
    let inspected = cms::inspect_detached(&der, DetachedContent::Bytes(CONTENT)).unwrap();
    assert!(inspected.digest_ok && inspected.signature_ok && inspected.signing_certificate_ok);

    let err =
        cms::verify_detached(b"\x30\x03\x02\x01\x00", DetachedContent::Bytes(CONTENT)).unwrap_err();
    assert_eq!(err.code(), "cms.malformed");
}
