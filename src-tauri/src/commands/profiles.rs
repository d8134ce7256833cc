//! Enterprise and agent profiles, entered once.

use hoso_core::desk::profiles::{ProfileDoc, ProfileRow, ProfileSaved};
use hoso_core::desk::{self, DeskError};
use hoso_core::profile::Profile;
use hoso_core::store::ProfileId;
use hoso_core::validate::Report;

use super::{Shared, with_store};

#[tauri::command(rename_all = "snake_case")]
pub async fn profiles_list(state: Shared<'_>) -> Result<Vec<ProfileRow>, DeskError> {
    with_store(&state, |s| desk::profiles::profiles_list(s)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn profile_get(state: Shared<'_>, id: i64) -> Result<ProfileDoc, DeskError> {
    with_store(&state, move |s| {
        desk::profiles::profile_get(s, ProfileId(id), desk::today())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn profile_check(state: Shared<'_>, profile: Profile) -> Result<Report, DeskError> {
    with_store(&state, move |s| {
        desk::profiles::profile_check(s, &profile, desk::today())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn profile_save(
    state: Shared<'_>,
    id: Option<i64>,
    profile: Profile,
) -> Result<ProfileSaved, DeskError> {
    with_store(&state, move |s| {
        desk::profiles::profile_save(s, id.map(ProfileId), &profile, desk::today())
    })
    .await
}
