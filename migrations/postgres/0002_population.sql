-- The population registry: addresses, households, citizens, every version of every citizen, and the name
-- suffixes that diacritic-insensitive search runs on.

-- Địa chỉ số: one row per dwelling.
CREATE TABLE addresses (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    commune_code    TEXT    NOT NULL,
    province_code   TEXT    NOT NULL,
    plus_code       TEXT    NOT NULL,
    street          TEXT    NOT NULL,
    lat_e7          BIGINT  NOT NULL,
    lng_e7          BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX addresses_plus_code ON addresses (plus_code);

-- Hộ: a household, known by its 12-character code (the commune and a sequence).
CREATE TABLE households (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    address_id      BIGINT  NOT NULL REFERENCES addresses (id),
    created_at      BIGINT  NOT NULL
);

-- The current version of each citizen, with who made it, why and when; superseded versions move to
-- citizen_versions, so nothing is ever lost.
CREATE TABLE citizens (
    id                          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    personal_id                 TEXT    NOT NULL UNIQUE,
    full_name                   TEXT    NOT NULL,
    name_folded                 TEXT    COLLATE "C" NOT NULL,
    birth_date                  TEXT    NOT NULL,
    birth_year                  BIGINT  NOT NULL,
    sex                         TEXT    NOT NULL CHECK (sex IN ('male', 'female')),
    ethnicity                   TEXT    NOT NULL,
    religion                    TEXT,
    nationality                 TEXT    NOT NULL,
    hometown                    TEXT,
    household_id                BIGINT  REFERENCES households (id),
    relationship                TEXT,
    temporary_household_id      BIGINT  REFERENCES households (id),
    province_code               TEXT,
    commune_code                TEXT,
    mother_pid                  TEXT,
    father_pid                  TEXT,
    spouse_pid                  TEXT,
    status                      TEXT    NOT NULL CHECK (status IN ('living', 'deceased')),
    death_date                  TEXT,
    version                     BIGINT  NOT NULL,
    changed_by                  TEXT    NOT NULL,
    change_reason               TEXT    NOT NULL,
    updated_at                  BIGINT  NOT NULL
);
CREATE INDEX citizens_commune_name ON citizens (commune_code, name_folded);
CREATE INDEX citizens_household ON citizens (household_id);

-- Every superseded version of a citizen's record, as it was, with its own who, why and when.
CREATE TABLE citizen_versions (
    citizen_id      BIGINT  NOT NULL REFERENCES citizens (id),
    version         BIGINT  NOT NULL,
    snapshot        TEXT    NOT NULL,
    changed_by      TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    changed_at      BIGINT  NOT NULL,
    PRIMARY KEY (citizen_id, version)
);

-- Each citizen's folded name from each of its parts to the end ("nguyen van an", "van an", "an"): a query's
-- first word is a prefix range here, already in name order, so a page of results is found without a sort.
CREATE TABLE citizen_name_suffixes (
    suffix          TEXT    COLLATE "C" NOT NULL,
    citizen_id      BIGINT  NOT NULL REFERENCES citizens (id),
    PRIMARY KEY (suffix, citizen_id)
);
