-- Each notice version's canonical JSON is stored once (issue 9, import speed): the current
-- version's in `notice.content` (as before), earlier versions' in `notice_version.content`. A
-- version row's `content` is NULL exactly while it is its notice's current version; a
-- correction moves the superseded content from `notice` into its version row. Readers of a
-- version take `COALESCE(v.content, n.content)`.
--
-- SQLite cannot drop a NOT NULL constraint: `notice_version` is rebuilt (no table references
-- it), the current versions' content left out where the notice row holds the same content.

CREATE TABLE notice_version_new (
    id INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notice(id),
    version INTEGER NOT NULL,
    content JSON,
    content_hash TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (notice_id, version)
);
INSERT INTO notice_version_new (id, notice_id, version, content, content_hash, recorded_at)
SELECT v.id, v.notice_id, v.version,
       CASE WHEN n.content IS NOT NULL AND n.version = v.version
                 AND n.content_hash = v.content_hash THEN NULL ELSE v.content END,
       v.content_hash, v.recorded_at
FROM notice_version v LEFT JOIN notice n ON n.id = v.notice_id;
DROP TABLE notice_version;
ALTER TABLE notice_version_new RENAME TO notice_version;
