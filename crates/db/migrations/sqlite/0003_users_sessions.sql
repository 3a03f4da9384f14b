-- Back-office users, their roles, sessions, API tokens and the audit log.
CREATE TABLE app_user (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE user_role (
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- Server-side sessions (so that several processes can serve one deployment).
CREATE TABLE user_session (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    csrf_token TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX user_session_user ON user_session(user_id);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);

-- Personal data of applicants, apart from the case so that no public query can reach it.
CREATE TABLE request_applicant (
    request_id INTEGER PRIMARY KEY REFERENCES request(id),
    name TEXT NOT NULL,
    id_number TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    delivery TEXT NOT NULL DEFAULT ''
);

-- The code with which an applicant follows a case on the public status page.
CREATE TABLE request_tracking (
    code TEXT PRIMARY KEY,
    request_id INTEGER NOT NULL UNIQUE REFERENCES request(id)
);

-- The editable reply-letter templates of an agency (TOML with minijinja strings).
CREATE TABLE letter_template (
    agency_id INTEGER PRIMARY KEY REFERENCES agency(id),
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- 信息处理费 of a case (国办函〔2020〕109号): the fee notice, its amount and the payment.
CREATE TABLE request_fee (
    request_id INTEGER PRIMARY KEY REFERENCES request(id),
    method TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    amount_fen BIGINT NOT NULL,
    notice_on DATE NOT NULL,
    paid_on DATE
);
