//! Migration 4 (`0004_sealed_values.sql`) on a version-3 database that holds data: the rows,
//! constraints, indexes, trigger and foreign keys survive the table rebuilds.

use rusqlite::types::Value;
use serde_json::json;

use super::*;
use crate::store::{DataKey, DraftId, ProfileId, Store};

const SHA: &str = "ab00000000000000000000000000000000000000000000000000000000000000";

/// A row in every table, as version 3 of the application wrote them.
const VERSION_3_ROWS: &str = r#"
INSERT INTO profiles VALUES
    (1, 'enterprise', 'Công ty Cũ', '{"tax_code":"0101234567"}', '2026-01-02T03:04:05.000000Z',
     '2026-01-02T03:04:05.000000Z');
INSERT INTO drafts VALUES
    (1, 'patent', 1, 'Máy lọc nước', '2026-01-02T03:04:05.000000Z', '2026-01-02T03:04:05.000000Z',
     NULL, 2),
    (2, 'trademark', NULL, 'Nháp', '2026-01-02T03:04:05.000000Z', '2026-01-02T03:04:05.000000Z',
     NULL, 1);
INSERT INTO revisions VALUES
    (1, 1, '2026-01-02T03:04:05.000000Z', 'created', '{"v":1}'),
    (1, 2, '2026-01-02T03:04:05.000000Z', 'edit', '{"v":2,"z":"ễ"}'),
    (2, 1, '2026-01-02T03:04:05.000000Z', 'created', '{}');
INSERT INTO attachments VALUES
    ('ab00000000000000000000000000000000000000000000000000000000000000', 10, 'application/zip',
     '2026-01-02T03:04:05.000000Z');
INSERT INTO outbox (id, container_sha256, size, file_name, kind, applicant_tax_code, draft_id,
                    supplement_of, state, upload_url, upload_offset, attempts, last_error_code,
                    last_error, dossier_number, queued_at, updated_at) VALUES
    (1, 'ab00000000000000000000000000000000000000000000000000000000000000', 10, 'don.asice',
     'patent', '0101234567', 1, NULL, 'failed', 'http://p/u/1', 4, 2, 'portal.refused',
     '{"vi":"bị từ chối","en":"refused"}', NULL, '2026-01-02T03:04:05.000000Z',
     '2026-01-02T03:04:05.000000Z');
INSERT INTO receipts VALUES
    ('1-2026-00001', 0, 'cd00000000000000000000000000000000000000000000000000000000000000',
     'patent', '2026-01-02T03:04:05Z', 1, 'http://p', '{"dossier_number":"1-2026-00001"}',
     '2026-01-02T03:04:05.000000Z');
INSERT INTO dossier_status VALUES
    ('1-2026-00001', 'patent', 'in_review', '{"history":[]}', '2026-01-02T03:04:05.000000Z');
INSERT INTO supplement_drafts VALUES
    ('1-2026-00001', '2026-02-01T00:00:00Z', '2026-03-01', 'Bổ sung bản vẽ', NULL, 1,
     'Trả lời', '2026-01-02T03:04:05.000000Z');
INSERT INTO settings VALUES ('portal_url', 'http://p');
INSERT INTO data_packs VALUES ('2026.1', '2026-01-01', x'0102', '2026-01-02T03:04:05.000000Z');
"#;

/// The columns migration 4 turns from TEXT into ANY.
const SEALED: [(&str, &str); 11] = [
    ("profiles", "name"),
    ("profiles", "data"),
    ("drafts", "title"),
    ("revisions", "summary"),
    ("revisions", "doc"),
    ("outbox", "file_name"),
    ("outbox", "last_error"),
    ("receipts", "receipt"),
    ("dossier_status", "detail"),
    ("supplement_drafts", "message"),
    ("supplement_drafts", "note"),
];

fn version_3_database(conn: &mut Connection) {
    assert_eq!(run_list(conn, &MIGRATIONS[..3]).expect("version 3"), 3);
    conn.execute_batch(VERSION_3_ROWS).expect("rows");
}

