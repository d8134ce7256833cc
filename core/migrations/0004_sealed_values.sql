-- Sealed values: in an encrypted data folder, the columns that hold what the user typed or what
-- the portal answered keep a BLOB sealed with the folder's key (core/src/store/values.rs); in a
-- plaintext folder, and in rows written before, they keep the text. A STRICT table's TEXT column
-- refuses a BLOB, so those columns become ANY with a CHECK that admits exactly the two: text
-- (valid JSON where it was JSON before) or a blob. Nothing else changes.
--
-- SQLite cannot change a column's type in place: each table is rebuilt by SQLite's procedure
-- (https://sqlite.org/lang_altertable.html#otheralter): create the new table, copy the rows,
-- drop the old one, rename the new one, recreate its indexes and triggers. The runner applies
-- migrations with foreign keys off (dropping `drafts` with them on would cascade into
-- `revisions`) and runs `PRAGMA foreign_key_check` before it commits.
--
-- Creating `new_x`, dropping `x` and then renaming `new_x` (never renaming `x` away) keeps the
-- other tables' `REFERENCES x` pointing at the right table.

-- profiles: name, data
CREATE TABLE new_profiles (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('enterprise', 'agent')),
    name       ANY NOT NULL CHECK (typeof(name) IN ('text', 'blob')),
    data       ANY NOT NULL CHECK (typeof(data) = 'blob' OR (typeof(data) = 'text' AND json_valid(data))),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
INSERT INTO new_profiles (id, kind, name, data, created_at, updated_at)
    SELECT id, kind, name, data, created_at, updated_at FROM profiles;
DROP TABLE profiles;
ALTER TABLE new_profiles RENAME TO profiles;

-- drafts: title
CREATE TABLE new_drafts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    profile_id  INTEGER NULL REFERENCES profiles (id),
    title       ANY NOT NULL CHECK (typeof(title) IN ('text', 'blob')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    sealed_at   TEXT NULL,
    current_rev INTEGER NOT NULL CHECK (current_rev >= 1)
) STRICT;
INSERT INTO new_drafts (id, kind, profile_id, title, created_at, updated_at, sealed_at, current_rev)
    SELECT id, kind, profile_id, title, created_at, updated_at, sealed_at, current_rev FROM drafts;
DROP TABLE drafts;
ALTER TABLE new_drafts RENAME TO drafts;
CREATE INDEX drafts_by_profile ON drafts (profile_id);

-- revisions: summary, doc (still append-only)
CREATE TABLE new_revisions (
    draft_id INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    rev      INTEGER NOT NULL CHECK (rev >= 1),
    saved_at TEXT NOT NULL,
    summary  ANY NOT NULL CHECK (typeof(summary) IN ('text', 'blob')),
    doc      ANY NOT NULL CHECK (typeof(doc) = 'blob' OR (typeof(doc) = 'text' AND json_valid(doc))),
    PRIMARY KEY (draft_id, rev)
) STRICT;
INSERT INTO new_revisions (draft_id, rev, saved_at, summary, doc)
    SELECT draft_id, rev, saved_at, summary, doc FROM revisions;
DROP TABLE revisions;
ALTER TABLE new_revisions RENAME TO revisions;
CREATE TRIGGER revisions_are_append_only
BEFORE UPDATE ON revisions
BEGIN
    SELECT RAISE(ABORT, 'revisions are append-only');
END;

-- outbox: file_name, last_error
CREATE TABLE new_outbox (
    id               INTEGER PRIMARY KEY,
    container_sha256 TEXT NOT NULL UNIQUE REFERENCES attachments (sha256),
    size             INTEGER NOT NULL CHECK (size >= 0),
    file_name        ANY NOT NULL CHECK (typeof(file_name) IN ('text', 'blob')),
    kind             TEXT NOT NULL,
    applicant_tax_code TEXT NULL,
    draft_id         INTEGER NULL REFERENCES drafts (id),
    -- the dossier number this container supplements; NULL for a dossier of its own
    supplement_of    TEXT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'uploading', 'uploaded', 'filed', 'failed')),
    -- tus resume state: the upload's URL and the bytes the portal acknowledged
    upload_url       TEXT NULL,
    upload_offset    INTEGER NOT NULL DEFAULT 0 CHECK (upload_offset >= 0),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error_code  TEXT NULL,
    last_error       ANY NULL CHECK (last_error IS NULL OR typeof(last_error) = 'blob'
                                     OR (typeof(last_error) = 'text' AND json_valid(last_error))),
    dossier_number   TEXT NULL,
    queued_at        TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
