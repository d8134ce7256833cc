//! Schema migrations: numbered SQL files embedded in the binary.
//!
//! `PRAGMA user_version` holds the number of the last migration applied. Each
//! migration runs in its own write transaction together with the version bump,
//! so a crash leaves the schema either before or after it, never half-way. The
//! version is re-read inside that transaction, so two processes opening a fresh
//! folder at once apply each migration once.
//!
//! Migrations run with foreign keys off: SQLite's procedure for changing a
//! column's type rebuilds the table, and dropping the old table with foreign
//! keys on would cascade into the tables that reference it. The pragma is a
//! no-op inside a transaction, so it is set before the first one, and the
//! caller turns foreign keys on once [`run`] returns. Each migration runs
//! `PRAGMA foreign_key_check` before it commits, and fails with
//! [`StoreError::Corrupt`] if it left a row pointing nowhere.
//!
//! To change the schema, add `core/migrations/NNNN_name.sql` and a line below;
//! never edit a migration that has shipped.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

pub(crate) struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "data_packs",
        sql: include_str!("../../migrations/0002_data_packs.sql"),
    },
    Migration {
        version: 3,
        name: "filing",
        sql: include_str!("../../migrations/0003_filing.sql"),
    },
    Migration {
        version: 4,
        name: "sealed_values",
        sql: include_str!("../../migrations/0004_sealed_values.sql"),
    },
];

/// Applies the pending migrations; returns the schema version now in force.
///
/// Leaves foreign key enforcement off when it applied any: the caller turns it on.
pub(crate) fn run(conn: &mut Connection) -> Result<u32, StoreError> {
    run_list(conn, MIGRATIONS)
}

fn run_list(conn: &mut Connection, migrations: &[Migration]) -> Result<u32, StoreError> {
    let supported = u32::try_from(migrations.len()).unwrap_or(u32::MAX);
    // Common case first, without taking the write lock.
    let found = user_version(conn)?;
    if found == supported {
        return Ok(found);
    }
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = user_version(&tx)?;
        if found > supported {
            return Err(StoreError::NewerSchema { found, supported });
        }
        let Some(next) = migrations.get(found as usize) else {
            return Ok(found);
        };
        tracing::info!(
            version = next.version,
            name = next.name,
            "applying store migration"
        );
        tx.execute_batch(next.sql)?;
        check_foreign_keys(&tx)?;
        tx.pragma_update(None, "user_version", next.version)?;
        tx.commit()?;
    }
}

/// Fails unless every foreign key points at an existing row (the check that enforcement,
/// off while migrating, would have made).
fn check_foreign_keys(conn: &Connection) -> Result<(), StoreError> {
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let dangling = stmt
        .query_map([], |row| {
            Ok(format!(
                "{} row {} → {}",
                row.get::<_, String>(0)?,
                row.get::<_, Option<i64>>(1)?
                    .map_or_else(|| "?".to_owned(), |id| id.to_string()),
                row.get::<_, String>(2)?
            ))
        })?
        .take(5)
        .collect::<Result<Vec<_>, _>>()?;
    if dangling.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Corrupt {
            detail: format!(
                "a migration left rows that point nowhere: {}",
                dangling.join("; ")
            ),
        })
    }
}

pub(crate) fn user_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

#[cfg(test)]
mod sealed_values_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn table_names(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .expect("prepare");
        stmt.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    #[test]
    fn migration_list_matches_the_files_and_is_numbered_from_one() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("migrations dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{:04}_{}.sql", m.version, m.name))
            .collect();
        assert_eq!(listed, files, "every file is listed, in order");
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1);
        }
    }

    #[test]
    fn fresh_database_gets_every_migration_and_user_version() {
        let mut conn = Connection::open_in_memory().expect("db");
        let version = run(&mut conn).expect("migrate");
        assert_eq!(version as usize, MIGRATIONS.len());
        assert_eq!(
            user_version(&conn).expect("version") as usize,
            MIGRATIONS.len()
        );
        assert_eq!(
            table_names(&conn),
            [
                "attachments",
                "data_packs",
                "dossier_status",
                "drafts",
                "outbox",
                "profiles",
                "receipts",
                "revisions",
                "settings",
                "supplement_drafts"
            ]
        );
    }

    #[test]
    fn migrations_are_idempotent_and_keep_data() {
        let mut conn = Connection::open_in_memory().expect("db");
        run(&mut conn).expect("first run");
        conn.execute(
            "INSERT INTO profiles (kind, name, data, created_at, updated_at) \
             VALUES ('agent', 'A', '{}', 't', 't')",
            [],
        )
        .expect("insert");
        let version = run(&mut conn).expect("second run");
        assert_eq!(version as usize, MIGRATIONS.len());
        let count: i64 = conn
            .query_row("SELECT count(*) FROM profiles", [], |r| r.get(0))
            .expect("count");
        assert_eq!(count, 1);
    }

    #[test]
    fn reopening_a_store_does_not_reapply_migrations() {
        let dir = tempfile::tempdir().expect("temp dir");
        drop(Store::open(dir.path()).expect("first open"));
        let store = Store::open(dir.path()).expect("second open");
        assert_eq!(
            user_version(&store.conn).expect("version") as usize,
            MIGRATIONS.len()
        );
    }

    #[test]
    fn failed_migration_rolls_back_with_its_version() {
        let list = [
            Migration {
                version: 1,
                name: "good",
                sql: "CREATE TABLE a (x INTEGER);",
            },
            Migration {
                version: 2,
                name: "bad",
                sql: "CREATE TABLE b (x INTEGER); THIS IS NOT SQL;",
            },
        ];
        let mut conn = Connection::open_in_memory().expect("db");
        let err = run_list(&mut conn, &list).expect_err("second migration fails");
        assert_eq!(err.code(), "store.database");
        assert_eq!(user_version(&conn).expect("version"), 1);
        assert_eq!(table_names(&conn), ["a"], "table b was rolled back");
    }

    #[test]
    fn database_from_a_newer_version_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        drop(Store::open(dir.path()).expect("open"));
        let future = MIGRATIONS.len() as u32 + 1;
        {
            let conn = Connection::open(dir.path().join(super::super::DB_FILE)).expect("raw open");
            conn.pragma_update(None, "user_version", future)
                .expect("bump");
        }
        let err = Store::open(dir.path()).expect_err("newer schema refused");
        match err {
            StoreError::NewerSchema { found, supported } => {
                assert_eq!(found, future);
                assert_eq!(supported as usize, MIGRATIONS.len());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
