//! The procedure catalog and the Nice classification.

use hoso_core::desk::catalog::ProcedureView;
use hoso_core::desk::{self, DeskError};
use hoso_core::nice::NiceHit;

use super::{Shared, blocking, with_store};

#[tauri::command(rename_all = "snake_case")]
pub async fn procedures(state: Shared<'_>) -> Result<Vec<ProcedureView>, DeskError> {
    with_store(&state, |s| desk::catalog::procedures(s, desk::today())).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn nice_search(query: String) -> Result<Vec<NiceHit>, DeskError> {
    blocking(move || Ok(hoso_core::nice::search(&query, None))).await
}
