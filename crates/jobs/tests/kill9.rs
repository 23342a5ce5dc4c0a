//! A worker process killed with SIGKILL while it runs a job: after a restart, the job runs to completion, once.
//!
//! The worker is this test binary run again as a child process (the ignored test `worker_process`), with a
//! test-only job kind whose handler waits for a gate file before it records its effect.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jobs::{Handlers, JobFailure, NewJob, Worker, WorkerConfig};
use store::sqlx::{self, Row};
use store::testing::TestDb;

const CHILD_DATABASE: &str = "JOBS_KILL9_DATABASE_URL";
const CHILD_FOLDER: &str = "JOBS_KILL9_FOLDER";

/// The worker process. It does nothing unless the parent test started it.
#[tokio::test]
#[ignore = "started by a_job_whose_worker_is_killed_runs_once_after_restart as its worker process"]
async fn worker_process() {
    let (Ok(url), Ok(folder)) = (std::env::var(CHILD_DATABASE), std::env::var(CHILD_FOLDER)) else { return };
    let folder = PathBuf::from(folder);
    let db = store::Db::connect(&url).await.unwrap();
    let mut handlers = Handlers::new();
    let effects = db.clone();
    handlers.register("test.gated", move |job| {
        let (db, folder) = (effects.clone(), folder.clone());
        async move {
            std::fs::write(folder.join(format!("started-{}", std::process::id())), b"").unwrap();
            while !folder.join("gate").exists() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            sqlx::query("INSERT INTO effects (job_id, pid) VALUES ($1, $2)")
                .bind(job.id())
                .bind(i64::from(std::process::id()))
                .execute(db.pool())
                .await
                .map(drop)
                .map_err(|e| JobFailure::permanent(format!("the effect was already recorded: {e}")))
        }
    });
    let config =
        WorkerConfig { lease: Duration::from_secs(1), idle_sleep: Duration::from_millis(50), ..Default::default() };
    let _running = Worker::new(db, handlers, config).spawn();
    // The parent ends this process, the hard way or at the end of the test.
    std::future::pending::<()>().await;
}

struct WorkerProcess(Child);

impl WorkerProcess {
    fn start(url: &str, folder: &Path) -> WorkerProcess {
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "worker_process", "--ignored", "--nocapture"])
            .env(CHILD_DATABASE, url)
            .env(CHILD_FOLDER, folder)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        WorkerProcess(child)
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// SIGKILL: no shutdown, no lease given back.
    fn kill_9(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_job_whose_worker_is_killed_runs_once_after_restart() {
    let test = TestDb::new().await;
    let db = &test.db;
    sqlx::query("CREATE TABLE effects (job_id BIGINT PRIMARY KEY, pid BIGINT NOT NULL)")
        .execute(db.pool())
        .await
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let id = jobs::enqueue(db, NewJob::new("test.gated", &serde_json::json!({})).unwrap()).await.unwrap();
    let status = async || -> (String, i64) {
        let r =
            sqlx::query("SELECT status, attempts FROM jobs WHERE id = $1").bind(id).fetch_one(db.pool()).await.unwrap();
        (r.get("status"), r.get("attempts"))
    };

    let first = WorkerProcess::start(&test.url, folder.path());
    let started = folder.path().join(format!("started-{}", first.pid()));
    wait_for("the first worker to start the job", async || started.exists()).await;
    first.kill_9();
    assert_eq!(status().await, ("running".to_owned(), 1), "the killed worker's claim is left behind");
    let effects =
        async || -> i64 { sqlx::query_scalar("SELECT COUNT(*) FROM effects").fetch_one(db.pool()).await.unwrap() };
    assert_eq!(effects().await, 0);

    std::fs::write(folder.path().join("gate"), b"").unwrap();
    let second = WorkerProcess::start(&test.url, folder.path());
    wait_for("the job to be done after restart", async || status().await.0 == "done").await;
    assert_eq!(status().await, ("done".to_owned(), 2), "taken up again once the dead worker's lease ran out");
    // Longer than a lease: nothing runs the job again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let rows = sqlx::query("SELECT job_id, pid FROM effects").fetch_all(db.pool()).await.unwrap();
    assert_eq!(rows.len(), 1, "the effect is recorded exactly once");
    assert_eq!(rows[0].get::<i64, _>("pid"), i64::from(second.pid()));
    assert_eq!(status().await.0, "done");
}
