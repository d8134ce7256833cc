//! Certificate, CRL and OCSP times as [`Timestamp`]s, and how they are shown.

use jiff::Timestamp;
use x509_cert::time::Time;

/// How far a responder's or CRL issuer's clock may run ahead of ours.
pub(crate) const CLOCK_SKEW_SECS: i64 = 300;

/// How old an OCSP response or CRL without a `nextUpdate` may be.
pub(crate) const MAX_AGE_WITHOUT_NEXT_UPDATE_SECS: i64 = 86_400;

pub(crate) fn from_unix(d: std::time::Duration) -> Timestamp {
    i64::try_from(d.as_secs())
        .ok()
        .and_then(|s| Timestamp::from_second(s).ok())
        .unwrap_or(Timestamp::MAX)
}

pub(crate) fn of(t: &Time) -> Timestamp {
    from_unix(t.to_unix_duration())
}

pub(crate) fn of_generalized(t: &der::asn1::GeneralizedTime) -> Timestamp {
    from_unix(t.to_unix_duration())
}

pub(crate) fn now() -> Timestamp {
    Timestamp::now()
}

/// `2026-11-03 08:15:00 UTC`
pub(crate) fn show(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Whether an OCSP response's or a CRL's `this` (thisUpdate) and `next` (nextUpdate) are
/// current at `now`; the reason in English when not.
pub(crate) fn fresh(
    this: Timestamp,
    next: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), String> {
    let s = now.as_second();
    if this.as_second() > s + CLOCK_SKEW_SECS {
        return Err(format!("thisUpdate {} is in the future", show(this)));
    }
    match next {
        Some(next) if next.as_second() < s - CLOCK_SKEW_SECS => {
            Err(format!("stale: nextUpdate {} has passed", show(next)))
        }
        Some(_) => Ok(()),
        None if this.as_second() < s - MAX_AGE_WITHOUT_NEXT_UPDATE_SECS => Err(format!(
            "stale: no nextUpdate and thisUpdate {} is over a day old",
            show(this)
        )),
        None => Ok(()),
    }
}
