//! What a certificate (chứng thư số) says, in the form a user reads it and `--json` prints it:
//! subject and issuer in the certificate's own attribute order, serial, validity, key, and the
//! identifiers Vietnamese CAs put in the subject's UID attributes (`UID=MST:0102005769`).
//!
//! Identifiers are read from the DER-encoded subject, never from a printed string: printers
//! differ (Windows shows `OID.0.9.2342.19200300.100.1.1=MST:…`), and a subject may hold several
//! UID attributes (an employee's certificate carries both `MST:` and `CCCD:`).

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Tag, Tagged};
use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;
use x509_cert::time::Time;

/// userId (RFC 4519), where Vietnamese CAs put `PREFIX:number`.
pub const OID_UID: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.9.2342.19200300.100.1.1");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// Short names for the attributes seen in Vietnamese certificates (certificates.md); any other
/// attribute is printed by its dotted OID.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.4", "SN"),
    ("2.5.4.5", "SERIALNUMBER"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.12", "T"),
    ("2.5.4.42", "GN"),
    ("0.9.2342.19200300.100.1.1", "UID"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("1.2.840.113549.1.9.1", "E"),
];

/// The kind of an identifier in a `UID=PREFIX:number` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// `MST:` — tax code (mã số thuế), 10 digits, or 13 for a branch (`0100686209-199`).
    TaxCode,
    /// `CCCD:` — citizen ID (căn cước công dân), 12 digits.
    CitizenId,
    /// `CMND:` — old ID card (chứng minh nhân dân).
    OldIdCard,
    /// `MNS:` — State budget-unit code (mã ngân sách).
    BudgetUnit,
    /// Any other prefix, kept as found.
    Other,
}

/// One identifier from the subject, split at the first `:` of the UID value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectId {
    pub kind: IdKind,
    /// The prefix as the certificate writes it (`MST`), empty when the value has no `:`.
    pub prefix: String,
    pub value: String,
}

impl SubjectId {
    /// Splits a UID value at the first `:`; the prefix is matched without regard to case.
    pub fn parse(uid: &str) -> SubjectId {
        let (prefix, value) = match uid.split_once(':') {
            Some((p, v)) => (p.trim(), v.trim()),
            None => ("", uid.trim()),
        };
        let kind = match prefix.to_ascii_uppercase().as_str() {
            "MST" => IdKind::TaxCode,
            "CCCD" => IdKind::CitizenId,
            "CMND" => IdKind::OldIdCard,
            "MNS" => IdKind::BudgetUnit,
            _ => IdKind::Other,
        };
        SubjectId {
            kind,
            prefix: prefix.to_owned(),
            value: value.to_owned(),
        }
    }
}

impl std::fmt::Display for SubjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix.is_empty() {
            f.write_str(&self.value)
        } else {
            write!(f, "{}:{}", self.prefix, self.value)
        }
    }
}

/// The certificate's public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeyKind {
    Rsa {
        bits: u32,
    },
    #[serde(rename = "p256")]
    P256,
    #[serde(rename = "p384")]
    P384,
    /// An elliptic curve other than P-256 and P-384 (by its OID).
    Ec {
        curve: String,
    },
    /// Another algorithm (by its OID).
    Other {
        algorithm: String,
    },
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyKind::P256 => f.write_str("ECDSA P-256"),
            KeyKind::P384 => f.write_str("ECDSA P-384"),
            KeyKind::Ec { curve } => write!(f, "EC {curve}"),
            KeyKind::Other { algorithm } => write!(f, "{algorithm}"),
        }
    }
}

/// A certificate as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// `C=VN, O=…, CN=…, UID=MST:…`: the attributes in the certificate's order (forward, not
    /// RFC 4514's reversed order), Vietnamese kept as UTF-8.
    pub subject: String,
    pub issuer: String,
    /// The subject's CN, if any.
    pub common_name: Option<String>,
    /// Serial number, upper-case hex.
    pub serial: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    pub key: KeyKind,
    /// Every UID attribute of the subject, in order.
    pub identifiers: Vec<SubjectId>,
    /// SHA-256 of the certificate's DER, lower-case hex.
    pub sha256: String,
}

