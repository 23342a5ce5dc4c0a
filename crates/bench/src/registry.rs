//! `congso bench registry`: the population registry's performance goals, each measured against a baseline in the
//! same run on the same machine, and printed as ratios (see docs/benchmarks.md).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::routing::get;
use identity::model::RoleAssignment;
use identity::service::{self, NewAccount};
use identity::{AccountKind, Role, Territory};
use kernel::Lang;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use registry::search::{self, Search};
use sqlx::Row;
use store::{Db, sqlx};
use trust::keyring::{Keyring, MasterKey};
use web::{AppState, WebConfig};

/// Options of the registry benchmark.
#[derive(Debug, clap::Args)]
pub struct RegistryBench {
    /// People to generate and import.
    #[arg(long, default_value_t = 1_000_000)]
    count: u64,
    /// Working folder (its previous contents are replaced).
    #[arg(long, default_value = "congso-bench")]
    dir: PathBuf,
    /// Seconds of load for each HTTP throughput measurement.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Reuse the database a previous run left in the working folder: measure lookups, searches and memory only.
    #[arg(long)]
    reuse: bool,
}

fn timed<T>(what: &str, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<(T, Duration)> {
    eprintln!("… {what}");
    let started = Instant::now();
    let out = f()?;
    Ok((out, started.elapsed()))
}

/// The sqlite3 shell's own `.import` of the same CSV into a table with the same columns and the same key.
fn sqlite3_import(csv: &Path, dir: &Path) -> anyhow::Result<Duration> {
    let db = dir.join("baseline.db");
    let _ = std::fs::remove_file(&db);
    let header = std::fs::read_to_string(csv)?.lines().next().unwrap_or_default().to_owned();
    let columns: Vec<String> = header
        .split(',')
        .map(|c| if c == "personal_id" { format!("{c} TEXT PRIMARY KEY") } else { format!("{c} TEXT") })
        .collect();
    let script = format!(
        "PRAGMA journal_mode=WAL;\nCREATE TABLE citizens ({});\n.mode csv\n.import --skip 1 {} citizens\n",
        columns.join(", "),
        csv.display()
    );
    let started = Instant::now();
    let mut child = std::process::Command::new("sqlite3")
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("the sqlite3 shell is needed for the baseline: apt-get install sqlite3")?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin.write_all(script.as_bytes())?;
    }
    if !child.wait()?.success() {
        bail!("sqlite3 .import failed");
    }
    Ok(started.elapsed())
}

