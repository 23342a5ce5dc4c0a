//! Handlers by kind, and the worker that claims jobs and runs them.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use store::Db;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::JobError;
use crate::queue::{self, Claimed};

/// One run of a job, as its handler sees it.
#[derive(Debug, Clone)]
pub struct Job {
    id: i64,
    kind: String,
    attempt: u32,
    payload: String,
}

impl Job {
    /// The job's id: stable across attempts, so a handler can use it as an idempotency key.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The job's kind.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// Which attempt this is, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The payload, read as `T`. A payload that does not read will not read next time either: the failure is
    /// permanent.
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, JobFailure> {
        // Only where and what kind of error: serde_json's message quotes the value it did not expect, which can be
        // the secret the payload carries.
        serde_json::from_str(&self.payload).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Data => "does not have the expected shape",
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "is not valid JSON",
                serde_json::error::Category::Io => "cannot be read",
            };
            JobFailure::permanent(format!(
                "the {} payload {what} (line {}, column {})",
                self.kind,
                e.line(),
                e.column()
            ))
        })
    }
}

/// Why a run failed. Its message is stored as the job's `last_error` and logged: it must hold no secret or
/// personal data from the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFailure {
    message: String,
    permanent: bool,
}

impl JobFailure {
    /// A failure that may pass (a relay down, a timeout): the job is tried again later, while it has attempts.
    pub fn retry(message: impl std::fmt::Display) -> JobFailure {
        JobFailure { message: message.to_string(), permanent: false }
    }

    /// A failure that trying again cannot mend (a malformed payload, an address refused): the job is dead at once.
    pub fn permanent(message: impl std::fmt::Display) -> JobFailure {
        JobFailure { message: message.to_string(), permanent: true }
    }
}

impl std::fmt::Display for JobFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

type Outcome = Pin<Box<dyn Future<Output = Result<(), JobFailure>> + Send>>;
type HandlerFn = Arc<dyn Fn(Job) -> Outcome + Send + Sync>;

/// The handlers a worker knows, by job kind. A job of a kind with no handler is dead, not a panic.
#[derive(Clone, Default)]
pub struct Handlers {
    by_kind: HashMap<String, HandlerFn>,
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.by_kind.keys()).finish()
    }
}

impl Handlers {
    /// No handlers yet.
    pub fn new() -> Handlers {
        Handlers::default()
    }

    /// Runs jobs of `kind` with `handler`, replacing any handler that kind had.
    pub fn register<F, Fut>(&mut self, kind: &str, handler: F) -> &mut Handlers
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobFailure>> + Send + 'static,
    {
        let handler: HandlerFn = Arc::new(move |job| Box::pin(handler(job)));
        self.by_kind.insert(kind.to_owned(), handler);
        self
    }
}

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs run at once by this worker.
    pub concurrency: usize,
    /// How long to wait before looking again when no job is due.
    pub idle_sleep: Duration,
    /// How long a claim holds a job without being renewed; the worker renews it every third of this while the
    /// handler runs. A dead worker's jobs are taken up again this long after it died. Leases are compared with
    /// each node's clock, so the nodes' clocks must agree to well within this.
    pub lease: Duration,
    /// The delay before the second attempt; each further attempt doubles it.
    pub backoff_base: Duration,
    /// The longest delay between attempts.
    pub backoff_max: Duration,
    /// At shutdown, how long running jobs may take to finish; those still running are left to their leases.
    pub grace: Duration,
    /// How long done jobs are kept (without their payload) before they are deleted.
    pub keep_done: Duration,
}

