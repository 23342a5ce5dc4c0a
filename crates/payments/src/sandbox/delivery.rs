//! Delivering the sandbox's callbacks: each one signed afresh at each attempt (the signature covers the time of
//! sending, so a retry an hour later is still inside congso's window), retried with doubling delays until congso
//! answers 2xx. The outbox is a table, so a callback queued before a crash of either side is sent after it.

use std::time::Duration;

use super::{Sandbox, now_ms, store};

/// Delivers every callback due now; how many were acknowledged.
pub async fn deliver_due(sandbox: &Sandbox) -> anyhow::Result<usize> {
    let mut acknowledged = 0;
    for (id, body, attempts) in store::due(&sandbox.db, now_ms(), 50).await? {
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = crate::provider::sign(sandbox.config.secret.as_bytes(), timestamp, body.as_bytes());
        let sent = sandbox
            .http
            .post(&sandbox.config.callback_url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(crate::provider::TIMESTAMP_HEADER, timestamp.to_string())
            .header(crate::provider::SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        let error = match sent {
            Ok(response) if response.status().is_success() => None,
            Ok(response) => Some(format!("HTTP {}", response.status())),
            Err(e) => Some(e.to_string()),
        };
        match error {
            None => {
                store::delivered(&sandbox.db, id, timestamp).await?;
                acknowledged += 1;
            }
            Some(error) => {
                let delay = backoff(sandbox.config.first_retry, sandbox.config.max_retry, attempts);
                tracing::info!(callback = id, attempts = attempts + 1, error, "callback not acknowledged; will retry");
                store::failed(&sandbox.db, id, now_ms() + delay.as_millis() as i64, &error).await?;
            }
        }
    }
    Ok(acknowledged)
}

/// The delay after the `attempts`-th failure: `first`, doubled each time, at most `max`.
fn backoff(first: Duration, max: Duration, attempts: i64) -> Duration {
    let factor = 1u32 << attempts.clamp(0, 20) as u32;
    first.saturating_mul(factor).min(max)
}

/// Delivers until the task is stopped: at once when a transfer is made, else when the next retry is due.
pub(super) async fn run(sandbox: Sandbox) {
    loop {
        if let Err(e) = deliver_due(&sandbox).await {
            tracing::warn!(error = %e, "sandbox callbacks: delivery failed");
        }
        let wait = match store::next_due(&sandbox.db).await {
            Ok(Some(at)) => Duration::from_millis((at - now_ms()).clamp(10, 60_000) as u64),
            _ => Duration::from_secs(60),
        };
        let _ = tokio::time::timeout(wait, sandbox.wake.notified()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn retries_back_off_doubling_up_to_the_cap() {
        let (first, max) = (Duration::from_secs(1), Duration::from_secs(60));
        let delays: Vec<u64> = (0..8).map(|n| backoff(first, max, n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60]);
    }
}
