//! Where PKCS#11 modules are: the file names token middleware installs (versioned data in
//! `signing/data/pkcs11-modules.toml`), the folders they go to on each operating system, and
//! the paths a user gives (`HOSO_PKCS11_MODULE`, `--pkcs11-module`, the app's setting).
//!
//! Discovery only looks at files; it loads nothing. Which chip a module drives is read later
//! from `C_GetTokenInfo`, not guessed from the file name.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::signer::SignError;

/// The environment variable holding module paths (one, or several joined like `PATH`).
pub const ENV_MODULE: &str = "HOSO_PKCS11_MODULE";

const BUNDLED: &str = include_str!("../../data/pkcs11-modules.toml");

/// How sure the source is that a CA ships a module under this name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Seen in at least two independent projects.
    Confirmed,
    /// Seen in one.
    Single,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Os {
    Windows,
    Linux,
    Macos,
}

impl Os {
    pub fn current() -> Os {
        if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::Macos
        } else {
            Os::Linux
        }
    }
}

/// One row of the data file: a vendor's module names on one operating system.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownModule {
    pub vendor: String,
    pub os: Os,
    pub confidence: Confidence,
    pub files: Vec<String>,
}

/// The data file: its version and date, and the rows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownModules {
    pub version: u32,
    pub updated: jiff::civil::Date,
    pub source: String,
    #[serde(rename = "module")]
    pub modules: Vec<KnownModule>,
}

impl KnownModules {
    /// The list built into this version of the program.
    pub fn bundled() -> Result<KnownModules, SignError> {
        KnownModules::parse(BUNDLED)
    }

    pub fn parse(text: &str) -> Result<KnownModules, SignError> {
        let known: KnownModules = toml::from_str(text)
            .map_err(|e| SignError::Other(format!("PKCS#11 module list: {e}")))?;
        for row in &known.modules {
            if row.files.is_empty() || row.files.iter().any(|f| f.contains(['/', '\\'])) {
                return Err(SignError::Other(format!(
                    "PKCS#11 module list: row {} ({:?}) must list bare file names",
                    row.vendor, row.os
                )));
            }
        }
        Ok(known)
    }

    /// The rows for one operating system.
    pub fn for_os(&self, os: Os) -> impl Iterator<Item = &KnownModule> {
        self.modules.iter().filter(move |m| m.os == os)
    }
}

/// The folders module files are looked for in, on this machine.
pub fn search_dirs() -> Vec<PathBuf> {
    match Os::current() {
        Os::Windows => {
            let root = std::env::var_os("SystemRoot")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(r"C:\Windows"));
            vec![root.join("System32"), root.join("SysWOW64")]
        }
        Os::Macos => [
            "/usr/local/lib",
            "/opt/homebrew/lib",
            "/Library/Frameworks",
            "/usr/lib",
        ]
        .iter()
        .map(PathBuf::from)
        .chain(
            ["/usr/local/lib/softhsm", "/opt/homebrew/lib/softhsm"]
                .iter()
                .map(PathBuf::from),
        )
        .collect(),
        Os::Linux => {
            let mut dirs: Vec<PathBuf> = Vec::new();
            let multiarch = match std::env::consts::ARCH {
                "x86_64" => Some("x86_64-linux-gnu"),
                "aarch64" => Some("aarch64-linux-gnu"),
                "x86" => Some("i386-linux-gnu"),
                "arm" => Some("arm-linux-gnueabihf"),
                _ => None,
            };
            for base in ["/usr/lib", "/usr/lib64", "/usr/local/lib"] {
                dirs.push(PathBuf::from(base));
                if let Some(triplet) = multiarch.filter(|_| base == "/usr/lib") {
                    dirs.push(Path::new(base).join(triplet));
                }
            }
            for sub in ["softhsm", "pkcs11"] {
                for base in ["/usr/lib", "/usr/lib64", "/usr/local/lib"] {
                    dirs.push(Path::new(base).join(sub));
                }
                if let Some(triplet) = multiarch {
                    dirs.push(Path::new("/usr/lib").join(triplet).join(sub));
                }
            }
            dirs
        }
    }
}

/// Where a candidate came from; the user's own paths come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleOrigin {
    /// `HOSO_PKCS11_MODULE`.
    Environment,
    /// Given on the command line or in the settings.
    User,
    /// Found on disk under a name from the data file.
    Known,
}

/// A module file to try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleCandidate {
    pub path: PathBuf,
    pub origin: ModuleOrigin,
    /// The vendor the data file names for this file (known modules only).
    pub vendor: Option<String>,
    pub confidence: Option<Confidence>,
}

/// Candidates on this machine: `HOSO_PKCS11_MODULE`, then the known modules found.
pub fn discover() -> Vec<ModuleCandidate> {
    discover_with(&[])
}

