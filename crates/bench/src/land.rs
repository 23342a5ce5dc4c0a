//! `congso bench land`: parcel lookups over HTTP against a bare handler's point query on the same table, and
//! the three searches officials make (by land user, by commune and sheet, by certificate serial), at a million
//! parcels by default. See docs/benchmarks.md.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::response::Response;
use axum::routing::get;
use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use land::model::{CertificateNumber, Holder, ParcelRef};
use store::{Db, sqlx};
use trust::keyring::{Keyring, MasterKey};
use web::{AppState, WebConfig};

use crate::registry::http::{Native, serve_in_background, throughput};
use crate::registry::import::Target;

/// Options of the land benchmark.
#[derive(Debug, clap::Args)]
pub struct LandBench {
    /// Parcels to generate.
    #[arg(long, default_value_t = 1_000_000)]
    count: u64,
    /// Citizens to generate first, the parcels' users.
    #[arg(long, default_value_t = 20_000)]
    citizens: u64,
    /// A PostgreSQL server to measure on (its `congso_bench` database is made again); SQLite in `--dir` if absent.
    #[arg(long)]
    database_url: Option<String>,
    /// Working folder (its previous contents are replaced unless --reuse).
    #[arg(long, default_value = "congso-bench-land")]
    dir: PathBuf,
    /// Seconds of load for each HTTP throughput measurement.
    #[arg(long, default_value_t = 9)]
    seconds: u64,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Reuse the database a previous run left: measure lookups and searches only.
    #[arg(long)]
    reuse: bool,
}

/// Rounds of the lookup measurement, bare and congso alternating.
const ROUNDS: usize = 3;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// The bare handler: the same point query on the parcels' unique key, with nothing around it.
async fn bare(State(pool): State<Native>, UrlPath((c, s, n)): UrlPath<(String, String, String)>) -> Response {
    let sql = "SELECT commune, CAST(sheet AS TEXT) AS sheet, CAST(number AS TEXT) AS number, \
               CAST(area_dm2 AS TEXT) AS area_dm2, purpose, geometry FROM land_parcels \
               WHERE commune = $1 AND sheet = CAST($2 AS BIGINT) AND number = CAST($3 AS BIGINT)";
    pool.json_one(sql, &[&c, &s, &n]).await
}

impl LandBench {
    /// Runs every measurement and prints the figures; `app` is the whole application.
    pub async fn run(self, app: fn(AppState) -> Router) -> anyhow::Result<()> {
        let target = Target::new(self.database_url.as_deref(), &self.dir)?;
        let url = target.url().to_owned();
        let mut generated = None;
        if !(self.reuse && target.exists().await) {
            let _ = std::fs::remove_dir_all(&self.dir);
            std::fs::create_dir_all(&self.dir)?;
            target.fresh(&self.dir).await?;
            let db = Db::connect(&url).await?;
            db.migrate().await?;
            eprintln!("… {} citizens, then {} parcels", self.citizens, self.count);
            registry::cli::generate_into(&db, self.citizens, 1, false).await?;
            let started = Instant::now();
            land::cli::generate_into(&db, self.count, 1).await?;
            generated = Some(started.elapsed());
            db.close().await;
        }
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        let officer = NewAccount {
            username: "bench.land".parse()?,
            display_name: "Bench".into(),
            kind: AccountKind::Official,
            password: "bench-password-long".parse()?,
            roles: vec![RoleAssignment { role: Role::LandOfficer, agency: None, territory: Territory::Nation }],
        };
        match service::create_account(&db, officer).await {
            Ok(_) | Err(service::IdentityError::UsernameTaken) => {}
            Err(e) => return Err(e.into()),
        }
        let (_, token) = service::create_token(&db, "bench.land", 1).await?;
        let sample: Vec<(String, i64, i64)> =
            sqlx::query_as("SELECT commune, sheet, number FROM land_parcels ORDER BY random() LIMIT 20000")
                .fetch_all(db.pool())
                .await?;
        let ids = Arc::new(sample.iter().map(|(c, s, n)| format!("{c}/{s}/{n}")).collect::<Vec<_>>());

        let (master, _) = MasterKey::load_or_create(&self.dir.join("master.key"))?;
        let keyring = Arc::new(Keyring::open(&db, master).await?);
        let mailer = notify::Mailer::file(self.dir.join("outbox"), "congso <no-reply@congso.invalid>")?;
        let config = WebConfig {
            secure_cookies: false,
            public_url: "http://localhost".parse()?,
            mailer,
            rate_limit: Default::default(),
        };
        let files = files::Files::open(&files::Location::Folder(self.dir.join("files")))?;
        let state = AppState::new(db.clone(), config, keyring, files)?;
        let bare_base = serve_in_background(
            Router::new().route("/parcels/{c}/{s}/{n}", get(bare)).with_state(Native::connect(&url).await?),
        )
        .await?;
        let app_base = serve_in_background(app(state)).await?;
        let bare_url: Arc<dyn Fn(&str) -> String + Send + Sync> =
            Arc::new(move |id| format!("{bare_base}/parcels/{id}"));
        let app_url: Arc<dyn Fn(&str) -> String + Send + Sync> =
            Arc::new(move |id| format!("{app_base}/api/v1/land/parcels/{id}?purpose=verification"));
        eprintln!("… HTTP lookups with {} clients, {ROUNDS} alternating rounds", self.clients);
        let seconds = self.seconds.div_ceil(ROUNDS as u64);
        let (mut bare_rps, mut congso_rps) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            bare_rps.push(throughput(bare_url.clone(), None, ids.clone(), self.clients, seconds).await?);
            congso_rps
                .push(throughput(app_url.clone(), Some(token.clone()), ids.clone(), self.clients, seconds).await?);
        }

