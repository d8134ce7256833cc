//! Identifiers that the law or a standard gives a structure to, as newtypes that can only be
//! built valid. Forms keep what the user typed as text; validation parses it here once, and the
//! code past validation works with these types only.
//!
//! Check-digit rules and test vectors: `shared/domain/identifiers.md`.

use std::fmt;
use std::str::FromStr;

/// Why a piece of text is not the identifier it claims to be. Each variant is a stable
/// machine code (`code()`), completed with the identifier's own prefix by the validator
/// (`tax_code.checksum`, `gtin.checksum`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentError {
    #[error("wrong length or characters")]
    Format,
    #[error("check digit does not match")]
    Checksum,
    #[error("number is never issued")]
    NeverIssued,
    #[error("out of range")]
    Range,
}

impl IdentError {
    pub fn code(self) -> &'static str {
        match self {
            IdentError::Format => "format",
            IdentError::Checksum => "checksum",
            IdentError::NeverIssued => "never_issued",
            IdentError::Range => "range",
        }
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn digits(s: &str) -> impl DoubleEndedIterator<Item = u32> + '_ {
    s.bytes().map(|b| u32::from(b - b'0'))
}

/// Tax code (mã số thuế, MST) of an enterprise or organisation: 10 digits whose last is a mod-11
/// check digit, or the 13-digit form `NNNNNNNNNN-NNN` of a branch or dependent unit.
/// The check digit covers the first ten digits only; no rule is known for the branch suffix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaxCode {
    base: String,
    branch: Option<String>,
}

/// Weights of the tax-code check digit, d1 … d9 (identifiers.md, "Check digit (mod 11)").
const TAX_CODE_WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

impl TaxCode {
    /// The 10-digit code of the enterprise itself (for a branch, its parent's code).
    pub fn enterprise(&self) -> &str {
        &self.base
    }

    pub fn branch(&self) -> Option<&str> {
        self.branch.as_deref()
    }

    /// The check digit that a 9-digit stem takes, or `None` for a stem that is never issued
    /// (its sum is a multiple of 11, which would need the non-digit 10).
    pub fn check_digit(stem: &str) -> Option<u32> {
        let sum: u32 = digits(stem).zip(TAX_CODE_WEIGHTS).map(|(d, w)| d * w).sum();
        match sum % 11 {
            0 => None,
            r => Some((10 - r) % 10),
        }
    }
}

impl FromStr for TaxCode {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (base, branch) = match s.split_once('-') {
            Some((b, br)) => (b, Some(br)),
            None => (s, None),
        };
        if base.len() != 10 || !all_digits(base) {
            return Err(IdentError::Format);
        }
        if let Some(br) = branch
            && (br.len() != 3 || !all_digits(br))
        {
            return Err(IdentError::Format);
        }
        let expected = Self::check_digit(&base[..9]).ok_or(IdentError::NeverIssued)?;
        if digits(&base[9..]).next() != Some(expected) {
            return Err(IdentError::Checksum);
        }
        Ok(TaxCode {
            base: base.to_owned(),
            branch: branch.map(str::to_owned),
        })
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.branch {
            Some(br) => write!(f, "{}-{}", self.base, br),
            None => f.write_str(&self.base),
        }
    }
}

/// Citizen ID (căn cước công dân, CCCD): 12 digits. No public check-digit rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CitizenId(String);

impl FromStr for CitizenId {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() == 12 && all_digits(s) {
            Ok(CitizenId(s.to_owned()))
        } else {
            Err(IdentError::Format)
        }
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// GS1 mod-10 check digit of the data digits (every digit but the check digit): weights 3, 1,
/// 3, 1 … from the rightmost data digit leftwards (GS1 General Specifications, 7.9.1).
pub fn gs1_check_digit(data: &str) -> Option<u32> {
    if !all_digits(data) {
        return None;
    }
    let sum: u32 = digits(data)
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { 3 * d } else { d })
        .sum();
    Some((10 - sum % 10) % 10)
}

fn gs1_verify(code: &str) -> Result<(), IdentError> {
    let (data, check) = code.split_at(code.len() - 1);
    match gs1_check_digit(data) {
        Some(c) if digits(check).next() == Some(c) => Ok(()),
        Some(_) => Err(IdentError::Checksum),
        None => Err(IdentError::Format),
    }
}

/// Global Trade Item Number: GTIN-8, GTIN-12, GTIN-13 or GTIN-14, check digit verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gtin(String);

impl Gtin {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Builds the GTIN-13 for an item reference under a company prefix, computing the check
    /// digit. `None` if the digits do not add up to twelve.
    pub fn from_prefix(prefix: &CompanyPrefix, item_reference: &str) -> Option<Gtin> {
        let data = format!("{}{}", prefix.as_str(), item_reference);
        if data.len() != 12 {
            return None;
        }
        let check = gs1_check_digit(&data)?;
        Some(Gtin(format!("{data}{check}")))
    }

