-- Profiles, drafts with their revisions, and the attachment index.
-- Timestamps are RFC 3339 UTC text with six fractional digits (text order = time order).

-- Profile (hồ sơ doanh nghiệp / đại diện sở hữu công nghiệp): the caller's JSON, entered once.
CREATE TABLE profiles (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('enterprise', 'agent')),
    name       TEXT NOT NULL,
    data       TEXT NOT NULL CHECK (json_valid(data)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- Draft (bản nháp): one dossier being prepared; its content lives in revisions.
CREATE TABLE drafts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    profile_id  INTEGER NULL REFERENCES profiles (id),
    title       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    sealed_at   TEXT NULL,
    current_rev INTEGER NOT NULL CHECK (current_rev >= 1)
) STRICT;

CREATE INDEX drafts_by_profile ON drafts (profile_id);

-- Revision (phiên bản): every save, the whole document. Append-only.
CREATE TABLE revisions (
    draft_id INTEGER NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
    rev      INTEGER NOT NULL CHECK (rev >= 1),
    saved_at TEXT NOT NULL,
    summary  TEXT NOT NULL,
    doc      TEXT NOT NULL CHECK (json_valid(doc)),
    PRIMARY KEY (draft_id, rev)
) STRICT;

CREATE TRIGGER revisions_are_append_only
BEFORE UPDATE ON revisions
BEGIN
    SELECT RAISE(ABORT, 'revisions are append-only');
END;

-- Attachment (tài liệu đính kèm) index: the file itself is attachments/<sha256[0..2]>/<sha256>.
CREATE TABLE attachments (
    sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    size       INTEGER NOT NULL CHECK (size >= 0),
    media_type TEXT NOT NULL,
    added_at   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
