//! Password reset by mail: `/password/forgot` sends a link, `/password/reset?token=…` sets a new password.
//!
//! - The forgot form takes a username or the e-mail address on file. Its answer is one page, one status and one
//!   timing for every input: the lookup runs after the answer, in a task of their own, so neither the page nor its
//!   delay tells whether an account exists. Accounts without an address or disabled get no mail.
//! - The mail is a `mail.send` job enqueued in the transaction that stores the link, so a link exists if and only if
//!   its mail will be sent; the job worker sends it, and retries while the relay is away.
//! - A link carries 32 random bytes; only their SHA-256 is stored. It works once, for [`LINK_SECS`], and a new
//!   request deletes the account's older links. Using it is one `UPDATE … WHERE used_at IS NULL AND expires_at >
//!   now`, so of two submits racing with the same link exactly one wins.
//! - Setting the password ends every session, revokes every API token, forgets the username's sign-in failures
//!   and drops any sign-in waiting for its second factor, in the transaction that uses the link. The person then
//!   signs in as usual (with the second factor if they have one).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{LOCATION, REFERRER_POLICY};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use store::Db;
use store::sqlx::{self, Row};
use trust::ledger::{Actor, Event, EventKind};
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::Query;
use web::{AppResult, AppState, PageCtx};

use crate::service::{self, IdentityError};
use crate::store as sql;

/// How long a link works.
pub const LINK_SECS: i64 = 30 * 60;
/// An e-mail address may be on several accounts; at most this many get a link per request.
const MAX_ACCOUNTS_PER_ADDRESS: i64 = 5;

/// The routes of the reset pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/password/forgot", get(forgot_form).post(forgot))
        .route("/password/reset", get(reset_form).post(reset))
}

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    page: PageCtx,
    sent: bool,
}

async fn forgot_form(page: PageCtx) -> Response {
    html(&ForgotPage { page, sent: false })
}

#[derive(Deserialize)]
struct ForgotForm {
    login: String,
}

async fn forgot(State(state): State<AppState>, page: PageCtx, CsrfForm(form): CsrfForm<ForgotForm>) -> Response {
    let login = form.login.trim().to_owned();
    if !login.is_empty() && login.len() <= 254 {
        let base = state.config.public_url.to_string();
        tokio::spawn(async move {
            if let Err(e) = send_links(&state, &login, &base).await {
                tracing::error!(error = %e, "password reset: no link sent");
            }
        });
    }
    html(&ForgotPage { page, sent: true })
}

/// An account a link may be sent for.
struct Recipient {
    id: i64,
    username: String,
    display_name: String,
    email: String,
    /// A citizen's personal ID number, so that the request shows among the events about them.
    personal_id: Option<String>,
}

