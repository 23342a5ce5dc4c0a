-- Payments: bills (what someone owes an agency, for a record of another slice), every change of their status,
-- and the payments banks report through their callbacks, one row per bank transaction.

CREATE TABLE bills (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reference       TEXT    NOT NULL UNIQUE,
    payer_kind      TEXT    NOT NULL,
    payer           TEXT    NOT NULL,
    amount          BIGINT  NOT NULL CHECK (amount > 0),
    purpose         TEXT    NOT NULL,
    for_kind        TEXT    NOT NULL,
    for_key         TEXT    NOT NULL,
    agency          TEXT    NOT NULL,
    due_date        TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX bills_by_payer ON bills (payer_kind, payer, created_at);
CREATE INDEX bills_by_record ON bills (for_kind, for_key);

CREATE TABLE bill_history (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    bill_id         BIGINT  NOT NULL REFERENCES bills (id),
    status          TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    note            TEXT    NOT NULL,
    at              BIGINT  NOT NULL
);
CREATE INDEX bill_history_by_bill ON bill_history (bill_id, id);

-- The unique key on the bank's transaction id is what makes a callback delivered twice, or twice at once on two
-- nodes, one payment.
CREATE TABLE bank_payments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    provider        TEXT    NOT NULL,
    transaction_id  TEXT    NOT NULL,
    bill_reference  TEXT    NOT NULL,
    bill_id         BIGINT  REFERENCES bills (id),
    amount          BIGINT  NOT NULL,
    outcome         TEXT    NOT NULL,
    paid_at         BIGINT  NOT NULL,
    received_at     BIGINT  NOT NULL,
    UNIQUE (provider, transaction_id)
);
CREATE INDEX bank_payments_by_outcome ON bank_payments (outcome, received_at);
