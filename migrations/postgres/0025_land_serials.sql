-- The serials of the land-use-right certificates congso issues itself when a dossier's approval moves a parcel
-- (series `CS`): the last number used in each series, taken and moved on in the approving transaction.

CREATE TABLE land_certificate_serials (
    series TEXT PRIMARY KEY,
    last_number BIGINT NOT NULL
);
