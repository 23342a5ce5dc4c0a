//! The queue as a slice uses it: enqueue with a change, handlers by kind, retries, dead letters, the command.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use jobs::{Handlers, JobFailure, NewJob, Status, Worker, WorkerConfig};
use serde_json::json;
use store::Db;
use store::sqlx::{self, Row};
use store::testing::TestDb;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn job_count(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM jobs").fetch_one(db.pool()).await.unwrap()
}

async fn row(db: &Db, id: i64) -> (String, i64, i64, Option<String>, String) {
    let r = sqlx::query("SELECT status, attempts, run_at, last_error, payload FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    (r.get("status"), r.get("attempts"), r.get("run_at"), r.get("last_error"), r.get("payload"))
}

#[tokio::test]
async fn a_job_exists_only_if_the_change_that_asked_for_it_committed() {
    let test = TestDb::new().await;
    let db = &test.db;
    let job = || NewJob::new("test.noop", &json!({ "n": 1 })).unwrap();

    let mut tx = db.begin_write().await.unwrap();
    jobs::enqueue_in(&mut tx, job()).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(job_count(db).await, 0, "a rolled-back change leaves no job");

    let mut tx = db.begin_write().await.unwrap();
    jobs::enqueue_in(&mut tx, job()).await.unwrap();
    drop(tx);
    assert_eq!(job_count(db).await, 0, "neither does one that was never committed");

    let mut tx = db.begin_write().await.unwrap();
    let id = jobs::enqueue_in(&mut tx, job()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(job_count(db).await, 1);
    assert_eq!(row(db, id).await.0, "queued");
}

#[tokio::test]
async fn a_dedup_key_makes_the_enqueue_idempotent() {
    let test = TestDb::new().await;
    let db = &test.db;
    let job = |n: i32| NewJob::new("test.noop", &json!({ "n": n })).unwrap();
    let first = jobs::enqueue(db, job(1).dedup_key("dossier-7-deadline")).await.unwrap();
    let again = jobs::enqueue(db, job(2).dedup_key("dossier-7-deadline")).await.unwrap();
    assert_eq!(first, again);
    let other = jobs::enqueue(db, job(3).dedup_key("dossier-8-deadline")).await.unwrap();
    let unkeyed = (jobs::enqueue(db, job(4)).await.unwrap(), jobs::enqueue(db, job(5)).await.unwrap());
    assert_ne!(first, other);
    assert_ne!(unkeyed.0, unkeyed.1, "jobs without a key never collide");
    assert_eq!(job_count(db).await, 4);
    assert_eq!(row(db, first).await.4, r#"{"n":1}"#, "the first job is kept as it was");
}

#[tokio::test]
async fn a_failing_job_is_retried_later_each_time_then_dead_until_an_operator_retries_it() {
    let test = TestDb::new().await;
    let db = &test.db;
    let runs = Arc::new(AtomicU32::new(0));
    let mut handlers = Handlers::new();
    let counter = runs.clone();
    handlers.register("test.flaky", move |job| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Err(JobFailure::retry(format!("relay down (attempt {})", job.attempt())))
        }
    });
    let config = WorkerConfig { backoff_base: Duration::from_secs(100), ..WorkerConfig::default() };
    let worker = Worker::new(db.clone(), handlers, config);
    let id = jobs::enqueue(db, NewJob::new("test.flaky", &json!({})).unwrap().max_attempts(3)).await.unwrap();

    assert!(worker.run_once().await.unwrap());
    let (status, attempts, run_at, error, _) = row(db, id).await;
    assert_eq!((status.as_str(), attempts, error.as_deref()), ("queued", 1, Some("relay down (attempt 1)")));
    // The first retry waits between half of the base and the base: the jitter takes off at most half.
    let delay = run_at - now();
    assert!((49..=101).contains(&delay), "{delay}");
    assert!(!worker.run_once().await.unwrap(), "not due yet");

    sqlx::query("UPDATE jobs SET run_at = 0").execute(db.pool()).await.unwrap();
    assert!(worker.run_once().await.unwrap());
    let (status, attempts, run_at, _, _) = row(db, id).await;
    assert_eq!((status.as_str(), attempts), ("queued", 2));
    let delay = run_at - now();
    assert!((99..=201).contains(&delay), "the delay doubles: {delay}");

    sqlx::query("UPDATE jobs SET run_at = 0").execute(db.pool()).await.unwrap();
    assert!(worker.run_once().await.unwrap());
    let (status, attempts, _, error, payload) = row(db, id).await;
    assert_eq!((status.as_str(), attempts, error.as_deref()), ("dead", 3, Some("relay down (attempt 3)")));
    assert_eq!(payload, "{}", "a dead job keeps its payload, to be retried");
    assert!(!worker.run_once().await.unwrap(), "a dead job is not run");
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    assert_eq!(jobs::dead_count(db).await.unwrap(), 1);

    jobs::retry(db, id).await.unwrap();
    assert!(matches!(jobs::retry(db, id).await, Err(jobs::JobError::NotDead { status: Status::Queued, .. })));
    assert!(matches!(jobs::retry(db, id + 1000).await, Err(jobs::JobError::NotFound(_))));
    assert!(worker.run_once().await.unwrap(), "retried: due now, with all its attempts");
    assert_eq!(row(db, id).await.1, 1);
}

#[tokio::test]
async fn unknown_kinds_bad_payloads_and_permanent_failures_are_dead_at_once_and_panics_are_retried() {
    let test = TestDb::new().await;
    let db = &test.db;
    let mut handlers = Handlers::new();
    handlers
        .register("test.typed", |job| async move {
            let n: u32 = job.payload()?;
            if n == 0 { Err(JobFailure::permanent("zero is refused")) } else { Ok(()) }
        })
        .register("test.panics", |_| async move { panic!("a bug in a handler") });
    let worker = Worker::new(db.clone(), handlers, WorkerConfig::default());
    let unknown = jobs::enqueue(db, NewJob::new("test.nobody", &json!({})).unwrap()).await.unwrap();
    let malformed = jobs::enqueue(db, NewJob::new("test.typed", &json!("secret")).unwrap()).await.unwrap();
    let refused = jobs::enqueue(db, NewJob::new("test.typed", &0).unwrap()).await.unwrap();
    let fine = jobs::enqueue(db, NewJob::new("test.typed", &7).unwrap()).await.unwrap();
    let panics = jobs::enqueue(db, NewJob::new("test.panics", &json!({})).unwrap()).await.unwrap();
    while worker.run_once().await.unwrap() {}

    let (status, attempts, _, error, _) = row(db, unknown).await;
    assert_eq!((status.as_str(), attempts), ("dead", 1));
    assert!(error.unwrap().contains("no handler"));
    let (status, _, _, error, _) = row(db, malformed).await;
    assert_eq!(status, "dead");
    let error = error.unwrap();
    assert!(error.contains("expected shape") && !error.contains("secret"), "the payload's text stays out: {error}");
    assert_eq!(row(db, refused).await.3.as_deref(), Some("zero is refused"));
    assert_eq!(row(db, fine).await.0, "done");
    let (status, attempts, _, error, _) = row(db, panics).await;
    assert_eq!((status.as_str(), attempts, error.as_deref()), ("queued", 1, Some("the handler panicked")));
}

#[tokio::test]
async fn concurrent_workers_never_run_the_same_job_twice() {
    let test = TestDb::new().await;
    let db = &test.db;
    // The effect of each job, once: a second run of a job would violate the primary key and fail that job.
    sqlx::query("CREATE TABLE job_runs (job_id BIGINT PRIMARY KEY, worker TEXT NOT NULL)")
        .execute(db.pool())
        .await
        .unwrap();
    const JOBS: usize = 40;
    for n in 0..JOBS {
        jobs::enqueue(db, NewJob::new("test.record", &n).unwrap().max_attempts(1)).await.unwrap();
    }
    let config = WorkerConfig { concurrency: 2, idle_sleep: Duration::from_millis(10), ..WorkerConfig::default() };
    let mut workers = Vec::new();
    for n in 0..4 {
        let mut handlers = Handlers::new();
        let effects = db.clone();
        handlers.register("test.record", move |job| {
            let db = effects.clone();
            async move {
                // Hold the job a little, so that the workers overlap.
                tokio::time::sleep(Duration::from_millis(5)).await;
                sqlx::query("INSERT INTO job_runs (job_id, worker) VALUES ($1, $2)")
                    .bind(job.id())
                    .bind(format!("w{n}"))
                    .execute(db.pool())
                    .await
                    .map(drop)
                    .map_err(|e| JobFailure::permanent(format!("second run: {e}")))
            }
        });
        workers.push(Worker::new(db.clone(), handlers, config.clone()).spawn());
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while jobs::list(db, Some(Status::Done), 100).await.unwrap().len() < JOBS {
        assert!(std::time::Instant::now() < deadline, "the jobs did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for worker in workers {
        worker.shutdown().await;
    }
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_runs").fetch_one(db.pool()).await.unwrap();
    assert_eq!(runs, JOBS as i64);
    let rows = jobs::list(db, None, 100).await.unwrap();
    assert!(rows.iter().all(|r| r.status == Status::Done && r.attempts == 1), "{rows:?}");
    let busy: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT worker) FROM job_runs").fetch_one(db.pool()).await.unwrap();
    assert!(busy >= 2, "the jobs were shared between workers");
}

#[derive(Debug, clap::Parser)]
struct Cli {
    #[command(subcommand)]
    jobs: jobs::cli::JobsCommand,
}

async fn run_command(db: &Db, args: &[&str]) -> Result<String, jobs::JobError> {
    let cli = <Cli as clap::Parser>::try_parse_from(std::iter::once("jobs").chain(args.iter().copied())).unwrap();
    let mut out = Vec::new();
    cli.jobs.run(db, &mut out).await?;
    Ok(String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn the_command_lists_jobs_without_their_payloads_and_retries_the_dead() {
    let test = TestDb::new().await;
    let db = &test.db;
    assert_eq!(run_command(db, &["list"]).await.unwrap(), "no jobs\n");
    let secret = json!({ "link": "https://dvc.example.vn/password/reset?token=SECRET" });
    let dead = jobs::enqueue(db, NewJob::new("test.nobody", &secret).unwrap()).await.unwrap();
    let queued = jobs::enqueue(db, NewJob::new("test.later", &secret).unwrap().run_at(now() + 3600)).await.unwrap();
    Worker::new(db.clone(), Handlers::new(), WorkerConfig::default()).run_once().await.unwrap();

    let all = run_command(db, &["list"]).await.unwrap();
    assert_eq!(all.lines().count(), 2, "{all}");
    assert!(!all.contains("SECRET"), "{all}");
    let listed = run_command(db, &["list", "--status", "dead"]).await.unwrap();
    assert!(listed.contains("test.nobody") && listed.contains("dead") && listed.contains("no handler"), "{listed}");
    assert!(!listed.contains("test.later"), "{listed}");

    assert!(matches!(run_command(db, &["retry", &queued.to_string()]).await, Err(jobs::JobError::NotDead { .. })));
    assert_eq!(run_command(db, &["retry", &dead.to_string()]).await.unwrap(), format!("job {dead} queued again\n"));
    assert_eq!(run_command(db, &["retry", "--all-dead"]).await.unwrap(), "0 dead jobs queued again\n");
    assert!(<Cli as clap::Parser>::try_parse_from(["jobs", "retry"]).is_err(), "an id or --all-dead");
    assert!(<Cli as clap::Parser>::try_parse_from(["jobs", "retry", "3", "--all-dead"]).is_err());
}
