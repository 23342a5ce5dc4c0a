//! `congso bench registry`: the population registry's performance goals, each measured against a baseline in the
//! same run on the same machine, and printed as ratios (see docs/benchmarks.md).

pub(crate) mod http;
pub(crate) mod import;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use rand::seq::SliceRandom;
use registry::search::{self, Search};
use store::{Db, sqlx};
use trust::keyring::{Keyring, MasterKey};
use web::{AppState, WebConfig};

use self::http::{bare_router, measure, rss_mib, serve_in_background, throughput};
use self::import::Target;

/// Options of the registry benchmark.
#[derive(Debug, clap::Args)]
pub struct RegistryBench {
    /// People to generate and import.
    #[arg(long, default_value_t = 1_000_000)]
    count: u64,
    /// Working folder (its previous contents are replaced).
    #[arg(long, default_value = "congso-bench")]
    dir: PathBuf,
    /// A PostgreSQL server to measure on instead of SQLite, as a URL to any database on it: the benchmark makes and
    /// replaces a database of its own there, `congso_bench`, and touches nothing else.
    #[arg(long)]
    database_url: Option<String>,
    /// Seconds of load for each HTTP throughput measurement.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent HTTP clients, one lookup measurement for each count.
    #[arg(long, value_delimiter = ',', default_value = "16,64")]
    clients: Vec<usize>,
    /// Reuse the database a previous run left: measure lookups, searches and memory only.
    #[arg(long)]
    reuse: bool,
}

/// Rounds of each lookup measurement.
const ROUNDS: usize = 3;

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// The `p` quantile of sorted durations; zero for none.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted.get(((sorted.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default()
}

