//! The second factor: TOTP (RFC 6238, HMAC-SHA1, 6 digits, 30-second steps) with single-use recovery codes, and
//! the pending step between a right password and the code.
//!
//! The TOTP secret must be read back to check codes, so it cannot be hashed: it is sealed under the installation's
//! master key ([`Keyring::seal_secret`], bound to the account, see [`sealing_context`]) in `mfa_totp.secret_sealed`,
//! so a stolen database or backup holds no usable secret, and it is shown only at enrolment. Recovery codes and
//! pending tokens are stored as SHA-256.
//!
//! Policy: officials and operators can switch the factor on from `/account`, and until they do the page shows a
//! banner asking them to. It is not yet *required* at sign-in (that would lock out every official account that
//! exists today); once on, a session starts only after a code or a recovery code. API tokens are not affected.
//! Wrong codes are counted per account, apart from password failures and whatever address they come from:
//! [`MAX_FAILURES`] within [`FAILURE_WINDOW_SECS`] lock the second factor, and only a completed sign-in clears
//! them, so knowing the password buys no more guesses.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use store::Db;
use store::sqlx;
use trust::keyring::{Keyring, KeyringError};

use trust::ledger::seal::{Key, Sealed};
use trust::ledger::{Actor, Event, EventKind};

use crate::seals;
use crate::service::{now, sha256_hex};

/// Seconds per TOTP step.
pub const STEP_SECS: i64 = 30;
/// How long the password step waits for the code.
pub const PENDING_SECS: i64 = 5 * 60;
/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;
/// Wrong codes an account may have within [`FAILURE_WINDOW_SECS`]: five guesses an hour leave a guesser about one
/// chance in 100,000 a day (three codes are valid at any moment, one step of drift either way).
pub const MAX_FAILURES: i64 = 5;
/// The window over which wrong codes count, and so how long the second factor stays locked.
pub const FAILURE_WINDOW_SECS: i64 = 60 * 60;
/// The cookie that carries the pending step's token.
pub const PENDING_COOKIE: &str = "congso_mfa";

/// Recovery codes are sealed in the ledger, each by its hash: a hash slipped into the table would be a way past the
/// second factor.
pub const RECOVERY_CODES_SEAL: Sealed = Sealed {
    kind: "mfa_recovery_code",
    select: "SELECT code_hash, CAST(account_id AS TEXT), CAST(used_at AS TEXT) FROM mfa_recovery_codes",
    by_key: "code_hash = $1",
};

/// Why the second factor could not be read or stored.
#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    /// The database failed.
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    /// The ledger could not be written, so nothing was.
    #[error(transparent)]
    Ledger(#[from] trust::ledger::LedgerError),
    /// The stored secret does not open: the master key changed, or the value was moved from another account.
    #[error("the sealed TOTP secret: {0}")]
    Sealed(#[from] KeyringError),
}

impl From<MfaError> for web::AppError {
    fn from(e: MfaError) -> Self {
        web::AppError::Internal(e.into())
    }
}

/// What a TOTP secret is sealed to: its table and account, so that a sealed value copied to another account's row
/// does not open there.
pub fn sealing_context(account_id: i64) -> String {
    format!("mfa_totp:{account_id}")
}

/// The HOTP value (RFC 4226) of `secret` at `counter`, truncated to `digits` decimal digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else { return 0 };
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let code = u32::from_be_bytes([hash[offset] & 0x7f, hash[offset + 1], hash[offset + 2], hash[offset + 3]]);
    code % 10u32.pow(digits)
}

/// The TOTP value (RFC 6238, SHA-1) of `secret` at Unix time `at`.
pub fn totp(secret: &[u8], at: i64, digits: u32) -> u32 {
    hotp(secret, u64::try_from(at.div_euclid(STEP_SECS)).unwrap_or(0), digits)
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps expect.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(username: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/congso:{username}?secret={}&issuer=congso&algorithm=SHA1&digits=6&period=30",
        base32_encode(secret)
    )
}

/// The fixed secret of a demo account: the first 20 bytes of SHA-256("congso demo totp " + username). Demo only.
pub fn demo_secret(username: &str) -> Vec<u8> {
    Sha256::digest(format!("congso demo totp {username}").as_bytes())[..20].to_vec()
}

