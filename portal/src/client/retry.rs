//! Retries: exponential backoff with jitter (backon) on the errors
//! [`ClientError::is_retryable`] allows, honouring the server's `Retry-After`, and bounded by
//! a deadline on the whole operation (requests and waits together), so that a call never
//! hangs longer than the caller was told.

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable as _};
use tokio::time::Instant;

use super::error::ClientError;

/// How a failed call is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first wait; each next one doubles, with up to as much again of random jitter.
    pub min_delay: Duration,
    /// The longest wait between two tries (the server's `Retry-After` may ask for more).
    pub max_delay: Duration,
    /// The whole operation gives up after this long. For an upload, the clock restarts
    /// with every chunk the server acknowledges: it bounds a stall, not a slow link.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            deadline: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// A policy that tries once and never again.
    pub fn never() -> RetryPolicy {
        RetryPolicy {
            min_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            deadline: Duration::ZERO,
        }
    }

    /// Runs `op` until it succeeds, fails with an error that is not retryable, or the
    /// deadline would pass before the next try.
    pub async fn run<T, Fut, F>(&self, what: &str, op: F) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let deadline = Instant::now() + self.deadline;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_jitter()
            .without_max_times();
        op.retry(backoff)
            .sleep(tokio::time::sleep)
            .when(|e: &ClientError| e.is_retryable())
            .adjust(|e: &ClientError, backoff: Option<Duration>| {
                // Retry-After wins over our own schedule when it asks for longer.
                let wait = match (backoff, e.retry_after()) {
                    (Some(b), Some(r)) => Some(b.max(r)),
                    (b, r) => b.or(r),
                }?;
                (Instant::now() + wait < deadline).then_some(wait)
            })
            .notify(|e: &ClientError, wait: Duration| {
                tracing::debug!(what, code = e.code(), error = %e, ?wait, "retrying");
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn fast() -> RetryPolicy {
        RetryPolicy {
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            deadline: Duration::from_secs(2),
        }
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_success() {
        let tries = AtomicU32::new(0);
        let out = fast()
            .run("test", || async {
                if tries.fetch_add(1, Ordering::SeqCst) < 3 {
                    Err(ClientError::ConnectionLost("cut".into()))
                } else {
                    Ok(42)
                }
            })
            .await;
        assert_eq!(out.unwrap(), 42);
        assert_eq!(tries.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_refusal_is_never_retried() {
        let tries = AtomicU32::new(0);
        let out: Result<(), _> = fast()
            .run("test", || async {
                tries.fetch_add(1, Ordering::SeqCst);
                Err(ClientError::Rejected {
                    status: 422,
                    detail: None,
                })
            })
            .await;
        assert_eq!(out.unwrap_err().code(), "portal.rejected");
        assert_eq!(tries.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_deadline_bounds_the_whole_operation() {
        let policy = RetryPolicy {
            deadline: Duration::from_millis(200),
            ..fast()
        };
        let started = std::time::Instant::now();
        let out: Result<(), _> = policy
            .run("test", || async {
                Err(ClientError::Timeout("slow".into()))
            })
            .await;
        assert_eq!(out.unwrap_err().code(), "portal.timeout");
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn retry_after_beyond_the_deadline_gives_up_at_once() {
        let started = std::time::Instant::now();
        let out: Result<(), _> = fast()
            .run("test", || async {
                Err(ClientError::RateLimited {
                    retry_after: Some(Duration::from_secs(3600)),
                    detail: None,
                })
            })
            .await;
        assert_eq!(out.unwrap_err().code(), "portal.rate_limited");
        assert!(started.elapsed() < Duration::from_millis(500));
    }

    #[tokio::test]
    async fn retry_after_is_waited_for() {
        let tries = AtomicU32::new(0);
        let started = std::time::Instant::now();
        fast()
            .run("test", || async {
                if tries.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(ClientError::RateLimited {
                        retry_after: Some(Duration::from_millis(300)),
                        detail: None,
                    })
                } else {
                    Ok(())
                }
            })
            .await
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
}