/// The bare handler: the same point query on the same database, with nothing around it.
async fn bare(State(pool): State<sqlx::SqlitePool>, UrlPath(id): UrlPath<String>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let sql = format!(
        "SELECT {} FROM citizens c {} WHERE c.personal_id = ?",
        registry::store::CITIZEN_COLUMNS,
        registry::store::CITIZEN_JOINS
    );
    match sqlx::query(&sql).bind(id).fetch_optional(&pool).await {
        Ok(Some(row)) => {
            let mut map = serde_json::Map::new();
            for (i, column) in row.columns().iter().enumerate() {
                use sqlx::Column;
                let value: Option<String> = row.try_get(i).ok().flatten();
                map.insert(column.name().to_owned(), value.map_or(serde_json::Value::Null, serde_json::Value::String));
            }
            axum::Json(map).into_response()
        }
        Ok(None) => axum::http::StatusCode::NOT_FOUND.into_response(),
        Err(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn serve_in_background(router: Router) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(base)
}

/// Requests per second over `seconds`, from `clients` concurrent keep-alive clients asking for random IDs.
async fn throughput(
    url_of: Arc<dyn Fn(&str) -> String + Send + Sync>,
    token: Option<String>,
    ids: Arc<Vec<String>>,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<f64> {
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (url_of, token, ids, done, failed) =
            (url_of.clone(), token.clone(), ids.clone(), done.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(c as u64);
            while Instant::now() < deadline {
                let id = &ids[rng.gen_range(0..ids.len())];
                let mut request = client.get(url_of(id));
                if let Some(t) = &token {
                    request = request.bearer_auth(t);
                }
                let ok = match request.send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if ok { &done } else { &failed }.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    if failed.load(Ordering::Relaxed) > 0 {
        bail!("{} requests failed", failed.load(Ordering::Relaxed));
    }
    Ok(done.load(Ordering::Relaxed) as f64 / seconds as f64)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Resident memory (VmRSS) of a process, in MiB.
fn rss_mib(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmRSS")?;
    Ok(kb / 1024.0)
}

impl RegistryBench {
    /// Generates the CSV, imports it with the sqlite3 shell and with congso; returns the three durations.
    async fn import(&self, url: &str) -> anyhow::Result<(Duration, Duration, Duration)> {
        let csv = self.dir.join("citizens.csv");
        let ((), generated) =
            timed(&format!("generating {} people", self.count), || registry::cli::generate_csv(self.count, 1, &csv))?;
        let (baseline, _) = timed("sqlite3 shell .import (baseline)", || sqlite3_import(&csv, &self.dir))?;
        let db = Db::connect(url).await?;
        db.migrate().await?;
        eprintln!("… congso import citizens");
        let started = Instant::now();
        let report = registry::import::import_csv(&db, &csv, false, Lang::En, &|_| {}).await?;
        let imported = started.elapsed();
        if report.inserted != self.count || !report.rejected.is_empty() {
            bail!("import inserted {} of {} ({} rejected)", report.inserted, self.count, report.rejected.len());
        }
        db.close().await;
        Ok((generated, baseline, imported))
    }

    /// Runs every measurement and prints the figures; `app` is the whole application, as `congso serve` composes it.
    pub async fn run(self, app: fn(AppState) -> Router) -> anyhow::Result<()> {
        let db_path = self.dir.join("congso.db");
        let url = format!("sqlite://{}?mode=rwc", db_path.display());
        let mut imports = None;
        if !(self.reuse && db_path.exists()) {
            let _ = std::fs::remove_dir_all(&self.dir);
            std::fs::create_dir_all(&self.dir)?;
            imports = Some(self.import(&url).await?);
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

        eprintln!("… HTTP lookups: bare handler, then congso");
        let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(8).connect(&url).await?;
        let bare_base = serve_in_background(Router::new().route("/citizens/{id}", get(bare)).with_state(pool)).await?;
        let bare_rps = throughput(
            Arc::new(move |id| format!("{bare_base}/citizens/{id}")),
            None,
            ids.clone(),
            self.clients,
            self.seconds,
        )
        .await?;
        // The same master key for the in-process server and the `congso serve` measured below.
        let master_key_file = self.dir.join("master.key");
        let (master, _) = MasterKey::load_or_create(&master_key_file)?;
        let keyring = std::sync::Arc::new(Keyring::open(&db, master).await?);
        let mailer = notify::Mailer::file(self.dir.join("outbox"), "congso <no-reply@congso.invalid>")?;
        let public_url = "http://localhost".parse()?;
        let config = WebConfig { secure_cookies: false, public_url, mailer, rate_limit: Default::default() };
        let state = AppState::new(db.clone(), config, keyring);
        let app_base = serve_in_background(app(state)).await?;
        let app_rps = throughput(
            Arc::new(move |id| format!("{app_base}/api/v1/citizens/{id}?purpose=verification")),
            Some(token.clone()),
            ids.clone(),
            self.clients,
            self.seconds,
        )
        .await?;

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
            self.clients,
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
            "\ncongso bench registry: {} citizens, {} cores\n",
            search::count(db.pool()).await?,
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        match imports {
            Some((generated, baseline, imported)) => {
                println!("generate CSV                      {:>10.1} s", generated.as_secs_f64());
                println!("import: sqlite3 .import baseline  {:>10.1} s", baseline.as_secs_f64());
                let ratio = imported.as_secs_f64() / baseline.as_secs_f64();
                println!(
                    "import: congso import citizens    {:>10.1} s   ratio {ratio:.2}  (goal ≤ 2.0)",
                    imported.as_secs_f64()
                );
            }
            None => println!("import                            (not measured: --reuse)"),
        }
        println!("lookup by ID: bare axum handler   {:>10.0} req/s", bare_rps);
        println!(
            "lookup by ID: congso API          {:>10.0} req/s   ratio {:.2}  (goal ≥ 0.5)",
            app_rps,
            app_rps / bare_rps
        );
        for (kind, what) in by_kind.iter().zip(["\"family middle g\"", "\"family given\"", "\"given\""]) {
            let (p50, p95) = (percentile(kind, 0.5), percentile(kind, 0.95));
            println!("  {what:<20} p50 {:>6.2} ms  p95 {:>6.2} ms", p50.as_secs_f64() * 1e3, p95.as_secs_f64() * 1e3);
        }
        println!("name search p50                   {:>10.2} ms", p50.as_secs_f64() * 1e3);
        println!("name search p95                   {:>10.2} ms             (goal < 20 ms)", p95.as_secs_f64() * 1e3);
        println!(
            "name search max                   {:>10.2} ms",
            latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
        );
        println!("congso serve RSS after {rps:.0} req/s  {:>6.0} MiB             (goal < 200 MiB)", rss);
        Ok(())
    }
}