/// Whether the account has a confirmed second factor.
pub async fn is_enabled(db: &Db, account_id: i64) -> Result<bool, sqlx::Error> {
    let at: Option<Option<i64>> = sqlx::query_scalar("SELECT enabled_at FROM mfa_totp WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(at.flatten().is_some())
}

/// Starts (or restarts) an enrolment: a new 160-bit secret, not yet switched on. Returns the secret.
pub async fn begin_enrolment(db: &Db, keyring: &Keyring, account_id: i64) -> Result<Vec<u8>, MfaError> {
    let secret = rand::random::<[u8; 20]>().to_vec();
    store_secret(db, keyring, account_id, &secret, None).await?;
    Ok(secret)
}

async fn store_secret(
    db: &Db,
    keyring: &Keyring,
    account_id: i64,
    secret: &[u8],
    enabled_at: Option<i64>,
) -> Result<(), MfaError> {
    let sealed = keyring.seal_secret(&sealing_context(account_id), secret)?;
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM mfa_totp WHERE account_id = $1").bind(account_id).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO mfa_totp (account_id, secret_sealed, enabled_at, last_step, created_at) VALUES ($1, $2, $3, 0, $4)",
    )
    .bind(account_id)
    .bind(sealed)
    .bind(enabled_at)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    let change = if enabled_at.is_some() { "mfa_enrolled" } else { "mfa_enrolment_started" };
    let event =
        Event::new(EventKind::AccountChanged, Actor::system("congso")).detail(serde_json::json!({ "change": change }));
    seals::account(&mut tx, db.backend(), account_id, event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    Ok(())
}

/// The secret of an enrolment that is waiting for its confirmation, to show it again.
pub async fn pending_secret(db: &Db, keyring: &Keyring, account_id: i64) -> Result<Option<Vec<u8>>, MfaError> {
    let sealed: Option<String> =
        sqlx::query_scalar("SELECT secret_sealed FROM mfa_totp WHERE account_id = $1 AND enabled_at IS NULL")
            .bind(account_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(sealed.map(|s| keyring.open_secret(&sealing_context(account_id), &s)).transpose()?)
}

/// Enrols an account at once with a given secret (the demo's fixed secrets); no recovery codes.
pub async fn enrol_with_secret(db: &Db, keyring: &Keyring, account_id: i64, secret: &[u8]) -> Result<(), MfaError> {
    store_secret(db, keyring, account_id, secret, Some(now())).await
}

/// Checks a 6-digit code against the account's secret at `at`, allowing one step of drift either way and refusing
/// any step at or before the last one used; on success remembers the step. `pending` selects an enrolment not yet
/// confirmed instead of a confirmed one. A secret that does not open is an error, not a wrong code: counting it
/// as a failure would lock the person out for a fault of the installation.
async fn check_code(
    db: &Db,
    keyring: &Keyring,
    account_id: i64,
    code: &str,
    at: i64,
    pending: bool,
) -> Result<bool, MfaError> {
    let code = code.trim();
    let Some(code) = code.parse::<u32>().ok().filter(|_| code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()))
    else {
        return Ok(false);
    };
    let row: Option<(String, i64)> = sqlx::query_as(if pending {
        "SELECT secret_sealed, last_step FROM mfa_totp WHERE account_id = $1 AND enabled_at IS NULL"
    } else {
        "SELECT secret_sealed, last_step FROM mfa_totp WHERE account_id = $1 AND enabled_at IS NOT NULL"
    })
    .bind(account_id)
    .fetch_optional(db.pool())
    .await?;
    let Some((sealed, last_step)) = row else { return Ok(false) };
    let secret = keyring.open_secret(&sealing_context(account_id), &sealed)?;
    let current = at.div_euclid(STEP_SECS);
    for step in [current - 1, current, current + 1] {
        if step > last_step && totp(&secret, step * STEP_SECS, 6) == code {
            // Only one request can move last_step past this step: a replayed code loses the race.
            let moved = sqlx::query("UPDATE mfa_totp SET last_step = $1 WHERE account_id = $2 AND last_step < $1")
                .bind(step)
                .bind(account_id)
                .execute(db.pool())
                .await?
                .rows_affected();
            return Ok(moved == 1);
        }
    }
    Ok(false)
}

/// Confirms an enrolment with a code from the app: switches the factor on and returns fresh recovery codes (shown
/// once, stored as hashes), or `None` if the code is wrong. `by` is the account's owner, as the ledger names them.
pub async fn confirm_enrolment(
    db: &Db,
    keyring: &Keyring,
    account_id: i64,
    code: &str,
    by: Actor,
) -> Result<Option<Vec<String>>, MfaError> {
    if !check_code(db, keyring, account_id, code, now(), true).await? {
        return Ok(None);
    }
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let raw = hex::encode(rand::random::<[u8; 5]>());
            format!("{}-{}", &raw[..5], &raw[5..])
        })
        .collect();
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE mfa_totp SET enabled_at = $1 WHERE account_id = $2")
        .bind(now())
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    let old: Vec<String> =
        sqlx::query_scalar("DELETE FROM mfa_recovery_codes WHERE account_id = $1 RETURNING code_hash")
            .bind(account_id)
            .fetch_all(&mut *tx)
            .await?;
    let mut hashes = old;
    for code in &codes {
        let hash = sha256_hex(code);
        sqlx::query("INSERT INTO mfa_recovery_codes (account_id, code_hash) VALUES ($1, $2)")
            .bind(account_id)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        hashes.push(hash);
    }
    for hash in hashes {
        let event = Event::new(EventKind::AccountChanged, by.clone())
            .detail(serde_json::json!({ "change": "mfa_recovery_codes_issued" }));
        RECOVERY_CODES_SEAL.append(&mut tx, db.backend(), Key::Text(hash), event).await?;
    }
    let event = Event::new(EventKind::AccountChanged, by).detail(serde_json::json!({ "change": "mfa_enrolled" }));
    seals::account(&mut tx, db.backend(), account_id, event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    Ok(Some(codes))
}

