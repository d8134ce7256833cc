//! `hoso data`: an encrypted folder, its passphrase copy, and what happens without its key.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const FIRST: &str = "cụm mật khẩu đầu tiên";
const SECOND: &str = "cụm mật khẩu thứ hai";

/// `hoso` on the folder `data`; `keyring` is `HOSO_KEYRING` (`none`: the passphrase only).
fn hoso(data: &Path, keyring: &str, passphrase: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hoso"));
    c.args(args)
        .env("HOSO_DATA_DIR", data)
        .env("HOSO_KEYRING", keyring)
        .env("HOSO_TEST_NEW_PASSPHRASE", SECOND)
        .env_remove("HOSO_LANG");
    match passphrase {
        Some(p) => c.env("HOSO_DATA_PASSPHRASE", p),
        None => c.env_remove("HOSO_DATA_PASSPHRASE"),
    };
    c.output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON: {e}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn a_folder_made_with_a_passphrase_opens_by_it_and_its_passphrase_can_change() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let created = hoso(&data, "keyutils", Some(FIRST), &["data", "--json"]);
    assert!(created.status.success(), "{created:?}");
    let v = json(&created);
    assert_eq!(v["encrypted"], true, "{v}");
    assert_eq!(v["passphrase_copy"], true, "{v}");

    let added = hoso(
        &data,
        "none",
        Some(FIRST),
        &[
            "profile",
            "add",
            "--type",
            "enterprise",
            "--set",
            "name=Công ty Bí Mật",
            "--set",
            "tax_code=0101234565",
            "--set",
            "address=Hà Nội",
            "--set",
            "phone=024 3822 1234",
            "--set",
            "legal_representative.name=Lê Văn A",
        ],
    );
    assert!(added.status.success(), "{added:?}");

    // Without a keyring and without the passphrase: locked, and told what to set.
    let locked = hoso(&data, "none", None, &["profile", "list", "--json"]);
    assert_eq!(locked.status.code(), Some(3));
    let v = json(&locked);
    assert_eq!(v["error"]["code"], "store.locked", "{v}");
    assert!(
        v["error"]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("HOSO_DATA_PASSPHRASE"),
        "{v}"
    );

    let changed = hoso(
        &data,
        "none",
        Some(FIRST),
        &[
            "data",
            "passphrase",
            "--pass-env",
            "HOSO_TEST_NEW_PASSPHRASE",
            "--json",
        ],
    );
    assert!(changed.status.success(), "{changed:?}");

    let old = hoso(&data, "none", Some(FIRST), &["profile", "list", "--json"]);
    assert_eq!(
        old.status.code(),
        Some(1),
        "a wrong passphrase is invalid input"
    );
    assert_eq!(json(&old)["error"]["code"], "store.wrong_key");

    let new = hoso(&data, "none", Some(SECOND), &["profile", "list", "--json"]);
    assert!(new.status.success(), "{new:?}");
    assert_eq!(json(&new)[0]["name"], "Công ty Bí Mật");

    // Nothing of the folder's content is in clear on disk.
    let needle = "Bí Mật".as_bytes();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} holds the profile's name in clear",
                path.display()
            );
        }
    }
}

#[test]
fn a_short_passphrase_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = hoso(&data, "none", Some("ngắn"), &["data", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["error"]["code"], "store.weak_passphrase");
    assert!(!data.join("hoso.key").exists());
    assert!(!data.join("hoso.sqlite3").exists());
}

#[test]
fn a_folder_in_clear_says_so_and_has_no_key_to_protect() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = hoso(&data, "none", None, &["data", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let v = json(&out);
    assert_eq!(v["encrypted"], false, "{v}");
    let out = hoso(
        &data,
        "none",
        None,
        &[
            "data",
            "passphrase",
            "--pass-env",
            "HOSO_TEST_NEW_PASSPHRASE",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}
