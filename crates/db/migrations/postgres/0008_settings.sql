-- Settings (issue 9): one JSON value per agency and key, one text value per deployment and
-- key. See the SQLite migration of the same name.

CREATE TABLE agency_setting (
    agency_id BIGINT NOT NULL REFERENCES agency(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (agency_id, key)
);

-- Deployment-wide settings: one value per key. The first key is `ocid_prefix`, the OCDS prefix
-- new sections' `ocid` is made with (`gongkai serve --ocid-prefix`); stored sections keep theirs.
CREATE TABLE deployment_setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
