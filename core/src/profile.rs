//! Profiles (hồ sơ người nộp): an enterprise or an IP agent, entered once and reused by every
//! dossier. A draft made from a profile copies it into the form; a later edit of the profile
//! is carried into the drafts still open as a new revision of each, never into a sealed one.

use serde::{Deserialize, Serialize};

use crate::forms::{Applicant, Dossier, PartyType, Person, RepresentativeType};
use crate::legal::Forms;
use crate::text::{Text, nfc_json};
use crate::validate::{Checker, Report};

/// An enterprise or organisation that applies (doanh nghiệp, tổ chức).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Enterprise {
    /// Name in Vietnamese (tên tiếng Việt).
    pub name: String,
    /// Name in English (tên tiếng Anh / tên giao dịch quốc tế).
    pub name_en: String,
    pub tax_code: String,
    pub address: String,
    /// ISO 3166-1 alpha-2; `VN` when empty.
    pub country: String,
    pub legal_representative: Person,
    pub phone: String,
    pub email: String,
}

/// A licensed IP representation service organisation (tổ chức dịch vụ đại diện sở hữu công
/// nghiệp) that files for its clients.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct Agent {
    pub organisation: String,
    /// Representative code at the IP Office (mã đại diện).
    pub agent_code: String,
    pub address: String,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Profile {
    Enterprise(Enterprise),
    Agent(Agent),
}

impl Profile {
    pub fn type_slug(&self) -> &'static str {
        match self {
            Profile::Enterprise(_) => "enterprise",
            Profile::Agent(_) => "agent",
        }
    }

    pub fn display_name(&self) -> &str {
        match self {
            Profile::Enterprise(e) => &e.name,
            Profile::Agent(a) => &a.organisation,
        }
    }

    /// Reads a profile from JSON with every string in NFC.
    pub fn from_json(mut value: serde_json::Value) -> Result<Profile, String> {
        nfc_json(&mut value);
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Sets one field (`tax_code`, `legal_representative.name`) from text.
    pub fn with_field(&self, path: &str, raw: &str) -> Result<Profile, String> {
        let mut value = self.to_json();
        let segments: Vec<&str> = path.split('.').collect();
        if segments.first() == Some(&"type") {
            return Err("`type` cannot be changed".to_owned());
        }
        let mut cur = &mut value;
        for (i, seg) in segments.iter().enumerate() {
            let serde_json::Value::Object(map) = cur else {
                return Err(format!("field path `{path}` is not valid"));
            };
            if i + 1 == segments.len() {
                map.insert((*seg).to_owned(), serde_json::Value::String(raw.to_owned()));
                break;
            }
            cur = map
                .entry((*seg).to_owned())
                .or_insert_with(|| serde_json::Value::Object(Default::default()));
        }
        Profile::from_json(value)
    }

    /// The problems of the profile on its own: the same rules as the applicant or
    /// representative block of a form.
    pub fn validate(&self, forms: &Forms, today: jiff::civil::Date) -> Report {
        let mut c = Checker::standalone(forms, today);
        match self {
            Profile::Enterprise(e) => c.applicant("", &self.as_applicant_of(e), true),
            Profile::Agent(a) => {
                c.required(
                    "organisation",
                    &a.organisation,
                    Text::new("tên tổ chức", "organisation name"),
                );
                c.required(
                    "agent_code",
                    &a.agent_code,
                    Text::new("mã đại diện", "agent code"),
                );
                c.required("address", &a.address, Text::new("địa chỉ", "address"));
            }
        }
        let mut report = c.finish();
        for p in &mut report.problems {
            if let Some(rest) = p.path.strip_prefix('.') {
                p.path = rest.to_owned();
            }
        }
        report
    }

    fn as_applicant_of(&self, e: &Enterprise) -> Applicant {
        Applicant {
            party_type: PartyType::Organisation,
            name: e.name.clone(),
            name_en: e.name_en.clone(),
            address: e.address.clone(),
            tax_code: e.tax_code.clone(),
            country: e.country.clone(),
            legal_representative: e.legal_representative.clone(),
            phone: e.phone.clone(),
            email: e.email.clone(),
            ..Applicant::default()
        }
    }

    /// Copies the profile into a dossier: an enterprise becomes the applicant (and, where the
    /// form has nobody yet, its legal representative the signatory); an agent becomes the
    /// representative.
    pub fn apply_to(&self, dossier: &mut Dossier) {
        match self {
            Profile::Enterprise(e) => {
                let applicant = dossier.applicant_mut();
                let keep_citizen_id = std::mem::take(&mut applicant.citizen_id);
                *applicant = Applicant {
                    citizen_id: keep_citizen_id,
                    ..self.as_applicant_of(e)
                };
                let signatory = dossier.signatory_mut();
                if signatory.name.trim().is_empty() {
                    signatory.name = e.legal_representative.name.clone();
                    signatory.title = e.legal_representative.title.clone();
                }
            }
            Profile::Agent(a) => {
                let r = dossier.representative_mut();
                r.kind = RepresentativeType::IpAgent;
                r.name = a.organisation.clone();
                r.agent_code = a.agent_code.clone();
                r.address = a.address.clone();
                r.phone = a.phone.clone();
                r.email = a.email.clone();
            }
        }
    }
}
