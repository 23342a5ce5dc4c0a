-- Accounts, role assignments, sessions and API tokens: the sign-in foundation that identity builds on.

CREATE TABLE accounts (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('operator', 'official', 'citizen')),
    password_hash   TEXT    NOT NULL,
    disabled_at     BIGINT,
    created_at      BIGINT  NOT NULL
);

-- A role held in an agency over a territory: 'VN' (the nation), a 2-digit province or a 5-digit commune code.
CREATE TABLE role_assignments (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    role            TEXT    NOT NULL,
    agency          TEXT,
    territory       TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX role_assignments_account ON role_assignments (account_id);

-- Server-side sessions; the cookie holds a random secret, the table only its SHA-256.
CREATE TABLE sessions (
    secret_hash     TEXT    PRIMARY KEY,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    created_at      BIGINT  NOT NULL,
    last_seen_at    BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_tokens (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    secret_hash     TEXT    NOT NULL UNIQUE,
    created_at      BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    revoked_at      BIGINT,
    last_used_at    BIGINT
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);
