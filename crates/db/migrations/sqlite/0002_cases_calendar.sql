-- The working-day calendar (official rest days and make-up working days), seeded from the
-- shipped holiday-cn data and extended by `gongkai calendar import`.
CREATE TABLE calendar_year (
    year INTEGER PRIMARY KEY,
    papers TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL DEFAULT 'builtin',
    imported_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE calendar_day (
    day DATE PRIMARY KEY,
    is_off_day BOOLEAN NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    title_year INTEGER NOT NULL REFERENCES calendar_year(year)
);
CREATE INDEX calendar_day_title_year ON calendar_day(title_year);

-- The event history of each 依申请公开 case (contracts.md §2); the request row holds what
-- the events imply (receipt, closing date, outcome) for the report's queries.
CREATE TABLE request_event (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES request(id),
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    event_date DATE NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    UNIQUE (request_id, seq)
);
