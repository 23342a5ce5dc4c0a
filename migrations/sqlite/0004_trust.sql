-- The keyring and the audit ledger.

-- Signing keys: the public key in the clear, the private key sealed (ChaCha20-Poly1305) under the master key,
-- which never enters the database. A retired key no longer signs nor verifies. The newest generation signs.
CREATE TABLE signing_keys (
    kid             TEXT    PRIMARY KEY,
    generation      BIGINT  NOT NULL UNIQUE,
    algorithm       TEXT    NOT NULL,
    public_key      TEXT    NOT NULL,
    sealed_secret   TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    retired_at      BIGINT
);

-- The ledger's leaves, position 0, 1, 2, … without gaps. `body` is the exact JSON that was hashed
-- (leaf_hash = SHA-256(0x00 || body)); the other columns repeat parts of it so they can be searched, and
-- `congso ledger verify` checks they agree with it.
CREATE TABLE ledger_entries (
    seq             BIGINT  PRIMARY KEY,
    recorded_at_ms  BIGINT  NOT NULL,
    kind            TEXT    NOT NULL,
    subject         TEXT,
    record_kind     TEXT,
    record_key      TEXT,
    record_digest   TEXT,
    body            TEXT    NOT NULL,
    leaf_hash       TEXT    NOT NULL
);
CREATE INDEX ledger_entries_subject ON ledger_entries (subject, seq);
CREATE INDEX ledger_entries_record ON ledger_entries (record_kind, record_key, seq);

-- Hashes of the complete, aligned subtrees above the leaves: node (level, idx) covers leaves
-- [idx * 2^level, (idx + 1) * 2^level). Any proof needs O(log n) of them.
CREATE TABLE ledger_nodes (
    level           SMALLINT NOT NULL,
    idx             BIGINT   NOT NULL,
    hash            TEXT     NOT NULL,
    PRIMARY KEY (level, idx)
);

-- One row: the size of the log and the hashes of its right edge. Every append updates it, which is what orders
-- concurrent writers on every node: the row lock is held until the appending transaction ends.
CREATE TABLE ledger_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    size            BIGINT  NOT NULL,
    frontier        TEXT    NOT NULL
);
INSERT INTO ledger_state (id, size, frontier) VALUES (1, 0, '');

-- Signed tree heads.
CREATE TABLE ledger_heads (
    tree_size       BIGINT  PRIMARY KEY,
    root_hash       TEXT    NOT NULL,
    signed_at_ms    BIGINT  NOT NULL,
    kid             TEXT    NOT NULL,
    signature       TEXT    NOT NULL
);

-- A citizen's account is bound to their personal ID number.
ALTER TABLE accounts ADD COLUMN personal_id TEXT;
CREATE UNIQUE INDEX accounts_personal_id ON accounts (personal_id);
