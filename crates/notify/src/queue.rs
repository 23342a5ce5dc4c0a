//! Mail as a background job: enqueued with the change it is about, sent by the job worker.
//!
//! The job's payload is the whole message, so a mail that carries a secret (a reset link) keeps it in the `jobs`
//! table until it is sent; the queue blanks a done job's payload, which keeps that window as short as the sending.

use jobs::{Handlers, Job, JobFailure, NewJob};

use crate::{MailError, Mailer, Message};

/// The job kind of a mail to send.
pub const MAIL_SEND: &str = "mail.send";

/// How many times a mail is tried: with the queue's backoff, about a day and a half of a relay being away.
const MAX_ATTEMPTS: u32 = 12;

/// Enqueues `message` in the caller's transaction: it is sent if, and only if, the transaction commits.
pub async fn enqueue_in(tx: &mut store::Tx, message: &Message) -> Result<i64, jobs::JobError> {
    jobs::enqueue_in(tx, NewJob::new(MAIL_SEND, message)?.max_attempts(MAX_ATTEMPTS)).await
}

/// Registers the handler that sends `mail.send` jobs through `mailer`.
pub fn register(handlers: &mut Handlers, mailer: Mailer) {
    handlers.register(MAIL_SEND, move |job: Job| {
        let mailer = mailer.clone();
        async move {
            let message: Message = job.payload()?;
            mailer.send(message).await.map_err(failure)
        }
    });
}

/// What the queue records of a failed send: whether to try again, in words that name neither the recipient nor the
/// text (a relay's answer often quotes the address, so only its code is kept).
fn failure(e: MailError) -> JobFailure {
    match e {
        MailError::Address { which, .. } => JobFailure::permanent(format!("the {which} address is not valid")),
        MailError::Encoding | MailError::Build(_) => JobFailure::permanent("the message cannot be built"),
        MailError::Smtp(e) => {
            let code = e.status().map(|c| format!(" ({c})")).unwrap_or_default();
            if e.is_permanent() {
                JobFailure::permanent(format!("the relay refused the message{code}"))
            } else if e.is_timeout() {
                JobFailure::retry("the relay did not answer in time")
            } else {
                JobFailure::retry(format!("the relay could not take the message{code}"))
            }
        }
        other @ (MailError::SmtpUrl(_) | MailError::Outbox { .. } | MailError::File { .. }) => JobFailure::retry(other),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jobs::{Worker, WorkerConfig};
    use store::sqlx::{self, Row};
    use store::testing::TestDb;

    use super::*;

    const FROM: &str = "congso <no-reply@congso.invalid>";

    async fn job_row(db: &store::Db) -> (String, String, Option<String>) {
        let r = sqlx::query("SELECT status, payload, last_error FROM jobs").fetch_one(db.pool()).await.unwrap();
        (r.get("status"), r.get("payload"), r.get("last_error"))
    }

    #[tokio::test]
    async fn a_queued_mail_is_sent_by_the_worker_and_its_text_is_not_kept() {
        let test = TestDb::new().await;
        let dir = tempfile::tempdir().unwrap();
        let mut handlers = Handlers::new();
        register(&mut handlers, Mailer::file(dir.path(), FROM).unwrap());
        let worker = Worker::new(test.db.clone(), handlers, WorkerConfig::default());
        let message = Message::new("an@example.vn", "Đặt lại mật khẩu").paragraph("https://x.vn/reset?token=SECRET");

        let mut tx = test.db.begin_write().await.unwrap();
        enqueue_in(&mut tx, &message).await.unwrap();
        tx.rollback().await.unwrap();
        assert!(!worker.run_once().await.unwrap(), "a mail whose change rolled back is never sent");

        let mut tx = test.db.begin_write().await.unwrap();
        enqueue_in(&mut tx, &message).await.unwrap();
        tx.commit().await.unwrap();
        assert!(job_row(&test.db).await.1.contains("SECRET"), "the job holds the text until it is sent");
        assert!(worker.run_once().await.unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(job_row(&test.db).await, ("done".to_owned(), String::new(), None));
        assert!(!format!("{message:?}").contains("SECRET"), "a message's Debug hides its text");
    }

    #[tokio::test]
    async fn a_mail_to_a_bad_address_is_dead_at_once_and_an_unreachable_relay_is_retried() {
        let test = TestDb::new().await;
        let dir = tempfile::tempdir().unwrap();
        let mut handlers = Handlers::new();
        register(&mut handlers, Mailer::file(dir.path(), FROM).unwrap());
        let worker = Worker::new(test.db.clone(), handlers, WorkerConfig::default());
        jobs::enqueue(&test.db, NewJob::new(MAIL_SEND, &Message::new("nobody", "x").paragraph("y")).unwrap())
            .await
            .unwrap();
        assert!(worker.run_once().await.unwrap());
        let (status, _, error) = job_row(&test.db).await;
        assert_eq!((status.as_str(), error.as_deref()), ("dead", Some("the to address is not valid")));

        // A relay that refuses connections: the mail waits for it.
        sqlx::query("DELETE FROM jobs").execute(test.db.pool()).await.unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut handlers = Handlers::new();
        register(&mut handlers, Mailer::smtp(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap());
        let config = WorkerConfig { lease: Duration::from_secs(5), ..WorkerConfig::default() };
        let worker = Worker::new(test.db.clone(), handlers, config);
        let mut tx = test.db.begin_write().await.unwrap();
        enqueue_in(&mut tx, &Message::new("an@example.vn", "x").paragraph("y")).await.unwrap();
        tx.commit().await.unwrap();
        assert!(worker.run_once().await.unwrap());
        let (status, payload, error) = job_row(&test.db).await;
        assert_eq!(status, "queued", "{error:?}");
        assert!(payload.contains("an@example.vn"), "kept for the next attempt");
        assert!(!error.unwrap().contains("an@example.vn"));
    }
}
