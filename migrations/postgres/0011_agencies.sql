-- Cơ quan — the agencies officials work in. Each acts over a territory ('VN', a province or a commune) and a role
-- held in it reaches no further; role_assignments.agency names one of these codes (older rows made from the
-- command line name none).
CREATE TABLE agencies (
    code            TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    territory       TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX agencies_territory ON agencies (territory);

-- The same role in the same agency over the same territory is held once.
CREATE UNIQUE INDEX role_assignments_once ON role_assignments (account_id, role, COALESCE(agency, ''), territory);
