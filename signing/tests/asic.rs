//! ASiC-E containers: layout (zipinfo), signatures (our verifier, xmlsec1, signxml), named
//! problems for tampered, missing and extra files, and countersignatures.

mod common;

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::process::Command;

use common::pdf::{BOLD, REGULAR, SIGNING_AREA, form_pdf};
use common::{Signers, missing, run_ok, signing_time, signxml_verify, tool, xmlsec1_verify};
use hoso_signing::asic::{self, AsicBuilder, ContainerProblem};
use hoso_signing::pades::{self, AppearanceFonts, SignatureFieldSpec};
use hoso_signing::{Signer, SoftwareSigner};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

const SIG0: &str = "META-INF/signatures0.xml";
const ATTACHMENT: &str = "attachments/Mẫu nhãn hiệu 01.png";

/// A dossier's files: its data, a PAdES-signed form, an attachment.
fn dossier_files(signer: &SoftwareSigner) -> Vec<(String, &'static str, Vec<u8>)> {
    let form = pades::sign_pdf(
        &form_pdf(1),
        &SignatureFieldSpec {
            page: 0,
            rect: SIGNING_AREA,
            lines: Vec::new(),
        },
        &AppearanceFonts {
            regular: REGULAR,
            bold: BOLD,
        },
        signer,
        signing_time(),
    )
    .unwrap();
    vec![
        (
            "dossier.xml".into(),
            "application/xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<dossier kind=\"trademark\"><applicant>Công ty TNHH Hồ sơ số</applicant></dossier>\n"
                .as_bytes()
                .to_vec(),
        ),
        ("forms/to-khai-dang-ky-nhan-hieu.pdf".into(), "application/pdf", form),
        (ATTACHMENT.into(), "image/png", b"\x89PNG\r\n\x1a\n stand-in".to_vec()),
    ]
}

fn build(signer: &dyn Signer, files: &[(String, &str, Vec<u8>)]) -> Vec<u8> {
    let mut builder = AsicBuilder::new(Cursor::new(Vec::new())).unwrap();
    for (path, media_type, bytes) in files {
        builder.add_file(path, media_type, &bytes[..]).unwrap();
    }
    builder.sign(signer, signing_time()).unwrap().into_inner()
}