    /// True if this GTIN was allotted under `prefix` (a GTIN-14's indicator digit and a
    /// GTIN-12's implied leading zero are taken into account).
    pub fn is_under(&self, prefix: &CompanyPrefix) -> bool {
        let thirteen = match self.0.len() {
            13 => &self.0[..],
            14 => &self.0[1..],
            _ => return false,
        };
        thirteen.starts_with(prefix.as_str())
    }
}

impl FromStr for Gtin {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if !matches!(s.len(), 8 | 12 | 13 | 14) || !all_digits(s) {
            return Err(IdentError::Format);
        }
        gs1_verify(s)?;
        Ok(Gtin(s.to_owned()))
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Global Location Number: 13 digits, GS1 check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gln(String);

impl FromStr for Gln {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() != 13 || !all_digits(s) {
            return Err(IdentError::Format);
        }
        gs1_verify(s)?;
        Ok(Gln(s.to_owned()))
    }
}

impl fmt::Display for Gln {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The GS1 prefix of Vietnam (barcode.md, "Legal basis and identifiers").
pub const GS1_PREFIX_VIETNAM: &str = "893";

/// GS1 company prefix (mã doanh nghiệp) issued in Vietnam: 893 followed by the company number,
/// 7 to 12 digits in all. Its length fixes how many item numbers it holds: 10^(12 − length).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompanyPrefix(String);

impl CompanyPrefix {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many GTIN-13 item references the prefix holds.
    pub fn capacity(&self) -> u64 {
        10u64.pow(12 - self.0.len() as u32)
    }
}

impl FromStr for CompanyPrefix {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if !(7..=12).contains(&s.len()) || !all_digits(s) {
            return Err(IdentError::Format);
        }
        if !s.starts_with(GS1_PREFIX_VIETNAM) {
            return Err(IdentError::Range);
        }
        Ok(CompanyPrefix(s.to_owned()))
    }
}

/// Nice class (goods and services of a trademark): 1–34 goods, 35–45 services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NiceClass(u8);

impl NiceClass {
    pub fn new(n: u32) -> Result<Self, IdentError> {
        match n {
            1..=45 => Ok(NiceClass(n as u8)),
            _ => Err(IdentError::Range),
        }
    }

    pub fn number(self) -> u8 {
        self.0
    }

    pub fn is_service(self) -> bool {
        self.0 >= 35
    }
}

impl fmt::Display for NiceClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

/// Locarno class and optional subclass of an industrial design, written `06-01` or `6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocarnoClass {
    class: u8,
    subclass: Option<u8>,
}

impl LocarnoClass {
    pub fn class(self) -> u8 {
        self.class
    }
}

impl FromStr for LocarnoClass {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (class, sub) = match s.split_once('-') {
            Some((c, sc)) => (c, Some(sc)),
            None => (s, None),
        };
        if class.is_empty() || class.len() > 2 || !all_digits(class) {
            return Err(IdentError::Format);
        }
        let class: u8 = class.parse().map_err(|_| IdentError::Format)?;
        if !(1..=32).contains(&class) {
            return Err(IdentError::Range);
        }
        let subclass = match sub {
            Some(sc) if sc.len() == 2 && all_digits(sc) => {
                Some(sc.parse().map_err(|_| IdentError::Format)?)
            }
            Some(_) => return Err(IdentError::Format),
            None => None,
        };
        Ok(LocarnoClass { class, subclass })
    }
}

impl fmt::Display for LocarnoClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.subclass {
            Some(sc) => write!(f, "{:02}-{:02}", self.class, sc),
            None => write!(f, "{:02}", self.class),
        }
    }
}

/// An e-mail address in the shape a mail server accepts: one `@`, a non-empty local part, a
/// domain with a dot and no empty label, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl FromStr for Email {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let Some((local, domain)) = s.split_once('@') else {
            return Err(IdentError::Format);
        };
        let ok = !local.is_empty()
            && local.len() <= 64
            && !domain.contains('@')
            && domain.contains('.')
            && domain
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
            && !local.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Email(s.to_owned()))
        } else {
            Err(IdentError::Format)
        }
    }
}

