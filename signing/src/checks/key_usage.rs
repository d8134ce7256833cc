//! The key must be for signatures: keyUsage digitalSignature or nonRepudiation (contentCommitment).

use x509_cert::Certificate;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

use super::{CheckOutcome, Code, Message};

pub(crate) fn check(cert: &Certificate) -> CheckOutcome {
    let refuse = |vi: &str, en: &str| CheckOutcome::failed(Code::KeyUsage, Message::new(vi, en));
    match cert.tbs_certificate.get::<KeyUsage>() {
        Ok(Some((_, usage)))
            if usage.0.contains(KeyUsages::DigitalSignature)
                || usage.0.contains(KeyUsages::NonRepudiation) =>
        {
            CheckOutcome::passed()
        }
        Ok(Some(_)) => refuse(
            "Chứng thư số không dùng để ký: mục đích sử dụng khóa không có chữ ký số \
             (digitalSignature) hay chống chối bỏ (nonRepudiation).",
            "The certificate is not for signing: its key usage has neither digitalSignature \
             nor nonRepudiation.",
        ),
        // RFC 5280 reads an absent keyUsage as "any use"; a CA-issued signing certificate
        // always states it, so its absence is refused rather than guessed.
        Ok(None) => refuse(
            "Chứng thư số không ghi mục đích sử dụng khóa (key usage), nên không dùng để ký được.",
            "The certificate states no key usage, so it cannot be used for signing.",
        ),
        Err(e) => refuse(
            &format!("Mục đích sử dụng khóa của chứng thư số bị lỗi định dạng ({e})."),
            &format!("The certificate's key usage extension is malformed ({e})."),
        ),
    }
}
