-- Filing: the outbox of sealed containers, the receipts the portal issued, the last known
-- status of each dossier, the supplement drafts opened for the portal's requests, and a few
-- settings (the portal's address).
-- Timestamps are RFC 3339 UTC text with six fractional digits (text order = time order), except
-- the portal's own times, kept as the portal wrote them.

-- Settings (cài đặt): key and text value.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Outbox (hộp thư đi): one sealed container to file. The container itself is in the attachment
-- store under its SHA-256, which is also the portal's idempotency key: a container is queued once.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    container_sha256 TEXT NOT NULL UNIQUE REFERENCES attachments (sha256),
    size             INTEGER NOT NULL CHECK (size >= 0),
    file_name        TEXT NOT NULL,
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
    last_error       TEXT NULL CHECK (last_error IS NULL OR json_valid(last_error)),
    dossier_number   TEXT NULL,
    queued_at        TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

CREATE INDEX outbox_by_draft ON outbox (draft_id);

-- Receipt (biên nhận): what the portal signed when it accepted a container; `supplement` is 0
-- for the dossier's own receipt, 1, 2, … for its supplements.
CREATE TABLE receipts (
    dossier_number   TEXT NOT NULL,
    supplement       INTEGER NOT NULL CHECK (supplement >= 0),
    container_sha256 TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    draft_id         INTEGER NULL REFERENCES drafts (id),
    portal           TEXT NOT NULL,
    receipt          TEXT NOT NULL CHECK (json_valid(receipt)),
    stored_at        TEXT NOT NULL,
    PRIMARY KEY (dossier_number, supplement)
) STRICT;

CREATE INDEX receipts_by_draft ON receipts (draft_id);

-- The last status history the portal gave for a dossier, kept for offline `hoso status`.
CREATE TABLE dossier_status (
    dossier_number TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL,
    detail         TEXT NOT NULL CHECK (json_valid(detail)),
    synced_at      TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- A supplement request (yêu cầu bổ sung) and the draft opened to answer it: a copy of the
-- filed dossier. One draft per request, the request named by the time the portal recorded it.
CREATE TABLE supplement_drafts (
    dossier_number    TEXT NOT NULL,
    requested_at      TEXT NOT NULL,
    deadline          TEXT NOT NULL,
    message           TEXT NOT NULL,
    draft_id          INTEGER NULL REFERENCES drafts (id),
    original_draft_id INTEGER NULL REFERENCES drafts (id),
    note              TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (dossier_number, requested_at)
) STRICT;

CREATE INDEX supplement_drafts_by_draft ON supplement_drafts (draft_id);
