//! `congso bench credentials`: digital-ID credentials issued and verified per second on one core, each against
//! raw Ed25519 signing and verification (ed25519-dalek, the library the keyring uses) of a message of the same
//! size, in the same run. See docs/benchmarks.md.

use std::time::{Duration, Instant};

use ed25519_dalek::{Signer, Verifier};
use trust::claim169::{self, CwtMeta, Gender, Identity, Limits};
use trust::keys::{Algorithm, SigningKey, VerifyingKey};
use trust::verify::{Trust, verify};

/// Options of the credentials benchmark.
#[derive(Debug, clap::Args)]
pub struct CredentialBench {
    /// Rounds of one second for each measurement; the best round of each counts.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

struct OneKey(VerifyingKey);

impl Trust for OneKey {
    fn key(&self, kid: &str) -> Option<VerifyingKey> {
        (kid == self.0.kid()).then(|| self.0.clone())
    }

    fn is_revoked(&self, _: &str) -> bool {
        false
    }
}

/// Runs `f` repeatedly for about a second and returns the rate per second.
fn rate(mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < Duration::from_secs(1) {
        for _ in 0..64 {
            f()?;
        }
        count += 64;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

fn person() -> Identity {
    Identity {
        id: Some("001203004567".into()),
        language: Some("vie".into()),
        full_name: Some("Nguyễn Thị Lan".into()),
        date_of_birth: Some("19900515".into()),
        gender: Some(Gender::Female),
        address: Some("Phường Hoàn Kiếm\nThành phố Hà Nội".into()),
        nationality: Some("VN".into()),
        ..Identity::default()
    }
}

impl CredentialBench {
    /// Runs the benchmark on the calling thread only.
    pub fn run(self) -> anyhow::Result<()> {
        let key = SigningKey::from_secret_bytes(Algorithm::EdDSA, &[42; 32])?;
        let raw = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let meta = CwtMeta {
            issuer: Some("congso".into()),
            issued_at: Some(now),
            expires_at: Some(now + 5 * 365 * 86_400),
            cti: Some(vec![7; 16]),
            ..CwtMeta::default()
        };
        let person = person();
        let text = claim169::encode(&person, &meta, &key)?;
        let message = vec![0x5a; claim169::decode(&text, &Limits::default())?.signed_len()];
        let signature = raw.sign(&message);
        let trust = OneKey(key.verifying_key());
        anyhow::ensure!(verify(&text, &trust, now).is_valid(), "the benchmark's credential does not verify");

        // Alternating one-second rounds, keeping each measure's best: the machine is shared, and a burst of
        // someone else's work should not land on one side of a ratio only.
        let (mut issue, mut sign, mut check, mut raw_verify) = (0f64, 0f64, 0f64, 0f64);
        for round in 0..self.seconds.max(1) {
            eprintln!("… round {}", round + 1);
            issue = issue.max(rate(|| claim169::encode(&person, &meta, &key).map(drop).map_err(Into::into))?);
            sign = sign.max(rate(|| {
                std::hint::black_box(raw.sign(std::hint::black_box(&message)));
                Ok(())
            })?);
            check = check.max(rate(|| {
                anyhow::ensure!(verify(std::hint::black_box(&text), &trust, now).is_valid());
                Ok(())
            })?);
            raw_verify = raw_verify.max(rate(|| {
                raw.verifying_key().verify(std::hint::black_box(&message), &signature).map_err(Into::into)
            })?);
        }
        println!("credentials on one core (QR text {} characters, signed message {} bytes)", text.len(), message.len());
        println!("  issue   {issue:>10.0}/s   raw Ed25519 sign   {sign:>10.0}/s   ratio {:.2}", issue / sign);
        println!(
            "  verify  {check:>10.0}/s   raw Ed25519 verify {raw_verify:>10.0}/s   ratio {:.2} (goal ≥ 0.70)",
            check / raw_verify
        );
        Ok(())
    }
}
