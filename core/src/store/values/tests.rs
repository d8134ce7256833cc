use std::path::Path;

use serde_json::json;

use super::*;
use crate::store::tests::temp_store;
use crate::store::{
    DataKey, DraftId, ItemError, NewOutboxItem, ProfileId, ProfileKind, StoredReceipt,
    SupplementDraft,
};
use crate::text::Text;

/// A store in a new temporary folder encrypted with a new key.
pub(crate) fn temp_encrypted_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_with_key(dir.path(), &DataKey::generate()).expect("open store");
    (dir, store)
}

/// Declares each named `fn(&mut Store)` as two tests, one in a plaintext folder and one in an
/// encrypted folder: `…::in_a_plaintext_folder::name` and `…::in_an_encrypted_folder::name`.
macro_rules! in_both_folders {
    ($($name:ident),+ $(,)?) => {
        mod in_a_plaintext_folder {
            $(
                #[test]
                fn $name() {
                    let (_dir, mut store) = $crate::store::tests::temp_store();
                    super::$name(&mut store);
                }
            )+
        }
        mod in_an_encrypted_folder {
            $(
                #[test]
                fn $name() {
                    let (_dir, mut store) =
                        $crate::store::values::tests::temp_encrypted_store();
                    assert!(store.is_encrypted());
                    super::$name(&mut store);
                }
            )+
        }
    };
}
pub(crate) use in_both_folders;

/// A distinctive text for each sealed column, none of which may reach the disk in clear.
const SECRETS: [(&str, &str); 11] = [
    ("profiles.name", "SECRET-profile-name Công ty Bí Mật"),
    ("profiles.data", "SECRET-profile-data"),
    ("drafts.title", "SECRET-draft-title"),
    ("revisions.summary", "SECRET-revision-summary"),
    ("revisions.doc", "SECRET-revision-doc máy lọc nước"),
    ("outbox.file_name", "SECRET-file-name.asice"),
    ("outbox.last_error", "SECRET-last-error"),
    ("receipts.receipt", "SECRET-receipt"),
    ("dossier_status.detail", "SECRET-status-detail"),
    ("supplement_drafts.message", "SECRET-supplement-message"),
    ("supplement_drafts.note", "SECRET-supplement-note"),
];

/// A text in a clear column, which the raw file must show (the scan does see the data).
const CLEAR_TAX_CODE: &str = "0109988776";

fn secret(column: &str) -> &'static str {
    SECRETS
        .iter()
        .find(|(c, _)| *c == column)
        .map(|(_, s)| *s)
        .expect("a secret per column")
}

/// Writes one row in every table with a sealed column, each sealed value one of [`SECRETS`].
fn fill(store: &mut Store) -> (ProfileId, DraftId) {
    let profile = store
        .add_profile(
            ProfileKind::Enterprise,
            secret("profiles.name"),
            &json!({"name": secret("profiles.data"), "tax_code": CLEAR_TAX_CODE}),
        )
        .expect("profile");
    let draft = store
        .create_draft(
            "patent",
            Some(profile),
            secret("drafts.title"),
            &json!({"title": secret("revisions.doc")}),
            secret("revisions.summary"),
        )
        .expect("draft");
    let src = tempfile::tempdir().expect("dir");
    let path = src.path().join("c.asice");
    std::fs::write(&path, b"PK\x03\x04 a container").expect("write");
    let sha = store.add_attachment(&path).expect("attachment").sha256;
    let (item, _) = store
        .queue_container(&NewOutboxItem {
            container_sha256: &sha,
            size: 20,
            file_name: secret("outbox.file_name"),
            kind: "patent",
            applicant_tax_code: Some(CLEAR_TAX_CODE),
            draft_id: Some(draft),
            supplement_of: None,
        })
        .expect("queue");
    store
        .outbox_error(
            item.id,
            &ItemError {
                code: "portal.refused".into(),
                message: Text::new(secret("outbox.last_error"), "refused"),
            },
            false,
        )
        .expect("error");
    store
        .outbox_filed(
            item.id,
            &StoredReceipt {
                dossier_number: "1-2026-00042".into(),
                supplement: 0,
                container_sha256: sha.clone(),
                kind: "patent".into(),
                received_at: "2026-11-23T01:02:03Z".into(),
                draft_id: Some(draft),
                portal: "http://portal".into(),
                receipt: json!({"officer": secret("receipts.receipt")}),
            },
        )
        .expect("filed");
    // The item's error is cleared once filed: record one on a second item to keep it.
    let path = src.path().join("d.asice");
    std::fs::write(&path, b"PK\x03\x04 another container").expect("write");
    let sha2 = store.add_attachment(&path).expect("attachment").sha256;
    let (second, _) = store
        .queue_container(&NewOutboxItem {
            container_sha256: &sha2,
            size: 26,
            file_name: "plain.asice",
            kind: "patent",
            applicant_tax_code: None,
            draft_id: None,
            supplement_of: Some("1-2026-00042"),
        })
        .expect("queue");
    store
        .outbox_error(
            second.id,
            &ItemError {
                code: "portal.refused".into(),
                message: Text::new(secret("outbox.last_error"), "refused"),
            },
            true,
        )
        .expect("error");
    store
        .save_dossier_status(
            "1-2026-00042",
            "patent",
            "in_review",
            &json!({"history": [secret("dossier_status.detail")]}),
        )
        .expect("status");
    store
        .add_supplement_request(&SupplementDraft {
            dossier_number: "1-2026-00042".into(),
            requested_at: "2026-12-01T00:00:00Z".into(),
            deadline: "2027-01-01".into(),
            message: secret("supplement_drafts.message").into(),
            draft_id: None,
            original_draft_id: Some(draft),
            note: secret("supplement_drafts.note").into(),
            created_at: "2026-12-02T00:00:00Z".parse().expect("ts"),
        })
        .expect("supplement");
    (profile, draft)
}