impl CertificateInfo {
    pub fn from_certificate(cert: &Certificate) -> CertificateInfo {
        let tbs = &cert.tbs_certificate;
        let identifiers = attributes(&tbs.subject)
            .filter(|atv| atv.oid == OID_UID)
            .map(|atv| SubjectId::parse(&value_text(atv)))
            .collect();
        let common_name = attributes(&tbs.subject)
            .find(|atv| atv.oid == const_oid::db::rfc4519::CN)
            .map(value_text);
        let sha256 = match cert.to_der() {
            Ok(der) => hex::encode(Sha256::digest(der)),
            Err(_) => String::new(),
        };
        CertificateInfo {
            subject: name_text(&tbs.subject),
            issuer: name_text(&tbs.issuer),
            common_name,
            serial: hex::encode_upper(tbs.serial_number.as_bytes()),
            not_before: timestamp(tbs.validity.not_before),
            not_after: timestamp(tbs.validity.not_after),
            key: key_kind(&tbs.subject_public_key_info),
            identifiers,
            sha256,
        }
    }

    /// From a DER-encoded certificate (as a token's CKA_VALUE holds it).
    pub fn from_der(der: &[u8]) -> Result<CertificateInfo, der::Error> {
        Ok(CertificateInfo::from_certificate(&Certificate::from_der(
            der,
        )?))
    }

    /// The first `MST:` value: the tax code of the enterprise the certificate was issued to.
    pub fn tax_code(&self) -> Option<&str> {
        self.first(IdKind::TaxCode)
    }

    /// The first `CCCD:` value.
    pub fn citizen_id(&self) -> Option<&str> {
        self.first(IdKind::CitizenId)
    }

    fn first(&self, kind: IdKind) -> Option<&str> {
        self.identifiers
            .iter()
            .find(|id| id.kind == kind)
            .map(|id| id.value.as_str())
    }

