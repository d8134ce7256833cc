//! Adopted data packs: stored as received (the signed bytes), so they can be verified again.

use rusqlite::params;

use super::{Store, StoreError, now};

/// An adopted data pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPack {
    pub version: String,
    pub date: String,
    pub pack: Vec<u8>,
}

impl Store {
    /// Keeps a pack that has been verified and adopted. Adopting a version twice is a no-op.
    pub fn add_data_pack(
        &mut self,
        version: &str,
        date: &str,
        pack: &[u8],
    ) -> Result<(), StoreError> {
        let (now, _) = now();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT OR IGNORE INTO data_packs (version, date, pack, adopted_at) VALUES (?1, ?2, ?3, ?4)",
            params![version, date, pack, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every adopted pack, in no particular order (callers order by version).
    pub fn data_packs(&self) -> Result<Vec<StoredPack>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT version, date, pack FROM data_packs")?;
        let rows = stmt.query_map([], |r| {
            Ok(StoredPack {
                version: r.get(0)?,
                date: r.get(1)?,
                pack: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
