//! The queue's statements. Each is portable except the claim, whose two forms sit side by side.

use store::sqlx::{self, Row};
use store::{Backend, Db};

use crate::{JobError, Status};

/// Which jobs a worker may take at `$1` (now): a queued job that is due, or a running one whose worker stopped
/// renewing its lease and that has an attempt left (one without is buried by [`bury_expired`]).
const CLAIMABLE: &str = "((status = 'queued' AND run_at <= $1) \
     OR (status = 'running' AND locked_until < $1 AND attempts < max_attempts))";

/// A job a worker holds the lease of, as its claim returned it.
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    /// The attempt this claim is (1 for the first); with the worker's id, it names the lease.
    pub attempt: i64,
    pub max_attempts: i64,
}

/// Whether any job is claimable: a plain read, so that an idle worker polling SQLite does not take the write lock.
pub(crate) async fn has_due(db: &Db, now: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(&format!("SELECT id FROM jobs WHERE {CLAIMABLE} LIMIT 1"))
        .bind(now)
        .fetch_optional(db.pool())
        .await?;
    Ok(found.is_some())
}

/// Claims the next claimable job for `worker` with a lease until `until`, counting an attempt.
pub(crate) async fn claim(db: &Db, worker: &str, now: i64, until: i64) -> Result<Option<Claimed>, sqlx::Error> {
    // PostgreSQL: concurrent claimers each lock a different row and skip the rows others hold, so they never wait
    // on, or take, each other's job. SQLite has one writer at a time: `begin_write` takes the lock before the
    // statement reads, so the row it picks cannot be claimed by anyone else before it is updated.
    let pick = match db.backend() {
        Backend::Postgres => {
            format!("SELECT id FROM jobs WHERE {CLAIMABLE} ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED")
        }
        Backend::Sqlite => format!("SELECT id FROM jobs WHERE {CLAIMABLE} ORDER BY run_at, id LIMIT 1"),
    };
    let statement = format!(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $2, locked_until = $3, \
         updated_at = $1 WHERE id = ({pick}) AND {CLAIMABLE} \
         RETURNING id, kind, payload, attempts, max_attempts"
    );
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(&statement).bind(now).bind(worker).bind(until).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    row.map(|r| {
        Ok(Claimed {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            payload: r.try_get("payload")?,
            attempt: r.try_get("attempts")?,
            max_attempts: r.try_get("max_attempts")?,
        })
    })
    .transpose()
}

/// The condition that `job` is still held by `worker` under this claim; every later write carries it, so that a
/// worker whose lease was taken over changes nothing.
const HELD: &str = "id = $1 AND status = 'running' AND locked_by = $2 AND attempts = $3";

/// Extends the lease; `false` when it is no longer this worker's.
pub(crate) async fn renew(db: &Db, job: &Claimed, worker: &str, until: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!("UPDATE jobs SET locked_until = $4 WHERE {HELD}"))
        .bind(job.id)
        .bind(worker)
        .bind(job.attempt)
        .bind(until)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the job done and blanks its payload; `false` when the lease was no longer this worker's.
pub(crate) async fn complete(db: &Db, job: &Claimed, worker: &str, now: i64) -> Result<bool, sqlx::Error> {
    // The payload may hold a secret (a reset link) or personal data: once the effect happened, nothing needs it.
    let done = sqlx::query(&format!(
        "UPDATE jobs SET status = 'done', payload = '', locked_by = NULL, locked_until = NULL, updated_at = $4 \
         WHERE {HELD}"
    ))
    .bind(job.id)
    .bind(worker)
    .bind(job.attempt)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt: queued again for `retry_at`, or dead when that is `None`. `false` when the lease
/// was no longer this worker's.
pub(crate) async fn fail(
    db: &Db,
    job: &Claimed,
    worker: &str,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let status = if retry_at.is_some() { Status::Queued } else { Status::Dead };
    let done = sqlx::query(&format!(
        "UPDATE jobs SET status = $4, run_at = COALESCE($5, run_at), last_error = $6, locked_by = NULL, \
         locked_until = NULL, updated_at = $7 WHERE {HELD}"
    ))
    .bind(job.id)
    .bind(worker)
    .bind(job.attempt)
    .bind(status.as_str())
    .bind(retry_at)
    .bind(truncate(error, 2000))
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Buries the running jobs whose lease ran out on their last attempt: the worker died on each of them, and a
/// job that kills its worker must not be run forever.
pub(crate) async fn bury_expired(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE jobs SET status = 'dead', last_error = $2, locked_by = NULL, locked_until = NULL, updated_at = $1 \
         WHERE status = 'running' AND locked_until < $1 AND attempts >= max_attempts",
    )
    .bind(now)
    .bind("the worker running its last attempt stopped before it finished (its lease ran out)")
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected())
}

/// Deletes the done jobs last changed before `before`.
pub(crate) async fn purge_done(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM jobs WHERE status = 'done' AND updated_at < $1")
        .bind(before)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}

/// A job as an operator sees it: everything but its payload.
#[derive(Debug, Clone)]
pub struct JobRow {
    /// Its id.
    pub id: i64,
    /// Its kind, such as `mail.send`.
    pub kind: String,
    /// Where it is.
    pub status: Status,
    /// Attempts made so far.
    pub attempts: i64,
    /// Attempts it may have.
    pub max_attempts: i64,
    /// When it is due (Unix seconds).
    pub run_at: i64,
    /// The worker holding it, while it runs.
    pub locked_by: Option<String>,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// When it was enqueued (Unix seconds).
    pub created_at: i64,
    /// When it last changed (Unix seconds).
    pub updated_at: i64,
}

/// The most recent jobs (newest first), of one status or all.
pub async fn list(db: &Db, status: Option<Status>, limit: i64) -> Result<Vec<JobRow>, JobError> {
    let rows = sqlx::query(
        "SELECT id, kind, status, attempts, max_attempts, run_at, locked_by, last_error, created_at, updated_at \
         FROM jobs WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(status.map(Status::as_str))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            let status: String = r.try_get("status")?;
            Ok(JobRow {
                id,
                kind: r.try_get("kind")?,
                status: Status::parse(id, &status)?,
                attempts: r.try_get("attempts")?,
                max_attempts: r.try_get("max_attempts")?,
                run_at: r.try_get("run_at")?,
                locked_by: r.try_get("locked_by")?,
                last_error: r.try_get("last_error")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .collect()
}

/// Queues a dead job again, due now, with all its attempts.
pub async fn retry(db: &Db, id: i64) -> Result<(), JobError> {
    let now = crate::now();
    let done = sqlx::query(
        "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $2, updated_at = $2 WHERE id = $1 AND status = 'dead'",
    )
    .bind(id)
    .bind(now)
    .execute(db.pool())
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1").bind(id).fetch_optional(db.pool()).await?;
    match status {
        None => Err(JobError::NotFound(id)),
        Some(s) => Err(JobError::NotDead { id, status: Status::parse(id, &s)? }),
    }
}

/// Queues every dead job again; returns how many.
pub async fn retry_all_dead(db: &Db) -> Result<u64, JobError> {
    let done = sqlx::query(
        "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $1, updated_at = $1 WHERE status = 'dead'",
    )
    .bind(crate::now())
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected())
}

/// How many jobs are dead, for an operator's attention.
pub async fn dead_count(db: &Db) -> Result<i64, JobError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status = 'dead'").fetch_one(db.pool()).await?)
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
