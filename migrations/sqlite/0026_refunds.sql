-- Refunds of paid bills (hoàn tiền): one per bill, made by the bank that took the payment under a reference the
-- bill names, so a retried request asks the bank for the same refund; and the e-receipts issued for each bill, so
-- a refund can revoke them.

CREATE TABLE bill_refunds (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    bill_id         BIGINT  NOT NULL UNIQUE REFERENCES bills (id),
    reference       TEXT    NOT NULL UNIQUE,
    provider        TEXT    NOT NULL,
    transaction_id  TEXT    NOT NULL,
    bank_refund_id  TEXT    NOT NULL,
    amount          BIGINT  NOT NULL,
    reason          TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    agency          TEXT    NOT NULL,
    refunded_at     BIGINT  NOT NULL
);
CREATE INDEX bill_refunds_by_agency ON bill_refunds (agency, refunded_at);

CREATE TABLE bill_receipts (
    bill_id         BIGINT  NOT NULL REFERENCES bills (id),
    credential_id   TEXT    NOT NULL,
    PRIMARY KEY (bill_id, credential_id)
);
