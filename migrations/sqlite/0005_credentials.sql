-- Credentials and signed documents issued: the digital-ID QR codes and every official output signed through
-- the trust pipeline. `id` is the hex of the 16 random bytes in the CWT's `cti`, which revocation lists name.
-- The QR text is kept so a citizen's page shows the same code until it must be reissued (record changed, key
-- retired, expiry near, revoked).
CREATE TABLE credentials (
    id              TEXT    PRIMARY KEY,
    kind            TEXT    NOT NULL,
    personal_id     TEXT    NOT NULL,
    record_version  BIGINT  NOT NULL,
    kid             TEXT    NOT NULL,
    issued_at       BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    qr_text         TEXT    NOT NULL,
    revoked_at      BIGINT,
    revoked_reason  TEXT
);
CREATE INDEX credentials_personal_id ON credentials (personal_id, kind, issued_at);
CREATE INDEX credentials_revoked ON credentials (revoked_at);
