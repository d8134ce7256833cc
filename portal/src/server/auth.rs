//! Certificate login: a single-use nonce, signed on the user's token (CMS), exchanged for a
//! short-lived bearer token.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::{SignedDuration, Timestamp};
use rand_core::{OsRng, RngCore};

use super::error::{ApiError, ApiResult};
use super::front::{JsonBody, token_hash};
use super::state::AppState;
use crate::api::{Challenge, Token, TokenRequest, codes};

/// `n` random bytes from the OS.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

fn later(ttl: std::time::Duration) -> Timestamp {
    let now =
        Timestamp::from_second(Timestamp::now().as_second()).unwrap_or_else(|_| Timestamp::now());
    let ttl = SignedDuration::try_from(ttl).unwrap_or(SignedDuration::from_secs(60));
    now.checked_add(ttl).unwrap_or(now)
}

pub async fn challenge(State(state): State<Arc<AppState>>) -> ApiResult<Json<Challenge>> {
    let nonce = STANDARD.encode(random_bytes(32));
    let expires_at = later(state.config.challenge_ttl);
    let stored = nonce.clone();
    state
        .db(move |s| Ok(s.add_challenge(&stored, expires_at)?))
        .await?;
    Ok(Json(Challenge { nonce, expires_at }))
}

pub async fn token(
    State(state): State<Arc<AppState>>,
    JsonBody(req): JsonBody<TokenRequest>,
) -> ApiResult<Json<Token>> {
    let nonce = STANDARD
        .decode(&req.nonce)
        .map_err(|_| ApiError::invalid("`nonce` không phải base64", "`nonce` is not base64"))?;
    let signed = STANDARD.decode(&req.signed_nonce).map_err(|_| {
        ApiError::invalid(
            "`signed_nonce` không phải base64",
            "`signed_nonce` is not base64",
        )
    })?;
    // Taken before verifying: a nonce gets one try, so it cannot be worked on.
    let key = req.nonce.clone();
    if !state.db(move |s| Ok(s.take_challenge(&key)?)).await? {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::AUTH_CHALLENGE_INVALID,
            "Mã thử thách không hợp lệ, đã dùng hoặc đã hết hạn; hãy xin mã mới",
            "The nonce is unknown, used or expired; ask for a new challenge",
        ));
    }
    let login = state.verifiers.login.clone();
    let identity = tokio::task::spawn_blocking(move || login.verify(&nonce, &signed))
        .await
        .map_err(ApiError::internal)?
        .map_err(|r| ApiError::rejection(StatusCode::UNAUTHORIZED, r))?;

    let access_token = URL_SAFE_NO_PAD.encode(random_bytes(32));
    let expires_at = later(state.config.token_ttl);
    let hash = token_hash(&access_token);
    let id = identity.clone();
    let key = hash.clone();
    state
        .db(move |s| Ok(s.add_token(&key, &id.subject, id.tax_code.as_deref(), expires_at)?))
        .await?;
    state.cache_token(hash, identity.clone(), expires_at);
    tracing::info!(subject = %identity.subject, "portal login");
    Ok(Json(Token {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_at,
        expires_in: state.config.token_ttl.as_secs(),
        subject: identity.subject,
        tax_code: identity.tax_code,
    }))
}
