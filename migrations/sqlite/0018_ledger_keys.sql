-- Fewer pages written by every group commit of reads: the entries keyed by the table's own row key (on SQLite a
-- `BIGINT PRIMARY KEY` is a second B-tree beside the rows, written at every append), and the index of record
-- versions holding only the entries that describe a record, not every read.
CREATE TABLE ledger_entries_keyed (
    seq             INTEGER PRIMARY KEY /* rowid */,
    recorded_at_ms  BIGINT  NOT NULL,
    kind            TEXT    NOT NULL,
    subject         TEXT,
    record_kind     TEXT,
    record_key      TEXT,
    record_digest   TEXT,
    body            TEXT    NOT NULL,
    leaf_hash       TEXT    NOT NULL
);
INSERT INTO ledger_entries_keyed SELECT seq, recorded_at_ms, kind, subject, record_kind, record_key, record_digest, body, leaf_hash FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_keyed RENAME TO ledger_entries;
CREATE INDEX ledger_entries_subject ON ledger_entries (subject, seq);
CREATE INDEX ledger_entries_record ON ledger_entries (record_kind, record_key, seq) WHERE record_kind IS NOT NULL;
