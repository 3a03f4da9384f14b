-- Proactive disclosure (issue 10): the catalogue item's workflow state and versions, the
-- reviews of each version (三审三校, 保密审查), overrides of pre-publication findings, the
-- agency's column tree and the hash-chained publication log. SQLite dialect; the PostgreSQL file
-- of the same number defines the same tables and columns.
--
-- Items loaded in bulk before this migration (demo, gen) were published records: they keep
-- state 'published' and have no version rows.

ALTER TABLE disclosure_item ADD COLUMN state TEXT NOT NULL DEFAULT 'published';
ALTER TABLE disclosure_item ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE disclosure_item ADD COLUMN public_version INTEGER;
ALTER TABLE disclosure_item ADD COLUMN column_code TEXT NOT NULL DEFAULT '';
ALTER TABLE disclosure_item ADD COLUMN legal_ground TEXT;
ALTER TABLE disclosure_item ADD COLUMN published_at TIMESTAMPTZ;
ALTER TABLE disclosure_item ADD COLUMN withdrawn_at TIMESTAMPTZ;
ALTER TABLE disclosure_item ADD COLUMN withdraw_reason TEXT;
CREATE INDEX disclosure_item_state ON disclosure_item(agency_id, state);

-- One row per version: the validated fields as JSON (`publishing::ItemFields`), its own state,
-- its author, the review round it is in, and once published the hash of what went out.
CREATE TABLE item_version (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES disclosure_item(id),
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    fields JSON NOT NULL,
    author_id INTEGER NOT NULL REFERENCES app_user(id),
    round INTEGER NOT NULL DEFAULT 1,
    scheduled_at TIMESTAMPTZ,
    published_at TIMESTAMPTZ,
    content_hash TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (item_id, version)
);
CREATE INDEX item_version_scheduled ON item_version(state, scheduled_at);

-- Every stage performed on a version, by whom, when, with what verdict and comment.
CREATE TABLE item_review (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES disclosure_item(id),
    version INTEGER NOT NULL,
    round INTEGER NOT NULL,
    stage TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    verdict TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX item_review_item ON item_review(item_id, version);

-- A pre-publication finding let through by the confidentiality reviewer, with the reason.
CREATE TABLE item_override (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES disclosure_item(id),
    version INTEGER NOT NULL,
    finding_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    place TEXT NOT NULL,
    reason TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (item_id, version, finding_key)
);

-- An agency's column tree (栏目), seeded with the standard tree on first use.
CREATE TABLE catalogue_column (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_code TEXT,
    position INTEGER NOT NULL,
    UNIQUE (agency_id, code)
);

-- The publication log: per agency, entries 1, 2, 3… each hashing its fields and its
-- predecessor's hash (`publishing::entry_hash`). `at` is text, exactly as hashed.
CREATE TABLE publication_log (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    subject TEXT NOT NULL,
    item_id INTEGER REFERENCES disclosure_item(id),
    version INTEGER NOT NULL,
    action TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    UNIQUE (agency_id, seq)
);
