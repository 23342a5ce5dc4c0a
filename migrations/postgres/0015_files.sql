-- Stored files (crates/files): attachments and generated documents. The bytes live in the object store under the
-- SHA-256 of their content, so one content is stored once however many rows name it; a row is one use of it,
-- written in the transaction of the change it belongs to. `media_type` was sniffed from the bytes, never taken
-- from the client; `declared_name` is the client's name for the file, shown back to people and trusted for
-- nothing else.
CREATE TABLE files (
    id              TEXT    PRIMARY KEY,
    sha256          TEXT    NOT NULL,
    size            BIGINT  NOT NULL,
    media_type      TEXT    NOT NULL,
    declared_name   TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX files_sha256 ON files (sha256);
