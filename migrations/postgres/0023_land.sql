-- The land registry: parcels (thửa đất) with their boundary and recorded area, their users' current shares, the
-- certificates issued for them, and every transaction on them. Transactions and certificates are only ever
-- inserted: the history of a parcel is never overwritten. A parcel's row carries the version every change checks.

CREATE TABLE land_parcels (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    commune         TEXT    NOT NULL,
    province        TEXT    NOT NULL,
    sheet           BIGINT  NOT NULL CHECK (sheet BETWEEN 1 AND 9999),
    number          BIGINT  NOT NULL CHECK (number BETWEEN 1 AND 99999),
    area_dm2        BIGINT  NOT NULL CHECK (area_dm2 > 0),
    computed_dm2    BIGINT  NOT NULL,
    flagged         BIGINT  NOT NULL CHECK (flagged IN (0, 1)),
    purpose         TEXT    NOT NULL,
    term_until      TEXT,
    geometry        TEXT    NOT NULL,
    min_x           BIGINT  NOT NULL,
    min_y           BIGINT  NOT NULL,
    max_x           BIGINT  NOT NULL,
    max_y           BIGINT  NOT NULL,
    version         BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    UNIQUE (commune, sheet, number)
);
CREATE INDEX land_parcels_by_box ON land_parcels (commune, min_x, max_x);

CREATE TABLE land_holders (
    parcel_id       BIGINT  NOT NULL REFERENCES land_parcels (id),
    holder_kind     TEXT    NOT NULL,
    holder          TEXT    NOT NULL,
    share_bp        BIGINT  NOT NULL CHECK (share_bp BETWEEN 1 AND 10000),
    PRIMARY KEY (parcel_id, holder_kind, holder)
);
CREATE INDEX land_holders_by_holder ON land_holders (holder_kind, holder);

CREATE TABLE land_certificates (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parcel_id       BIGINT  NOT NULL REFERENCES land_parcels (id),
    number          TEXT    NOT NULL UNIQUE,
    issued_on       TEXT    NOT NULL,
    issuer          TEXT    NOT NULL,
    at              BIGINT  NOT NULL
);
CREATE INDEX land_certificates_by_parcel ON land_certificates (parcel_id, id);

CREATE TABLE land_transactions (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parcel_id       BIGINT  NOT NULL REFERENCES land_parcels (id),
    kind            TEXT    NOT NULL,
    from_holder     TEXT,
    to_holder       TEXT,
    share_bp        BIGINT,
    certificate     TEXT,
    until_date      TEXT,
    releases        BIGINT  REFERENCES land_transactions (id),
    basis           TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    at              BIGINT  NOT NULL
);
CREATE INDEX land_transactions_by_parcel ON land_transactions (parcel_id, id);
CREATE UNIQUE INDEX land_transactions_one_release ON land_transactions (releases);