fn strings(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).expect("prepare");
    stmt.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Every row of every table, in a stable order.
fn all_rows(conn: &Connection) -> Vec<(String, Vec<Vec<Value>>)> {
    strings(
        conn,
        "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
    )
    .into_iter()
    .map(|table| {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
            .expect("prepare");
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| (0..n).map(|i| r.get(i)).collect())
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        (table, rows)
    })
    .collect()
}

/// What the schema promises, one fact a line: tables (strict, without rowid), columns (type,
/// NOT NULL, default, key), foreign keys, indexes and triggers. The sealed columns' type is
/// left out: it is the one thing that changes.
fn schema_facts(conn: &Connection) -> Vec<String> {
    let mut facts = strings(
        conn,
        "SELECT format('table %s wr=%d strict=%d', name, wr, strict) FROM pragma_table_list \
         WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'",
    );
    for table in strings(conn, "SELECT name FROM sqlite_schema WHERE type = 'table'") {
        let mut stmt = conn
            .prepare(
                "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
            )
            .expect("prepare");
        let columns = stmt
            .query_map([&table], |r| {
                let name: String = r.get(0)?;
                let ty: String = r.get(1)?;
                let ty = if SEALED.contains(&(table.as_str(), name.as_str())) {
                    "(sealed)".to_owned()
                } else {
                    ty
                };
                Ok(format!(
                    "column {table}.{name} {ty} notnull={} default={:?} pk={}",
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?
                ))
            })
            .expect("query")
            .collect::<Result<Vec<_>, _>>()
            .expect("rows");
        facts.extend(columns);
        facts.extend(strings(
            conn,
            &format!(
                "SELECT format('fk %s.%s -> %s(%s) on update %s on delete %s', '{table}', \"from\", \
                 \"table\", \"to\", on_update, on_delete) FROM pragma_foreign_key_list('{table}')"
            ),
        ));
        facts.extend(strings(
            conn,
            &format!(
                "SELECT format('index on %s unique=%d origin=%s partial=%d (%s)%s', '{table}', \
                 l.\"unique\", l.origin, l.partial, \
                 (SELECT group_concat(i.name) FROM pragma_index_info(l.name) i), \
                 CASE l.origin WHEN 'c' THEN ' ' || l.name ELSE '' END) \
                 FROM pragma_index_list('{table}') l"
            ),
        ));
    }
    facts.extend(strings(
        conn,
        "SELECT format('%s %s on %s: %s', type, name, tbl_name, sql) FROM sqlite_schema \
         WHERE type IN ('trigger', 'view')",
    ));
    facts.sort();
    facts
}

fn column_type(conn: &Connection, table: &str, column: &str) -> String {
    conn.query_row(
        "SELECT type FROM pragma_table_info(?1) WHERE name = ?2",
        [table, column],
        |r| r.get(0),
    )
    .expect("column")
}

/// The error `sql` fails with; panics if it succeeds.
fn refused(conn: &Connection, sql: &str) -> String {
    conn.execute_batch(sql)
        .expect_err(&format!("refused: {sql}"))
        .to_string()
}

