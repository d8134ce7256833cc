//! The one error a desk function returns: a stable code (the same codes as `hoso --json`), the
//! message in both languages, and the validation report when the refusal is an invalid dossier
//! or profile. Serialised as `{ "code", "message": { "vi", "en" }, "report" }`.

use serde::{Deserialize, Serialize};

use crate::drafting::DraftError;
use crate::filing::FilingError;
use crate::gtin::GtinError;
use crate::keys::KeyError;
use crate::preview::PreviewError;
use crate::seal::SealError;
use crate::store::StoreError;
use crate::text::Text;
use crate::validate::Report;

/// Why a desk function refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[error("{code}: {}", message.en)]
pub struct DeskError {
    pub code: String,
    pub message: Text,
    pub report: Option<Report>,
}

impl DeskError {
    pub fn new(code: impl Into<String>, message: Text) -> DeskError {
        DeskError {
            code: code.into(),
            message,
            report: None,
        }
    }

    /// Something that should not happen: logged with its detail, shown without it, so that
    /// internals never reach the window.
    pub fn internal(detail: impl std::fmt::Display) -> DeskError {
        tracing::error!("internal error: {detail}");
        DeskError::new(
            "internal",
            Text::new(
                "Đã xảy ra lỗi không mong muốn. Hãy thử lại; nếu lỗi còn, hãy gửi tệp nhật ký cho bộ phận hỗ trợ.",
                "Something unexpected went wrong. Try again; if it persists, send the log file to support.",
            ),
        )
    }

    fn with_report(mut self, report: Option<Report>) -> DeskError {
        self.report = report;
        self
    }
}

impl From<DraftError> for DeskError {
    fn from(e: DraftError) -> DeskError {
        let report = match &e {
            DraftError::InvalidProfile(r) => Some(r.clone()),
            _ => None,
        };
        DeskError::new(e.code(), e.text()).with_report(report)
    }
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> DeskError {
        // The store's Vietnamese texts live with drafting's.
        DraftError::Store(e).into()
    }
}

impl From<SealError> for DeskError {
    fn from(e: SealError) -> DeskError {
        let report = match &e {
            SealError::Invalid(r) => Some(r.clone()),
            SealError::Draft(DraftError::InvalidProfile(r)) => Some(r.clone()),
            _ => None,
        };
        DeskError::new(e.code(), e.text()).with_report(report)
    }
}

impl From<FilingError> for DeskError {
    fn from(e: FilingError) -> DeskError {
        DeskError::new(e.code(), e.text())
    }
}

impl From<KeyError> for DeskError {
    fn from(e: KeyError) -> DeskError {
        DeskError::new(e.code(), e.text())
    }
}

impl From<GtinError> for DeskError {
    fn from(e: GtinError) -> DeskError {
        DeskError::new(e.code(), e.text())
    }
}

impl From<PreviewError> for DeskError {
    fn from(e: PreviewError) -> DeskError {
        DeskError::new(e.code(), e.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{Problem, Severity};

    #[test]
    fn a_desk_error_serialises_as_code_message_and_report() {
        let e = DeskError::new("tax_code.checksum", Text::new("sai", "wrong"));
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({
                "code": "tax_code.checksum",
                "message": { "vi": "sai", "en": "wrong" },
                "report": null
            })
        );
        let report = Report {
            problems: vec![Problem {
                path: "tax_code".into(),
                code: "tax_code.checksum".into(),
                severity: Severity::Error,
                message: Text::new("sai", "wrong"),
                source: None,
            }],
        };
        let e: DeskError = DraftError::InvalidProfile(report).into();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({
                "code": "profile.invalid",
                "message": { "vi": "Hồ sơ người nộp chưa hợp lệ.", "en": "the profile is not valid" },
                "report": { "problems": [{
                    "path": "tax_code",
                    "code": "tax_code.checksum",
                    "severity": "error",
                    "message": { "vi": "sai", "en": "wrong" }
                }] }
            })
        );
    }

    #[test]
    fn store_errors_keep_their_codes() {
        let e: DeskError = StoreError::not_found("draft", 7).into();
        assert_eq!(e.code, "store.not_found");
        assert_eq!(e.message.vi, "Không tìm thấy bản nháp 7.");
    }

    #[test]
    fn an_internal_error_hides_its_detail() {
        let e = DeskError::internal("mutex poisoned at desk.rs:12");
        assert_eq!(e.code, "internal");
        assert!(!e.message.en.contains("mutex"));
    }
}