/// Errors of the background half of a request; logged, never shown.
#[derive(Debug, thiserror::Error)]
enum SendError {
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error(transparent)]
    Jobs(#[from] jobs::JobError),
    #[error(transparent)]
    Ledger(#[from] trust::ledger::LedgerError),
}

async fn send_links(state: &AppState, login: &str, base: &str) -> Result<(), SendError> {
    let recipients = recipients(&state.db, login).await?;
    if recipients.is_empty() {
        tracing::info!("password reset asked for no account with an address");
    }
    for r in recipients {
        new_link(&state.db, &r, base).await?;
        // The requester is not signed in: the event names the account, not a person who proved who they are.
        let mut event = Event::new(EventKind::PasswordResetRequested, Actor::system(&r.username));
        if let Some(personal_id) = &r.personal_id {
            event = event.subject(personal_id);
        }
        state.ledger.record(event).await?;
        tracing::info!(account_id = r.id, "password reset link made and its mail queued");
    }
    Ok(())
}

/// The mail that carries a link.
fn link_mail(r: &Recipient, link: &str) -> notify::Message {
    notify::Message::new(&r.email, "Đặt lại mật khẩu tài khoản congso")
        .paragraph(&format!("Xin chào {},", r.display_name))
        .paragraph(&format!(
            "Có người (có thể là bạn) vừa yêu cầu đặt lại mật khẩu của tài khoản {}. Để đặt mật khẩu mới, hãy mở \
             liên kết dưới đây trong vòng {} phút:",
            r.username,
            LINK_SECS / 60
        ))
        .paragraph(link)
        .paragraph(
            "Liên kết chỉ dùng được một lần. Nếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu của bạn không thay \
             đổi.",
        )
        .paragraph("Thư này được gửi tự động, vui lòng không trả lời.")
}

/// The live accounts with an address that `login` names: a username, or an e-mail address on file (any case).
async fn recipients(db: &Db, login: &str) -> Result<Vec<Recipient>, sqlx::Error> {
    const COLUMNS: &str = "SELECT id, username, display_name, contact_email, personal_id FROM accounts";
    const LIVE: &str = "disabled_at IS NULL AND contact_email IS NOT NULL AND contact_email <> ''";
    let rows = if login.contains('@') {
        sqlx::query(&format!("{COLUMNS} WHERE LOWER(contact_email) = LOWER($1) AND {LIVE} ORDER BY id LIMIT $2"))
            .bind(login)
            .bind(MAX_ACCOUNTS_PER_ADDRESS)
            .fetch_all(db.pool())
            .await?
    } else {
        sqlx::query(&format!("{COLUMNS} WHERE username = $1 AND {LIVE}")).bind(login).fetch_all(db.pool()).await?
    };
    rows.iter()
        .map(|r| {
            Ok(Recipient {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                email: r.try_get("contact_email")?,
                personal_id: r.try_get("personal_id")?,
            })
        })
        .collect()
}

/// Makes a link for the recipient and queues its mail, in one transaction; deletes the account's older links (and
/// everyone's expired ones, to keep the table small).
async fn new_link(db: &Db, r: &Recipient, base: &str) -> Result<(), SendError> {
    let token = service::random_secret();
    let now = service::now();
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM password_resets WHERE account_id = $1 OR expires_at < $2")
        .bind(r.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO password_resets (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(service::sha256_hex(&token))
        .bind(r.id)
        .bind(now)
        .bind(now + LINK_SECS)
        .execute(&mut *tx)
        .await?;
    notify::queue::enqueue_in(&mut tx, &link_mail(r, &format!("{base}/password/reset?token={token}"))).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    Ok(())
}

/// Whether a token has the shape of one congso made: 43 characters of URL-safe base64.
fn well_formed(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether a link is unused and in time, without using it.
async fn is_live(db: &Db, token: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT account_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(service::sha256_hex(token))
    .bind(service::now())
    .fetch_optional(db.pool())
    .await?;
    Ok(found.is_some())
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage {
    page: PageCtx,
    token: String,
    dead: bool,
    mismatch: bool,
    weak: bool,
}

/// The page for a link that cannot be used: 400 when it is not even a link congso makes, 404 when it is unknown,
/// used or expired.
fn dead_link(page: PageCtx, status: StatusCode) -> Response {
    let body = ResetPage { page, token: String::new(), dead: true, mismatch: false, weak: false };
    (status, html(&body)).into_response()
}

fn form_page(page: PageCtx, token: String, status: StatusCode, mismatch: bool, weak: bool) -> Response {
    // The token is in the address: no other site may learn it from a Referer header.
    let body = ResetPage { page, token, dead: false, mismatch, weak };
    (status, [(REFERRER_POLICY, "no-referrer")], html(&body)).into_response()
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn reset_form(State(state): State<AppState>, page: PageCtx, Query(q): Query<TokenQuery>) -> AppResult<Response> {
    let Some(token) = q.token.filter(|t| well_formed(t)) else {
        return Ok(dead_link(page, StatusCode::BAD_REQUEST));
    };
    if !is_live(&state.db, &token).await.map_err(IdentityError::from)? {
        return Ok(dead_link(page, StatusCode::NOT_FOUND));
    }
    Ok(form_page(page, token, StatusCode::OK, false, false))
}

#[derive(Deserialize)]
struct ResetForm {
    token: String,
    new: String,
    confirm: String,
}

async fn reset(
    State(state): State<AppState>,
    page: PageCtx,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> AppResult<Response> {
    if !well_formed(&form.token) {
        return Ok(dead_link(page, StatusCode::BAD_REQUEST));
    }
    let mismatch = form.new != form.confirm;
    let password = form.new.parse::<service::NewPassword>();
    let (false, Ok(password)) = (mismatch, &password) else {
        if !is_live(&state.db, &form.token).await.map_err(IdentityError::from)? {
            return Ok(dead_link(page, StatusCode::NOT_FOUND));
        }
        let weak = password.is_err();
        return Ok(form_page(page, form.token, StatusCode::UNPROCESSABLE_ENTITY, mismatch, weak));
    };
    let hash = service::hash_password(password.expose().to_owned()).await?;
    if !use_link(&state.db, &form.token, &hash).await? {
        return Ok(dead_link(page, StatusCode::NOT_FOUND));
    }
    Ok((StatusCode::SEE_OTHER, [(LOCATION, "/signin?reset=done")]).into_response())
}

/// Uses the link and sets the password, with its ledger entry, all or nothing; `false` when the link is unknown,
/// used or expired, or the account was disabled since.
async fn use_link(db: &Db, token: &str, password_hash: &str) -> Result<bool, IdentityError> {
    let now = service::now();
    let mut tx = db.begin_write().await?;
    let account_id: Option<i64> = sqlx::query_scalar(
        "UPDATE password_resets SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING account_id",
    )
    .bind(now)
    .bind(service::sha256_hex(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(account_id) = account_id else { return Ok(false) };
    let Some(account) = sql::account_by_id(&mut *tx, account_id).await?.filter(|a| !a.disabled) else {
        return Ok(false);
    };
    sql::set_password_hash(&mut *tx, account_id, password_hash).await?;
    let sessions = sql::delete_sessions_of(&mut *tx, account_id).await?;
    let actor = Actor::named(&account.username, &account.display_name);
    let tokens = service::revoke_tokens_in(&mut tx, db.backend(), account_id, &actor).await?;
    sql::clear_failures(&mut *tx, &account.username, now - service::LOCKOUT_WINDOW_SECS).await?;
    // A sign-in that got past the old password and waits for its second factor must not finish.
    sqlx::query("DELETE FROM mfa_pending WHERE account_id = $1").bind(account_id).execute(&mut *tx).await?;
    let mut event = Event::new(EventKind::PasswordReset, actor);
    if let Some(personal_id) = &account.personal_id {
        event = event.subject(personal_id.as_str());
    }
    crate::seals::account(&mut tx, db.backend(), account_id, event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(account_id, sessions, tokens, "password reset");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn only_tokens_of_our_shape_are_looked_up() {
        assert!(well_formed(&crate::service::random_secret()));
        assert!(!well_formed(""));
        assert!(!well_formed(&"a".repeat(42)));
        assert!(!well_formed(&format!("{}=", "a".repeat(42))));
        assert!(!well_formed(&"ă".repeat(22)));
    }
}
