//! `congso bench portal`: dossiers submitted, worked through every step and approved end to end (the result
//! signed and recorded), with the ledger on, against the same number of bare registry writes in the same run
//! (see docs/benchmarks.md).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use identity::model::{AuthMethod, RoleAssignment};
use identity::{AccountKind, Principal, Role, Territory};
use kernel::PersonalId;
use portal::model::StepAction;
use portal::service::{self, workflow};
use store::Db;
use trust::keyring::{Keyring, MasterKey};
use trust::ledger::Actor;

use crate::registry::import::Target;

/// Options of the portal benchmark.
#[derive(Debug, clap::Args)]
pub struct PortalBench {
    /// Dossiers taken end to end in each round.
    #[arg(long, default_value_t = 2_000)]
    dossiers: usize,
    /// Dossiers worked at once (applicants and officials acting concurrently).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Rounds; the median is reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// A PostgreSQL server to measure on instead of SQLite: the benchmark drops and makes a database of its own
    /// there, `congso_bench`, and touches nothing else.
    #[arg(long)]
    database_url: Option<String>,
    /// Working folder (its previous contents are replaced).
    #[arg(long, default_value = "congso-bench-portal")]
    dir: PathBuf,
}

/// The procedure taken end to end: three steps (receive, examine, approve) and a signed result.
const PROCEDURE: &str = "xac-nhan-cu-tru";

fn principal(username: &str, kind: AccountKind, roles: Vec<RoleAssignment>, pid: Option<PersonalId>) -> Principal {
    Principal {
        account_id: 0,
        username: username.into(),
        display_name: username.into(),
        kind,
        roles,
        method: AuthMethod::Token,
        personal_id: pid,
        assurance_level: identity::assurance::AssuranceLevel::Two,
        mfa_enabled: true,
    }
}

/// One dossier end to end: opened, submitted, received, examined, approved with its signed result.
async fn one(
    db: &Db,
    keyring: &Keyring,
    officials: &[Principal; 3],
    applicant: &service::Applicant,
) -> anyhow::Result<()> {
    let procedure = portal::Catalogue::builtin()?
        .get(&PROCEDURE.parse().map_err(|_| anyhow::anyhow!("procedure code"))?)
        .ok_or_else(|| anyhow::anyhow!("no procedure {PROCEDURE}"))?;
    let me = principal("applicant", AccountKind::Citizen, vec![], Some(applicant.personal_id));
    let dossier = service::open(db, procedure, applicant, None).await?;
    let mut dossier = workflow::submit(db, &me, &dossier.code, &dossier.form).await?;
    for (official, action) in officials.iter().zip([StepAction::Accept, StepAction::Forward, StepAction::Approve]) {
        let decision = workflow::Decision { action, note: None, version: dossier.version };
        dossier = workflow::act(db, keyring, official, &dossier.code, decision).await?;
    }
    anyhow::ensure!(dossier.status == portal::model::DossierStatus::Completed, "{} not completed", dossier.code);
    Ok(())
}

/// Runs `count` jobs, `concurrency` at a time, and times them all.
async fn run_concurrently<F, Fut>(count: usize, concurrency: usize, job: F) -> anyhow::Result<Duration>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let job = Arc::new(job);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (job, next) = (job.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= count {
                        return Ok::<_, anyhow::Error>(());
                    }
                    job(i).await?;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    Ok(started.elapsed())
}

impl PortalBench {
    /// Runs the benchmark and prints its figures.
    pub async fn run(self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let target = Target::new(self.database_url.as_deref(), &self.dir)?;
        let (mut bare, mut portal) = (vec![], vec![]);
        for round in 0..self.rounds {
            target.fresh(&self.dir).await?;
            let db = Db::connect(target.url()).await?;
            db.migrate().await?;
            registry::cli::generate_into(&db, 2_000, 11, false).await?;
            let (master, _) = MasterKey::load_or_create(&self.dir.join("master.key"))?;
            let keyring = Arc::new(Keyring::open(&db, master).await?);
            let commune = registry::service::busiest_commune(&db, "01")
                .await?
                .ok_or_else(|| anyhow::anyhow!("no commune in Hà Nội"))?;
            let residents = registry::credential::living_in(&db, &commune.parse()?).await?;
            let mut applicants = Vec::new();
            for personal_id in residents {
                let citizen = registry::service::citizen(&db, &personal_id).await?;
                if citizen.household.is_some() {
                    let actor = Actor::named("applicant", &citizen.full_name);
                    applicants.push(service::Applicant::online(personal_id, actor, citizen));
                }
            }
            anyhow::ensure!(!applicants.is_empty(), "no resident with a household in commune {commune}");
            let territory = Territory::Unit(commune.parse()?);
            let agency: kernel::AgencyCode = format!("CA.{commune}").parse()?;
            let held = |role| vec![RoleAssignment { role, agency: Some(agency.clone()), territory }];
            let officials = Arc::new([
                principal("tiepnhan", AccountKind::Official, held(Role::OneStopReceiver), None),
                principal("chuyenvien", AccountKind::Official, held(Role::Specialist), None),
                principal("lanhdao", AccountKind::Official, held(Role::Approver), None),
            ]);
            let applicants = Arc::new(applicants);

            eprintln!("… round {}: bare registry writes, then {} dossiers end to end", round + 1, self.dossiers);
            // People to register bare, none of whom the generated population already has.
            let mut people = Vec::new();
            for person in crate::ledger::synthetic_people(self.dossiers as u64, 1_000 + round as u64)? {
                if registry::service::citizen(&db, &person.personal_id).await.is_err() {
                    people.push(person);
                }
            }
            let writes = people.len();
            let people = Arc::new(people);
            let writes_db = db.clone();
            let took = run_concurrently(writes, self.concurrency, move |i| {
                let (db, people) = (writes_db.clone(), people.clone());
                async move {
                    let actor = Actor::system("bench");
                    let change = registry::service::Change { actor: &actor, reason: "benchmark" };
                    registry::service::register_unaudited_for_benchmark(&db, &people[i], &change).await?;
                    Ok(())
                }
            })
            .await?;
            bare.push(writes as f64 / took.as_secs_f64());
            let work_db = db.clone();
            let took = run_concurrently(self.dossiers, self.concurrency, move |i| {
                let (db, keyring, officials, applicants) =
                    (work_db.clone(), keyring.clone(), officials.clone(), applicants.clone());
                async move { one(&db, &keyring, &officials, &applicants[i % applicants.len()]).await }
            })
            .await?;
            portal.push(self.dossiers as f64 / took.as_secs_f64());
            db.close().await;
        }
        let median = |mut rates: Vec<f64>| {
            rates.sort_by(f64::total_cmp);
            rates[rates.len() / 2]
        };
        let (bare, portal) = (median(bare), median(portal));
        let backend = if self.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
        println!(
            "{backend}: dossiers end to end {:>6.0}/s (goal ≥ 500/s on SQLite)   bare registry writes {:>6.0}/s   \
             ratio {:.2}   ({} at once, medians of {} rounds; each dossier is 5 transactions with ledger entries \
             and one signature)",
            portal,
            bare,
            portal / bare,
            self.concurrency,
            self.rounds
        );
        Ok(())
    }
}
