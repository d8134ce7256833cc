//! The tax code (mã số thuế, MST) in the certificate's subject against the applicant's.
//!
//! Vietnamese CAs put identifiers in UID attributes (OID 0.9.2342.19200300.100.1.1) as
//! `PREFIX:number`, several per subject (`MST:0102005769`, `CCCD:025199009534`);
//! certificates.md, "Identifiers in the subject". They are read from the DER subject and
//! compared as parsed values: 10 digits, or 10 digits `-` 3 digits for a branch.

use der::asn1::ObjectIdentifier;
use serde::Serialize;
use x509_cert::Certificate;
use x509_cert::name::Name;

use super::{CheckOutcome, Code, Message, names};

const OID_UID: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.9.2342.19200300.100.1.1");

/// One `PREFIX:number` identifier from a subject's UID attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectId {
    /// `MST`, `CCCD`, `CMND`, `MNS`… as written, trimmed.
    pub prefix: String,
    pub value: String,
}

/// Every `PREFIX:number` UID attribute of a subject, in DER order (split at the first `:`;
/// a UID without `:` is skipped).
pub fn subject_ids(subject: &Name) -> Vec<SubjectId> {
    subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == OID_UID)
        .filter_map(|atv| names::value_text(&atv.value))
        .filter_map(|text| {
            let (prefix, value) = text.split_once(':')?;
            Some(SubjectId {
                prefix: prefix.trim().to_owned(),
                value: value.trim().to_owned(),
            })
        })
        .collect()
}

/// A tax code as digits: the enterprise's ten, and a branch's three when present. The check
/// digit is the caller's business (the applicant's code is validated before it reaches us).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mst {
    enterprise: String,
    branch: Option<String>,
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse(text: &str) -> Option<Mst> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (enterprise, branch) = match text.split_once('-') {
        Some((e, b)) => (e, Some(b)),
        None => (text.as_str(), None),
    };
    if !digits(enterprise, 10) || branch.is_some_and(|b| !digits(b, 3)) {
        return None;
    }
    Some(Mst {
        enterprise: enterprise.to_owned(),
        branch: branch.map(str::to_owned),
    })
}

fn show(m: &Mst) -> String {
    match &m.branch {
        Some(b) => format!("{}-{b}", m.enterprise),
        None => m.enterprise.clone(),
    }
}

pub(crate) fn check(cert: &Certificate, expected: &str) -> CheckOutcome {
    let found: Vec<String> = subject_ids(&cert.tbs_certificate.subject)
        .into_iter()
        .filter(|id| id.prefix.eq_ignore_ascii_case("MST"))
        .map(|id| id.value)
        .collect();
    if found.is_empty() {
        return CheckOutcome::failed(
            Code::NoTaxCode,
            Message::new(
                "Chứng thư số không có mã số thuế (UID=MST:…) nên không xác định được là của doanh nghiệp nộp đơn.",
                "The certificate carries no tax code (UID=MST:…), so it cannot be tied to the applicant.",
            ),
        );
    }
    let listed = found.join(", ");
    let Some(wanted) = parse(expected) else {
        return CheckOutcome::failed(
            Code::TaxCodeMismatch,
            Message::new(
                format!(
                    "Mã số thuế của người nộp đơn \"{expected}\" không hợp lệ; chứng thư số mang mã số thuế {listed}."
                ),
                format!(
                    "The applicant's tax code \"{expected}\" is not a tax code; the certificate carries {listed}."
                ),
            ),
        );
    };
    let parsed: Vec<Mst> = found.iter().filter_map(|f| parse(f)).collect();
    if parsed.contains(&wanted) {
        return CheckOutcome::passed();
    }
    // Same enterprise, one side a branch (0100686209-199 signing for 0100686209, or the
    // reverse): whether a branch's certificate may sign for its parent enterprise is not
    // settled by the sources (certificates.md, identifiers.md ✗), so it is refused with its
    // own code until it is.
    if let Some(related) = parsed.iter().find(|m| {
        m.enterprise == wanted.enterprise && (m.branch.is_none() || wanted.branch.is_none())
    }) {
        let (cert_code, applicant) = (show(related), show(&wanted));
        return CheckOutcome::failed(
            Code::TaxCodeBranch,
            Message::new(
                format!(
                    "Chứng thư số mang mã số thuế {cert_code}, còn người nộp đơn là {applicant}: cùng doanh nghiệp nhưng khác đơn vị (chi nhánh và doanh nghiệp). Chưa có căn cứ cho phép chứng thư số của chi nhánh ký thay doanh nghiệp (hoặc ngược lại), nên không dùng được."
                ),
                format!(
                    "The certificate carries tax code {cert_code} and the applicant is {applicant}: the same enterprise but a different unit (branch and parent). Nothing settles that a branch's certificate may sign for its parent (or the reverse), so it is refused."
                ),
            ),
        );
    }
    let applicant = show(&wanted);
    CheckOutcome::failed(
        Code::TaxCodeMismatch,
        Message::new(
            format!(
                "Mã số thuế trong chứng thư số ({listed}) khác mã số thuế của người nộp đơn ({applicant})."
            ),
            format!(
                "The tax code in the certificate ({listed}) differs from the applicant's ({applicant})."
            ),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_codes_parse_as_enterprise_and_branch_digits() {
        assert_eq!(
            parse(" 0100686209-199 "),
            Some(Mst {
                enterprise: "0100686209".into(),
                branch: Some("199".into())
            })
        );
        assert_eq!(parse("0100109106").map(|m| m.branch), Some(None));
        assert_eq!(parse("010010910"), None);
        assert_eq!(parse("0100109106-19"), None);
        assert_eq!(parse("01001O9106"), None);
    }
}
