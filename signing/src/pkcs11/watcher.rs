//! Tokens plugged in and pulled out, noticed by polling the slot list. Polling, because
//! `C_WaitForSlotEvent` is missing from SoftHSM and unreliable in several vendor modules, and a
//! blocking wait cannot be stopped portably.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

use super::registry::Module;
use super::token_error;
use crate::signer::SignError;

/// A token as the watcher sees it (no certificates: reading them on every poll would be slow
/// on real tokens).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TokenSummary {
    pub slot_id: u64,
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", content = "token", rename_all = "snake_case")]
pub enum TokenEvent {
    Added(TokenSummary),
    Removed(TokenSummary),
}

/// Compares the tokens present with those of the previous poll. Uninitialised tokens (a blank
/// token, SoftHSM's ever-present free slot) hold nothing to sign with and are not reported.
pub struct TokenWatcher {
    module: Arc<Module>,
    present: BTreeMap<(u64, String, String), TokenSummary>,
}

impl TokenWatcher {
    /// A watcher whose first [`poll`](Self::poll) reports changes from now on; the tokens
    /// present now are in [`present`](Self::present).
    pub fn new(module: Arc<Module>) -> Result<TokenWatcher, SignError> {
        let mut watcher = TokenWatcher {
            module,
            present: BTreeMap::new(),
        };
        watcher.present = watcher.snapshot()?;
        Ok(watcher)
    }

    pub fn present(&self) -> impl Iterator<Item = &TokenSummary> {
        self.present.values()
    }

    fn snapshot(&self) -> Result<BTreeMap<(u64, String, String), TokenSummary>, SignError> {
        let pkcs11 = self.module.pkcs11();
        let slots = pkcs11
            .get_slots_with_token()
            .map_err(|e| token_error("C_GetSlotList", e))?;
        let mut out = BTreeMap::new();
        for slot in slots {
            // A token pulled out between the two calls is simply not there.
            let Ok(info) = pkcs11.get_token_info(slot) else {
                continue;
            };
            if !info.token_initialized() {
                continue;
            }
            let summary = TokenSummary {
                slot_id: slot.id(),
                label: info.label().trim().to_owned(),
                manufacturer: info.manufacturer_id().trim().to_owned(),
                model: info.model().trim().to_owned(),
                serial: info.serial_number().trim().to_owned(),
            };
            out.insert(
                (
                    summary.slot_id,
                    summary.serial.clone(),
                    summary.label.clone(),
                ),
                summary,
            );
        }
        Ok(out)
    }

    /// What changed since the last poll: removals first, then additions.
    pub fn poll(&mut self) -> Result<Vec<TokenEvent>, SignError> {
        let now = self.snapshot()?;
        let mut events: Vec<TokenEvent> = self
            .present
            .iter()
            .filter(|(k, _)| !now.contains_key(*k))
            .map(|(_, t)| TokenEvent::Removed(t.clone()))
            .collect();
        events.extend(
            now.iter()
                .filter(|(k, _)| !self.present.contains_key(*k))
                .map(|(_, t)| TokenEvent::Added(t.clone())),
        );
        self.present = now;
        Ok(events)
    }

    /// Polls every `interval` on a thread of its own until the handle is dropped.
    pub fn spawn(mut self, interval: Duration) -> WatchHandle {
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("hoso-token-watcher".into())
            .spawn(move || {
                while !stopping.load(Ordering::SeqCst) {
                    match self.poll() {
                        Ok(events) => {
                            for event in events {
                                if tx.send(event).is_err() {
                                    return;
                                }
                            }
                        }
                        Err(e) => tracing::warn!("token watcher: {e}"),
                    }
                    std::thread::sleep(interval);
                }
            });
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::error!("token watcher thread: {e}");
                None
            }
        };
        WatchHandle {
            events: rx,
            stop,
            thread,
        }
    }
}

/// A running watcher: its events, and its end when dropped.
pub struct WatchHandle {
    events: mpsc::Receiver<TokenEvent>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl WatchHandle {
    pub fn events(&self) -> &mpsc::Receiver<TokenEvent> {
        &self.events
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
