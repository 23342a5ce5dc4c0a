//! The ledger against a real database: appends in transactions, proofs, signed heads, tampering, concurrency.

#![allow(clippy::unwrap_used, missing_docs)]

use store::Db;
use store::sqlx;
use store::testing::TestDb;
use trust::keyring::{Keyring, MasterKey};
use trust::keys::Algorithm;
use trust::ledger::{self, Actor, Event, EventKind, LedgerError, RecordRef, Recorder, head, verify};
use trust::merkle;

fn read(n: u64) -> Event {
    Event::new(EventKind::PersonalDataRead, Actor::system("tester"))
        .subject(&format!("00120301{n:04}"))
        .record(RecordRef { kind: "citizen".into(), key: format!("00120301{n:04}"), digest: Some(format!("{n:064x}")) })
        .purpose("verification")
}

async fn append(db: &Db, events: Vec<Event>) -> Vec<u64> {
    let mut events = events;
    let mut tx = db.begin_write().await.unwrap();
    let seqs = ledger::store::append(&mut tx, db.backend(), &mut events).await.unwrap();
    tx.commit().await.unwrap();
    seqs
}

async fn clean(db: &Db) {
    let report = verify::verify_log(db, &|_| {}).await.unwrap();
    assert_eq!(report.problem, None, "{report:?}");
}

#[tokio::test]
async fn an_entry_exists_only_if_its_transaction_commits() {
    let t = TestDb::new().await;
    let mut tx = t.db.begin_write().await.unwrap();
    ledger::store::append(&mut tx, t.db.backend(), &mut [read(1)]).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(head::size(&t.db).await.unwrap(), 0);
    assert_eq!(append(&t.db, vec![read(1), read(2)]).await, vec![0, 1]);
    assert_eq!(append(&t.db, vec![read(3)]).await, vec![2]);
    let entry = ledger::store::entry(t.db.pool(), 2).await.unwrap().unwrap();
    assert_eq!(entry.event.subject.as_deref(), Some("001203010003"));
    assert!(entry.event.at_ms > 0);
    clean(&t.db).await;
}

#[tokio::test]
async fn every_proof_from_storage_verifies_against_the_roots() {
    let t = TestDb::new().await;
    let mut roots = vec![merkle::empty_root()];
    // Uneven batches, so appends cross subtree boundaries inside and between transactions.
    for batch in [1, 2, 3, 5, 8, 13, 1, 1, 4] {
        append(&t.db, (0..batch).map(read).collect()).await;
        let size = head::size(&t.db).await.unwrap();
        while (roots.len() as u64) <= size {
            roots.push(head::root_at(&t.db, roots.len() as u64).await.unwrap());
        }
    }
    let size = roots.len() as u64 - 1;
    assert_eq!(size, 38);
    for tree_size in 1..=size {
        for index in 0..tree_size {
            let entry = ledger::store::entry(t.db.pool(), index).await.unwrap().unwrap();
            let proof = head::inclusion_proof(&t.db, index, tree_size).await.unwrap();
            merkle::verify_inclusion(index, tree_size, &entry.leaf_hash, &proof, &roots[tree_size as usize])
                .unwrap_or_else(|e| panic!("inclusion {index} in {tree_size}: {e}"));
        }
        for older in 1..=tree_size {
            let proof = head::consistency_proof(&t.db, older, tree_size).await.unwrap();
            merkle::verify_consistency(older, tree_size, &roots[older as usize], &roots[tree_size as usize], &proof)
                .unwrap_or_else(|e| panic!("consistency {older} → {tree_size}: {e}"));
        }
    }
    clean(&t.db).await;
}

#[tokio::test]
async fn proofs_beyond_the_log_are_refused() {
    let t = TestDb::new().await;
    append(&t.db, (0..4).map(read).collect()).await;
    for result in [
        head::inclusion_proof(&t.db, 0, 5).await,
        head::inclusion_proof(&t.db, 4, 4).await,
        head::consistency_proof(&t.db, 3, 5).await,
        head::consistency_proof(&t.db, 4, 3).await,
    ] {
        assert!(matches!(result, Err(LedgerError::OutOfRange(_))), "{result:?}");
    }
}

