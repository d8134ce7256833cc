//! A user-facing text in both languages of the application.

use serde::{Deserialize, Serialize};

/// A message in Vietnamese (the default) and English, shown as is or keyed by its problem's
/// code in the UI's own translations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub vi: String,
    pub en: String,
}

impl Message {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Message {
        Message {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for Message {
    /// The Vietnamese text: the application's default language.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.vi)
    }
}
