-- Agency-scoped access (issue 7): roles are granted per agency (a grant covers the agency's
-- subtree); users can be disabled; sessions have an absolute lifetime; API tokens expire and
-- can be revoked; the audit log records who, with which grants, where, on what, the outcome and
-- the client address, and is append-only.

CREATE TABLE user_grant (
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    agency_id BIGINT NOT NULL REFERENCES agency(id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, agency_id, role)
);
CREATE INDEX user_grant_agency ON user_grant(agency_id);

-- Roles held before grants existed apply in every top-level agency.
INSERT INTO user_grant (user_id, agency_id, role)
SELECT r.user_id, a.id, r.role FROM user_role r CROSS JOIN agency a WHERE a.parent_id IS NULL;
DROP TABLE user_role;

ALTER TABLE app_user ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE user_session ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z';
ALTER TABLE user_session ADD COLUMN absolute_expires_at TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z';
ALTER TABLE user_session ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';

ALTER TABLE api_token ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_token ADD COLUMN revoked_at TIMESTAMPTZ;
CREATE INDEX api_token_user ON api_token(user_id);

ALTER TABLE audit_log ADD COLUMN grants TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN agency TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN object TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok';
ALTER TABLE audit_log ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_at ON audit_log(at);

-- Append-only: no row is ever changed, and none younger than 180 days (网络安全法 art. 21) is
-- deleted; the retention purge deletes only older rows.
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '审计日志只能追加，不能修改';
    END IF;
    IF OLD.at > now() - interval '180 days' THEN
        RAISE EXCEPTION '审计日志至少保存 180 天';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
