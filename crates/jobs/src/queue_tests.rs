//! The lease, at the level of the statements, with the clock passed in: no test here waits for time to pass.
#![allow(clippy::unwrap_used)]

use store::testing::TestDb;

use super::*;
use crate::NewJob;

async fn one_job(db: &Db, max_attempts: u32) -> i64 {
    crate::enqueue(db, NewJob::new("test.noop", &serde_json::json!({})).unwrap().max_attempts(max_attempts))
        .await
        .unwrap()
}

async fn status_of(db: &Db, id: i64) -> (String, i64) {
    let row =
        sqlx::query("SELECT status, attempts FROM jobs WHERE id = $1").bind(id).fetch_one(db.pool()).await.unwrap();
    (row.get("status"), row.get("attempts"))
}

#[tokio::test]
async fn a_lease_that_runs_out_is_claimed_again_and_only_the_new_holder_records_the_outcome() {
    let test = TestDb::new().await;
    let db = &test.db;
    let id = one_job(db, 5).await;
    let now = crate::now();

    let first = claim(db, "a", now, now + 30).await.unwrap().unwrap();
    assert_eq!((first.id, first.attempt), (id, 1));
    // While the lease holds, nobody else gets the job.
    assert!(claim(db, "b", now + 29, now + 59).await.unwrap().is_none());
    assert!(!has_due(db, now + 29).await.unwrap());

    // Worker a stopped renewing (it died, or hangs): after its lease, b takes the job up again.
    assert!(has_due(db, now + 31).await.unwrap());
    let second = claim(db, "b", now + 31, now + 61).await.unwrap().unwrap();
    assert_eq!((second.id, second.attempt), (id, 2));

    // Whatever a does now changes nothing: it neither renews, nor completes, nor fails the job.
    assert!(!renew(db, &first, "a", now + 90).await.unwrap());
    assert!(!complete(db, &first, "a", now + 32).await.unwrap());
    assert!(!fail(db, &first, "a", "late", None, now + 32).await.unwrap());
    assert_eq!(status_of(db, id).await, ("running".to_owned(), 2));

    assert!(renew(db, &second, "b", now + 90).await.unwrap());
    assert!(complete(db, &second, "b", now + 33).await.unwrap());
    assert_eq!(status_of(db, id).await, ("done".to_owned(), 2));
    // Done once: a second completion by the holder's claim finds nothing to change.
    assert!(!complete(db, &second, "b", now + 34).await.unwrap());
    let payload: String =
        sqlx::query_scalar("SELECT payload FROM jobs WHERE id = $1").bind(id).fetch_one(db.pool()).await.unwrap();
    assert_eq!(payload, "", "a done job keeps no payload");
}

#[tokio::test]
async fn a_worker_that_claims_again_after_its_own_lease_ran_out_holds_only_the_new_claim() {
    let test = TestDb::new().await;
    let db = &test.db;
    one_job(db, 5).await;
    let now = crate::now();
    let old = claim(db, "a", now, now + 1).await.unwrap().unwrap();
    let new = claim(db, "a", now + 2, now + 30).await.unwrap().unwrap();
    assert_eq!(new.attempt, old.attempt + 1);
    assert!(!complete(db, &old, "a", now + 3).await.unwrap(), "the stale claim is not the lease");
    assert!(complete(db, &new, "a", now + 3).await.unwrap());
}

#[tokio::test]
async fn a_job_whose_worker_dies_on_its_last_attempt_is_buried_not_run_again() {
    let test = TestDb::new().await;
    let db = &test.db;
    let id = one_job(db, 2).await;
    let now = crate::now();
    claim(db, "a", now, now + 1).await.unwrap().unwrap();
    claim(db, "b", now + 2, now + 3).await.unwrap().unwrap();
    // Both workers died; no attempt is left.
    assert!(claim(db, "c", now + 4, now + 5).await.unwrap().is_none());
    assert_eq!(bury_expired(db, now + 2).await.unwrap(), 0, "a lease that holds is not buried");
    assert_eq!(bury_expired(db, now + 4).await.unwrap(), 1);
    assert_eq!(status_of(db, id).await, ("dead".to_owned(), 2));
    let rows = list(db, Some(Status::Dead), 10).await.unwrap();
    assert!(rows[0].last_error.as_deref().unwrap().contains("lease ran out"), "{rows:?}");
}

#[tokio::test]
async fn a_failure_queues_the_job_for_later_or_buries_it() {
    let test = TestDb::new().await;
    let db = &test.db;
    let id = one_job(db, 5).await;
    let now = crate::now();
    let c = claim(db, "a", now, now + 30).await.unwrap().unwrap();
    assert!(fail(db, &c, "a", "relay down", Some(now + 100), now).await.unwrap());
    assert_eq!(status_of(db, id).await, ("queued".to_owned(), 1));
    assert!(claim(db, "a", now + 99, now + 130).await.unwrap().is_none(), "not before its time");
    let c = claim(db, "a", now + 100, now + 130).await.unwrap().unwrap();
    assert!(fail(db, &c, "a", &"é".repeat(3000), None, now + 100).await.unwrap());
    let row = &list(db, None, 10).await.unwrap()[0];
    assert_eq!((row.status, row.attempts), (Status::Dead, 2));
    assert!(row.last_error.as_ref().unwrap().len() <= 2000, "the stored error is bounded");

    // Old done jobs are purged; recent ones and dead ones stay.
    let done = one_job(db, 1).await;
    let c = claim(db, "a", now + 200, now + 230).await.unwrap().unwrap();
    assert_eq!(c.id, done);
    assert!(complete(db, &c, "a", now + 200).await.unwrap());
    assert_eq!(purge_done(db, now + 200).await.unwrap(), 0);
    assert_eq!(purge_done(db, now + 201).await.unwrap(), 1);
    assert_eq!(list(db, None, 10).await.unwrap().len(), 1);
}
