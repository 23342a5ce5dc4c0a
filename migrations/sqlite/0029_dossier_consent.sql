-- The other party whose consent a dossier waits for, or was given by (a marriage's partner), and the dossiers
-- waiting for a person's consent.
ALTER TABLE dossiers ADD COLUMN consent_of TEXT;
CREATE INDEX dossiers_consent_of ON dossiers (consent_of, status);
