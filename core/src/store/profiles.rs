//! Profiles (hồ sơ doanh nghiệp, or of an IP agent — đại diện sở hữu công
//! nghiệp): entered once, reused by every dossier.
//!
//! The store keeps the caller's JSON as is; the typed profile lives with the
//! forms. `name` is copied out only so that lists need not parse every document.
//! Both are sealed in an encrypted folder (`values.rs`), bound to the profile's id.

use jiff::Timestamp;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::values::{Cell, Codec, next_id};
use super::{SqlTs, Store, StoreError, now};

/// Row id of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct ProfileId(pub i64);

impl std::fmt::Display for ProfileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Who a profile describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    /// An enterprise (doanh nghiệp) applying on its own behalf.
    Enterprise,
    /// An IP agent (đại diện sở hữu công nghiệp) filing for clients.
    Agent,
}

impl ProfileKind {
    /// The stored (and serialised) spelling: `enterprise` or `agent`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Enterprise => "enterprise",
            ProfileKind::Agent => "agent",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<ProfileKind> {
        match text {
            "enterprise" => Some(ProfileKind::Enterprise),
            "agent" => Some(ProfileKind::Agent),
            _ => None,
        }
    }
}

impl FromSql for ProfileKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        ProfileKind::parse(text)
            .ok_or_else(|| FromSqlError::Other(format!("unknown profile kind {text:?}").into()))
    }
}

/// A profile as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredProfile {
    pub id: ProfileId,
    pub kind: ProfileKind,
    pub name: String,
    pub data: Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const SELECT_PROFILE: &str = "SELECT id, kind, name, data, created_at, updated_at FROM profiles";

/// Where a profile's `column` is kept.
fn cell(column: &'static str, id: ProfileId) -> Cell {
    Cell::new(column, [id.0.into()])
}

fn read_profile(codec: Codec<'_>, row: &Row<'_>) -> Result<StoredProfile, StoreError> {
    let id = ProfileId(row.get(0)?);
    Ok(StoredProfile {
        id,
        kind: row.get(1)?,
        name: codec.open_text(&cell("profiles.name", id), row.get_ref(2)?)?,
        data: codec.open_json(&cell("profiles.data", id), row.get_ref(3)?)?,
        created_at: row.get::<_, SqlTs>(4)?.0,
        updated_at: row.get::<_, SqlTs>(5)?.0,
    })
}

/// Fails with `NotFound` unless the profile exists.
pub(super) fn ensure_profile(conn: &Connection, id: ProfileId) -> Result<(), StoreError> {
    conn.query_row("SELECT 1 FROM profiles WHERE id = ?1", [id.0], |_| Ok(()))
        .optional()?
        .ok_or_else(|| StoreError::not_found("profile", id))
}

