-- Settings (issue 9). `agency_setting` holds one JSON value per agency and key; the first key is
-- `trading.rules`, the agency's configuration of the trading rules (RuleConfig as JSON,
-- gongkai_domain::trading config.rs); an agency without it uses the defaults. Deleting an agency
-- (`demo --reset`) deletes its settings.

CREATE TABLE agency_setting (
    agency_id INTEGER NOT NULL REFERENCES agency(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value JSON NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (agency_id, key)
);

-- Deployment-wide settings: one value per key. The first key is `ocid_prefix`, the OCDS prefix
-- new sections' `ocid` is made with (`gongkai serve --ocid-prefix`); stored sections keep theirs.
CREATE TABLE deployment_setting (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
