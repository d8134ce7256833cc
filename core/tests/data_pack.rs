//! Data packs: a newer catalog signed by the portal is adopted only when its signature, data
//! and version hold; older data sets stay for the drafts started under them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hoso_core::catalog::pack::{self, CmsPackVerifier, PackError};
use hoso_core::catalog::{DataFiles, Library};
use hoso_core::store::Store;
use hoso_signing::cms::{CmsOptions, sign_detached};
use hoso_signing::test_pki::{IssueSpec, KeySpec, TestPki};
use hoso_signing::trust::TrustAnchors;
use sha2::{Digest, Sha256};

struct Portal {
    pki: TestPki,
    signer: hoso_signing::SoftwareSigner,
}

impl Portal {
    fn new() -> Portal {
        let pki = TestPki::generate().unwrap();
        let signer = pki
            .issue(&IssueSpec::enterprise(
                "Cổng dịch vụ công thử nghiệm",
                "0101234565",
                KeySpec::P256,
            ))
            .unwrap()
            .signer()
            .unwrap();
        Portal { pki, signer }
    }

    fn anchors(&self) -> TrustAnchors {
        let mut a = TrustAnchors::empty();
        a.add(self.pki.root.clone());
        a
    }

    /// The bundled files with the catalog's version and a new form version bumped.
    fn pack(&self, version: &str) -> Vec<u8> {
        let mut files = DataFiles::bundled();
        files.catalog = files.catalog.replace(
            "version = \"2026.11.1\"",
            &format!("version = \"{version}\""),
        );
        let signer = &self.signer;
        pack::build(&files, |payload| {
            let digest: [u8; 32] = Sha256::digest(payload).into();
            sign_detached(
                signer,
                &digest,
                &CmsOptions {
                    signing_time: Some(jiff::Timestamp::now()),
                },
            )
            .map_err(|e| e.to_string())
        })
        .unwrap()
    }
}

#[test]
fn a_newer_signed_pack_is_adopted_and_older_sets_are_kept() {
    let portal = Portal::new();
    let anchors = portal.anchors();
    let verifier = CmsPackVerifier {
        anchors: &anchors,
        pinned: vec![],
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();

    let adopted = pack::adopt(&mut store, &portal.pack("2026.12.0"), &verifier).unwrap();
    assert_eq!(adopted.set.version(), "2026.12.0");
    let library = Library::load(&store).unwrap();
    assert_eq!(library.versions(), ["2026.12.0", "2026.11.1"]);
    assert_eq!(library.newest().version(), "2026.12.0");
    // A form version of the older set is still found.
    assert!(
        library
            .for_form("trademark/nd65-2023-f08")
            .forms
            .get("trademark/nd65-2023-f08")
            .is_some()
    );

    // The same version again, or an older one: refused.
    let err = pack::adopt(&mut store, &portal.pack("2026.12.0"), &verifier).unwrap_err();
    assert!(matches!(err, PackError::NotNewer { .. }), "{err}");
    let err = pack::adopt(&mut store, &portal.pack("2026.11.5"), &verifier).unwrap_err();
    assert_eq!(err.code(), "pack.not_newer");
}

#[test]
fn unsigned_tampered_and_foreign_packs_are_refused() {
    let portal = Portal::new();
    let anchors = portal.anchors();
    let verifier = CmsPackVerifier {
        anchors: &anchors,
        pinned: vec![],
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let good = portal.pack("2027.1.0");
    let envelope: serde_json::Value = serde_json::from_slice(&good).unwrap();

    let mut unsigned = envelope.clone();
    unsigned["signature"] = "".into();
    let err = pack::adopt(&mut store, unsigned.to_string().as_bytes(), &verifier).unwrap_err();
    assert_eq!(err.code(), "pack.unsigned");

    let mut payload = B64.decode(envelope["payload"].as_str().unwrap()).unwrap();
    let at = payload
        .windows(9)
        .position(|w| w == b"150000\\n")
        .unwrap_or(payload.len() / 2);
    payload[at] = b'9';
    let mut tampered = envelope.clone();
    tampered["payload"] = B64.encode(&payload).into();
    let err = pack::adopt(&mut store, tampered.to_string().as_bytes(), &verifier).unwrap_err();
    assert_eq!(err.code(), "pack.bad_signature", "{err}");

    // Signed by a certificate that does not chain to our anchors.
    let other = Portal::new();
    let err = pack::adopt(&mut store, &other.pack("2027.1.0"), &verifier).unwrap_err();
    assert_eq!(err.code(), "pack.bad_signature");
    assert!(err.to_string().contains("chain.untrusted"), "{err}");

    // A pinned portal certificate: another certificate of the same CA is refused.
    let pinned = CmsPackVerifier {
        anchors: &anchors,
        pinned: vec!["00".repeat(32)],
    };
    let err = pack::adopt(&mut store, &good, &pinned).unwrap_err();
    assert_eq!(err.code(), "pack.bad_signature");

    assert_eq!(
        Library::load(&store).unwrap().versions(),
        ["2026.11.1"],
        "nothing adopted"
    );
    pack::adopt(&mut store, &good, &verifier).unwrap();
    assert_eq!(
        Library::load(&store).unwrap().newest().version(),
        "2027.1.0"
    );
}
