-- Transfers naming no bill: the beneficiary account a bank reported (so that the agency whose account it is sees
-- the transfer), and where congso learnt of it (a bank's callback, or a line of a statement a finance officer
-- reconciled).

ALTER TABLE bank_payments ADD COLUMN account TEXT;
ALTER TABLE bank_payments ADD COLUMN source TEXT NOT NULL DEFAULT 'callback';
ALTER TABLE bank_payments ADD COLUMN recorded_by TEXT;
CREATE INDEX bank_payments_without_bill ON bank_payments (bill_id, outcome, received_at);
