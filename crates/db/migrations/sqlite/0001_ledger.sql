-- The ledger: every record the annual report is computed from. SQLite dialect; the PostgreSQL
-- file of the same number must define the same tables and columns (checked by a test).

CREATE TABLE agency (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES agency(id),
    established DATE,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE disclosure_item (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    index_no TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    doc_no TEXT,
    publisher TEXT NOT NULL,
    generated_on DATE NOT NULL,
    published_on DATE,
    attr TEXT NOT NULL,
    art20_item INTEGER,
    doc_kind TEXT NOT NULL,
    repealed_on DATE,
    catalogue TEXT NOT NULL DEFAULT '',
    UNIQUE (agency_id, index_no)
);

CREATE TABLE admin_decision (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    kind TEXT NOT NULL,
    decided_on DATE NOT NULL,
    doc_no TEXT NOT NULL
);
CREATE INDEX admin_decision_agency ON admin_decision(agency_id, decided_on);

CREATE TABLE fee_income (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    item TEXT NOT NULL,
    received_on DATE NOT NULL,
    amount_fen BIGINT NOT NULL
);

CREATE TABLE project (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    UNIQUE (agency_id, code)
);

CREATE TABLE section (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    project_id INTEGER NOT NULL REFERENCES project(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    ocid TEXT NOT NULL,
    -- The date the last required stage was first published (contracts.md §3.4), kept up to
    -- date on every write of the section's notices; NULL while a stage is missing.
    completed_on DATE,
    UNIQUE (agency_id, code)
);
CREATE INDEX section_project ON section(project_id);
CREATE INDEX section_completed ON section(agency_id, completed_on);

CREATE TABLE notice (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    project_id INTEGER NOT NULL REFERENCES project(id),
    section_id INTEGER REFERENCES section(id),
    notice_no TEXT NOT NULL,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_on DATE NOT NULL,
    dates TEXT NOT NULL DEFAULT '{}',
    elements TEXT NOT NULL DEFAULT '{}',
    body TEXT,
    UNIQUE (agency_id, notice_no)
);
CREATE INDEX notice_agency_published ON notice(agency_id, published_on, type);
CREATE INDEX notice_agency_type ON notice(agency_id, type, published_on, section_id);
CREATE INDEX notice_section ON notice(section_id, type);

-- Every enterprise that ever bid, once per 统一社会信用代码 (shared by all agencies).
CREATE TABLE company (
    id INTEGER PRIMARY KEY,
    uscc TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE bidder (
    id INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notice(id),
    -- The notice's section and the bidder's company id, kept here so that counting distinct
    -- bidders is an index range over integers with no join.
    section_id INTEGER REFERENCES section(id),
    company_id INTEGER NOT NULL REFERENCES company(id),
    name TEXT NOT NULL,
    uscc TEXT NOT NULL
);
CREATE INDEX bidder_notice ON bidder(notice_id);
CREATE INDEX bidder_section ON bidder(section_id, company_id);

CREATE TABLE channel (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    UNIQUE (agency_id, code)
);

CREATE TABLE channel_post (
    id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL REFERENCES channel(id),
    title TEXT NOT NULL,
    published_on DATE NOT NULL,
    reads BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX channel_post_channel ON channel_post(channel_id, published_on);

CREATE TABLE policy_push (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    policy TEXT NOT NULL,
    pushed_on DATE NOT NULL,
    recipient TEXT NOT NULL DEFAULT ''
);
CREATE INDEX policy_push_agency ON policy_push(agency_id, pushed_on);

CREATE TABLE policy_loan (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    policy TEXT NOT NULL,
    granted_on DATE NOT NULL,
    borrower TEXT NOT NULL DEFAULT '',
    amount_fen BIGINT NOT NULL
);
CREATE INDEX policy_loan_agency ON policy_loan(agency_id, granted_on);

CREATE TABLE request (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    case_no TEXT NOT NULL,
    received_on DATE NOT NULL,
    channel TEXT NOT NULL,
    applicant_type TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    closed_on DATE,
    outcome TEXT,
    withdrawn BOOLEAN NOT NULL DEFAULT FALSE,
    fee_fen BIGINT NOT NULL DEFAULT 0,
    UNIQUE (agency_id, case_no)
);
CREATE INDEX request_agency_received ON request(agency_id, received_on);

CREATE TABLE appeal (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    request_id INTEGER REFERENCES request(id),
    appeal_no TEXT NOT NULL,
    kind TEXT NOT NULL,
    filed_on DATE NOT NULL,
    decided_on DATE,
    result TEXT,
    UNIQUE (agency_id, appeal_no)
);

-- Counts entered by hand for a year (an office migrating from spreadsheets): added to the
-- computed cells of table 三 (table_no 3) or 四 (table_no 4) of that year's report.
CREATE TABLE report_tally (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency(id),
    year INTEGER NOT NULL,
    table_no INTEGER NOT NULL,
    row_code TEXT NOT NULL,
    column_code TEXT NOT NULL,
    value BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (agency_id, year, table_no, row_code, column_code)
);

-- The editable narrative template of an agency's report (TOML with minijinja strings).
CREATE TABLE narrative_template (
    agency_id INTEGER PRIMARY KEY REFERENCES agency(id),
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
