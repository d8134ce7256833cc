//! XAdES baseline B-B (ETSI EN 319 132-1) detached signatures over named data objects: the
//! `META-INF/signatures*.xml` of an ASiC-E container.
//!
//! One `ds:Reference` per data object (its container path as a relative URI, SHA-256), plus
//! the reference to the `xades:SignedProperties` (SigningTime, SigningCertificateV2,
//! DataObjectFormat per data object). The certificate chain is in `ds:KeyInfo`.
//!
//! The XML is written already canonical (inclusive C14N 1.0: no whitespace between elements,
//! attributes in canonical order, empty elements as start and end tag) and `SignedInfo` and
//! `SignedProperties` carry the declarations of every namespace in scope, as C14N renders a
//! document subset: the bytes in the file are exactly the bytes hashed and signed. The verifier
//! does not rely on that: it canonicalises what it reads, so a signature added by another tool
//! verifies too.

mod c14n;
mod verify;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use der::Encode;
use jiff::Timestamp;
use x509_cert::Certificate;

use crate::cms::{self, DetachedContent};
use crate::signer::{SignError, SignatureAlgorithm, Signer};

use c14n::{escape_attr, escape_text};

pub(crate) use c14n::escape_attr as escape_attr_value;

pub use verify::{ReferenceReport, ReferenceStatus, XadesProblem, XadesReport, verify};

pub(crate) const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const NS_XADES: &str = "http://uri.etsi.org/01903/v1.3.2#";
pub(crate) const NS_ASIC: &str = "http://uri.etsi.org/02918/v1.2.1#";
pub(crate) const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub(crate) const DIGEST_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub(crate) const SIGNED_PROPERTIES_TYPE: &str = "http://uri.etsi.org/01903#SignedProperties";
pub(crate) const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// RFC 6931: RSASSA-PSS with SHA-256, MGF1 with SHA-256, salt length 32 (the hash length).
pub(crate) const RSA_PSS_SHA256: &str = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1";
pub(crate) const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

/// A data object to sign: its path in the container, its media type, and its content (or
/// the SHA-256 the caller computed while writing it).
#[derive(Debug, Clone, Copy)]
pub struct DataObject<'a> {
    pub path: &'a str,
    pub media_type: &'a str,
    pub content: DetachedContent<'a>,
}

/// Why a XAdES signature could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum XadesError {
    #[error(transparent)]
    Sign(#[from] SignError),
    /// Not well-formed XML, or not a signature file.
    #[error("malformed signature file: {0}")]
    Malformed(String),
    /// We read files holding exactly one `ds:Signature`.
    #[error("expected one ds:Signature, found {0}")]
    SignatureCount(usize),
    /// A certificate of the signer that cannot be encoded.
    #[error("certificate: {0}")]
    Certificate(String),
    /// An `Id` prefix that is not an XML name.
    #[error("invalid signature id {0:?}")]
    InvalidId(String),
}

impl XadesError {
    pub fn code(&self) -> &'static str {
        match self {
            XadesError::Sign(e) => e.code(),
            XadesError::Malformed(_) => "xades.malformed",
            XadesError::SignatureCount(_) => "xades.signature_count",
            XadesError::Certificate(_) => "xades.certificate",
            XadesError::InvalidId(_) => "xades.invalid_id",
        }
    }
}

impl From<cms::CmsError> for XadesError {
    fn from(e: cms::CmsError) -> Self {
        match e {
            cms::CmsError::Sign(s) => XadesError::Sign(s),
            other => XadesError::Certificate(other.to_string()),
        }
    }
}

