//! `congso bench payments`: banks' callbacks verified (HMAC-SHA256, time window, body) and applied exactly once
//! per second, with redeliveries and concurrent deliveries of the same callback mixed in, against the bare insert
//! of a payment row (one `INSERT` in its own write transaction) at the same concurrency, in the same run on the
//! same database. See docs/benchmarks.md.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::HeaderMap;
use payments::model::{BillFor, Dong, Payer};
use payments::provider::{HmacWebhook, Provider, SIGNATURE_HEADER, TIMESTAMP_HEADER, Webhook, WebhookData};
use payments::service::NewBill;
use payments::{Listeners, PaymentsConfig};
use store::Db;
use trust::ledger::Actor;

/// Options of the payments benchmark.
#[derive(Debug, clap::Args)]
pub struct PaymentsBench {
    /// Bills, each paid by one callback.
    #[arg(long, default_value_t = 3_000)]
    bills: u32,
    /// Of every hundred deliveries, how many repeat a callback already sent (a bank's retry).
    #[arg(long, default_value_t = 25)]
    duplicates_percent: u32,
    /// Concurrent deliveries; a redelivery is queued right after its first, so the two often run at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Working folder (its previous contents are replaced).
    #[arg(long, default_value = "congso-bench-payments")]
    dir: PathBuf,
}

/// One delivery: the callback's body (a redelivery has the same body as its first).
struct Delivery {
    body: Vec<u8>,
}

fn webhook(reference: &str, amount: i64, transaction: &str) -> anyhow::Result<Vec<u8>> {
    Ok(serde_json::to_vec(&Webhook {
        code: "00".into(),
        desc: "success".into(),
        data: WebhookData {
            reference: transaction.into(),
            order_code: reference.into(),
            amount,
            account_number: "0011002345678".into(),
            description: reference.into(),
            transaction_date_time: time::OffsetDateTime::now_utc().unix_timestamp(),
        },
    })?)
}

/// One unit of measured work.
type Work = std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>>;

/// Runs `work` over the queue with `concurrency` tasks; the elapsed seconds.
async fn drain<T: Send + 'static>(
    queue: VecDeque<T>,
    concurrency: usize,
    work: impl Fn(T) -> Work + Send + Sync + 'static,
) -> anyhow::Result<f64> {
    let queue = Arc::new(Mutex::new(queue));
    let work = Arc::new(work);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (queue, work) = (queue.clone(), work.clone());
        tasks.spawn(async move {
            loop {
                let next = queue.lock().map_err(|_| anyhow::anyhow!("queue poisoned"))?.pop_front();
                match next {
                    Some(item) => work(item).await?,
                    None => return Ok::<(), anyhow::Error>(()),
                }
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(started.elapsed().as_secs_f64())
}

impl PaymentsBench {
    /// Runs the benchmark.
    pub async fn run(self) -> anyhow::Result<()> {
        let _ = std::fs::remove_dir_all(&self.dir);
        std::fs::create_dir_all(&self.dir)?;
        let db = Db::connect(&format!("sqlite://{}?mode=rwc", self.dir.join("bench.db").display())).await?;
        db.migrate().await?;
        let config = PaymentsConfig::demo();
        let secret = config.providers[0].secret.clone();
        let provider = Arc::new(HmacWebhook::new(config.providers[0].clone()));

        println!("creating {} bills…", self.bills);
        let day = time::macros::date!(2026 - 12 - 01);
        let mut bills = Vec::new();
        for seq in 1..=self.bills {
            let dossier = kernel::DossierCode::new("UBND.00070".parse()?, day, seq)
                .ok_or_else(|| anyhow::anyhow!("too many bills for one day's dossier numbers"))?;
            let new = NewBill {
                payer: Payer::Citizen("079185000123".parse()?),
                amount: Dong::new(10_000 + i64::from(seq))?,
                purpose: "Lệ phí đăng ký tạm trú".into(),
                pays_for: BillFor::Dossier(dossier),
                agency: "UBND.00070".parse()?,
                due: day,
            };
            bills.push(payments::service::create_bill(&db, new, &Actor::system("bench")).await?);
        }
        let mut deliveries = VecDeque::new();
        let mut repeats = 0u32;
        for (n, bill) in bills.iter().enumerate() {
            let body = webhook(bill.reference.as_str(), bill.amount.as_i64(), &format!("FT{n:08}"))?;
            deliveries.push_back(Delivery { body: body.clone() });
            // Whole percentages of the bills get a second delivery, right behind the first.
            if (n as u32 * self.duplicates_percent) / 100 > repeats {
                repeats += 1;
                deliveries.push_back(Delivery { body });
            }
        }
        let total = deliveries.len();

        let (db2, listeners) = (db.clone(), Listeners::default());
        let secret2 = secret.clone();
        let applied = drain(deliveries, self.concurrency, move |d: Delivery| {
            let (db, provider, listeners, secret) = (db2.clone(), provider.clone(), listeners.clone(), secret2.clone());
            Box::pin(async move {
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                let mut headers = HeaderMap::new();
                headers.insert(TIMESTAMP_HEADER, now.to_string().parse()?);
                let signature = payments::provider::sign(secret.as_bytes(), now, &d.body);
                headers.insert(SIGNATURE_HEADER, signature.parse()?);
                let notice = provider.verify(&headers, &d.body, now)?;
                payments::service::apply(&db, &listeners, "sandbox", &notice).await?;
                Ok(())
            })
        })
        .await?;
        let paid: i64 = store::sqlx::query_scalar("SELECT COUNT(*) FROM bank_payments WHERE outcome = 'applied'")
            .fetch_one(db.pool())
            .await?;
        anyhow::ensure!(paid == i64::from(self.bills), "{paid} payments applied for {} bills", self.bills);

        let rows: VecDeque<u32> = (0..total as u32).collect();
        let db3 = db.clone();
        let bare = drain(rows, self.concurrency, move |n: u32| {
            let db = db3.clone();
            Box::pin(async move {
                let mut tx = db.begin_write().await?;
                store::sqlx::query(
                    "INSERT INTO bank_payments (provider, transaction_id, bill_reference, bill_id, amount, outcome, \
                     paid_at, received_at) VALUES ($1, $2, $3, NULL, $4, 'held', $5, $5)",
                )
                .bind("baseline")
                .bind(format!("BL{n:08}"))
                .bind("TT23456789ABCD")
                .bind(10_000i64)
                .bind(0i64)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            })
        })
        .await?;
        let (callbacks, inserts) = (total as f64 / applied, total as f64 / bare);
        println!(
            "payments on SQLite: {} bills, {total} deliveries ({repeats} redeliveries), {} at once",
            self.bills, self.concurrency
        );
        println!("  callbacks verified and applied  {callbacks:>8.0} /s");
        println!("  bare insert of a payment row    {inserts:>8.0} /s");
        println!("  ratio                           {:>8.2}", callbacks / inserts);
        db.close().await;
        Ok(())
    }
}
