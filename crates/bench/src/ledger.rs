//! `congso bench ledger`: what the audit ledger costs registry writes, and how proof generation grows with the
//! size of the log (see docs/benchmarks.md).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use registry::input::CitizenInput;
use registry::service::{self, Change};
use store::Db;
use trust::ledger::{self, Actor, Event, EventKind, RecordRef, head};

/// Options of the ledger benchmark.
#[derive(Debug, clap::Args)]
pub struct LedgerBench {
    /// Registrations in each arm of the write comparison.
    #[arg(long, default_value_t = 2_000)]
    writes: u64,
    /// Log sizes at which to time proof generation, in ascending order.
    #[arg(long, value_delimiter = ',', default_value = "1000000,10000000")]
    sizes: Vec<u64>,
    /// Proofs of each kind timed at each size.
    #[arg(long, default_value_t = 2_000)]
    proofs: u64,
    /// Working folder (its previous contents are replaced).
    #[arg(long, default_value = "congso-bench-ledger")]
    dir: PathBuf,
}

async fn fresh_db(dir: &std::path::Path, name: &str) -> anyhow::Result<Db> {
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let db = Db::connect(&format!("sqlite://{}?mode=rwc", path.display())).await?;
    db.migrate().await?;
    Ok(db)
}

/// Rounds of the write comparison.
const ROUNDS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// `count` synthetic people, parsed as a registration takes them.
pub(crate) fn synthetic_people(count: u64, seed: u64) -> anyhow::Result<Vec<registry::model::NewCitizen>> {
    let today = time::OffsetDateTime::now_utc().date();
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    registry::cli::synthetic_rows(count, seed)
        .map(|row| {
            CitizenInput {
                personal_id: row.personal_id,
                full_name: row.full_name,
                birth_date: row.birth_date,
                sex: row.sex,
                ethnicity: opt(&row.ethnicity),
                religion: opt(&row.religion),
                nationality: opt(&row.nationality),
                birth_registration_province: row.birth_registration_province,
                hometown: opt(&row.hometown),
                household: None,
                relationship: None,
                mother_id: None,
                father_id: None,
                spouse_id: None,
            }
            .parse(today)
        })
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("synthetic person refused: {e:?}"))
}

/// Registers `count` synthetic people one transaction each, with or without their ledger entries.
async fn register_all(db: &Db, count: u64, audited: bool) -> anyhow::Result<Duration> {
    let people = synthetic_people(count, 7)?;
    let actor = Actor::system("bench");
    let change = Change { actor: &actor, reason: "benchmark" };
    let started = Instant::now();
    for person in &people {
        if audited {
            service::register(db, person, &change).await?;
        } else {
            service::register_unaudited_for_benchmark(db, person, &change).await?;
        }
    }
    Ok(started.elapsed())
}

/// Grows the log to `size` entries with read events in large transactions.
async fn fill(db: &Db, size: u64) -> anyhow::Result<()> {
    let mut have = head::size(db).await?;
    let started = Instant::now();
    while have < size {
        let n = (size - have).min(20_000);
        let mut events: Vec<Event> = (have..have + n)
            .map(|i| {
                let key = format!("{:012}", i % 1_000_000_000_000);
                Event::new(EventKind::PersonalDataRead, Actor::system("bench"))
                    .subject(&key)
                    .record(RecordRef { kind: "citizen".into(), key, digest: None })
                    .purpose("verification")
            })
            .collect();
        let mut tx = db.begin_write().await?;
        ledger::store::append(&mut tx, db.backend(), &mut events).await?;
        tx.commit().await?;
        have += n;
        if have % 1_000_000 < n {
            eprintln!("  {have} entries ({:.0} s)", started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// Mean time of `count` proofs of each kind at the log's current size, from the stored nodes.
async fn time_proofs(db: &Db, size: u64, count: u64) -> anyhow::Result<(Duration, Duration, usize)> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(size);
    let mut path_len = 0;
    let started = Instant::now();
    for _ in 0..count {
        let index = rng.gen_range(0..size);
        path_len = path_len.max(head::inclusion_proof(db, index, size).await?.len());
    }
    let inclusion = started.elapsed() / count as u32;
    let started = Instant::now();
    for _ in 0..count {
        let first = rng.gen_range(1..=size);
        head::consistency_proof(db, first, size).await?;
    }
    Ok((inclusion, started.elapsed() / count as u32, path_len))
}

impl LedgerBench {
    /// Runs the benchmark and prints its figures.
    pub async fn run(self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        // Commits wait for the disk, whose speed wanders on a shared machine: alternate the two arms over several
        // rounds, each on a fresh database, and compare medians.
        let (mut plain, mut audited) = (vec![], vec![]);
        for round in 0..ROUNDS {
            eprintln!("… round {}: {} registrations each without and with the ledger", round + 1, self.writes);
            for audit in if round % 2 == 0 { [false, true] } else { [true, false] } {
                let db = fresh_db(&self.dir, if audit { "audited.db" } else { "plain.db" }).await?;
                let took = register_all(&db, self.writes, audit).await?;
                db.close().await;
                if audit { audited.push(took) } else { plain.push(took) }
            }
        }
        let (plain, audited) = (median(plain), median(audited));
        let rate = |d: Duration| self.writes as f64 / d.as_secs_f64();
        println!(
            "registry writes   without ledger {:>6.0}/s   with ledger {:>6.0}/s   slowdown {:.2}x (goal ≤ 1.5x; medians of {ROUNDS} rounds)",
            rate(plain),
            rate(audited),
            audited.as_secs_f64() / plain.as_secs_f64()
        );

        let db = fresh_db(&self.dir, "proofs.db").await?;
        for &size in &self.sizes {
            eprintln!("… growing the log to {size} entries");
            fill(&db, size).await?;
            let (inclusion, consistency, path) = time_proofs(&db, size, self.proofs).await?;
            println!(
                "proofs at {size:>9} entries   inclusion {:>6.1} µs   consistency {:>6.1} µs   audit path {path} hashes",
                inclusion.as_secs_f64() * 1e6,
                consistency.as_secs_f64() * 1e6
            );
        }
        Ok(())
    }
}
