-- Dossiers through their workflow: the form, the step and office that have it, the working-day clock, the
-- result, the applicant's rating; a timeline of what happened; the papers attached.

ALTER TABLE dossiers ADD COLUMN commune TEXT;
ALTER TABLE dossiers ADD COLUMN step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN office TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN form TEXT NOT NULL DEFAULT '{}';
ALTER TABLE dossiers ADD COLUMN submitted_at BIGINT;
ALTER TABLE dossiers ADD COLUMN due_on TEXT;
ALTER TABLE dossiers ADD COLUMN days_left_at_pause BIGINT;
ALTER TABLE dossiers ADD COLUMN finished_at BIGINT;
ALTER TABLE dossiers ADD COLUMN result_id TEXT;
ALTER TABLE dossiers ADD COLUMN result_qr TEXT;
ALTER TABLE dossiers ADD COLUMN rating BIGINT;
ALTER TABLE dossiers ADD COLUMN rating_comment TEXT;
ALTER TABLE dossiers ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE dossiers ADD COLUMN idempotency_key TEXT;
ALTER TABLE dossiers ADD COLUMN counter TEXT;
CREATE UNIQUE INDEX dossiers_by_idempotency_key ON dossiers (applicant, idempotency_key);
CREATE INDEX dossiers_by_office ON dossiers (office, status, due_on);

CREATE TABLE dossier_events (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_code    TEXT    NOT NULL,
    at              BIGINT  NOT NULL,
    actor           TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    step            BIGINT  NOT NULL,
    note            TEXT
);
CREATE INDEX dossier_events_by_dossier ON dossier_events (dossier_code, id);

CREATE TABLE dossier_files (
    dossier_code    TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    file_id         TEXT    NOT NULL,
    declared_name   TEXT    NOT NULL,
    added_at        BIGINT  NOT NULL,
    PRIMARY KEY (dossier_code, kind, file_id)
);
