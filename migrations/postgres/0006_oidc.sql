-- Assurance levels (Decree 69/2024) and the OpenID Connect provider.

-- 1: self-registered, data matched with the population registry; 2: identity checked in person by an official.
ALTER TABLE accounts ADD COLUMN assurance_level BIGINT NOT NULL DEFAULT 1;

-- Relying parties, registered by an operator. A client authenticates with a secret (only its SHA-256 is kept:
-- it is 256 random bits, so a slow hash adds nothing) or with JWTs signed by a key of its JWK set.
-- `subject_salt` makes each client's subject identifiers its own (pairwise), so clients cannot link people.
CREATE TABLE oidc_clients (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    redirect_uris   TEXT    NOT NULL,
    auth_method     TEXT    NOT NULL CHECK (auth_method IN ('client_secret_basic', 'private_key_jwt')),
    secret_hash     TEXT,
    jwks            TEXT,
    subject_salt    TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    disabled_at     BIGINT
);

-- Authorization codes: single use, 60 seconds, bound to the client, the redirect URI and the PKCE challenge.
CREATE TABLE oidc_codes (
    code_hash       TEXT    PRIMARY KEY,
    client_id       TEXT    NOT NULL,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    redirect_uri    TEXT    NOT NULL,
    code_challenge  TEXT    NOT NULL,
    scope           TEXT    NOT NULL,
    nonce           TEXT,
    acr_level       BIGINT  NOT NULL,
    auth_time       BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    used_at         BIGINT
);

-- Access tokens: opaque, only their SHA-256 kept; `code_hash` lets a replayed code revoke what it gave.
CREATE TABLE oidc_access_tokens (
    token_hash      TEXT    PRIMARY KEY,
    client_id       TEXT    NOT NULL,
    account_id      BIGINT  NOT NULL REFERENCES accounts (id),
    scope           TEXT    NOT NULL,
    code_hash       TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    revoked_at      BIGINT
);
CREATE INDEX oidc_access_tokens_code ON oidc_access_tokens (code_hash);

-- The `jti` of every client assertion seen, kept until it expires, so an assertion is accepted once only.
CREATE TABLE oidc_assertion_jtis (
    client_id       TEXT    NOT NULL,
    jti             TEXT    NOT NULL,
    expires_at      BIGINT  NOT NULL,
    PRIMARY KEY (client_id, jti)
);