impl Default for WorkerConfig {
    fn default() -> WorkerConfig {
        WorkerConfig {
            concurrency: 4,
            idle_sleep: Duration::from_millis(500),
            lease: Duration::from_secs(60),
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(6 * 3600),
            grace: Duration::from_secs(10),
            keep_done: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// How often a worker buries jobs whose last lease ran out and purges old done jobs.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The delay before the attempt after `attempt` failed: `base` doubled for each earlier attempt, at most `max`,
/// of which a random half is taken off ("equal jitter"), so that jobs that failed together (a relay down) do not
/// all come back together.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let doubled = base.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(31)));
    let half = doubled.min(max) / 2;
    half + half.mul_f64(rand::random::<f64>())
}

/// Claims jobs from the queue and runs them. Each worker has an id of its own, which its leases carry.
#[derive(Debug)]
pub struct Worker {
    db: Db,
    handlers: Handlers,
    config: WorkerConfig,
    id: String,
}

/// What became of a handler's run.
enum Ran {
    Finished(Result<(), JobFailure>),
    /// Another worker holds the job now: whatever this run did is not recorded.
    LeaseLost,
}

impl Worker {
    /// A worker over `db` with these handlers.
    pub fn new(db: Db, handlers: Handlers, config: WorkerConfig) -> Worker {
        let id = format!("{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..12]);
        Worker { db, handlers, config, id }
    }

    /// The id its leases carry: the process id and a random part.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claims one due job and runs it to its outcome; `false` when none was due. For tests and tools: a server
    /// runs [`Worker::spawn`].
    pub async fn run_once(&self) -> Result<bool, JobError> {
        match self.claim_next().await? {
            Some(job) => {
                self.execute(job).await;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Runs the worker in a task of its own until [`WorkerHandle::shutdown`]. Dropping the handle leaves it
    /// running.
    pub fn spawn(self) -> WorkerHandle {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(Arc::new(self), stopped));
        WorkerHandle { stop, task }
    }

    fn lease_secs(&self) -> i64 {
        i64::try_from(self.config.lease.as_secs()).unwrap_or(i64::MAX / 4).max(1)
    }

    async fn claim_next(&self) -> Result<Option<Claimed>, JobError> {
        let now = crate::now();
        if !queue::has_due(&self.db, now).await? {
            return Ok(None);
        }
        Ok(queue::claim(&self.db, &self.id, now, now + self.lease_secs()).await?)
    }

    async fn sweep(&self) {
        let now = crate::now();
        match queue::bury_expired(&self.db, now).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(jobs = n, "jobs dead: their worker stopped during their last attempt"),
            Err(e) => tracing::error!(error = %e, "could not bury the jobs whose last lease ran out"),
        }
        let keep = i64::try_from(self.config.keep_done.as_secs()).unwrap_or(i64::MAX / 4);
        if let Err(e) = queue::purge_done(&self.db, now.saturating_sub(keep)).await {
            tracing::error!(error = %e, "could not purge old done jobs");
        }
    }

    /// Runs a claimed job and records its outcome, if the lease is still this worker's.
    async fn execute(&self, job: Claimed) {
        let ran = self.run_handler(&job).await;
        let now = crate::now();
        let (recorded, what) = match ran {
            Ran::LeaseLost => {
                tracing::warn!(job = job.id, kind = %job.kind, "job's lease was taken over; this run is not recorded");
                return;
            }
            Ran::Finished(Ok(())) => (queue::complete(&self.db, &job, &self.id, now).await, "done"),
            Ran::Finished(Err(failure)) => {
                let retry_at = (!failure.permanent && job.attempt < job.max_attempts).then(|| {
                    let attempt = u32::try_from(job.attempt).unwrap_or(u32::MAX);
                    let delay = backoff(attempt, self.config.backoff_base, self.config.backoff_max);
                    now + i64::try_from(delay.as_secs()).unwrap_or(i64::MAX / 4)
                });
                let what = if retry_at.is_some() { "failed, to be retried" } else { "failed, dead" };
                tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempt, error = %failure, "job {what}");
                (queue::fail(&self.db, &job, &self.id, &failure.message, retry_at, now).await, what)
            }
        };
        match recorded {
            Ok(true) => tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempt, "job {what}"),
            Ok(false) => {
                tracing::warn!(job = job.id, kind = %job.kind, "job's lease was taken over before its outcome was recorded")
            }
            Err(e) => {
                tracing::error!(job = job.id, error = %e, "could not record a job's outcome; its lease will run out")
            }
        }
    }

    /// Runs the handler in a task of its own, renewing the lease while it runs: a panic becomes a failure, and a
    /// run whose lease was lost is stopped.
    async fn run_handler(&self, claimed: &Claimed) -> Ran {
        let Some(handler) = self.handlers.by_kind.get(&claimed.kind) else {
            let message = format!("no handler is registered for jobs of kind {:?}", claimed.kind);
            return Ran::Finished(Err(JobFailure::permanent(message)));
        };
        let job = Job {
            id: claimed.id,
            kind: claimed.kind.clone(),
            attempt: u32::try_from(claimed.attempt).unwrap_or(u32::MAX),
            payload: claimed.payload.clone(),
        };
        let mut task = AbortOnDrop(tokio::spawn(handler(job)));
        let mut renewal = tokio::time::interval((self.config.lease / 3).max(Duration::from_millis(100)));
        renewal.tick().await;
        loop {
            tokio::select! {
                joined = &mut task.0 => {
                    return Ran::Finished(match joined {
                        Ok(result) => result,
                        Err(e) if e.is_panic() => Err(JobFailure::retry("the handler panicked")),
                        Err(_) => Err(JobFailure::retry("the handler was cancelled")),
                    });
                }
                _ = renewal.tick() => {
                    let until = crate::now() + self.lease_secs();
                    match queue::renew(&self.db, claimed, &self.id, until).await {
                        Ok(true) => {}
                        Ok(false) => return Ran::LeaseLost,
                        // The lease may still hold: try again at the next tick.
                        Err(e) => tracing::warn!(job = claimed.id, error = %e, "could not renew a job's lease"),
                    }
                }
            }
        }
    }
}

/// A handler's task, stopped when the run that waits for it is dropped (a lost lease, the end of the grace at
/// shutdown): a detached handler would go on with a job that is no longer this worker's.
struct AbortOnDrop(tokio::task::JoinHandle<Result<(), JobFailure>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running worker.
#[derive(Debug)]
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops claiming, lets the running jobs finish (for at most the configured grace) and returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the job worker ended abnormally");
        }
    }
}