/// Makes the signature file: `<asic:XAdESSignatures>` holding one `ds:Signature` whose `Id`
/// is `signature_id` (other ids derive from it: `{id}-ref-0`, `{id}-signed-props`…).
pub fn sign_detached(
    objects: &[DataObject<'_>],
    signer: &dyn Signer,
    signing_time: Timestamp,
    signature_id: &str,
) -> Result<String, XadesError> {
    if !is_ncname(signature_id) {
        return Err(XadesError::InvalidId(signature_id.to_owned()));
    }
    let id = signature_id;
    let certificate = signer.certificate();
    let algorithm = signer.algorithm();
    let signed_props_id = format!("{id}-signed-props");

    // SignedProperties, with the namespaces of its ancestors (asic, ds, xades) declared.
    let mut sp = format!(
        "<xades:SignedProperties xmlns:asic=\"{NS_ASIC}\" xmlns:ds=\"{NS_DS}\" xmlns:xades=\"{NS_XADES}\" Id=\"{signed_props_id}\">"
    );
    sp.push_str("<xades:SignedSignatureProperties><xades:SigningTime>");
    sp.push_str(&signing_time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    sp.push_str("</xades:SigningTime><xades:SigningCertificateV2><xades:Cert><xades:CertDigest>");
    sp.push_str(&digest_method_and_value(&cms::certificate_sha256(
        certificate,
    )?));
    sp.push_str("</xades:CertDigest><xades:IssuerSerialV2>");
    sp.push_str(&B64.encode(cms::issuer_serial_der(certificate)?));
    sp.push_str("</xades:IssuerSerialV2></xades:Cert></xades:SigningCertificateV2></xades:SignedSignatureProperties>");
    sp.push_str("<xades:SignedDataObjectProperties>");
    for (i, object) in objects.iter().enumerate() {
        sp.push_str(&format!(
            "<xades:DataObjectFormat ObjectReference=\"#{id}-ref-{i}\"><xades:MimeType>{}</xades:MimeType></xades:DataObjectFormat>",
            escape_text(object.media_type)
        ));
    }
    sp.push_str("</xades:SignedDataObjectProperties></xades:SignedProperties>");

    // SignedInfo, with the namespaces of its ancestors (asic, ds) declared.
    let mut si = format!(
        "<ds:SignedInfo xmlns:asic=\"{NS_ASIC}\" xmlns:ds=\"{NS_DS}\"><ds:CanonicalizationMethod Algorithm=\"{C14N_10}\"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"{}\"></ds:SignatureMethod>",
        signature_method(algorithm)
    );
    for (i, object) in objects.iter().enumerate() {
        si.push_str(&format!(
            "<ds:Reference Id=\"{id}-ref-{i}\" URI=\"{}\">",
            escape_attr(&path_to_uri(object.path))
        ));
        si.push_str(&digest_method_and_value(&content_sha256(&object.content)));
        si.push_str("</ds:Reference>");
    }
    si.push_str(&format!(
        "<ds:Reference Type=\"{SIGNED_PROPERTIES_TYPE}\" URI=\"#{signed_props_id}\"><ds:Transforms><ds:Transform Algorithm=\"{C14N_10}\"></ds:Transform></ds:Transforms>"
    ));
    si.push_str(&digest_method_and_value(&cms::sha256(sp.as_bytes())));
    si.push_str("</ds:Reference></ds:SignedInfo>");

    // XML-DSig keeps ECDSA signatures raw (r‖s), as the Signer gives them.
    let value = signer.sign_digest(&cms::sha256(si.as_bytes()))?;

    let mut xml = String::with_capacity(si.len() + sp.len() + 8192);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<asic:XAdESSignatures xmlns:asic=\"{NS_ASIC}\"><ds:Signature xmlns:ds=\"{NS_DS}\" Id=\"{id}\">"
    ));
    xml.push_str(&si);
    xml.push_str(&format!(
        "<ds:SignatureValue Id=\"{id}-value\">{}</ds:SignatureValue>",
        B64.encode(value)
    ));
    xml.push_str("<ds:KeyInfo><ds:X509Data>");
    for cert in std::iter::once(certificate).chain(signer.chain()) {
        xml.push_str("<ds:X509Certificate>");
        xml.push_str(&B64.encode(certificate_der(cert)?));
        xml.push_str("</ds:X509Certificate>");
    }
    xml.push_str("</ds:X509Data></ds:KeyInfo>");
    xml.push_str(&format!(
        "<ds:Object><xades:QualifyingProperties xmlns:xades=\"{NS_XADES}\" Target=\"#{id}\">"
    ));
    xml.push_str(&sp);
    xml.push_str("</xades:QualifyingProperties></ds:Object></ds:Signature></asic:XAdESSignatures>");
    Ok(xml)
}

fn content_sha256(content: &DetachedContent<'_>) -> [u8; 32] {
    match content {
        DetachedContent::Bytes(b) => cms::sha256(b),
        DetachedContent::Sha256(d) => *d,
    }
}

fn certificate_der(cert: &Certificate) -> Result<Vec<u8>, XadesError> {
    cert.to_der()
        .map_err(|e| XadesError::Certificate(e.to_string()))
}

fn digest_method_and_value(digest: &[u8; 32]) -> String {
    format!(
        "<ds:DigestMethod Algorithm=\"{DIGEST_SHA256}\"></ds:DigestMethod><ds:DigestValue>{}</ds:DigestValue>",
        B64.encode(digest)
    )
}

fn signature_method(algorithm: SignatureAlgorithm) -> &'static str {
    match algorithm {
        SignatureAlgorithm::RsaPkcs1Sha256 => RSA_SHA256,
        SignatureAlgorithm::RsaPssSha256 => RSA_PSS_SHA256,
        SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::EcdsaP384Sha256 => ECDSA_SHA256,
    }
}

/// A container path as a relative URI reference (RFC 3986): every byte but the unreserved
/// characters and `/` percent-encoded, so spaces, `#`, `%`, `:` and Vietnamese letters in an
/// attachment's name survive.
pub fn path_to_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The container path a relative URI names (percent-decoded); `None` if the decoded bytes are
/// not UTF-8 or an escape is broken.
pub fn uri_to_path(uri: &str) -> Option<String> {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// An XML `NCName` made of ASCII letters, digits, `-`, `_` and `.`, not starting with a digit,
/// `-` or `.`: what we accept as an id.
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_through_uris() {
        for path in [
            "dossier.xml",
            "forms/to-khai.pdf",
            "attachments/Bản mô tả #2 (100%).pdf",
            "a:b/c",
        ] {
            let uri = path_to_uri(path);
            assert!(uri.is_ascii() && !uri.contains(' ') && !uri.contains('#'));
            assert_eq!(uri_to_path(&uri).as_deref(), Some(path));
        }
        assert_eq!(path_to_uri("forms/a b.pdf"), "forms/a%20b.pdf");
        assert_eq!(uri_to_path("%zz"), None);
    }
}
