//! Signing in with a password: the check, which takes as long for an unknown account as for a wrong password, and
//! the lockout per username that stops guessing (second factors are counted apart: [`crate::mfa::is_locked`]).

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use store::Db;

use crate::model::Account;
use crate::service::{IdentityError, now};
use crate::store as sql;

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash of nothing in particular, verified against when the username is unknown so that an unknown account and a
/// wrong password take the same time.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(b"decoy", &salt).map(|h| h.to_string()).unwrap_or_default()
});

/// Failed sign-ins allowed per username within [`LOCKOUT_WINDOW_SECS`] before further attempts are refused.
pub const MAX_FAILURES: i64 = 5;
/// The window over which failures are counted, and so how long a lockout lasts.
pub const LOCKOUT_WINDOW_SECS: i64 = 15 * 60;

/// The outcome of a sign-in attempt.
#[derive(Debug)]
pub enum SignIn {
    /// The credentials are right.
    Accepted(Account),
    /// Unknown account, wrong password or disabled account: the caller cannot tell which.
    Refused,
    /// Too many failures for this username recently; the password was not even checked.
    LockedOut,
}

/// Checks a username and password, counting failures per username (known or not) and locking out guessing.
pub async fn sign_in(db: &Db, username: &str, password: &str) -> Result<SignIn, IdentityError> {
    let username = username.trim();
    let now = now();
    if sql::recent_failures(db.pool(), username, now - LOCKOUT_WINDOW_SECS).await? >= MAX_FAILURES {
        tracing::warn!("sign-in refused: too many recent failures for this username");
        return Ok(SignIn::LockedOut);
    }
    match check_credentials(db, username, password).await? {
        Some(account) => {
            sql::clear_failures(db.pool(), username, now - LOCKOUT_WINDOW_SECS).await?;
            Ok(SignIn::Accepted(account))
        }
        None => {
            sql::record_failure(db.pool(), username, now).await?;
            Ok(SignIn::Refused)
        }
    }
}

/// Whether a username has had too many password failures recently (second factors count apart, per account: see
/// [`crate::mfa::is_locked`]).
pub async fn is_locked_out(db: &Db, username: &str) -> Result<bool, IdentityError> {
    Ok(sql::recent_failures(db.pool(), username, now() - LOCKOUT_WINDOW_SECS).await? >= MAX_FAILURES)
}

/// Counts a failed password toward the username's lockout.
pub async fn record_failure(db: &Db, username: &str) -> Result<(), IdentityError> {
    Ok(sql::record_failure(db.pool(), username, now()).await?)
}

/// Checks a username and password; `None` for an unknown account, a wrong password or a disabled account alike.
pub async fn check_credentials(db: &Db, username: &str, password: &str) -> Result<Option<Account>, IdentityError> {
    let found = sql::credentials_by_username(db.pool(), username.trim()).await?;
    let hash = found.as_ref().map_or_else(|| DECOY_HASH.clone(), |c| c.password_hash.clone());
    let verified = verify_password(password.to_owned(), hash).await;
    Ok(found.filter(|c| verified && !c.account.disabled).map(|c| c.account))
}
