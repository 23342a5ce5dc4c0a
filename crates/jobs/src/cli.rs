//! `congso jobs …`: what an operator needs to see the queue and send dead jobs back into it.
//!
//! The command is generic over the arguments that name the database (`S`), which belong to the binary: this crate
//! knows the queue, not how congso is configured.

use std::io::Write;

use store::Db;

use crate::{JobError, JobRow, Status};

/// The job queue: list jobs, retry dead ones.
#[derive(Debug, clap::Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first: kind, status, attempts, when due, the last error (never their payloads).
    List {
        /// Only jobs with this status.
        #[arg(long, value_enum)]
        status: Option<Status>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Queue a dead job again, due now and with all its attempts: by id, or every dead job with --all-dead.
    Retry {
        /// The job's id, as `jobs list` shows it.
        #[arg(required_unless_present = "all_dead", conflicts_with = "all_dead")]
        id: Option<i64>,
        /// Every dead job.
        #[arg(long)]
        all_dead: bool,
    },
}

impl JobsCommand {
    /// Runs the command on `db`, writing what it has to say to `out`.
    pub async fn run(self, db: &Db, out: &mut dyn Write) -> Result<(), JobError> {
        match self {
            JobsCommand::List { status, limit, .. } => {
                let jobs = crate::list(db, status, i64::from(limit)).await?;
                if jobs.is_empty() {
                    writeln!(out, "no jobs")?;
                }
                for job in jobs {
                    writeln!(out, "{}", line(&job))?;
                }
            }
            JobsCommand::Retry { id: Some(id), all_dead: false, .. } => {
                crate::retry(db, id).await?;
                writeln!(out, "job {id} queued again")?;
            }
            JobsCommand::Retry { .. } => {
                let n = crate::retry_all_dead(db).await?;
                writeln!(out, "{n} dead jobs queued again")?;
            }
        }
        Ok(())
    }
}

fn line(job: &JobRow) -> String {
    let mut text = format!(
        "{:>8}  {:<16} {:<8} {}/{}  due {}  changed {}",
        job.id,
        job.kind,
        job.status,
        job.attempts,
        job.max_attempts,
        timestamp(job.run_at),
        timestamp(job.updated_at)
    );
    if let Some(worker) = &job.locked_by {
        text.push_str(&format!("  held by {worker}"));
    }
    if let Some(error) = &job.last_error {
        text.push_str(&format!("  last error: {error}"));
    }
    text
}

fn timestamp(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| unix.to_string())
}
