-- The public-service portal: citizens' dossiers, and each agency's numbering of them by day.

CREATE TABLE dossiers (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    procedure_code  TEXT    NOT NULL,
    agency          TEXT    NOT NULL,
    applicant       TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX dossiers_by_applicant ON dossiers (applicant, created_at);

CREATE TABLE dossier_sequences (
    agency  TEXT    NOT NULL,
    day     TEXT    NOT NULL,
    last    BIGINT  NOT NULL,
    PRIMARY KEY (agency, day)
);
