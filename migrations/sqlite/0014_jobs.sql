-- Background jobs, one queue for every slice (crates/jobs). A job is enqueued in the transaction of the change that
-- asked for it, so it exists if and only if that change committed. `payload` is the kind's JSON; it is blanked
-- once the job is done (it may hold a secret, such as a mailed reset link). A worker claims a job by setting
-- `locked_by` and a lease (`locked_until`, Unix seconds) that it renews while the job runs; a running job whose
-- lease has passed belongs to a worker that died and is claimed again. `dedup_key`, when set, makes an enqueue
-- idempotent: a second job with the same key is not made.
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'dead')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    max_attempts    BIGINT  NOT NULL CHECK (max_attempts >= 1),
    run_at          BIGINT  NOT NULL,
    locked_by       TEXT,
    locked_until    BIGINT,
    last_error      TEXT,
    dedup_key       TEXT    UNIQUE,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);
