//! Durable background jobs: one queue in the database, on SQLite and PostgreSQL alike.
//!
//! A slice asks for work to be done later (send a mail, call a payment provider back, close a dossier's deadline)
//! by enqueuing a job **in the transaction of the change that asks for it** ([`enqueue_in`]): the job exists if
//! and only if that change committed. A [`Worker`] in every `congso serve` claims due jobs, runs the handler
//! registered for their kind ([`Handlers`]) and records the outcome. A failure is retried with exponential backoff
//! and jitter, up to the job's `max_attempts`; then the job is `dead` (the dead letters), with its last error, until
//! an operator retries it (`congso jobs retry`).
//!
//! # What is promised: at least once
//! A claim takes a **lease** (`locked_until`), which the worker renews while the handler runs. A worker that dies
//! (`kill -9`, a lost node) stops renewing; once the lease has passed, another worker claims the job again and runs
//! it from the start. Completion is a conditional update that only the lease holder's claim can make, so a job
//! whose lease was taken over is neither marked done nor failed by the worker that lost it.
//!
//! An effect outside the database cannot be made exactly once in general: a worker can die after the mail left
//! and before the job was marked done, and the mail is sent again. So **handlers must be idempotent**, or use the
//! job's id ([`Job::id`]) as an idempotency key where the other side accepts one (a payment provider) or in a
//! table of their own with a unique constraint (a change in the database). What the tests show is that a job whose
//! worker was killed while it ran is run to completion once after restart, and that concurrent workers never run
//! the same job at the same time.
//!
//! # Payloads
//! A payload is JSON text, read only by its handler. It may hold a secret or personal data (a mailed reset link),
//! so it is never logged or listed, and it is blanked when the job is done: nothing needs it after the effect.
//! A dead job keeps its payload, so that it can be retried.
//!
//! # Why not a library
//! The maintained Rust job queues we looked at do not fit: apalis keeps one storage per backend over its own
//! `SqlitePool` or `PgPool`, sqlxmq and underway are PostgreSQL only, and none can enqueue inside a
//! `sqlx::Transaction<Any>`, which is what makes a job commit with its change. This crate is small instead: one
//! table, one portable SQL path, and the claim written twice side by side (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
//! the single writer's lock on SQLite), chosen by [`store::Db::backend`].

pub mod cli;
mod queue;
mod worker;

pub use queue::{JobRow, dead_count, list, retry, retry_all_dead};
pub use worker::{Handlers, Job, JobFailure, Worker, WorkerConfig, WorkerHandle, backoff};

use store::sqlx;

/// What the queue can fail with.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The payload could not be written as JSON.
    #[error("the payload of a {kind} job cannot be written as JSON: {source}")]
    Payload {
        /// The job's kind.
        kind: String,
        /// Why.
        source: serde_json::Error,
    },
    /// A stored status is not one this version knows.
    #[error("job {id} has an unknown status {status:?}")]
    UnknownStatus {
        /// The job.
        id: i64,
        /// What is stored.
        status: String,
    },
    /// No job has this id.
    #[error("no job has id {0}")]
    NotFound(i64),
    /// The job is not dead, so there is nothing to retry.
    #[error("job {id} is {status}, not dead: only a dead job can be retried")]
    NotDead {
        /// The job.
        id: i64,
        /// Its status.
        status: Status,
    },
    /// A database failure.
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    /// A command's output could not be written.
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Status {
    /// Waiting for its `run_at`, or for a worker.
    Queued,
    /// Claimed by a worker, whose lease says until when.
    Running,
    /// Its handler succeeded.
    Done,
    /// It failed `max_attempts` times, or in a way retrying cannot mend: it waits for an operator.
    Dead,
}

impl Status {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Running => "running",
            Status::Done => "done",
            Status::Dead => "dead",
        }
    }

    fn parse(id: i64, stored: &str) -> Result<Status, JobError> {
        match stored {
            "queued" => Ok(Status::Queued),
            "running" => Ok(Status::Running),
            "done" => Ok(Status::Done),
            "dead" => Ok(Status::Dead),
            other => Err(JobError::UnknownStatus { id, status: other.to_owned() }),
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many times a job is tried unless its maker says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    kind: String,
    payload: String,
    run_at: Option<i64>,
    max_attempts: u32,
    dedup_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` (such as `mail.send`: the slice, a dot, the action) with `payload` as its JSON, due now.
    pub fn new(kind: &str, payload: &impl serde::Serialize) -> Result<NewJob, JobError> {
        let payload =
            serde_json::to_string(payload).map_err(|source| JobError::Payload { kind: kind.to_owned(), source })?;
        Ok(NewJob { kind: kind.to_owned(), payload, run_at: None, max_attempts: DEFAULT_MAX_ATTEMPTS, dedup_key: None })
    }

    /// Due at `unix_seconds` rather than now (a deadline, a reminder).
    pub fn run_at(mut self, unix_seconds: i64) -> NewJob {
        self.run_at = Some(unix_seconds);
        self
    }

    /// Tried at most `attempts` times (at least once) before it is dead.
    pub fn max_attempts(mut self, attempts: u32) -> NewJob {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Made at most once for `key`: enqueuing another job with the same key returns the first one's id. A key
    /// stays taken while its job's row is kept (done jobs are purged after [`WorkerConfig::keep_done`]).
    pub fn dedup_key(mut self, key: &str) -> NewJob {
        self.dedup_key = Some(key.to_owned());
        self
    }
}

/// Enqueues `job` in the caller's transaction and returns its id (or, with a dedup key already taken, the id of
/// the job that holds it). The job is seen by workers when, and only if, the transaction commits.
pub async fn enqueue_in(tx: &mut store::Tx, job: NewJob) -> Result<i64, JobError> {
    let now = now();
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, dedup_key, created_at, updated_at) \
         VALUES ($1, $2, 'queued', 0, $3, $4, $5, $6, $6) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
    )
    .bind(&job.kind)
    .bind(&job.payload)
    .bind(i64::from(job.max_attempts))
    .bind(job.run_at.unwrap_or(now))
    .bind(job.dedup_key.as_deref())
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = inserted {
        return Ok(id);
    }
    // Only a taken dedup key makes the insert do nothing (NULL keys never conflict).
    Ok(sqlx::query_scalar("SELECT id FROM jobs WHERE dedup_key = $1")
        .bind(job.dedup_key.as_deref())
        .fetch_one(&mut **tx)
        .await?)
}

/// Enqueues `job` in a transaction of its own, for a caller that has none.
pub async fn enqueue(db: &store::Db, job: NewJob) -> Result<i64, JobError> {
    let mut tx = db.begin_write().await?;
    let id = enqueue_in(&mut tx, job).await?;
    tx.commit().await?;
    Ok(id)
}

/// The time, in Unix seconds, as the queue's columns hold it.
pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
