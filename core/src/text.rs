//! Languages and text: every message a user can read exists in Vietnamese and in English, and
//! every piece of text a user typed is kept in Unicode NFC (TCVN 6909:2001 is the Vietnamese
//! Unicode character set; NFC is the project's choice of normal form, standards.md).

use serde::{Deserialize, Serialize};
use unicode_normalization::{UnicodeNormalization, is_nfc};

/// A user-facing language. Vietnamese is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// `vi`, `en` (and their regional forms `vi-VN`, `en_US`…); anything else is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "vi" || s.starts_with("vi-") || s.starts_with("vi_") {
            Some(Lang::Vi)
        } else if s == "en" || s.starts_with("en-") || s.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            vi: vi.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// hoso-signing's messages (certificate checks): the same two languages, in a crate below this
/// one.
impl From<&hoso_signing::checks::Message> for Text {
    fn from(m: &hoso_signing::checks::Message) -> Text {
        Text::new(&m.vi, &m.en)
    }
}

/// The NFC form of `s`, borrowing when it already is.
pub fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    if is_nfc(s) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.nfc().collect())
    }
}

/// Puts every string in a JSON value (keys included) into NFC, in place.
pub fn nfc_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if !is_nfc(s) {
                *s = s.nfc().collect();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(nfc_json),
        Value::Object(map) => {
            if map.keys().any(|k| !is_nfc(k)) {
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    nfc_json(&mut v);
                    map.insert(k.nfc().collect(), v);
                }
            } else {
                map.values_mut().for_each(nfc_json);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_vietnamese_becomes_composed() {
        let nfd: String = "Nguyễn Thị Ánh, Đà Nẵng".nfd().collect();
        assert_ne!(nfd, "Nguyễn Thị Ánh, Đà Nẵng");
        let mut v = serde_json::json!({ "a": [nfd.clone()], "b": { "c": nfd } });
        nfc_json(&mut v);
        assert_eq!(v["a"][0], "Nguyễn Thị Ánh, Đà Nẵng");
        assert_eq!(v["b"]["c"], "Nguyễn Thị Ánh, Đà Nẵng");
    }

    #[test]
    fn language_names() {
        assert_eq!(Lang::parse("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("vi"), Some(Lang::Vi));
        assert_eq!(Lang::parse("fr"), None);
    }
}
