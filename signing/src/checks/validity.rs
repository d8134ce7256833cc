//! The certificate's validity period at the moment that matters.

use jiff::Timestamp;
use x509_cert::Certificate;

use super::{CheckOutcome, Code, Message, time};

pub(crate) fn check(cert: &Certificate, at: Timestamp) -> CheckOutcome {
    let validity = &cert.tbs_certificate.validity;
    let not_before = time::of(&validity.not_before);
    let not_after = time::of(&validity.not_after);
    if at < not_before {
        CheckOutcome::failed(
            Code::NotYetValid,
            Message::new(
                format!(
                    "Chứng thư số chưa có hiệu lực: hiệu lực từ {}.",
                    time::show(not_before)
                ),
                format!(
                    "The certificate is not yet valid: valid from {}.",
                    time::show(not_before)
                ),
            ),
        )
    } else if at > not_after {
        CheckOutcome::failed(
            Code::Expired,
            Message::new(
                format!("Chứng thư số đã hết hạn vào {}.", time::show(not_after)),
                format!("The certificate expired on {}.", time::show(not_after)),
            ),
        )
    } else {
        CheckOutcome::passed()
    }
}