/// A telephone number: a Vietnamese national number (0 followed by 9 or 10 digits) or an
/// international one (+ and 8 to 15 digits, ITU-T E.164). Spaces, dots and hyphens between
/// digit groups are allowed and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl FromStr for Phone {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let compact: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
            .collect();
        let ok = if let Some(rest) = compact.strip_prefix('+') {
            all_digits(rest) && (8..=15).contains(&rest.len())
        } else {
            all_digits(&compact) && compact.starts_with('0') && (10..=11).contains(&compact.len())
        };
        if ok {
            Ok(Phone(compact))
        } else {
            Err(IdentError::Format)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_tax_codes_pass_their_check_digit() {
        for code in ["0100109106", "0100684378", "0102005769", "0101234565"] {
            assert!(code.parse::<TaxCode>().is_ok(), "{code}");
        }
    }

    #[test]
    fn branch_tax_code_keeps_parent_and_suffix() {
        let tc: TaxCode = "0100686209-199".parse().unwrap();
        assert_eq!(tc.enterprise(), "0100686209");
        assert_eq!(tc.branch(), Some("199"));
        assert_eq!(tc.to_string(), "0100686209-199");
        assert!("0101234565-001".parse::<TaxCode>().is_ok());
    }

    #[test]
    fn tax_code_with_wrong_check_digit_is_refused() {
        assert_eq!("0101234567".parse::<TaxCode>(), Err(IdentError::Checksum));
        assert_eq!(
            "0101234567-001".parse::<TaxCode>(),
            Err(IdentError::Checksum)
        );
    }

    #[test]
    fn tax_code_from_a_stem_never_issued_is_refused() {
        for last in 0..10 {
            let code = format!("010000005{last}");
            assert_eq!(code.parse::<TaxCode>(), Err(IdentError::NeverIssued));
        }
    }

    #[test]
    fn tax_code_shape_errors_are_format_errors() {
        for bad in [
            "",
            "010010910",
            "01001091066",
            "01001O9106",
            "0100109106-12",
            "0100109106-",
        ] {
            assert_eq!(bad.parse::<TaxCode>(), Err(IdentError::Format), "{bad}");
        }
    }

    #[test]
    fn gs1_vectors_from_the_domain_reference() {
        for (data, check) in [
            ("8931234", 6),
            ("03600029145", 2),
            ("893123456789", 7),
            ("893604500000", 7),
            ("400638133393", 1),
            ("0893123456789", 7),
            ("1893123456789", 4),
        ] {
            assert_eq!(gs1_check_digit(data), Some(check), "{data}");
            assert!(format!("{data}{check}").parse::<Gtin>().is_ok());
        }
        assert_eq!("8931234567890".parse::<Gtin>(), Err(IdentError::Checksum));
        assert!("8936045000007".parse::<Gln>().is_ok());
        assert_eq!("893604500000".parse::<Gln>(), Err(IdentError::Format));
    }

    #[test]
    fn gtin_built_from_prefix_carries_its_check_digit_and_belongs_to_it() {
        let prefix: CompanyPrefix = "8931234567".parse().unwrap();
        assert_eq!(prefix.capacity(), 100);
        let gtin = Gtin::from_prefix(&prefix, "89").unwrap();
        assert_eq!(gtin.as_str(), "8931234567897");
        assert!(gtin.is_under(&prefix));
        let other: CompanyPrefix = "8939999".parse().unwrap();
        assert!(!gtin.is_under(&other));
        let gtin14: Gtin = "18931234567894".parse().unwrap();
        assert!(gtin14.is_under(&prefix));
    }

    #[test]
    fn company_prefix_must_be_vietnamese() {
        assert_eq!("4006381".parse::<CompanyPrefix>(), Err(IdentError::Range));
        assert_eq!("893".parse::<CompanyPrefix>(), Err(IdentError::Format));
    }

    #[test]
    fn nice_classes_are_one_to_forty_five() {
        assert!(NiceClass::new(1).is_ok());
        assert!(NiceClass::new(45).unwrap().is_service());
        assert_eq!(NiceClass::new(0), Err(IdentError::Range));
        assert_eq!(NiceClass::new(46), Err(IdentError::Range));
    }

    #[test]
    fn locarno_classes_are_one_to_thirty_two() {
        let c: LocarnoClass = "06-01".parse().unwrap();
        assert_eq!(c.class(), 6);
        assert_eq!(c.to_string(), "06-01");
        assert_eq!("33".parse::<LocarnoClass>(), Err(IdentError::Range));
        assert_eq!("0".parse::<LocarnoClass>(), Err(IdentError::Range));
        assert_eq!("6-1".parse::<LocarnoClass>(), Err(IdentError::Format));
    }

    #[test]
    fn emails_and_phones() {
        assert!("phaply@congty.com.vn".parse::<Email>().is_ok());
        for bad in ["", "a@b", "a b@c.vn", "@c.vn", "a@c..vn", "a@@c.vn"] {
            assert!(bad.parse::<Email>().is_err(), "{bad}");
        }
        assert!("024 3822 1234".parse::<Phone>().is_ok());
        assert!("0912.345.678".parse::<Phone>().is_ok());
        assert!("+84 912 345 678".parse::<Phone>().is_ok());
        for bad in ["12345", "0912-34", "+84", "09123456789012", "phone"] {
            assert!(bad.parse::<Phone>().is_err(), "{bad}");
        }
    }

    #[test]
    fn citizen_id_is_twelve_digits() {
        assert!("025199009534".parse::<CitizenId>().is_ok());
        assert!("02519900953".parse::<CitizenId>().is_err());
    }
}