/// Every value [`fill`] wrote, read back through the store.
fn read_back(store: &Store, profile: ProfileId, draft: DraftId) -> Result<(), StoreError> {
    let p = store.profile(profile)?;
    assert_eq!(p.name, secret("profiles.name"));
    assert_eq!(p.data["name"], secret("profiles.data"));
    let d = store.draft(draft)?;
    assert_eq!(d.title, secret("drafts.title"));
    assert_eq!(d.doc["title"], secret("revisions.doc"));
    assert_eq!(
        store.history(draft)?[0].summary,
        secret("revisions.summary")
    );
    let outbox = store.outbox()?;
    assert_eq!(outbox[0].file_name, secret("outbox.file_name"));
    let error = outbox[1].last_error.as_ref().expect("an error");
    assert_eq!(error.message.vi, secret("outbox.last_error"));
    let receipt = &store.receipts()?[0];
    assert_eq!(receipt.receipt["officer"], secret("receipts.receipt"));
    let status = store.dossier_status("1-2026-00042")?.expect("status");
    assert_eq!(status.detail["history"][0], secret("dossier_status.detail"));
    let request = &store.supplement_requests("1-2026-00042")?[0];
    assert_eq!(request.message, secret("supplement_drafts.message"));
    assert_eq!(request.note, secret("supplement_drafts.note"));
    Ok(())
}

/// The storage class of every sealed column's values, as `table.column` → classes seen.
fn stored_types(store: &Store) -> Vec<(String, String)> {
    SECRETS
        .iter()
        .map(|(column, _)| {
            let (table, col) = column.split_once('.').expect("table.column");
            let types: String = store
                .conn
                .query_row(
                    &format!(
                        "SELECT group_concat(DISTINCT typeof({col})) FROM {table} \
                         WHERE {col} IS NOT NULL"
                    ),
                    [],
                    |r| r.get(0),
                )
                .expect("typeof");
            (column.to_string(), types)
        })
        .collect()
}

