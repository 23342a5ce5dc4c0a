-- Four eyes on powers over personal data: a role that reads people's records (or the administrator's own) is asked
-- for by one administrator and becomes a role_assignments row only when a second one approves. One row per request,
-- with its outcome; a request still pending after expires_at has expired and can no longer be approved.
CREATE TABLE role_grants (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    role            TEXT    NOT NULL,
    agency          TEXT    NOT NULL REFERENCES agencies (code),
    territory       TEXT    NOT NULL,
    requested_by    BIGINT  NOT NULL REFERENCES accounts (id),
    requested_at    BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by      BIGINT  REFERENCES accounts (id),
    decided_at      BIGINT,
    reason          TEXT
);
CREATE INDEX role_grants_account ON role_grants (account_id);
CREATE INDEX role_grants_status ON role_grants (status, expires_at);