#[tokio::test]
async fn signed_heads_verify_with_the_published_key_and_tampering_is_named() {
    let t = TestDb::new().await;
    let keyring = Keyring::open(&t.db, MasterKey::random()).await.unwrap();
    let first = head::sign(&t.db, &keyring).await.unwrap();
    assert_eq!(first.tree_size, 2, "the creation of the two first keys is in the ledger");
    append(&t.db, (0..10).map(read).collect()).await;
    let sth = head::sign(&t.db, &keyring).await.unwrap();
    assert_eq!(sth.tree_size, 12);
    assert_eq!(head::sign(&t.db, &keyring).await.unwrap(), sth, "a second signing at the same size reuses the head");
    let key = keyring.verifier(&sth.kid).unwrap();
    assert_eq!(key.algorithm(), Algorithm::EdDSA);
    sth.verify(&key).unwrap();
    assert_eq!(head::latest(t.db.pool()).await.unwrap(), Some(sth.clone()));
    append(&t.db, vec![read(10)]).await;
    let report = verify::verify_log(&t.db, &|_| {}).await.unwrap();
    assert_eq!((report.problem, report.entries, report.heads), (None, 13, 2));

    // An administrator rewrites what an entry says, hash and all: the node above it no longer matches.
    let forged = read(99);
    let body = String::from_utf8(forged.canonical_bytes()).unwrap();
    sqlx::query("UPDATE ledger_entries SET body = $1, leaf_hash = $2, recorded_at_ms = 0, subject = $3, record_key = $3, record_digest = $4 WHERE seq = 4")
        .bind(&body)
        .bind(hex::encode(merkle::leaf_hash(body.as_bytes())))
        .bind("001203010099")
        .bind(format!("{:064x}", 99))
        .execute(t.db.pool())
        .await
        .unwrap();
    let report = verify::verify_log(&t.db, &|_| {}).await.unwrap();
    assert_eq!(
        report.problem.as_deref(),
        Some("node at level 1, index 2 does not match the entries below it"),
        "{report:?}"
    );
}

#[tokio::test]
async fn edited_bodies_columns_missing_entries_and_forged_heads_are_each_found() {
    let cases: [(&str, &str); 4] = [
        (
            "UPDATE ledger_entries SET body = replace(body, 'tester', 'someone') WHERE seq = 3",
            "entry 3: its hash does not match its body",
        ),
        (
            "UPDATE ledger_entries SET subject = '001203019999' WHERE seq = 5",
            "entry 5: its columns do not match its body",
        ),
        ("DELETE FROM ledger_entries WHERE seq = 6", "entry 6 is missing (next stored is 7)"),
        (
            "UPDATE ledger_heads SET signature = replace(signature, substr(signature, 1, 4), 'AAAA')",
            "signed tree head at size 10: the signature does not verify",
        ),
    ];
    for (tamper, expected) in cases {
        let t = TestDb::new().await;
        let keyring = Keyring::open(&t.db, MasterKey::random()).await.unwrap();
        append(&t.db, (0..8).map(read).collect()).await;
        head::sign(&t.db, &keyring).await.unwrap();
        clean(&t.db).await;
        sqlx::query(tamper).execute(t.db.pool()).await.unwrap();
        let report = verify::verify_log(&t.db, &|_| {}).await.unwrap();
        assert_eq!(report.problem.as_deref(), Some(expected), "{tamper}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_several_nodes_get_gap_free_unique_positions() {
    let t = TestDb::new().await;
    // Separate pools stand for separate application nodes.
    let mut nodes = vec![];
    for _ in 0..3 {
        nodes.push(Db::connect(&t.url).await.unwrap());
    }
    let mut tasks = vec![];
    for (n, db) in nodes.into_iter().enumerate() {
        for w in 0..3 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut seqs = vec![];
                for i in 0..10 {
                    seqs.extend(append(&db, vec![read((n * 100 + w * 10 + i) as u64); 1 + i % 3]).await);
                }
                seqs
            }));
        }
    }
    let mut all = vec![];
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort_unstable();
    let expected: Vec<u64> = (0..all.len() as u64).collect();
    assert_eq!(all, expected);
    assert_eq!(all.len(), 9 * 19);
    clean(&t.db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recorder_batches_concurrent_reads_and_answers_each_with_its_position() {
    let t = TestDb::new().await;
    let recorder = Recorder::start(t.db.clone()).unwrap();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let recorder = recorder.clone();
            tokio::spawn(async move { (i, recorder.record(read(i)).await.unwrap()) })
        })
        .collect();
    let mut seqs = vec![];
    for task in tasks {
        let (i, seq) = task.await.unwrap();
        let entry = ledger::store::entry(t.db.pool(), seq).await.unwrap().unwrap();
        assert_eq!(entry.event.record.unwrap().digest, Some(format!("{i:064x}")), "the answer is the caller's entry");
        seqs.push(seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (0..200).collect::<Vec<_>>());
    clean(&t.db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn recorders_on_several_nodes_and_changes_between_them_share_one_gap_free_log() {
    let t = TestDb::new().await;
    // On PostgreSQL a recorder appends on the state its last commit left: every other node's commit, and every
    // change's, makes that state stale, and the recorder must notice rather than overwrite.
    let mut tasks = vec![];
    for n in 0..3u64 {
        let db = Db::connect(&t.url).await.unwrap();
        let recorder = Recorder::start(db.clone()).unwrap();
        for w in 0..4u64 {
            let (db, recorder) = (db.clone(), recorder.clone());
            tasks.push(tokio::spawn(async move {
                let mut seqs = vec![];
                for i in 0..15 {
                    let id = n * 1000 + w * 100 + i;
                    if i % 5 == 0 {
                        seqs.extend(append(&db, vec![read(id); 2]).await);
                    } else {
                        seqs.push(recorder.record(read(id)).await.unwrap());
                    }
                }
                seqs
            }));
        }
    }
    let mut all = vec![];
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort_unstable();
    // Per worker: 3 changes of 2 entries and 12 reads.
    assert_eq!(all, (0..3 * 4 * 18).collect::<Vec<u64>>());
    clean(&t.db).await;
}