#[test]
fn a_version_3_database_keeps_its_rows_constraints_trigger_and_references() {
    let mut conn = Connection::open_in_memory().expect("db");
    version_3_database(&mut conn);
    let rows = all_rows(&conn);
    let facts = schema_facts(&conn);
    for (table, column) in SEALED {
        assert_eq!(
            column_type(&conn, table, column),
            "TEXT",
            "{table}.{column}"
        );
    }

    assert_eq!(run(&mut conn).expect("migrate") as usize, MIGRATIONS.len());
    conn.pragma_update(None, "foreign_keys", "ON")
        .expect("as the store does");

    assert_eq!(all_rows(&conn), rows, "every row copied as it was");
    assert_eq!(schema_facts(&conn), facts);
    for (table, column) in SEALED {
        assert_eq!(column_type(&conn, table, column), "ANY", "{table}.{column}");
        let types = strings(
            &conn,
            &format!("SELECT DISTINCT typeof({column}) FROM {table} WHERE {column} IS NOT NULL"),
        );
        assert_eq!(types, ["text"], "{table}.{column} still holds text");
    }
    assert_eq!(
        strings(&conn, "PRAGMA integrity_check"),
        ["ok"],
        "indexes match the rows"
    );
    assert!(strings(&conn, "PRAGMA foreign_key_check").is_empty());

    // Revisions are still append-only.
    assert!(refused(&conn, "UPDATE revisions SET summary = x'00'").contains("append-only"));

    // Foreign keys are still enforced, cascade included.
    for sql in [
        "INSERT INTO drafts VALUES (9, 'patent', 99, 't', 't', 't', NULL, 1)",
        "INSERT INTO revisions VALUES (99, 1, 't', 's', '{}')",
        "INSERT INTO outbox (container_sha256, size, file_name, kind, state, queued_at, updated_at) \
         VALUES ('ee00000000000000000000000000000000000000000000000000000000000000', 1, 'f', \
         'k', 'queued', 't', 't')",
        "INSERT INTO receipts VALUES ('9', 0, 'x', 'k', 't', 99, 'p', '{}', 't')",
        "INSERT INTO supplement_drafts VALUES ('9', 't', 'd', 'm', 99, NULL, 'n', 't')",
        "DELETE FROM profiles WHERE id = 1",
    ] {
        assert!(
            refused(&conn, sql).contains("FOREIGN KEY constraint failed"),
            "{sql}"
        );
    }
    conn.execute("DELETE FROM drafts WHERE id = 2", [])
        .expect("a draft nothing refers to");
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM revisions WHERE draft_id = 2",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(left, 0, "its revisions went with it");

    // Every CHECK still holds; the sealed columns take text or a blob, nothing else.
    for sql in [
        "UPDATE profiles SET kind = 'person'",
        "UPDATE profiles SET name = 5",
        "UPDATE profiles SET data = 'not json'",
        "UPDATE profiles SET data = 5",
        "UPDATE drafts SET current_rev = 0",
        "UPDATE drafts SET title = 1.5",
        "INSERT INTO revisions VALUES (1, 0, 't', 's', '{}')",
        "INSERT INTO revisions VALUES (1, 3, 't', 5, '{}')",
        "INSERT INTO revisions VALUES (1, 3, 't', 's', 'not json')",
        "UPDATE outbox SET size = -1",
        "UPDATE outbox SET state = 'lost'",
        "UPDATE outbox SET upload_offset = -1",
        "UPDATE outbox SET file_name = 7",
        "UPDATE outbox SET last_error = 'not json'",
        "UPDATE receipts SET supplement = -1",
        "UPDATE receipts SET receipt = 'not json'",
        "UPDATE dossier_status SET detail = 'not json'",
        "UPDATE supplement_drafts SET message = 1",
        "UPDATE supplement_drafts SET note = 2",
    ] {
        assert!(
            refused(&conn, sql).contains("CHECK constraint failed"),
            "{sql}"
        );
    }
    for sql in [
        "UPDATE profiles SET name = x'01', data = x'01'",
        "UPDATE outbox SET file_name = x'01', last_error = x'01'",
        "UPDATE outbox SET last_error = NULL",
        "INSERT INTO revisions VALUES (1, 3, 't', x'01', x'01')",
    ] {
        conn.execute_batch(sql).expect(sql);
    }
    assert!(refused(&conn, "UPDATE profiles SET name = NULL").contains("NOT NULL"));
    assert!(
        refused(
            &conn,
            &format!(
                "INSERT INTO outbox (container_sha256, size, file_name, kind, state, queued_at, \
                 updated_at) VALUES ('{SHA}', 1, 'f', 'k', 'queued', 't', 't')"
            )
        )
        .contains("UNIQUE")
    );
}