/// Candidates on this machine: `HOSO_PKCS11_MODULE`, the user's paths (kept even when
/// missing, so that loading them reports why), then the known modules found in
/// [`search_dirs`]. Each file once, by canonical path.
pub fn discover_with(user_paths: &[PathBuf]) -> Vec<ModuleCandidate> {
    let known = match KnownModules::bundled() {
        Ok(k) => k,
        Err(e) => {
            tracing::error!("{e}");
            KnownModules {
                version: 0,
                updated: jiff::civil::Date::MIN,
                source: String::new(),
                modules: Vec::new(),
            }
        }
    };
    discover_in(
        &known,
        Os::current(),
        &search_dirs(),
        std::env::var_os(ENV_MODULE),
        user_paths,
    )
}

/// [`discover_with`] with everything it reads from the machine given.
pub fn discover_in(
    known: &KnownModules,
    os: Os,
    dirs: &[PathBuf],
    env: Option<OsString>,
    user_paths: &[PathBuf],
) -> Vec<ModuleCandidate> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut push = |c: ModuleCandidate, out: &mut Vec<ModuleCandidate>| {
        let key = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
        if seen.insert(key) {
            out.push(c);
        }
    };
    let from_env: Vec<PathBuf> = env
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    for path in from_env {
        push(
            ModuleCandidate {
                path,
                origin: ModuleOrigin::Environment,
                vendor: None,
                confidence: None,
            },
            &mut out,
        );
    }
    for path in user_paths {
        push(
            ModuleCandidate {
                path: path.clone(),
                origin: ModuleOrigin::User,
                vendor: None,
                confidence: None,
            },
            &mut out,
        );
    }
    for row in known.for_os(os) {
        for file in &row.files {
            for dir in dirs {
                let path = dir.join(file);
                if path.is_file() {
                    push(
                        ModuleCandidate {
                            path,
                            origin: ModuleOrigin::Known,
                            vendor: Some(row.vendor.clone()),
                            confidence: Some(row.confidence),
                        },
                        &mut out,
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_parses_and_covers_the_big_vietnamese_cas() {
        let known = KnownModules::bundled().unwrap();
        assert!(known.version >= 1);
        let windows: Vec<&str> = known
            .for_os(Os::Windows)
            .flat_map(|m| m.files.iter().map(String::as_str))
            .collect();
        for file in [
            "vnpt-ca_csp11.dll",
            "viettel-ca_v6.dll",
            "fpt-ca.dll",
            "BkavCA.dll",
            "CA2_csp11.dll",
        ] {
            assert!(windows.contains(&file), "{file}");
        }
        assert!(
            known
                .for_os(Os::Linux)
                .any(|m| m.files.iter().any(|f| f == "libcastle.so.1.0.0"))
        );
        assert!(
            known
                .modules
                .iter()
                .any(|m| m.confidence == Confidence::Single)
        );
    }

    #[test]
    fn a_row_with_a_path_is_refused() {
        let text = "version = 1\nupdated = \"2026-01-01\"\nsource = \"x\"\n\
                    [[module]]\nvendor = \"X\"\nos = \"linux\"\nconfidence = \"single\"\nfiles = [\"/usr/lib/x.so\"]\n";
        assert!(KnownModules::parse(text).is_err());
    }

    #[test]
    fn discovery_puts_user_paths_first_and_finds_known_files_once() {
        let dir_a = tempfile::tempdir().unwrap();
        let dir_b = tempfile::tempdir().unwrap();
        std::fs::write(dir_a.path().join("libcastle.so.1.0.0"), b"").unwrap();
        std::fs::write(dir_b.path().join("opensc-pkcs11.so"), b"").unwrap();
        let user = dir_b.path().join("opensc-pkcs11.so");
        let env_path = PathBuf::from("/nonexistent/vendor.so");
        let known = KnownModules::bundled().unwrap();
        let found = discover_in(
            &known,
            Os::Linux,
            &[dir_a.path().to_path_buf(), dir_b.path().to_path_buf()],
            Some(env_path.clone().into_os_string()),
            std::slice::from_ref(&user),
        );
        let summary: Vec<(PathBuf, ModuleOrigin)> =
            found.iter().map(|c| (c.path.clone(), c.origin)).collect();
        assert_eq!(
            summary,
            vec![
                (env_path, ModuleOrigin::Environment),
                (user, ModuleOrigin::User),
                (dir_a.path().join("libcastle.so.1.0.0"), ModuleOrigin::Known),
            ]
        );
        assert_eq!(found[2].vendor.as_deref(), Some("Feitian ePass2003"));
    }

    #[test]
    fn search_dirs_include_the_os_library_folders() {
        let dirs = search_dirs();
        if cfg!(target_os = "linux") {
            assert!(dirs.contains(&PathBuf::from("/usr/lib")));
            assert!(dirs.contains(&PathBuf::from("/usr/local/lib")));
            assert!(dirs.contains(&PathBuf::from("/usr/lib/softhsm")));
        }
    }
}