/// The bytes of the database and its WAL and shared-memory files.
fn database_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let entry = entry.expect("entry");
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(crate::store::DB_FILE)
        {
            bytes.extend(std::fs::read(entry.path()).expect("read"));
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn an_encrypted_folder_round_trips_every_sealed_column_as_a_blob() {
    let (_dir, mut store) = temp_encrypted_store();
    let (profile, draft) = fill(&mut store);
    read_back(&store, profile, draft).expect("reads back");
    for (column, types) in stored_types(&store) {
        assert_eq!(types, "blob", "{column}");
    }
}

#[test]
fn a_plaintext_folder_keeps_its_values_as_text() {
    let (_dir, mut store) = temp_store();
    let (profile, draft) = fill(&mut store);
    read_back(&store, profile, draft).expect("reads back");
    for (column, types) in stored_types(&store) {
        assert_eq!(types, "text", "{column}");
    }
    let doc: String = store
        .conn
        .query_row("SELECT doc FROM revisions", [], |r| r.get(0))
        .expect("doc");
    assert_eq!(doc, format!(r#"{{"title":"{}"}}"#, secret("revisions.doc")));
}

#[test]
fn the_database_files_never_hold_a_sealed_value_in_clear() {
    let (dir, mut store) = temp_encrypted_store();
    fill(&mut store);
    let check = |bytes: &[u8], when: &str| {
        assert!(
            contains(bytes, CLEAR_TAX_CODE),
            "{when}: the scan sees the data"
        );
        for (column, text) in SECRETS {
            assert!(!contains(bytes, text), "{when}: {column} in clear");
        }
        assert!(
            !contains(bytes, "SECRET-"),
            "{when}: part of a secret in clear"
        );
    };
    // While open the new pages are in the WAL; after a checkpoint, in the database.
    check(&database_bytes(dir.path()), "open");
    store
        .conn
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .expect("checkpoint");
    check(&database_bytes(dir.path()), "checkpointed");
    drop(store);
    check(&database_bytes(dir.path()), "closed");
}

#[test]
fn a_sealed_value_copied_to_another_row_or_column_does_not_open() {
    let (_dir, mut store) = temp_encrypted_store();
    let a = store
        .add_profile(ProfileKind::Enterprise, "A", &json!({"who": "a"}))
        .expect("a");
    let b = store
        .add_profile(ProfileKind::Enterprise, "B", &json!({"who": "b"}))
        .expect("b");
    let undecryptable =
        |r: Result<_, StoreError>| matches!(r, Err(StoreError::Undecryptable { .. }));

    // Another row of the same column.
    store
        .conn
        .execute(
            "UPDATE profiles SET data = (SELECT data FROM profiles WHERE id = ?1) WHERE id = ?2",
            [a.0, b.0],
        )
        .expect("copy");
    assert!(undecryptable(store.profile(b).map(|_| ())));
    assert_eq!(
        store.profile(a).expect("a is intact").data,
        json!({"who": "a"})
    );

    // Another column of the same row.
    store
        .conn
        .execute("UPDATE profiles SET name = data WHERE id = ?1", [a.0])
        .expect("copy");
    assert!(undecryptable(store.profile(a).map(|_| ())));

    // A revision's document passed off as a later revision of the same draft.
    let draft = store
        .create_draft("patent", None, "t", &json!({"v": 1}), "one")
        .expect("draft");
    store
        .conn
        .execute_batch(&format!(
            "INSERT INTO revisions (draft_id, rev, saved_at, summary, doc) \
             SELECT draft_id, 2, saved_at, summary, doc FROM revisions WHERE draft_id = {0}; \
             UPDATE drafts SET current_rev = 2 WHERE id = {0};",
            draft.0
        ))
        .expect("forge");
    assert!(undecryptable(store.draft(draft).map(|_| ())));
    assert!(undecryptable(store.revision(draft, 2).map(|_| ())));
    assert_eq!(store.revision(draft, 1).expect("rev 1"), json!({"v": 1}));

    // Another table.
    store
        .save_dossier_status("1-2026-1", "patent", "received", &json!({}))
        .expect("status");
    store
        .conn
        .execute(
            "UPDATE dossier_status SET detail = (SELECT data FROM profiles WHERE id = ?1)",
            [a.0],
        )
        .expect("copy");
    assert!(undecryptable(store.dossier_status("1-2026-1").map(|_| ())));
}

#[test]
fn another_key_fails_to_read_instead_of_returning_garbage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (profile, draft) = {
        let mut store = Store::open_with_key(dir.path(), &DataKey::generate()).expect("open");
        fill(&mut store)
    };
    let other = DataKey::generate();
    let err = Store::open_with_key(dir.path(), &other).expect_err("hoso.key tells");
    assert_eq!(err.code(), "store.wrong_key");
    // Someone who can write the folder replaces `hoso.key` with one of their own key, for the
    // same folder id: the store opens, and every sealed value still refuses to open.
    crate::store::key::replace_with_key(dir.path(), &other);
    let store = Store::open_with_key(dir.path(), &other).expect("their key file");
    let err = read_back(&store, profile, draft).expect_err("wrong key");
    assert_eq!(err.code(), "store.undecryptable", "{err:?}");
    assert!(
        err.to_string().contains("profiles.name"),
        "names the value: {err}"
    );
    for result in [
        store.drafts().map(|_| ()),
        store.outbox().map(|_| ()),
        store.receipts().map(|_| ()),
        store.dossier_statuses().map(|_| ()),
        store.supplement_requests("1-2026-00042").map(|_| ()),
        store.recent_revisions(draft, 5).map(|_| ()),
    ] {
        assert_eq!(result.expect_err("wrong key").code(), "store.undecryptable");
    }
}

#[test]
fn a_value_put_in_clear_into_an_encrypted_folder_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_with_key(dir.path(), &DataKey::generate()).expect("open");
    let (profile, _) = fill(&mut store);
    store
        .conn
        .execute(
            "UPDATE profiles SET data = '{\"forged\": true}' WHERE id = ?1",
            [profile.0],
        )
        .expect("forge");
    let err = store.profile(profile).expect_err("refused");
    assert!(
        matches!(&err, StoreError::Corrupt { detail } if detail.contains("in clear")),
        "{err:?}"
    );
}

#[test]
fn a_folder_in_clear_cannot_be_given_a_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (profile, draft) = {
        let mut store = Store::open_with_passphrase(dir.path(), None).expect("open");
        if store.is_encrypted() {
            // This machine has a durable keyring: its folders are encrypted from the start.
            return;
        }
        fill(&mut store)
    };
    let err = Store::open_with_key(dir.path(), &DataKey::generate()).expect_err("refused");
    assert_eq!(err.code(), "store.corrupt");
    let store = Store::open_with_passphrase(dir.path(), None).expect("reopen");
    read_back(&store, profile, draft).expect("clear rows read");
}

