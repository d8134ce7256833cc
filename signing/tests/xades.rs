//! XAdES-B-B detached signatures: our verifier, C14N of what we wrote, and xmlsec1 and signxml
//! as oracles.

mod common;

use std::collections::HashMap;
use std::path::Path;

use bergshamra_c14n::C14nMode;
use common::{Signers, signing_time, signxml_verify, xmlsec1_verify};
use hoso_signing::cms::DetachedContent;
use hoso_signing::xades::{self, DataObject, ReferenceStatus, XadesProblem};
use sha2::{Digest, Sha256};

/// The data files of a small dossier, with a name that needs percent-encoding.
const FILES: [(&str, &str, &[u8]); 3] = [
    (
        "dossier.xml",
        "application/xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><dossier kind=\"trademark\"><applicant>Công ty TNHH Hồ sơ số</applicant></dossier>".as_bytes(),
    ),
    ("forms/to-khai.pdf", "application/pdf", b"%PDF-1.7 stand-in for a form"),
    (
        "attachments/Bản vẽ #1 (100%).png",
        "image/png",
        b"\x89PNG stand-in for a mark sample",
    ),
];

fn objects() -> Vec<DataObject<'static>> {
    FILES
        .iter()
        .map(|(path, media_type, bytes)| DataObject {
            path,
            media_type,
            content: DetachedContent::Bytes(bytes),
        })
        .collect()
}

fn write_files(dir: &Path) {
    for (path, _, bytes) in FILES {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn digests() -> HashMap<String, [u8; 32]> {
    FILES
        .iter()
        .map(|(p, _, b)| (p.to_string(), Sha256::digest(b).into()))
        .collect()
}

/// The text of the one element `name` in `xml`, as written.
fn element<'a>(xml: &'a str, name: &str) -> &'a str {
    let start = xml.find(&format!("<{name} ")).unwrap();
    let end_tag = format!("</{name}>");
    let end = xml[start..].find(&end_tag).unwrap() + start + end_tag.len();
    &xml[start..end]
}

#[test]
fn signature_verifies_with_our_verifier_xmlsec1_and_signxml_for_every_key_type() {
    let signers = Signers::generate();
    let dir = tempfile::tempdir().unwrap();
    let pems = tempfile::tempdir().unwrap();
    let (root, inter) = signers.write_pems(pems.path());
    write_files(dir.path());
    std::fs::create_dir_all(dir.path().join("META-INF")).unwrap();
    let digests = digests();
    for (label, identity) in &signers.identities {
        let signer = identity.signer().unwrap();
        let xml = xades::sign_detached(&objects(), &signer, signing_time(), "S0").unwrap();

        let report = xades::verify(&xml, |p| digests.get(p).copied()).unwrap();
        assert!(report.is_valid(), "{label}: {:?}", report.problems);
        assert_eq!(report.signer.as_ref(), Some(&identity.certificate));
        assert_eq!(report.signing_time, Some(signing_time()));
        assert_eq!(report.certificates.len(), 2);
        let covered: Vec<&str> = report.covered_paths().collect();
        assert_eq!(covered, FILES.map(|f| f.0));
        assert_eq!(
            report.references[2].uri,
            "attachments/B%E1%BA%A3n%20v%E1%BA%BD%20%231%20%28100%25%29.png"
        );
        assert_eq!(
            report.references[0].media_type.as_deref(),
            Some("application/xml")
        );

        let name = format!("META-INF/signatures-{label}.xml");
        std::fs::write(dir.path().join(&name), &xml).unwrap();
        // xmlsec1 1.2.37 (Debian 12) has no RSASSA-PSS: its sha256-rsa-MGF1 support came
        // with xmlsec 1.3. pyHanko and signxml check PSS; our verifier does too.
        if *label != "rsa-pss"
            && let Some((ok, out)) = xmlsec1_verify(dir.path(), &name, &root, &inter)
        {
            assert!(ok, "{label}: xmlsec1:\n{out}");
            assert!(out.contains("SignedInfo References (ok/all): 4/4"), "{out}");
        }
        if let Some((ok, out)) = signxml_verify(dir.path(), &name, &root, FILES.len() + 1) {
            assert!(ok, "{label}: signxml:\n{out}");
        }
    }
}