/// The container rewritten entry by entry: `edit` returns the new bytes or `None` to drop
/// the entry; `extra` entries are appended.
fn rewrite(
    container: &[u8],
    edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>,
    extra: &[(&str, &[u8])],
) -> Vec<u8> {
    let mut archive = ZipArchive::new(Cursor::new(container)).unwrap();
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if let Some(bytes) = edit(&name, bytes) {
            zip.start_file(name, stored).unwrap();
            zip.write_all(&bytes).unwrap();
        }
    }
    for (name, bytes) in extra {
        zip.start_file(*name, stored).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn unzip(container: &[u8], dir: &Path) -> bool {
    let Some(unzip) = tool("unzip") else {
        return missing("unzip");
    };
    let file = dir.join("container.asice");
    std::fs::write(&file, container).unwrap();
    let out = dir.join("root");
    run_ok(Command::new(unzip).arg("-q").arg(&file).arg("-d").arg(&out));
    true
}

#[test]
fn mimetype_is_first_stored_without_extra_field_as_zipinfo_shows() {
    let signers = Signers::with(&["ecdsa-p256"]);
    let signer = signers.identity("ecdsa-p256").signer().unwrap();
    let container = build(&signer, &dossier_files(&signer));
    assert_eq!(&container[30..38], b"mimetype");
    assert_eq!(
        &container[38..38 + asic::MIMETYPE.len()],
        asic::MIMETYPE.as_bytes()
    );

    let Some(zipinfo) = tool("zipinfo") else {
        missing("zipinfo (unzip)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.asice");
    std::fs::write(&file, &container).unwrap();
    let out = run_ok(Command::new(zipinfo).arg("-v").arg(&file));
    let first = out
        .split("Central directory entry #1:")
        .nth(1)
        .and_then(|s| s.split("Central directory entry #2:").next())
        .unwrap();
    assert!(first.contains("  mimetype\n"), "{first}");
    assert!(
        first.contains("offset of local header from start of archive:   0"),
        "{first}"
    );
    assert!(
        first.contains("compression method:                             none (stored)"),
        "{first}"
    );
    assert!(
        first.contains("length of extra field:                          0 bytes"),
        "{first}"
    );
    // XML is deflated, the PDF stored.
    let listing = run_ok(Command::new(tool("zipinfo").unwrap()).arg(&file));
    for line in listing.lines() {
        if line.ends_with("dossier.xml") || line.ends_with("manifest.xml") {
            assert!(line.contains(" defX ") || line.contains(" defN "), "{line}");
        }
        if line.ends_with(".pdf") || line.ends_with(".png") {
            assert!(line.contains(" stor "), "{line}");
        }
    }
}

#[test]
fn container_verifies_with_our_verifier_xmlsec1_and_signxml_for_every_key_type() {
    let signers = Signers::generate();
    let pems = tempfile::tempdir().unwrap();
    let (root, inter) = signers.write_pems(pems.path());
    for (label, identity) in &signers.identities {
        let signer = identity.signer().unwrap();
        let files = dossier_files(&signer);
        let container = build(&signer, &files);

        let report = asic::verify_container(Cursor::new(&container)).unwrap();
        assert!(report.is_valid(), "{label}: {:?}", report.problems);
        assert_eq!(report.files.len(), 3);
        assert_eq!(report.files[2].path, ATTACHMENT);
        assert_eq!(report.files[2].media_type.as_deref(), Some("image/png"));
        assert_eq!(report.signatures.len(), 1);
        let sig = report.signatures[0].report.as_ref().unwrap();
        assert_eq!(sig.signer.as_ref(), Some(&identity.certificate));
        // The form inside is PAdES-signed and still verifies after the round trip.
        let form = &files[1].2;
        assert!(pades::verify_pdf(form).unwrap()[0].is_valid());

        let dir = tempfile::tempdir().unwrap();
        if !unzip(&container, dir.path()) {
            continue;
        }
        let root_dir = dir.path().join("root");
        // xmlsec1 1.2.37 cannot check RSASSA-PSS (tests/xades.rs pins that).
        if *label != "rsa-pss"
            && let Some((ok, out)) = xmlsec1_verify(&root_dir, SIG0, &root, &inter)
        {
            assert!(ok, "{label}: xmlsec1:\n{out}");
        }
        if let Some((ok, out)) = signxml_verify(&root_dir, SIG0, &root, 4) {
            assert!(ok, "{label}: signxml:\n{out}");
        }
    }
}

#[test]
fn tampered_missing_and_extra_files_are_named() {
    let signers = Signers::with(&["ecdsa-p256"]);
    let signer = signers.identity("ecdsa-p256").signer().unwrap();
    let container = build(&signer, &dossier_files(&signer));
    let problems = |c: &[u8]| asic::verify_container(Cursor::new(c)).unwrap().problems;

    let tampered = rewrite(
        &container,
        |name, bytes| {
            Some(if name == "dossier.xml" {
                b"<dossier/>".to_vec()
            } else {
                bytes
            })
        },
        &[],
    );
    assert_eq!(
        problems(&tampered),
        [ContainerProblem::TamperedFile {
            path: "dossier.xml".into(),
            signature: SIG0.into()
        }]
    );

    let removed = rewrite(
        &container,
        |name, bytes| (name != ATTACHMENT).then_some(bytes),
        &[],
    );
    assert_eq!(
        problems(&removed),
        [ContainerProblem::MissingFile {
            path: ATTACHMENT.into(),
            signature: SIG0.into()
        }]
    );

    let added = rewrite(
        &container,
        |_, b| Some(b),
        &[("attachments/them.txt", b"added")],
    );
    let p = problems(&added);
    assert_eq!(
        p,
        [ContainerProblem::ExtraFile {
            path: "attachments/them.txt".into()
        }]
    );
    assert_eq!(p[0].code(), "asic.extra_file");

    let relabelled = rewrite(
        &container,
        |name, bytes| {
            Some(if name == asic::MANIFEST_PATH {
                String::from_utf8(bytes)
                    .unwrap()
                    .replace("image/png", "image/jpeg")
                    .into_bytes()
            } else {
                bytes
            })
        },
        &[],
    );
    let p = problems(&relabelled);
    assert!(
        matches!(&p[..], [ContainerProblem::ManifestMismatch { path, .. }] if path == ATTACHMENT),
        "{p:?}"
    );

    let no_manifest = rewrite(
        &container,
        |n, b| (n != asic::MANIFEST_PATH).then_some(b),
        &[],
    );
    assert_eq!(problems(&no_manifest)[0].code(), "asic.manifest_mismatch");

    // The oracles agree about the tampered file.
    let pems = tempfile::tempdir().unwrap();
    let (root, inter) = signers.write_pems(pems.path());
    let dir = tempfile::tempdir().unwrap();
    if unzip(&tampered, dir.path()) {
        if let Some((ok, _)) = xmlsec1_verify(&dir.path().join("root"), SIG0, &root, &inter) {
            assert!(!ok, "xmlsec1 must reject the tampered dossier.xml");
        }
        if let Some((ok, _)) = signxml_verify(&dir.path().join("root"), SIG0, &root, 4) {
            assert!(!ok, "signxml must reject the tampered dossier.xml");
        }
    }
}

#[test]
fn bad_mimetype_entries_and_unsigned_containers_are_named() {
    let signers = Signers::with(&["ecdsa-p256"]);
    let signer = signers.identity("ecdsa-p256").signer().unwrap();
    let container = build(&signer, &dossier_files(&signer));

    // mimetype deflated.
    let mut archive = ZipArchive::new(Cursor::new(&container)).unwrap();
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let method = if name == "mimetype" {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        zip.start_file(
            name,
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        zip.write_all(&bytes).unwrap();
    }
    let deflated = zip.finish().unwrap().into_inner();
    let p = asic::verify_container(Cursor::new(&deflated))
        .unwrap()
        .problems;
    assert!(
        matches!(&p[..], [ContainerProblem::BadMimetype { detail }] if detail.contains("not stored")),
        "{p:?}"
    );

    let unsigned = rewrite(&container, |n, b| (n != SIG0).then_some(b), &[]);
    let p = asic::verify_container(Cursor::new(&unsigned))
        .unwrap()
        .problems;
    assert_eq!(p, [ContainerProblem::Unsigned]);

    let err = asic::verify_container(Cursor::new(b"not a zip".to_vec())).unwrap_err();
    assert_eq!(err.code(), "asic.zip");
}

#[test]
fn a_countersignature_adds_signatures1_and_keeps_every_entry_and_the_first_signature() {
    let signers = Signers::with(&["ecdsa-p384", "rsa-pkcs1"]);
    let lawyer = signers.identity("ecdsa-p384").signer().unwrap();
    let representative = signers.identity("rsa-pkcs1").signer().unwrap();
    let container = build(&lawyer, &dossier_files(&lawyer));
    let countersigned = asic::add_signature(
        Cursor::new(&container),
        Cursor::new(Vec::new()),
        &representative,
        signing_time(),
    )
    .unwrap()
    .into_inner();

    let report = asic::verify_container(Cursor::new(&countersigned)).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    let files: Vec<&str> = report.signatures.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(files, [SIG0, "META-INF/signatures1.xml"]);
    let signer_of = |i: usize| report.signatures[i].report.as_ref().unwrap().signer.clone();
    assert_eq!(signer_of(0).as_ref(), Some(lawyer.certificate()));
    assert_eq!(signer_of(1).as_ref(), Some(representative.certificate()));
    let second = report.signatures[1].report.as_ref().unwrap();
    assert_eq!(second.covered_paths().count(), 3);
    assert_eq!(second.signature_id.as_deref(), Some("S1"));

    // Every original entry is copied raw: same name, method, CRC and compressed bytes.
    let mut before = ZipArchive::new(Cursor::new(&container)).unwrap();
    let mut after = ZipArchive::new(Cursor::new(&countersigned)).unwrap();
    assert_eq!(after.len(), before.len() + 1);
    for i in 0..before.len() {
        let mut a = before.by_index_raw(i).unwrap();
        let mut b = after.by_index_raw(i).unwrap();
        assert_eq!(a.name().unwrap(), b.name().unwrap());
        assert_eq!(a.compression(), b.compression());
        assert_eq!(a.crc32(), b.crc32());
        let (mut x, mut y) = (Vec::new(), Vec::new());
        a.read_to_end(&mut x).unwrap();
        b.read_to_end(&mut y).unwrap();
        assert_eq!(x, y, "{}", a.name().unwrap());
    }
    assert_eq!(
        &countersigned[..38 + asic::MIMETYPE.len()],
        &container[..38 + asic::MIMETYPE.len()]
    );

    let pems = tempfile::tempdir().unwrap();
    let (root, inter) = signers.write_pems(pems.path());
    let dir = tempfile::tempdir().unwrap();
    if unzip(&countersigned, dir.path()) {
        let root_dir = dir.path().join("root");
        for sig in [SIG0, "META-INF/signatures1.xml"] {
            if let Some((ok, out)) = xmlsec1_verify(&root_dir, sig, &root, &inter) {
                assert!(ok, "{sig}: xmlsec1:\n{out}");
            }
            if let Some((ok, out)) = signxml_verify(&root_dir, sig, &root, 4) {
                assert!(ok, "{sig}: signxml:\n{out}");
            }
        }
    }

    // A container with a problem is not countersigned.
    let tampered = rewrite(
        &container,
        |name, bytes| {
            Some(if name == "dossier.xml" {
                b"<dossier/>".to_vec()
            } else {
                bytes
            })
        },
        &[],
    );
    let err = asic::add_signature(
        Cursor::new(&tampered),
        Cursor::new(Vec::new()),
        &representative,
        signing_time(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "asic.container_problems");
}

/// A reader of `len` pseudo-random bytes, generated as read: nothing of it is ever whole in
/// memory.
struct Generated {
    left: u64,
    state: u64,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        for b in &mut buf[..n] {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *b = self.state as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[test]
fn a_large_attachment_streams_from_a_reader_into_a_file() {
    let signers = Signers::with(&["ecdsa-p256"]);
    let signer = signers.identity("ecdsa-p256").signer().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.asice");
    let len = 48 * 1024 * 1024;
    let mut builder = AsicBuilder::new(std::fs::File::create(&path).unwrap()).unwrap();
    builder
        .add_file("dossier.xml", "application/xml", &b"<dossier/>"[..])
        .unwrap()
        .add_file(
            "attachments/video.mp4",
            "video/mp4",
            Generated {
                left: len,
                state: 0x9E37_79B9_7F4A_7C15,
            },
        )
        .unwrap();
    builder.sign(&signer, signing_time()).unwrap();

    let report = asic::verify_container(std::fs::File::open(&path).unwrap()).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(report.files[1].size, len);
}

#[test]
fn invalid_paths_are_refused_when_adding() {
    let mut builder = AsicBuilder::new(Cursor::new(Vec::new())).unwrap();
    for bad in ["../etc/passwd", "/abs", "META-INF/manifest.xml", "mimetype"] {
        let err = builder.add_file(bad, "text/plain", &b""[..]).err().unwrap();
        assert_eq!(err.code(), "asic.invalid_path", "{bad}");
    }
    builder.add_file("a.txt", "text/plain", &b"a"[..]).unwrap();
    assert!(builder.add_file("a.txt", "text/plain", &b"b"[..]).is_err());
}