    /// Whether `now` lies within the validity period.
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

fn attributes(name: &Name) -> impl Iterator<Item = &AttributeTypeAndValue> {
    name.0.iter().flat_map(|rdn| rdn.0.iter())
}

fn timestamp(time: Time) -> Timestamp {
    let secs = i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    Timestamp::from_second(secs).unwrap_or(Timestamp::MAX)
}

/// `C=VN, O=…, CN=…`: forward order, one RDN after the other; the attributes of a
/// multi-valued RDN joined with `+`; RFC 4514's special characters escaped in values.
pub fn name_text(name: &Name) -> String {
    name.0
        .iter()
        .map(|rdn| {
            rdn.0
                .iter()
                .map(|atv| format!("{}={}", attribute_name(&atv.oid), escape(&value_text(atv))))
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn attribute_name(oid: &ObjectIdentifier) -> String {
    let dotted = oid.to_string();
    SHORT_NAMES
        .iter()
        .find(|(o, _)| *o == dotted)
        .map(|(_, short)| (*short).to_owned())
        .unwrap_or(dotted)
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '));
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The text of a DirectoryString (or IA5String for e-mail), whichever string type the CA
/// chose; anything else as `#` and the hex of its DER, as RFC 4514 prints it.
fn value_text(atv: &AttributeTypeAndValue) -> String {
    let bytes = atv.value.value();
    let text = match atv.value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            std::str::from_utf8(bytes).ok().map(str::to_owned)
        }
        // T.61 in theory; in practice CAs put Latin-1 there.
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    };
    text.unwrap_or_else(|| match atv.value.to_der() {
        Ok(der) => format!("#{}", hex::encode(der)),
        Err(_) => String::new(),
    })
}

fn key_kind(spki: &spki::SubjectPublicKeyInfoOwned) -> KeyKind {
    match spki.algorithm.oid {
        OID_RSA | OID_RSA_PSS => {
            match rsa::pkcs1::RsaPublicKey::from_der(spki.subject_public_key.raw_bytes()) {
                Ok(key) => {
                    let modulus = key.modulus.as_bytes();
                    let bits = match modulus.first() {
                        Some(&top) => modulus.len() as u32 * 8 - top.leading_zeros(),
                        None => 0,
                    };
                    KeyKind::Rsa { bits }
                }
                Err(_) => KeyKind::Other {
                    algorithm: spki.algorithm.oid.to_string(),
                },
            }
        }
        OID_EC => match spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        {
            Some(OID_P256) => KeyKind::P256,
            Some(OID_P384) => KeyKind::P384,
            Some(curve) => KeyKind::Ec {
                curve: curve.to_string(),
            },
            None => KeyKind::Ec {
                curve: String::new(),
            },
        },
        other => KeyKind::Other {
            algorithm: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_pki::{IssueSpec, KeySpec, TestPki};

    #[test]
    fn subject_is_printed_in_certificate_order_with_uid_and_vietnamese() {
        let pki = TestPki::generate().unwrap();
        let mut spec = IssueSpec::enterprise(
            "CÔNG TY TNHH CÔNG NGHỆ HỒ SƠ, CHI NHÁNH HÀ NỘI",
            "0100686209-199",
            KeySpec::P256,
        );
        spec.citizen_id = Some("025199009534".into());
        let id = pki.issue(&spec).unwrap();
        let info = CertificateInfo::from_certificate(&id.certificate);
        assert_eq!(
            info.subject,
            "C=VN, O=CÔNG TY TNHH CÔNG NGHỆ HỒ SƠ\\, CHI NHÁNH HÀ NỘI, \
             CN=CÔNG TY TNHH CÔNG NGHỆ HỒ SƠ\\, CHI NHÁNH HÀ NỘI, \
             UID=MST:0100686209-199, UID=CCCD:025199009534"
        );
        assert_eq!(
            info.issuer,
            "C=VN, O=Hồ sơ số — thử nghiệm, CN=Hoso Test Issuing CA"
        );
        assert_eq!(
            info.common_name.as_deref(),
            Some("CÔNG TY TNHH CÔNG NGHỆ HỒ SƠ, CHI NHÁNH HÀ NỘI")
        );
    }

    #[test]
    fn every_uid_is_split_at_the_first_colon() {
        let pki = TestPki::generate().unwrap();
        let mut spec = IssueSpec::enterprise("Công ty A", "0102005769", KeySpec::P256);
        spec.citizen_id = Some("079073009568".into());
        let info = CertificateInfo::from_certificate(&pki.issue(&spec).unwrap().certificate);
        assert_eq!(info.tax_code(), Some("0102005769"));
        assert_eq!(info.citizen_id(), Some("079073009568"));
        assert_eq!(info.identifiers.len(), 2);
        assert_eq!(info.identifiers[0].kind, IdKind::TaxCode);
        assert_eq!(info.identifiers[0].to_string(), "MST:0102005769");
    }

    #[test]
    fn uid_prefixes_are_recognised_and_unknown_ones_kept() {
        let cases = [
            ("MST:0102005769", IdKind::TaxCode, "MST", "0102005769"),
            (
                "CCCD:025199009534",
                IdKind::CitizenId,
                "CCCD",
                "025199009534",
            ),
            (
                "CMND:079073009568",
                IdKind::OldIdCard,
                "CMND",
                "079073009568",
            ),
            ("MNS:1047665", IdKind::BudgetUnit, "MNS", "1047665"),
            ("mst:0102005769", IdKind::TaxCode, "mst", "0102005769"),
            ("BHXH:0123:45", IdKind::Other, "BHXH", "0123:45"),
            ("0102005769", IdKind::Other, "", "0102005769"),
        ];
        for (uid, kind, prefix, value) in cases {
            let id = SubjectId::parse(uid);
            assert_eq!(
                (id.kind, id.prefix.as_str(), id.value.as_str()),
                (kind, prefix, value),
                "{uid}"
            );
        }
    }

    #[test]
    fn key_type_and_size_validity_and_serial_are_read() {
        let pki = TestPki::generate().unwrap();
        for (spec, kind) in [
            (KeySpec::Rsa(2048), KeyKind::Rsa { bits: 2048 }),
            (KeySpec::P256, KeyKind::P256),
            (KeySpec::P384, KeyKind::P384),
        ] {
            let id = pki
                .issue(&IssueSpec::enterprise("Công ty B", "0101234565", spec))
                .unwrap();
            let info = CertificateInfo::from_certificate(&id.certificate);
            assert_eq!(info.key, kind);
            assert!(info.is_valid_at(Timestamp::now()));
            assert!(info.not_after > info.not_before);
            assert!(!info.serial.is_empty());
            assert!(
                info.serial
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
            );
            assert_eq!(info.sha256.len(), 64);
        }
    }

    #[test]
    fn info_serialises_for_json_output() {
        let pki = TestPki::generate().unwrap();
        let id = pki
            .issue(&IssueSpec::enterprise(
                "Công ty C",
                "0101234565",
                KeySpec::Rsa(2048),
            ))
            .unwrap();
        let info = CertificateInfo::from_certificate(&id.certificate);
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["identifiers"][0]["kind"], "tax_code");
        assert_eq!(json["identifiers"][0]["value"], "0101234565");
        assert_eq!(json["key"]["type"], "rsa");
        assert_eq!(json["key"]["bits"], 2048);
        assert!(json["not_after"].as_str().unwrap().ends_with('Z'));
    }
}