#[test]
fn xmlsec1_cannot_check_rsa_pss_on_debian_12() {
    // Pins the limitation documented above: when Debian's xmlsec1 learns PSS, this test
    // fails and the PSS case joins the xmlsec1 checks.
    let signers = Signers::with(&["rsa-pss"]);
    let dir = tempfile::tempdir().unwrap();
    let (root, inter) = signers.write_pems(dir.path());
    write_files(dir.path());
    let signer = signers.identity("rsa-pss").signer().unwrap();
    let xml = xades::sign_detached(&objects(), &signer, signing_time(), "S0").unwrap();
    std::fs::write(dir.path().join("sig.xml"), &xml).unwrap();
    if let Some((ok, out)) = xmlsec1_verify(dir.path(), "sig.xml", &root, &inter) {
        assert!(!ok, "xmlsec1 now verifies RSASSA-PSS:\n{out}");
        assert!(
            out.contains("href=http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"),
            "xmlsec1 failed for another reason than the unknown algorithm:\n{out}"
        );
    }
}

#[test]
fn signed_info_and_signed_properties_are_written_in_canonical_form() {
    let signers = Signers::with(&["ecdsa-p256"]);
    let signer = signers.identity("ecdsa-p256").signer().unwrap();
    let xml = xades::sign_detached(&objects(), &signer, signing_time(), "S0").unwrap();

    // Both elements declare every namespace in scope, so each is its own document subset:
    // C14N of the text as written must give the text back, byte for byte.
    for name in ["ds:SignedInfo", "xades:SignedProperties"] {
        let written = element(&xml, name);
        let canonical =
            bergshamra_c14n::canonicalize::<&str>(written, C14nMode::Inclusive, None, &[]).unwrap();
        assert_eq!(String::from_utf8(canonical).unwrap(), written, "{name}");
    }
    // The SignedProperties digest is over exactly those bytes.
    let sp = element(&xml, "xades:SignedProperties");
    let digest = base64_of(&Sha256::digest(sp.as_bytes()));
    assert!(xml.contains(&format!(
        "URI=\"#S0-signed-props\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></ds:DigestMethod><ds:DigestValue>{digest}</ds:DigestValue>"
    )));
    // And the whole document is canonical but for the XML declaration and the namespace
    // declarations repeated on those two elements.
    let body = xml.split_once('\n').unwrap().1;
    let whole =
        bergshamra_c14n::canonicalize::<&str>(body, C14nMode::Inclusive, None, &[]).unwrap();
    let expected = body
        .replace(
            "<ds:SignedInfo xmlns:asic=\"http://uri.etsi.org/02918/v1.2.1#\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">",
            "<ds:SignedInfo>",
        )
        .replace(
            "<xades:SignedProperties xmlns:asic=\"http://uri.etsi.org/02918/v1.2.1#\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\" ",
            "<xades:SignedProperties ",
        );
    assert_eq!(String::from_utf8(whole).unwrap(), expected);
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn changed_missing_and_tampered_parts_are_named() {
    let signers = Signers::with(&["rsa-pkcs1"]);
    let signer = signers.identity("rsa-pkcs1").signer().unwrap();
    let xml = xades::sign_detached(&objects(), &signer, signing_time(), "S0").unwrap();

    let mut changed = digests();
    changed.insert("forms/to-khai.pdf".into(), [0u8; 32]);
    changed.remove("dossier.xml");
    let report = xades::verify(&xml, |p| changed.get(p).copied()).unwrap();
    assert!(report.signature_ok && report.signed_properties_ok);
    assert_eq!(report.references[0].status, ReferenceStatus::Missing);
    assert_eq!(report.references[1].status, ReferenceStatus::DigestMismatch);
    assert_eq!(report.references[2].status, ReferenceStatus::Ok);
    assert_eq!(
        report.problems,
        [
            XadesProblem::ReferenceMissing {
                path: "dossier.xml".into()
            },
            XadesProblem::ReferenceDigestMismatch {
                path: "forms/to-khai.pdf".into()
            },
        ]
    );
    assert_eq!(report.problems[1].code(), "xades.reference_digest_mismatch");

    let digests = digests();
    let later = xml.replace("2026-03-15T03:20:00Z", "2026-03-16T03:20:00Z");
    let report = xades::verify(&later, |p| digests.get(p).copied()).unwrap();
    assert_eq!(
        report.problems,
        [XadesProblem::SignedPropertiesDigestMismatch]
    );

    let renamed = xml.replace("forms/to-khai.pdf", "forms/to-khai-2.pdf");
    let report = xades::verify(&renamed, |p| digests.get(p).copied()).unwrap();
    assert!(
        report
            .problems
            .contains(&XadesProblem::SignatureValueInvalid)
    );
}

#[test]
fn signatures_made_by_other_tools_are_canonicalised_before_checking() {
    // Indentation between elements is signed content in XML-DSig; a tool that indents its
    // output signs the indented SignedInfo. Re-indenting ours must break the signature (our
    // verifier canonicalises what it reads, it does not assume our own layout).
    let signers = Signers::with(&["ecdsa-p384"]);
    let signer = signers.identity("ecdsa-p384").signer().unwrap();
    let xml = xades::sign_detached(&objects(), &signer, signing_time(), "S0").unwrap();
    let digests = digests();
    let indented = xml.replace("<ds:Reference ", "\n  <ds:Reference ");
    let report = xades::verify(&indented, |p| digests.get(p).copied()).unwrap();
    assert_eq!(report.problems, [XadesProblem::SignatureValueInvalid]);
    // Attribute order, quotes and empty-element syntax are not signed content: changing them
    // keeps the signature valid.
    let reformatted = xml
        .replace(
            "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"></ds:CanonicalizationMethod>",
            "<ds:CanonicalizationMethod Algorithm='http://www.w3.org/TR/2001/REC-xml-c14n-20010315'/>",
        )
        .replace(
            "<ds:SignedInfo xmlns:asic=\"http://uri.etsi.org/02918/v1.2.1#\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">",
            "<ds:SignedInfo>",
        );
    let report = xades::verify(&reformatted, |p| digests.get(p).copied()).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
}

#[test]
fn files_that_are_not_signature_files_are_refused() {
    assert_eq!(
        xades::verify("<a/>", |_| None).unwrap_err().code(),
        "xades.malformed"
    );
    assert_eq!(
        xades::verify("not xml", |_| None).unwrap_err().code(),
        "xades.malformed"
    );
    let doctype = "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>";
    assert!(xades::verify(doctype, |_| None).is_err());
    let empty = "<asic:XAdESSignatures xmlns:asic=\"http://uri.etsi.org/02918/v1.2.1#\"/>";
    assert_eq!(
        xades::verify(empty, |_| None).unwrap_err().code(),
        "xades.signature_count"
    );
}

#[test]
fn deeply_nested_signed_properties_are_a_problem_not_a_crash() {
    let signers = Signers::with(&["ecdsa-p256"]);
    let signer = signers.identity("ecdsa-p256").signer().unwrap();
    let xml = xades::sign_detached(&objects(), &signer, signing_time(), "S0").unwrap();
    let nested = format!("{}{}", "<x>".repeat(5000), "</x>".repeat(5000));
    let hostile = xml.replace(
        "</xades:SignedDataObjectProperties>",
        &format!("{nested}</xades:SignedDataObjectProperties>"),
    );
    let digests = digests();
    let report = xades::verify(&hostile, |p| digests.get(p).copied()).unwrap();
    assert!(
        report.problems.contains(&XadesProblem::Malformed(
            "elements nested too deeply".into()
        )),
        "{:?}",
        report.problems
    );
}