#[test]
fn a_stored_value_of_the_wrong_kind_is_an_error_not_a_panic() {
    let crypt = Crypt::new(&DataKey::generate());
    let sealed = Codec {
        crypt: Some(&crypt),
    };
    let plain = Codec { crypt: None };
    let cell = Cell::new("t.c", [1.into()]);
    let code = |r: Result<String, StoreError>| r.expect_err("refused").code();

    assert_eq!(
        code(sealed.open_text(&cell, ValueRef::Integer(7))),
        "store.corrupt"
    );
    assert_eq!(
        code(plain.open_text(&cell, ValueRef::Null)),
        "store.corrupt"
    );
    assert_eq!(
        code(plain.open_text(&cell, ValueRef::Text(b"\xff\xfe"))),
        "store.corrupt"
    );
    assert_eq!(
        code(sealed.open_text(&cell, ValueRef::Blob(b"not sealed"))),
        "store.undecryptable"
    );
    assert_eq!(
        code(plain.open_text(&cell, ValueRef::Blob(b"not sealed"))),
        "store.corrupt"
    );
    let Value::Blob(not_json) = sealed.seal_text(&cell, "{not json") else {
        panic!("an encrypted folder seals into a blob");
    };
    let err = sealed
        .open_json::<serde_json::Value>(&cell, ValueRef::Blob(&not_json))
        .expect_err("not JSON");
    assert_eq!(err.code(), "store.corrupt");
    assert!(!err.to_string().contains("not json"), "no content: {err}");
    assert_eq!(
        code(sealed.open_text(&cell, ValueRef::Text(b"clear"))),
        "store.corrupt"
    );
    assert_eq!(
        plain
            .open_text(&cell, ValueRef::Text(b"clear"))
            .expect("clear text reads in a folder in clear"),
        "clear"
    );
}

#[test]
fn cells_bind_the_column_and_every_part_of_the_row_key() {
    let a = Cell::new("receipts.receipt", ["1".into(), "23".into()]);
    let b = Cell::new("receipts.receipt", ["12".into(), "3".into()]);
    assert_ne!(a.to_string(), b.to_string());
    assert_eq!(a.to_string(), r#"receipts.receipt["1","23"]"#);
    assert_eq!(
        Cell::new("revisions.doc", [12.into(), 3u32.into()]).to_string(),
        "revisions.doc[12,3]"
    );
}
