//! The server's shared state: settings, the one database connection (one writer), the
//! injected verifiers, the rate limiter and the per-upload locks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use jiff::Timestamp;

use super::error::ApiError;
use super::store::Store;
use super::verify::ClientIdentity;
use super::{RateLimit, ServerConfig, Verifiers};

pub struct AppState {
    pub config: ServerConfig,
    pub verifiers: Verifiers,
    store: Arc<Mutex<Store>>,
    pub limiter: RateLimiter,
    /// Live tokens by their SHA-256, in front of the database.
    tokens: Mutex<HashMap<String, (ClientIdentity, Timestamp)>>,
    /// One PATCH/DELETE/filing at a time per upload.
    upload_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl AppState {
    pub fn new(config: ServerConfig, verifiers: Verifiers, store: Store) -> AppState {
        let limiter = RateLimiter::new(config.rate_limit);
        AppState {
            config,
            verifiers,
            store: Arc::new(Mutex::new(store)),
            limiter,
            tokens: Mutex::new(HashMap::new()),
            upload_locks: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `f` on the database on a blocking thread.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        })
        .await
        .map_err(ApiError::internal)?
    }

    pub fn cached_token(&self, hash: &str) -> Option<ClientIdentity> {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        match tokens.get(hash) {
            Some((id, exp)) if *exp > Timestamp::now() => Some(id.clone()),
            Some(_) => {
                tokens.remove(hash);
                None
            }
            None => None,
        }
    }

    pub fn cache_token(&self, hash: String, id: ClientIdentity, expires: Timestamp) {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if tokens.len() > 10_000 {
            let now = Timestamp::now();
            tokens.retain(|_, (_, e)| *e > now);
        }
        tokens.insert(hash, (id, expires));
    }

    /// The lock of one upload.
    pub fn upload_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .upload_locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if locks.len() > 10_000 {
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry(id.to_owned()).or_default().clone()
    }
}

/// Token buckets per client key.
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket, or says how many seconds until one is free.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let burst = f64::from(self.limit.burst.max(1));
        let rate = self.limit.per_second.max(0.001);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() > 10_000 {
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - *tokens) / rate).ceil();
            Err(if wait.is_finite() && wait >= 1.0 {
                wait as u64
            } else {
                1
            })
        }
    }
}
