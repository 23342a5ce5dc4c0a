-- Password reset links sent by mail. Only the token's SHA-256 is stored. A link works once (`used_at`), for 30
-- minutes; a new request for the account deletes its older links.
CREATE TABLE password_resets (
    token_hash      TEXT    PRIMARY KEY,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    created_at      BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    used_at         BIGINT
);
CREATE INDEX password_resets_account ON password_resets (account_id);
