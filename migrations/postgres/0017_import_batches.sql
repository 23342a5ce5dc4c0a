-- A bulk import records what each of its transactions made with one ledger entry (an `import_batch`) carrying the
-- Merkle root over those records, instead of one entry per record. Each row it made names that entry and keeps the
-- digest the entry's tree holds for it, so `congso ledger verify` can name a row changed since, and recompute each
-- batch's root from the rows. Rows written one at a time leave both empty: their own entries record them.
ALTER TABLE citizens ADD COLUMN import_seq BIGINT;
ALTER TABLE citizens ADD COLUMN import_digest TEXT;
ALTER TABLE households ADD COLUMN import_seq BIGINT;
ALTER TABLE households ADD COLUMN import_digest TEXT;
ALTER TABLE addresses ADD COLUMN import_seq BIGINT;
ALTER TABLE addresses ADD COLUMN import_digest TEXT;
