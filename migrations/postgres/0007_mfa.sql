-- TOTP second factor (RFC 6238) for officials and operators. The secret is kept as hex: it must be read back to
-- check codes, so it cannot be hashed; it is never logged and shown only at enrolment. `last_step` is the last
-- 30-second step a code was accepted for, so that each code is used once.
CREATE TABLE mfa_totp (
    account_id      BIGINT  PRIMARY KEY REFERENCES accounts (id),
    secret_hex      TEXT    NOT NULL,
    enabled_at      BIGINT,
    last_step       BIGINT  NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL
);

-- Single-use recovery codes, stored as SHA-256.
CREATE TABLE mfa_recovery_codes (
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    code_hash       TEXT    NOT NULL,
    used_at         BIGINT
);
CREATE INDEX mfa_recovery_codes_account ON mfa_recovery_codes (account_id);

-- A password step that succeeded and waits for its second factor: the token is stored as SHA-256, 5 minutes.
CREATE TABLE mfa_pending (
    token_hash      TEXT    PRIMARY KEY,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    next_path       TEXT    NOT NULL,
    expires_at      BIGINT  NOT NULL
);