/// Which second factor was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// A code from the authenticator app.
    Totp,
    /// A recovery code, now used up.
    RecoveryCode,
}

/// Checks a code from the app, or else a recovery code (consumed on success, in the ledger in the name of `by`).
pub async fn verify(
    db: &Db,
    keyring: &Keyring,
    account_id: i64,
    code: &str,
    by: Actor,
) -> Result<Option<Factor>, MfaError> {
    if check_code(db, keyring, account_id, code, now(), false).await? {
        return Ok(Some(Factor::Totp));
    }
    let normalized = code.trim().to_ascii_lowercase();
    if normalized.len() != 11 {
        return Ok(None);
    }
    let hash = sha256_hex(&normalized);
    let mut tx = db.begin_write().await?;
    let used = sqlx::query(
        "UPDATE mfa_recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now())
    .bind(account_id)
    .bind(&hash)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if used == 0 {
        return Ok(None);
    }
    let event =
        Event::new(EventKind::AccountChanged, by).detail(serde_json::json!({ "change": "mfa_recovery_code_used" }));
    RECOVERY_CODES_SEAL.append(&mut tx, db.backend(), Key::Text(hash), event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    Ok(Some(Factor::RecoveryCode))
}

/// Whether the account's second factor is locked by recent wrong codes.
pub async fn is_locked(db: &Db, account_id: i64) -> Result<bool, sqlx::Error> {
    let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mfa_failures WHERE account_id = $1 AND at >= $2")
        .bind(account_id)
        .bind(now() - FAILURE_WINDOW_SECS)
        .fetch_one(db.pool())
        .await?;
    Ok(failures >= MAX_FAILURES)
}

/// Counts a wrong code against the account.
pub async fn record_failure(db: &Db, account_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO mfa_failures (account_id, at) VALUES ($1, $2)")
        .bind(account_id)
        .bind(now())
        .execute(db.pool())
        .await
        .map(drop)
}

/// Forgets the account's wrong codes, and everyone's older than the window: only on a completed sign-in.
pub async fn clear_failures(db: &Db, account_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mfa_failures WHERE account_id = $1 OR at < $2")
        .bind(account_id)
        .bind(now() - FAILURE_WINDOW_SECS)
        .execute(db.pool())
        .await
        .map(drop)
}

/// Records a right password for an account with a second factor; returns the token for [`PENDING_COOKIE`].
pub async fn start_pending(db: &Db, account_id: i64, next: &str) -> Result<String, sqlx::Error> {
    use base64::Engine;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let now = now();
    sqlx::query("DELETE FROM mfa_pending WHERE expires_at < $1").bind(now).execute(db.pool()).await?;
    sqlx::query("INSERT INTO mfa_pending (token_hash, account_id, next_path, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(sha256_hex(&token))
        .bind(account_id)
        .bind(next)
        .bind(now + PENDING_SECS)
        .execute(db.pool())
        .await?;
    Ok(token)
}

/// The account and the page to go to of a live pending step.
pub async fn pending(db: &Db, token: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT account_id, next_path FROM mfa_pending WHERE token_hash = $1 AND expires_at >= $2")
        .bind(sha256_hex(token))
        .bind(now())
        .fetch_optional(db.pool())
        .await
}

/// Ends a pending step.
pub async fn end_pending(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mfa_pending WHERE token_hash = $1")
        .bind(sha256_hex(token))
        .execute(db.pool())
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        let secret = b"12345678901234567890";
        for (at, expected) in [
            (59, 94_287_082),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            assert_eq!(totp(secret, at, 8), expected, "at {at}");
        }
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        let secret = b"12345678901234567890";
        assert_eq!(hotp(secret, 0, 6), 755_224);
        assert_eq!(hotp(secret, 9, 6), 520_489);
    }

    #[test]
    fn base32() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }
}
