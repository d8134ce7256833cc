//! `GET /v1/catalog`: the procedure catalog the portal works with, and its data pack.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::api::{CatalogInfo, codes};

/// The path of the data pack, as `pack_url` gives it.
pub const PACK_PATH: &str = "/v1/catalog/pack";

fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        codes::CATALOG_UNAVAILABLE,
        "Cổng chưa công bố danh mục thủ tục",
        "The portal publishes no procedure catalog",
    )
}

pub async fn info(State(state): State<Arc<AppState>>) -> ApiResult<Json<CatalogInfo>> {
    let catalog = state.config.catalog.as_ref().ok_or_else(unavailable)?;
    Ok(Json(CatalogInfo {
        version: catalog.version.clone(),
        date: catalog.date,
        pack_url: catalog.pack.as_ref().map(|_| PACK_PATH.to_owned()),
        pack_sha256: catalog
            .pack
            .as_ref()
            .map(|p| hex::encode(Sha256::digest(p))),
    }))
}

pub async fn pack(State(state): State<Arc<AppState>>) -> ApiResult<Response> {
    let pack = state
        .config
        .catalog
        .as_ref()
        .and_then(|c| c.pack.clone())
        .ok_or_else(unavailable)?;
    let mut r = (StatusCode::OK, pack).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(r)
}
