-- The annual report as a publication (issue 10, contracts.md §7): a year's report is a
-- catalogue item of its agency (column 政府信息公开年报) that goes through the same workflow;
-- each version carries the frozen snapshot it was drafted with, one file per format. SQLite
-- dialect; the PostgreSQL file of the same number defines the same tables and columns.

-- Which item is an agency's report of which year (one per agency and year).
CREATE TABLE annual_report (
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    year INTEGER NOT NULL,
    item_id INTEGER NOT NULL UNIQUE REFERENCES disclosure_item(id),
    PRIMARY KEY (agency_id, year)
);

-- The files of an item's version (a report's frozen snapshot: md, html, docx, xlsx, json),
-- with the SHA-256 that the publication log hashes.
CREATE TABLE item_file (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES disclosure_item(id),
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    UNIQUE (item_id, version, name)
);
