-- The enterprise registry: each enterprise's current record with who made it, why and when, every superseded
-- version, its status history, the indexes its searches run on (representatives, business lines, name
-- suffixes), and the counters tax codes are issued from.

-- Doanh nghiệp: the current version of each enterprise (or branch: a 13-digit tax code under its parent). Its
-- lines, representatives and members are JSON arrays in the row, so that a lookup is one point query; the
-- tables below index them for search.
CREATE TABLE enterprises (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tax_code        TEXT    NOT NULL UNIQUE,
    parent_id       BIGINT  REFERENCES enterprises (id),
    name_vi         TEXT    NOT NULL,
    name_folded     TEXT    COLLATE "C" NOT NULL,
    name_foreign    TEXT,
    name_abbr       TEXT,
    legal_form      TEXT    NOT NULL,
    office_address  TEXT    NOT NULL,
    office_street   TEXT    NOT NULL,
    commune_code    TEXT    NOT NULL,
    province_code   TEXT    NOT NULL,
    charter_capital BIGINT  NOT NULL CHECK (charter_capital >= 0),
    main_line       TEXT    NOT NULL,
    lines           TEXT    NOT NULL,
    representatives TEXT    NOT NULL,
    members         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('active', 'suspended', 'in_dissolution', 'dissolved', 'bankrupt')),
    status_since    TEXT    NOT NULL,
    registered_on   TEXT    NOT NULL,
    version         BIGINT  NOT NULL,
    changed_by      TEXT    NOT NULL,
    change_reason   TEXT    NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX enterprises_province_name ON enterprises (province_code, name_folded);
CREATE INDEX enterprises_commune ON enterprises (commune_code);
CREATE INDEX enterprises_name ON enterprises (name_folded);

-- Every superseded version of an enterprise, whole (representatives, members and lines included), as it was.
CREATE TABLE enterprise_versions (
    enterprise_id   BIGINT  NOT NULL REFERENCES enterprises (id),
    version         BIGINT  NOT NULL,
    snapshot        TEXT    NOT NULL,
    changed_by      TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    changed_at      BIGINT  NOT NULL,
    PRIMARY KEY (enterprise_id, version)
);

-- Người đại diện theo pháp luật of each current version, by personal ID number: who represents what.
CREATE TABLE enterprise_representatives (
    personal_id     TEXT    NOT NULL,
    enterprise_id   BIGINT  NOT NULL REFERENCES enterprises (id),
    PRIMARY KEY (personal_id, enterprise_id)
);
CREATE INDEX enterprise_representatives_enterprise ON enterprise_representatives (enterprise_id);

-- Ngành nghề kinh doanh of the current version (VSIC 2018 codes): by code first, for the search by line.
CREATE TABLE enterprise_lines (
    vsic            TEXT    NOT NULL,
    enterprise_id   BIGINT  NOT NULL REFERENCES enterprises (id),
    PRIMARY KEY (vsic, enterprise_id)
);
CREATE INDEX enterprise_lines_enterprise ON enterprise_lines (enterprise_id);

-- Every status an enterprise has had, from the day it took effect.
CREATE TABLE enterprise_status_history (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enterprise_id   BIGINT  NOT NULL REFERENCES enterprises (id),
    status          TEXT    NOT NULL,
    effective_on    TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    changed_by      TEXT    NOT NULL,
    changed_at      BIGINT  NOT NULL
);
CREATE INDEX enterprise_status_history_enterprise ON enterprise_status_history (enterprise_id, id);

-- Each enterprise's folded Vietnamese name from each of its words onward, as citizens' names are indexed.
CREATE TABLE enterprise_name_suffixes (
    suffix          TEXT    COLLATE "C" NOT NULL,
    enterprise_id   BIGINT  NOT NULL REFERENCES enterprises (id),
    PRIMARY KEY (suffix, enterprise_id)
);

-- The next sequence to issue a ten-digit tax code from, per two-digit prefix; branches count under their parent.
CREATE TABLE enterprise_tax_counters (
    prefix          TEXT    NOT NULL PRIMARY KEY,
    next_sequence   BIGINT  NOT NULL
);