INSERT INTO new_outbox (id, container_sha256, size, file_name, kind, applicant_tax_code, draft_id,
                        supplement_of, state, upload_url, upload_offset, attempts, last_error_code,
                        last_error, dossier_number, queued_at, updated_at)
    SELECT id, container_sha256, size, file_name, kind, applicant_tax_code, draft_id,
           supplement_of, state, upload_url, upload_offset, attempts, last_error_code,
           last_error, dossier_number, queued_at, updated_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE new_outbox RENAME TO outbox;
CREATE INDEX outbox_by_draft ON outbox (draft_id);

-- receipts: receipt
CREATE TABLE new_receipts (
    dossier_number   TEXT NOT NULL,
    supplement       INTEGER NOT NULL CHECK (supplement >= 0),
    container_sha256 TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    draft_id         INTEGER NULL REFERENCES drafts (id),
    portal           TEXT NOT NULL,
    receipt          ANY NOT NULL CHECK (typeof(receipt) = 'blob'
                                         OR (typeof(receipt) = 'text' AND json_valid(receipt))),
    stored_at        TEXT NOT NULL,
    PRIMARY KEY (dossier_number, supplement)
) STRICT;
INSERT INTO new_receipts (dossier_number, supplement, container_sha256, kind, received_at,
                          draft_id, portal, receipt, stored_at)
    SELECT dossier_number, supplement, container_sha256, kind, received_at,
           draft_id, portal, receipt, stored_at FROM receipts;
DROP TABLE receipts;
ALTER TABLE new_receipts RENAME TO receipts;
CREATE INDEX receipts_by_draft ON receipts (draft_id);

-- dossier_status: detail
CREATE TABLE new_dossier_status (
    dossier_number TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL,
    detail         ANY NOT NULL CHECK (typeof(detail) = 'blob'
                                       OR (typeof(detail) = 'text' AND json_valid(detail))),
    synced_at      TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO new_dossier_status (dossier_number, kind, status, detail, synced_at)
    SELECT dossier_number, kind, status, detail, synced_at FROM dossier_status;
DROP TABLE dossier_status;
ALTER TABLE new_dossier_status RENAME TO dossier_status;

-- supplement_drafts: message, note
CREATE TABLE new_supplement_drafts (
    dossier_number    TEXT NOT NULL,
    requested_at      TEXT NOT NULL,
    deadline          TEXT NOT NULL,
    message           ANY NOT NULL CHECK (typeof(message) IN ('text', 'blob')),
    draft_id          INTEGER NULL REFERENCES drafts (id),
    original_draft_id INTEGER NULL REFERENCES drafts (id),
    note              ANY NOT NULL CHECK (typeof(note) IN ('text', 'blob')),
    created_at        TEXT NOT NULL,
    PRIMARY KEY (dossier_number, requested_at)
) STRICT;
INSERT INTO new_supplement_drafts (dossier_number, requested_at, deadline, message, draft_id,
                                   original_draft_id, note, created_at)
    SELECT dossier_number, requested_at, deadline, message, draft_id,
           original_draft_id, note, created_at FROM supplement_drafts;
DROP TABLE supplement_drafts;
ALTER TABLE new_supplement_drafts RENAME TO supplement_drafts;
CREATE INDEX supplement_drafts_by_draft ON supplement_drafts (draft_id);
