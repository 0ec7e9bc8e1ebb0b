-- The audit log (审计日志): who read whose record and who changed what, one row each, never changed afterwards.
-- A state change made by a call or an event writes its row in the transaction that makes the change.
CREATE TABLE audit_log (
    entry_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    caller_kind text NOT NULL,           -- Institution, Operator, Service
    caller_id   text NOT NULL,           -- institution code, operator id, service name
    role        text,                    -- an operator's role
    site        text,                    -- an operator's site
    action      text NOT NULL,           -- the gRPC method, or "consume {event}"
    kind        text NOT NULL,           -- Read or Change
    subject     text NOT NULL,           -- whose record or which thing: an ID number, a settlement, a case, an event id
    request_id  text,
    trace_id    text
);
CREATE INDEX audit_log_subject ON audit_log (subject, at);

-- Append-only for everyone who connects as the service: an UPDATE, DELETE or TRUNCATE is an error. The service's own
-- role (ServiceRole) also has only INSERT and SELECT on it and owns nothing, so it can neither disable this nor drop it.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