impl Store {
    /// Stores a new profile; `name` is what lists show.
    pub fn add_profile(
        &mut self,
        kind: ProfileKind,
        name: &str,
        data: &Value,
    ) -> Result<ProfileId, StoreError> {
        let (now, _) = now();
        let (tx, codec) = self.sealing_tx()?;
        let id = ProfileId(next_id(&tx, "profiles")?);
        tx.execute(
            "INSERT INTO profiles (id, kind, name, data, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![
                id.0,
                kind.as_str(),
                codec.seal_text(&cell("profiles.name", id), name),
                codec.seal_json(&cell("profiles.data", id), data)?,
                now
            ],
        )?;
        tx.commit()?;
        tracing::debug!(%id, kind = kind.as_str(), "profile added");
        Ok(id)
    }

    /// Replaces a profile's name and document (its kind never changes).
    pub fn update_profile(
        &mut self,
        id: ProfileId,
        name: &str,
        data: &Value,
    ) -> Result<(), StoreError> {
        let (now, _) = now();
        let codec = self.codec();
        let changed = self.conn.execute(
            "UPDATE profiles SET name = ?2, data = ?3, updated_at = ?4 WHERE id = ?1",
            params![
                id.0,
                codec.seal_text(&cell("profiles.name", id), name),
                codec.seal_json(&cell("profiles.data", id), data)?,
                now
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::not_found("profile", id));
        }
        Ok(())
    }

    /// One profile.
    pub fn profile(&self, id: ProfileId) -> Result<StoredProfile, StoreError> {
        self.codec()
            .row(
                &self.conn,
                &format!("{SELECT_PROFILE} WHERE id = ?1"),
                [id.0],
                read_profile,
            )?
            .ok_or_else(|| StoreError::not_found("profile", id))
    }

    /// Every profile, oldest first.
    pub fn profiles(&self) -> Result<Vec<StoredProfile>, StoreError> {
        self.codec().rows(
            &self.conn,
            &format!("{SELECT_PROFILE} ORDER BY id"),
            [],
            read_profile,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::temp_store;
    use crate::store::values::tests::in_both_folders;
    use serde_json::json;

    in_both_folders!(
        profile_round_trips_kind_name_and_json,
        update_profile_replaces_name_and_data_and_bumps_updated_at,
        profiles_are_listed_oldest_first,
    );

    fn profile_round_trips_kind_name_and_json(store: &mut Store) {
        let data = json!({
            "name": "Công ty TNHH Đổi Mới Sáng Tạo",
            "tax_code": "0101234567",
            "address": {"province": "Hà Nội"},
            "z_first_key_stays_first": true,
            "a_last": 1,
        });
        let id = store
            .add_profile(ProfileKind::Enterprise, "Công ty Đổi Mới", &data)
            .expect("add");
        let p = store.profile(id).expect("read");
        assert_eq!(p.id, id);
        assert_eq!(p.kind, ProfileKind::Enterprise);
        assert_eq!(p.name, "Công ty Đổi Mới");
        assert_eq!(p.data, data);
        assert_eq!(
            serde_json::to_string(&p.data).expect("json"),
            serde_json::to_string(&data).expect("json"),
            "key order is kept"
        );
        assert_eq!(p.created_at, p.updated_at);
    }

    fn update_profile_replaces_name_and_data_and_bumps_updated_at(store: &mut Store) {
        let id = store
            .add_profile(ProfileKind::Agent, "Văn phòng A", &json!({"v": 1}))
            .expect("add");
        std::thread::sleep(std::time::Duration::from_millis(2));
        store
            .update_profile(id, "Văn phòng B", &json!({"v": 2}))
            .expect("update");
        let p = store.profile(id).expect("read");
        assert_eq!(p.name, "Văn phòng B");
        assert_eq!(p.data, json!({"v": 2}));
        assert_eq!(p.kind, ProfileKind::Agent);
        assert!(p.updated_at > p.created_at);
    }

    #[test]
    fn unknown_profile_is_not_found() {
        let (_dir, mut store) = temp_store();
        let err = store.profile(ProfileId(99)).expect_err("missing");
        assert!(
            matches!(&err, StoreError::NotFound { what: "profile", id } if id == "99"),
            "{err:?}"
        );
        let err = store
            .update_profile(ProfileId(99), "x", &json!({}))
            .expect_err("missing");
        assert_eq!(err.code(), "store.not_found");
    }

    fn profiles_are_listed_oldest_first(store: &mut Store) {
        assert!(store.profiles().expect("list").is_empty());
        let a = store
            .add_profile(ProfileKind::Enterprise, "B", &json!({}))
            .expect("add");
        let b = store
            .add_profile(ProfileKind::Agent, "A", &json!({}))
            .expect("add");
        let ids: Vec<_> = store
            .profiles()
            .expect("list")
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, [a, b]);
    }

    #[test]
    fn profile_kind_serialises_as_its_stored_spelling() {
        for kind in [ProfileKind::Enterprise, ProfileKind::Agent] {
            assert_eq!(
                serde_json::to_value(kind).expect("json"),
                json!(kind.as_str())
            );
            assert_eq!(ProfileKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ProfileKind::parse("Enterprise"), None);
    }
}
