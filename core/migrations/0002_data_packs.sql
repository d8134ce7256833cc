-- Data packs (gói dữ liệu pháp lý): newer catalogs, forms and fee tables signed by the portal,
-- kept once adopted, the older ones included, for the drafts started under them.
CREATE TABLE data_packs (
    version    TEXT PRIMARY KEY NOT NULL,
    date       TEXT NOT NULL,
    pack       BLOB NOT NULL,
    adopted_at TEXT NOT NULL
) STRICT;