        eprintln!("… searches");
        let holders: Vec<(String, String)> =
            sqlx::query_as("SELECT holder_kind, holder FROM land_holders ORDER BY random() LIMIT 300")
                .fetch_all(db.pool())
                .await?;
        let serials: Vec<String> =
            sqlx::query_scalar("SELECT number FROM land_certificates ORDER BY random() LIMIT 300")
                .fetch_all(db.pool())
                .await?;
        let mut by: [Vec<Duration>; 3] = Default::default();
        for (kind, key) in &holders {
            let holder = Holder::from_stored(kind, key)?;
            let started = Instant::now();
            land::service::parcels_of(&db, &holder).await?;
            by[0].push(started.elapsed());
        }
        for (c, s, _) in sample.iter().take(300) {
            let r = ParcelRef::new(c.parse()?, u32::try_from(*s)?, 1)?;
            let started = Instant::now();
            land::service::in_commune(&db, r.commune, Some(r.sheet), (0, 0), land::service::MAX_RESULTS, false).await?;
            by[1].push(started.elapsed());
        }
        for serial in &serials {
            let serial: CertificateNumber = serial.parse()?;
            let started = Instant::now();
            let r = land::service::by_certificate(&db, &serial).await?;
            land::service::parcel(&db, &r).await?;
            by[2].push(started.elapsed());
        }
        for kind in &mut by {
            kind.sort();
        }

        println!(
            "\ncongso bench land: {} parcels, {:?}, {} cores\n",
            land::store::count(&db).await?,
            target.backend(),
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        if let Some(g) = generated {
            println!("generate parcels                  {:>10.1} s", g.as_secs_f64());
        }
        let ratios: Vec<f64> = bare_rps.iter().zip(&congso_rps).map(|(b, c)| c / b).collect();
        println!("parcel lookup, {:>2} clients: bare   {:>10.0} req/s", self.clients, median(&bare_rps));
        println!(
            "parcel lookup, {:>2} clients: congso {:>10.0} req/s   ratio {:.2}  (goal ≥ 0.5)",
            self.clients,
            median(&congso_rps),
            median(&ratios)
        );
        for (kind, what) in by.iter().zip(["by land user", "by commune and sheet (200)", "by certificate serial"]) {
            let (p50, p95) = (percentile(kind, 0.5), percentile(kind, 0.95));
            println!(
                "search {what:<28} p50 {:>6.2} ms  p95 {:>6.2} ms  (goal p95 < 20 ms)",
                p50.as_secs_f64() * 1e3,
                p95.as_secs_f64() * 1e3
            );
        }
        Ok(())
    }
}