/// Completes when a stop is asked for; never, once the handle is gone without asking.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    loop {
        if *stop.borrow_and_update() {
            return;
        }
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

async fn run(worker: Arc<Worker>, mut stop: watch::Receiver<bool>) {
    tracing::info!(worker = %worker.id, concurrency = worker.config.concurrency, "job worker started");
    let permits = Arc::new(Semaphore::new(worker.config.concurrency.max(1)));
    let mut running = JoinSet::new();
    let mut last_sweep: Option<Instant> = None;
    loop {
        while running.try_join_next().is_some() {}
        if last_sweep.is_none_or(|at| at.elapsed() >= SWEEP_EVERY) {
            worker.sweep().await;
            last_sweep = Some(Instant::now());
        }
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit,
            () = stopped(&mut stop) => break,
        };
        let Ok(permit) = permit else { break };
        let idle = match worker.claim_next().await {
            Ok(Some(job)) => {
                let worker = worker.clone();
                running.spawn(async move {
                    worker.execute(job).await;
                    drop(permit);
                });
                false
            }
            Ok(None) => true,
            Err(e) => {
                tracing::error!(error = %e, "could not claim a job");
                true
            }
        };
        if idle {
            tokio::select! {
                () = tokio::time::sleep(worker.config.idle_sleep) => {}
                () = stopped(&mut stop) => break,
            }
        }
    }
    let drain = async { while running.join_next().await.is_some() {} };
    if tokio::time::timeout(worker.config.grace, drain).await.is_err() {
        tracing::warn!("jobs still running at shutdown are left to their leases");
        running.abort_all();
    }
    tracing::info!(worker = %worker.id, "job worker stopped");
}
