-- Wrong second-factor codes, per account and apart from password failures: a right password must not wipe them,
-- or whoever has the password could guess codes forever. Cleared only by a completed sign-in.
CREATE TABLE mfa_failures (
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    at              BIGINT  NOT NULL
);
CREATE INDEX mfa_failures_account ON mfa_failures (account_id, at);
