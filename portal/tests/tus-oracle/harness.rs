//! Starts and stops the independent tus server of `server.mjs` (@tus/server + @tus/file-store
//! from npm, installed by `scripts/setup-tus-oracle.sh`) for the interop test, the fault test
//! and the upload benchmark, which include this file with `#[path]`.
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// This folder: `server.mjs`, `package.json` and, once set up, `node_modules`.
pub fn oracle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tus-oracle")
}

/// Why the oracle cannot run here, if it cannot.
pub fn unavailable() -> Option<String> {
    let out = match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => out,
        _ => return Some("node is not installed".into()),
    };
    let version = String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_start_matches('v')
        .to_owned();
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < (20, 19) {
        return Some(format!("node {version} is older than 20.19"));
    }
    let modules = oracle_dir().join("node_modules/@tus");
    if !modules.join("server").is_dir() || !modules.join("file-store").is_dir() {
        return Some("the npm modules are missing: run scripts/setup-tus-oracle.sh".into());
    }
    None
}

/// Whether the oracle can run; prints a skip note when it cannot, and fails instead when
/// the environment variable `CI` is set (CI must run every interop test).
pub fn available_or_skip(test: &str) -> bool {
    match unavailable() {
        None => true,
        Some(why) if std::env::var_os("CI").is_some() => {
            panic!("{test}: the tus oracle is required in CI: {why}")
        }
        Some(why) => {
            eprintln!("SKIPPED {test}: tus oracle unavailable ({why})");
            false
        }
    }
}

/// A running oracle; stopped when dropped.
pub struct Oracle {
    child: Option<Child>,
    pub port: u16,
    pub store: PathBuf,
    relative_location: bool,
}

impl Oracle {
    /// Starts an oracle storing into `store`, on any free port.
    pub fn start(store: &Path) -> Oracle {
        Oracle::start_on(store, 0, false)
    }

    /// Starts an oracle whose `Location` headers are relative (`/files/<id>`).
    pub fn start_relative(store: &Path) -> Oracle {
        Oracle::start_on(store, 0, true)
    }

    fn start_on(store: &Path, port: u16, relative_location: bool) -> Oracle {
        let mut cmd = Command::new("node");
        cmd.arg(oracle_dir().join("server.mjs"))
            .arg("--dir")
            .arg(store)
            .arg("--port")
            .arg(port.to_string())
            .current_dir(oracle_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if relative_location {
            cmd.arg("--relative-location");
        }
        let mut child = cmd.spawn().expect("start node server.mjs");
        let stdout = child.stdout.take().expect("oracle stdout");
        let (tx, rx) = mpsc::channel();
        // Reads the port, then keeps draining stdout so that the server never blocks on it.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line.strip_prefix("listening ") {
                    let _ = tx.send(port.trim().parse::<u16>().ok());
                }
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(Some(port)) => port,
            other => {
                let _ = child.kill();
                panic!("the tus oracle did not start: {other:?}")
            }
        };
        Oracle {
            child: Some(child),
            port,
            store: store.to_owned(),
            relative_location,
        }
    }

    /// The tus collection URL (`POST` here creates an upload).
    pub fn endpoint(&self) -> reqwest::Url {
        reqwest::Url::parse(&format!("http://127.0.0.1:{}/files", self.port)).expect("oracle URL")
    }

    /// Where FileStore keeps the bytes of an upload.
    pub fn stored_file(&self, upload_id: &str) -> PathBuf {
        self.store.join(upload_id)
    }

    /// Kills the server (as a crash would).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and store, as a restarted server.
    pub fn restart(&mut self) {
        self.stop();
        let again = Oracle::start_on(&self.store.clone(), self.port, self.relative_location);
        *self = again;
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        self.stop();
    }
}
