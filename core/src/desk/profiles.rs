//! Profiles (hồ sơ doanh nghiệp, đại diện sở hữu công nghiệp): entered once, checked while
//! typed, and carried into the open drafts made from them when saved.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::DeskResult;
use crate::catalog::Library;
use crate::drafting;
use crate::profile::Profile;
use crate::store::{DraftId, ProfileId, ProfileKind, Store};
use crate::validate::Report;

/// A profile in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProfileRow {
    pub id: ProfileId,
    pub kind: ProfileKind,
    pub name: String,
    /// The enterprise's tax code, or the agent's code.
    pub code: String,
    pub updated_at: Timestamp,
}

/// A profile to edit, with what is wrong with it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProfileDoc {
    pub id: ProfileId,
    pub profile: Profile,
    pub report: Report,
    pub updated_at: Timestamp,
}

/// What saving a profile did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProfileSaved {
    pub id: ProfileId,
    /// The open drafts the change was carried into (a new revision each).
    pub drafts_updated: Vec<DraftId>,
}

fn code_of(profile: &Profile) -> String {
    match profile {
        Profile::Enterprise(e) => e.tax_code.clone(),
        Profile::Agent(a) => a.agent_code.clone(),
    }
}

/// Every profile, oldest first.
pub fn profiles_list(store: &Store) -> DeskResult<Vec<ProfileRow>> {
    store
        .profiles()?
        .into_iter()
        .map(|p| {
            let code = Profile::from_json(p.data)
                .map(|profile| code_of(&profile))
                .unwrap_or_default();
            Ok(ProfileRow {
                id: p.id,
                kind: p.kind,
                name: p.name,
                code,
                updated_at: p.updated_at,
            })
        })
        .collect()
}

pub fn profile_get(store: &Store, id: ProfileId, today: Date) -> DeskResult<ProfileDoc> {
    let stored = store.profile(id)?;
    let profile = Profile::from_json(stored.data).map_err(drafting::DraftError::ProfileShape)?;
    Ok(ProfileDoc {
        id,
        report: profile_check(store, &profile, today)?,
        profile,
        updated_at: stored.updated_at,
    })
}

/// Checks a profile as it is being typed (nothing is saved).
pub fn profile_check(store: &Store, profile: &Profile, today: Date) -> DeskResult<Report> {
    Ok(profile.validate(&Library::load(store)?.newest().forms, today))
}

/// Adds a profile (`id` `None`) or replaces one, carrying it into the open drafts made from it.
/// An invalid profile is refused with `profile.invalid` and its report; nothing is saved.
pub fn profile_save(
    store: &mut Store,
    id: Option<ProfileId>,
    profile: &Profile,
    today: Date,
) -> DeskResult<ProfileSaved> {
    Ok(match id {
        None => ProfileSaved {
            id: drafting::add_profile(store, profile, today)?,
            drafts_updated: Vec::new(),
        },
        Some(id) => ProfileSaved {
            id,
            drafts_updated: drafting::replace_profile(store, id, profile, today)?,
        },
    })
}
