-- The public change log (issue 11): one row per change of what the public site shows — an item
-- or report published, corrected or withdrawn, a trading notice written, an agency's columns or
-- settings changed — written in the transaction of the change. Page caches and the search
-- indexes of every `serve` process follow it by sequence number. SQLite dialect; writers are
-- serialized, so sequence numbers commit in order.
CREATE TABLE public_change (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
