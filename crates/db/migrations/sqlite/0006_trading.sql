-- no-transaction
-- Trading notices as a model (issue 9): every notice keeps its versions (更正 as new versions,
-- the old ones kept), and every change appends to a log with a monotonically increasing
-- sequence number, the one source of the public feed (and later of the search index).
--
-- A section code is unique within its project, not within the agency (包1 of two projects are
-- two sections): `section` is rebuilt with UNIQUE (agency_id, project_id, code), with the
-- procedure of 0005 (foreign keys off, one transaction, copy, rename, check).

PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE section_new (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    project_id INTEGER NOT NULL REFERENCES project(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    ocid TEXT NOT NULL,
    completed_on DATE,
    UNIQUE (agency_id, project_id, code)
);
INSERT INTO section_new (id, agency_id, project_id, code, name, ocid, completed_on)
SELECT id, agency_id, project_id, code, name, ocid, completed_on FROM section;
DROP TABLE section;
ALTER TABLE section_new RENAME TO section;
CREATE INDEX section_project ON section(project_id);
CREATE INDEX section_completed ON section(agency_id, completed_on);

-- The current version of each notice, and its canonical content (contracts.md §3 JSON).
ALTER TABLE notice ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE notice ADD COLUMN content JSON;
ALTER TABLE notice ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE notice_version (
    id INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notice(id),
    version INTEGER NOT NULL,
    content JSON NOT NULL,
    content_hash TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (notice_id, version)
);

CREATE TABLE notice_change (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    notice_id INTEGER NOT NULL REFERENCES notice(id),
    version INTEGER NOT NULL,
    change TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX notice_change_agency ON notice_change(agency_id, seq);

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
