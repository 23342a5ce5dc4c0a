//! The HTTP side of the registry benchmark: the bare handler, the load generator and the memory reading.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rand::{Rng, SeedableRng};
use sqlx::{Column, Row};
use store::sqlx;

/// The database driver of a bare handler: the backend's own, as an application without congso's layers would use.
#[derive(Clone)]
pub(crate) enum Native {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Native {
    /// A pool on `url` of the size congso's own pool has on that backend.
    pub(crate) async fn connect(url: &str) -> anyhow::Result<Native> {
        Ok(if url.starts_with("sqlite:") {
            Native::Sqlite(sqlx::sqlite::SqlitePoolOptions::new().max_connections(8).connect(url).await?)
        } else {
            Native::Postgres(sqlx::postgres::PgPoolOptions::new().max_connections(16).connect(url).await?)
        })
    }

    /// The row `sql` finds with its text parameters `binds`, its text columns as JSON; 404 when there is none.
    pub(crate) async fn json_one(&self, sql: &str, binds: &[&str]) -> Response {
        let found = match self {
            Native::Sqlite(pool) => {
                let query = binds.iter().fold(sqlx::query(sql), |q, b| q.bind(*b));
                query.fetch_optional(pool).await.map(|r| r.map(|r| json_of(&r)))
            }
            Native::Postgres(pool) => {
                let query = binds.iter().fold(sqlx::query(sql), |q, b| q.bind(*b));
                query.fetch_optional(pool).await.map(|r| r.map(|r| json_of(&r)))
            }
        };
        match found {
            Ok(Some(response)) => response,
            Ok(None) => axum::http::StatusCode::NOT_FOUND.into_response(),
            Err(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

fn json_of<R: Row>(row: &R) -> Response
where
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let mut map = serde_json::Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let value: Option<String> = row.try_get(i).ok().flatten();
        map.insert(column.name().to_owned(), value.map_or(serde_json::Value::Null, serde_json::Value::String));
    }
    axum::Json(map).into_response()
}

/// The bare handler: the same point query on the same database, with nothing around it.
async fn bare(State(pool): State<Native>, UrlPath(id): UrlPath<String>) -> Response {
    let sql = format!(
        "SELECT {} FROM citizens c {} WHERE c.personal_id = $1",
        registry::store::CITIZEN_COLUMNS,
        registry::store::CITIZEN_JOINS
    );
    pool.json_one(&sql, &[&id]).await
}

/// The bare handler's router on `url`, with a pool of the size congso's own pool has on that backend.
pub async fn bare_router(url: &str) -> anyhow::Result<Router> {
    Ok(Router::new().route("/citizens/{id}", get(bare)).with_state(Native::connect(url).await?))
}

/// Serves `router` on a free local port; returns its base URL.
pub async fn serve_in_background(router: Router) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(base)
}

/// Requests per second over `seconds`, from `clients` concurrent keep-alive clients asking for random IDs.
pub async fn throughput(
    url_of: Arc<dyn Fn(&str) -> String + Send + Sync>,
    token: Option<String>,
    ids: Arc<Vec<String>>,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<f64> {
    Ok(measure(url_of, token, ids, clients, seconds).await?.rate)
}

/// What [`measure`] saw: the rate, and every request's latency, sorted.
pub struct Measured {
    /// Requests answered per second.
    pub rate: f64,
    /// Each request's time from sending to the last byte of the answer, shortest first.
    pub latencies: Vec<Duration>,
}

/// [`throughput`], with each request's latency.
pub async fn measure(
    url_of: Arc<dyn Fn(&str) -> String + Send + Sync>,
    token: Option<String>,
    ids: Arc<Vec<String>>,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<Measured> {
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (url_of, token, ids, failed) = (url_of.clone(), token.clone(), ids.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(c as u64);
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let id = &ids[rng.gen_range(0..ids.len())];
                let mut request = client.get(url_of(id));
                if let Some(t) = &token {
                    request = request.bearer_auth(t);
                }
                let started = Instant::now();
                let ok = match request.send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if ok {
                    latencies.push(started.elapsed());
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await?);
    }
    if failed.load(Ordering::Relaxed) > 0 {
        bail!("{} requests failed", failed.load(Ordering::Relaxed));
    }
    latencies.sort();
    Ok(Measured { rate: latencies.len() as f64 / seconds as f64, latencies })
}

/// Resident memory (VmRSS) of a process, in MiB.
pub fn rss_mib(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmRSS")?;
    Ok(kb / 1024.0)
}