#[test]
fn a_migration_that_leaves_a_reference_dangling_is_refused() {
    let list = [
        Migration {
            version: 1,
            name: "tables",
            sql: "CREATE TABLE a (id INTEGER PRIMARY KEY); \
                  CREATE TABLE b (a_id INTEGER REFERENCES a (id));",
        },
        Migration {
            version: 2,
            name: "dangling",
            sql: "INSERT INTO b VALUES (7);",
        },
    ];
    let mut conn = Connection::open_in_memory().expect("db");
    let err = run_list(&mut conn, &list).expect_err("dangling reference");
    assert!(
        matches!(&err, StoreError::Corrupt { detail } if detail.contains("b row 1 → a")),
        "{err:?}"
    );
    assert_eq!(user_version(&conn).expect("version"), 1);
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM b", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 0, "rolled back");
}

/// What the version-3 rows read as through the store.
fn assert_reads_version_3_rows(store: &Store) {
    let profile = store.profile(ProfileId(1)).expect("profile");
    assert_eq!(profile.name, "Công ty Cũ");
    assert_eq!(profile.data, json!({"tax_code": "0101234567"}));
    let draft = store.draft(DraftId(1)).expect("draft");
    assert_eq!(draft.title, "Máy lọc nước");
    assert_eq!(draft.doc, json!({"v": 2, "z": "ễ"}));
    let history = store.history(DraftId(1)).expect("history");
    assert_eq!(history[0].summary, "created");
    assert_eq!(history[0].doc, json!({"v": 1}));
    let item = store.outbox_item(1).expect("outbox item");
    assert_eq!(item.file_name, "don.asice");
    assert_eq!(item.last_error.expect("error").message.vi, "bị từ chối");
    assert_eq!(
        store.receipts_of("1-2026-00001").expect("receipts")[0].receipt,
        json!({"dossier_number": "1-2026-00001"})
    );
    assert_eq!(
        store
            .dossier_status("1-2026-00001")
            .expect("status")
            .expect("stored")
            .detail,
        json!({"history": []})
    );
    let request = &store.supplement_requests("1-2026-00001").expect("requests")[0];
    assert_eq!(request.message, "Bổ sung bản vẽ");
    assert_eq!(request.note, "Trả lời");
}

/// A data folder whose database version 3 wrote, with [`VERSION_3_ROWS`].
fn version_3_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut conn = Connection::open(dir.path().join(crate::store::DB_FILE)).expect("raw open");
    version_3_database(&mut conn);
    dir
}

#[test]
fn a_folder_written_by_version_3_reads_after_the_migration_without_a_key() {
    let dir = version_3_folder();
    let mut store = Store::open(dir.path()).expect("migrates");
    assert_reads_version_3_rows(&store);
    store
        .save_revision(DraftId(1), &json!({"v": 3}), "clear")
        .expect("save");
    assert_eq!(
        strings(
            &store.conn,
            "SELECT typeof(doc) FROM revisions WHERE draft_id = 1 ORDER BY rev"
        ),
        ["text", "text", "text"]
    );
}

#[test]
fn a_folder_written_by_version_3_stays_in_clear_and_refuses_a_key() {
    let dir = version_3_folder();
    // No `hoso.key` beside an existing database: a folder from before encryption, in clear.
    let err = Store::open_with_key(dir.path(), &DataKey::generate()).expect_err("refused");
    assert_eq!(err.code(), "store.corrupt", "{err:?}");
    assert!(!dir.path().join(crate::store::KEY_FILE).exists());
    let store =
        Store::open_with_passphrase(dir.path(), Some("cụm mật khẩu dài")).expect("migrates");
    assert!(!store.is_encrypted());
    let foreign_keys: i64 = store
        .conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .expect("pragma");
    assert_eq!(foreign_keys, 1, "enforced again after the migration");
    assert_reads_version_3_rows(&store);
}