impl RegistryBench {
    /// Runs every measurement and prints the figures; `app` is the whole application, as `congso serve` composes it.
    pub async fn run(self, app: fn(AppState) -> Router) -> anyhow::Result<()> {
        let target = Target::new(self.database_url.as_deref(), &self.dir)?;
        let url = target.url().to_owned();
        let mut imports = None;
        if !(self.reuse && target.exists().await) {
            let _ = std::fs::remove_dir_all(&self.dir);
            std::fs::create_dir_all(&self.dir)?;
            imports = Some(import::measure(&target, &self.dir, self.count).await?);
        }
        let db = Db::connect(&url).await?;
        db.migrate().await?;

        // A national registry clerk and a token for the HTTP measurements.
        let clerk = NewAccount {
            username: "bench".parse()?,
            display_name: "Bench".into(),
            kind: AccountKind::Official,
            password: "bench-password-long".parse()?,
            roles: vec![RoleAssignment { role: Role::RegistryClerk, agency: None, territory: Territory::Nation }],
        };
        match service::create_account(&db, clerk).await {
            Ok(_) | Err(service::IdentityError::UsernameTaken) => {}
            Err(e) => return Err(e.into()),
        }
        let (_, token) = service::create_token(&db, "bench", 1).await?;
        let mut sample: Vec<String> =
            sqlx::query_scalar("SELECT personal_id FROM citizens ORDER BY random() LIMIT 20000")
                .fetch_all(db.pool())
                .await?;
        sample.shuffle(&mut rand::thread_rng());
        let ids = Arc::new(sample);

        // The same master key for the in-process server and the `congso serve` measured below.
        let master_key_file = self.dir.join("master.key");
        let (master, _) = MasterKey::load_or_create(&master_key_file)?;
        let keyring = std::sync::Arc::new(Keyring::open(&db, master).await?);
        let mailer = notify::Mailer::file(self.dir.join("outbox"), "congso <no-reply@congso.invalid>")?;
        let public_url = "http://localhost".parse()?;
        let config = WebConfig { secure_cookies: false, public_url, mailer, rate_limit: Default::default() };
        let files = files::Files::open(&files::Location::Folder(self.dir.join("files")))?;
        let state = AppState::new(db.clone(), config, keyring, files)?;
        let bare_base = serve_in_background(bare_router(&url).await?).await?;
        let app_base = serve_in_background(app(state)).await?;
        let bare_url: Arc<dyn Fn(&str) -> String + Send + Sync> =
            Arc::new(move |id| format!("{bare_base}/citizens/{id}"));
        let app_url: Arc<dyn Fn(&str) -> String + Send + Sync> =
            Arc::new(move |id| format!("{app_base}/api/v1/citizens/{id}?purpose=verification"));
        let mut lookups = Vec::new();
        for &clients in &self.clients {
            eprintln!("… HTTP lookups with {clients} clients: bare handler and congso, {ROUNDS} alternating rounds");
            // Alternating rounds, so that a burst of other work on the shared machine does not fall on one side.
            let seconds = self.seconds.div_ceil(ROUNDS as u64);
            let (mut bare, mut congso) = (Vec::new(), Vec::new());
            let (mut bare_times, mut congso_times) = (Vec::new(), Vec::new());
            for _ in 0..ROUNDS {
                let round = measure(bare_url.clone(), None, ids.clone(), clients, seconds).await?;
                bare.push(round.rate);
                bare_times.extend(round.latencies);
                let round = measure(app_url.clone(), Some(token.clone()), ids.clone(), clients, seconds).await?;
                congso.push(round.rate);
                congso_times.extend(round.latencies);
            }
            bare_times.sort();
            congso_times.sort();
            lookups.push((clients, bare, congso, bare_times, congso_times));
        }

        eprintln!("… name searches");
        let mut latencies = Vec::new();
        let mut by_kind: [Vec<Duration>; 3] = Default::default();
        let names: Vec<String> = sqlx::query_scalar("SELECT full_name FROM citizens ORDER BY random() LIMIT 500")
            .fetch_all(db.pool())
            .await?;
        for (i, name) in names.iter().enumerate() {
            let words: Vec<&str> = name.split(' ').collect();
            // Three kinds of query officials type: the full name with the last name cut short, family and
            // given name, and the given name alone.
            let q = match i % 3 {
                0 => format!("{} {} {}", words[0], words[1], words[words.len() - 1].chars().next().unwrap_or('a')),
                1 => format!("{} {}", words[0], words[words.len() - 1]),
                _ => words[words.len() - 1].to_owned(),
            };
            let search = Search { words: Search::words_of(&q), page: 1, ..Default::default() };
            let started = Instant::now();
            search::run(&db, &search).await?;
            latencies.push(started.elapsed());
            by_kind[i % 3].push(started.elapsed());
        }
        latencies.sort();
        for kind in &mut by_kind {
            kind.sort();
        }

        eprintln!("… resident memory of `congso serve`");
        let exe = std::env::current_exe()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut child = std::process::Command::new(exe)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", &url])
            .env("CONGSO_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("CONGSO_MASTER_KEY_FILE", &master_key_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let rps = throughput(
            Arc::new(move |id| format!("{base}/api/v1/citizens/{id}?purpose=verification")),
            Some(token),
            ids.clone(),
            self.clients[0],
            3,
        )
        .await;
        let rss = rss_mib(child.id());
        let _ = child.kill();
        let _ = child.wait();
        let (rps, rss) = (rps?, rss?);

        let p50 = percentile(&latencies, 0.5);
        let p95 = percentile(&latencies, 0.95);
        println!(
            "\ncongso bench registry: {} citizens, {:?}, {} cores\n",
            search::count(db.pool()).await?,
            target.backend(),
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        match imports {
            Some(import::Imports { generated, baseline, imported }) => {
                println!("generate CSV                      {:>10.1} s", generated.as_secs_f64());
                let tool =
                    if target.backend() == store::Backend::Sqlite { "sqlite3 .import" } else { "psql \\copy    " };
                println!("import: {tool} baseline  {:>10.1} s", baseline.as_secs_f64());
                let ratio = imported.as_secs_f64() / baseline.as_secs_f64();
                println!(
                    "import: congso import citizens    {:>10.1} s   ratio {ratio:.2}  (goal ≤ 2.0)",
                    imported.as_secs_f64()
                );
            }
            None => println!("import                            (not measured: --reuse)"),
        }
        let ms = |times: &[Duration], p: f64| percentile(times, p).as_secs_f64() * 1e3;
        for (clients, bare, congso, bare_times, congso_times) in &lookups {
            let ratios: Vec<f64> = bare.iter().zip(congso).map(|(b, c)| c / b).collect();
            let (low, high) = ratios.iter().fold((f64::MAX, 0f64), |(l, h), r| (l.min(*r), h.max(*r)));
            println!("lookup by ID, {clients:>2} clients: bare    {:>10.0} req/s", median(bare));
            println!(
                "lookup by ID, {clients:>2} clients: congso  {:>10.0} req/s   ratio {:.2} (rounds {low:.2}–{high:.2})  (goal ≥ 0.5)",
                median(congso),
                median(&ratios)
            );
            println!(
                "lookup by ID, {clients:>2} clients: latency bare p50 {:.2} ms p95 {:.2} ms; congso p50 {:.2} ms p95 {:.2} ms",
                ms(bare_times, 0.5),
                ms(bare_times, 0.95),
                ms(congso_times, 0.5),
                ms(congso_times, 0.95)
            );
        }
        for (kind, what) in by_kind.iter().zip(["\"family middle g\"", "\"family given\"", "\"given\""]) {
            let (p50, p95) = (percentile(kind, 0.5), percentile(kind, 0.95));
            println!("  {what:<20} p50 {:>6.2} ms  p95 {:>6.2} ms", p50.as_secs_f64() * 1e3, p95.as_secs_f64() * 1e3);
        }
        println!("name search p50                   {:>10.2} ms", p50.as_secs_f64() * 1e3);
        println!("name search p95                   {:>10.2} ms             (goal < 5 ms)", p95.as_secs_f64() * 1e3);
        println!(
            "name search max                   {:>10.2} ms",
            latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
        );
        println!("congso serve RSS after {rps:.0} req/s  {:>6.0} MiB             (goal < 100 MiB)", rss);
        Ok(())
    }
}
