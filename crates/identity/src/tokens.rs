//! API tokens: issued to an account for scripts and other systems, shown once, stored as SHA-256, each issue and
//! revocation sealed in the ledger ([`crate::seals::API_TOKENS`]).

use store::Db;
use trust::ledger::seal::Key;
use trust::ledger::{Actor, Event, EventKind};

use crate::model::{AuthMethod, Principal};
use crate::service::{IdentityError, TOUCH_INTERVAL_SECS, now, principal, random_secret, sha256_hex};
use crate::store::{self as sql, TokenInfo};
use crate::{seals, token_cache};

/// The prefix of every API token, so that leaked tokens are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "congso_";

/// Issues an API token for `username`, valid for `days`; returns its id and the token, which is shown only once.
pub async fn create_token(db: &Db, username: &str, days: u32) -> Result<(i64, String), IdentityError> {
    let account = sql::credentials_by_username(db.pool(), username)
        .await?
        .ok_or_else(|| IdentityError::UnknownAccount(username.to_owned()))?
        .account;
    let token = format!("{TOKEN_PREFIX}{}", random_secret());
    let now = now();
    let mut tx = db.begin_write().await?;
    let id = sql::insert_token(&mut *tx, account.id, &sha256_hex(&token), now, now + i64::from(days) * 86_400).await?;
    let event = Event::new(EventKind::AccountChanged, Actor::system("congso admin"))
        .detail(serde_json::json!({ "change": "api_token_issued", "account": username, "token": id, "days": days }));
    seals::API_TOKENS.append(&mut tx, db.backend(), Key::Int(id), event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(account_id = account.id, token_id = id, "API token issued");
    Ok((id, token))
}

/// The principal of a live API token.
pub async fn resolve_token(db: &Db, token: &str) -> Result<Option<Principal>, IdentityError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let now = now();
    let hash = sha256_hex(token);
    if let Some(principal) = token_cache::get(&hash, now) {
        return Ok(Some(principal));
    }
    let seen = token_cache::generation();
    let Some((live, account, roles)) = sql::token_with_account(db.pool(), &hash, now).await? else {
        return Ok(None);
    };
    if account.disabled {
        return Ok(None);
    }
    // Record use at most once a minute: a busy script must not turn every read into a write.
    if live.last_used_at.is_none_or(|at| now - at >= TOUCH_INTERVAL_SECS) {
        sql::mark_token_used(db.pool(), live.id, now).await?;
    }
    let principal = principal(account, roles, AuthMethod::Token);
    token_cache::remember(hash, principal.clone(), live.expires_at, seen);
    Ok(Some(principal))
}

/// Revokes a token; `false` if there is no such live token.
pub async fn revoke_token(db: &Db, token_id: i64) -> Result<bool, IdentityError> {
    let mut tx = db.begin_write().await?;
    if !sql::revoke_token(&mut *tx, token_id, now()).await? {
        return Ok(false);
    }
    let event = Event::new(EventKind::AccountChanged, Actor::system("congso admin"))
        .detail(serde_json::json!({ "change": "api_token_revoked", "token": token_id }));
    seals::API_TOKENS.append(&mut tx, db.backend(), Key::Int(token_id), event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    Ok(true)
}

/// The tokens of an account, without their secrets.
pub async fn tokens_of(db: &Db, username: &str) -> Result<Vec<TokenInfo>, IdentityError> {
    let account = sql::credentials_by_username(db.pool(), username)
        .await?
        .ok_or_else(|| IdentityError::UnknownAccount(username.to_owned()))?
        .account;
    Ok(sql::tokens_of(db.pool(), account.id).await?)
}

/// Revokes every live API token of an account in the caller's transaction, sealing each; returns how many.
pub(crate) async fn revoke_tokens_in(
    tx: &mut store::sqlx::AnyConnection,
    backend: store::Backend,
    account_id: i64,
    actor: &Actor,
) -> Result<usize, IdentityError> {
    let revoked = sql::revoke_tokens_of(&mut *tx, account_id, now()).await?;
    for &token in &revoked {
        let event = Event::new(EventKind::AccountChanged, actor.clone())
            .detail(serde_json::json!({ "change": "api_token_revoked", "token": token }));
        seals::API_TOKENS.append(tx, backend, Key::Int(token), event).await?;
    }
    Ok(revoked.len())
}
