-- Whether a finished dossier was settled within its legal time limit (1) or late (0), decided once when it ends,
-- so the portal's statistics are counted by the database rather than by reading every dossier.

ALTER TABLE dossiers ADD COLUMN on_time BIGINT;
CREATE INDEX dossiers_by_submission ON dossiers (submitted_at);
