//! Accounts and sessions: the rules, over [`crate::store`]. Password sign-in and its lockout are in
//! [`crate::signin`], API tokens in [`crate::tokens`]; the common names are re-exported here.

use std::borrow::Cow;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use base64::Engine;
use kernel::{Lang, Localized};
use sha2::{Digest, Sha256};
use store::Db;
use time::OffsetDateTime;

use trust::ledger::seal::Key;
use trust::ledger::{Actor, Event, EventKind};

use crate::model::{Account, AccountKind, AuthMethod, Principal, Role, RoleAssignment};
pub use crate::registration::{NewCitizen, register_citizen};
use crate::seals;
pub use crate::signin::{
    LOCKOUT_WINDOW_SECS, MAX_FAILURES, SignIn, check_credentials, is_locked_out, record_failure, sign_in,
};
use crate::store as sql;
pub use crate::store::TokenInfo;
pub(crate) use crate::tokens::revoke_tokens_in;
pub use crate::tokens::{TOKEN_PREFIX, create_token, resolve_token, revoke_token, tokens_of};

/// How long a session may sit unused before it ends. Officials handle personal data: 15 minutes.
pub const IDLE_TIMEOUT_SECS: i64 = 15 * 60;
/// How long a session lasts however active it is.
pub const ABSOLUTE_TIMEOUT_SECS: i64 = 12 * 60 * 60;
/// Sessions record activity at most this often, so that a busy page does not write on every request.
pub(crate) const TOUCH_INTERVAL_SECS: i64 = 60;
pub use crate::input::{MIN_PASSWORD_CHARS, NewPassword, Username};

/// What the identity rules can refuse.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The username is not 3–64 characters of a–z, 0–9, `.`, `_`, `-`.
    #[error("usernames are 3 to 64 characters: lower-case letters, digits, '.', '_' or '-'")]
    InvalidUsername,
    /// Someone already has this username.
    #[error("the username is taken")]
    UsernameTaken,
    /// The password is too short.
    #[error("passwords have at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// No account has this username.
    #[error("no account is named {0}")]
    UnknownAccount(String),
    /// Only a citizen's account is bound to a personal ID number.
    #[error("only a citizen's account has a personal ID number")]
    NotCitizen,
    /// Another account is bound to this personal ID number.
    #[error("another account already belongs to this personal ID number")]
    PersonalIdTaken,
    /// A database failure.
    #[error(transparent)]
    Sql(#[from] store::sqlx::Error),
    /// Hashing failed (out of memory, or a stored hash is corrupt).
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The audit ledger could not be written, so nothing was.
    #[error(transparent)]
    Ledger(#[from] trust::ledger::LedgerError),
    /// The inbox could not be read or written.
    #[error(transparent)]
    Inbox(#[from] notify::inbox::InboxError),
}

impl Localized for IdentityError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::InvalidUsername, Lang::Vi) => {
                "Tên đăng nhập gồm 3 đến 64 ký tự: chữ thường không dấu, chữ số, '.', '_' hoặc '-'.".into()
            }
            (Self::UsernameTaken, Lang::Vi) => "Tên đăng nhập này đã được sử dụng.".into(),
            (Self::WeakPassword, Lang::Vi) => format!("Mật khẩu phải có ít nhất {MIN_PASSWORD_CHARS} ký tự.").into(),
            (Self::UnknownAccount(name), Lang::Vi) => format!("Không có tài khoản {name}.").into(),
            (Self::NotCitizen, Lang::Vi) => "Chỉ tài khoản công dân mới gắn với số định danh cá nhân.".into(),
            (Self::PersonalIdTaken, Lang::Vi) => "Số định danh cá nhân này đã có tài khoản.".into(),
            (Self::Sql(_) | Self::Hash(_) | Self::Ledger(_) | Self::Inbox(_), Lang::Vi) => {
                "Hệ thống gặp lỗi. Vui lòng thử lại sau.".into()
            }
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<IdentityError> for web::AppError {
    fn from(e: IdentityError) -> Self {
        match e {
            IdentityError::InvalidUsername => web::AppError::invalid("username", e),
            IdentityError::WeakPassword => web::AppError::invalid("password", e),
            IdentityError::UsernameTaken | IdentityError::PersonalIdTaken => web::AppError::conflict(e),
            IdentityError::NotCitizen => web::AppError::invalid("personal_id", e),
            IdentityError::UnknownAccount(_) => web::AppError::not_found(e),
            IdentityError::Sql(_) | IdentityError::Hash(_) | IdentityError::Ledger(_) | IdentityError::Inbox(_) => {
                web::AppError::Internal(e.into())
            }
        }
    }
}

pub(crate) fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub(crate) fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// 32 random bytes, URL-safe base64 (43 characters).
pub(crate) fn random_secret() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Hashes a password with argon2id (the crate's defaults follow OWASP's recommendation), off the async threads.
pub async fn hash_password(password: String) -> Result<String, IdentityError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| IdentityError::Hash(e.to_string()))?
    .map_err(|e| IdentityError::Hash(e.to_string()))
}

/// An account to create.
pub struct NewAccount {
    /// Sign-in name.
    pub username: Username,
    /// Name to show.
    pub display_name: String,
    /// Kind of account.
    pub kind: AccountKind,
    /// Password in clear, hashed before it is stored.
    pub password: NewPassword,
    /// Roles to grant.
    pub roles: Vec<RoleAssignment>,
}

/// Binds a citizen's account to their personal ID number (checked against the registry by the caller).
pub async fn bind_personal_id(db: &Db, account_id: i64, personal_id: &kernel::PersonalId) -> Result<(), IdentityError> {
    let mut tx = db.begin_write().await?;
    bind_personal_id_in(&mut tx, db.backend(), account_id, personal_id).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    Ok(())
}

/// [`bind_personal_id`] in the caller's transaction, with the account's seal in the ledger.
pub async fn bind_personal_id_in(
    tx: &mut store::Tx,
    backend: store::Backend,
    account_id: i64,
    personal_id: &kernel::PersonalId,
) -> Result<(), IdentityError> {
    match sql::set_personal_id(&mut **tx, account_id, personal_id).await {
        Ok(true) => {}
        Ok(false) => return Err(IdentityError::NotCitizen),
        Err(e) if store::is_unique_violation(&e) => return Err(IdentityError::PersonalIdTaken),
        Err(e) => return Err(e.into()),
    }
    let event = Event::new(EventKind::AccountChanged, Actor::system("congso"))
        .subject(personal_id.as_str())
        .detail(serde_json::json!({ "change": "personal_id_bound" }));
    seals::account(tx, backend, account_id, event).await?;
    // The caller commits; until it does, a token lookup may still remember the account as it was, for at most the
    // cache's lifetime.
    crate::token_cache::forget_all();
    Ok(())
}

/// Creates an account with its roles, all or nothing, without a ledger entry: for tests and benchmarks. Accounts an
/// operator makes go through [`crate::officials::service::create_by_operator`], those an administrator makes
/// through [`crate::officials::service::create_official`].
pub async fn create_account(db: &Db, new: NewAccount) -> Result<i64, IdentityError> {
    create_account_audited(db, new, None).await
}

/// Creates an account with its roles and, in the same transaction, the ledger entry saying who made it.
pub(crate) async fn create_account_audited(
    db: &Db,
    new: NewAccount,
    event: Option<trust::ledger::Event>,
) -> Result<i64, IdentityError> {
    let prepared = prepare_account(new).await?;
    let mut tx = db.begin_write().await?;
    let event = event.unwrap_or_else(|| {
        Event::new(EventKind::AccountChanged, Actor::system("congso"))
            .detail(serde_json::json!({ "change": "account_created", "account": prepared.new.username }))
    });
    let id = insert_account(&mut tx, db.backend(), &prepared, now(), event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(account_id = id, kind = prepared.new.kind.as_str(), "account created");
    Ok(id)
}

/// An account with its password hashed: ready to insert.
pub(crate) struct PreparedAccount {
    new: NewAccount,
    hash: String,
}

/// Hashes a new account's password before any transaction begins: hashing takes a while and must not hold the
/// write lock.
pub(crate) async fn prepare_account(new: NewAccount) -> Result<PreparedAccount, IdentityError> {
    let hash = hash_password(new.password.expose().to_owned()).await?;
    Ok(PreparedAccount { new, hash })
}

/// Inserts a prepared account and its roles in the caller's transaction, sealing each in the ledger: the account
/// with `event` (what created it, by whom), each role with an entry by the same actor. Returns the account's id.
pub(crate) async fn insert_account(
    tx: &mut store::sqlx::Transaction<'static, store::sqlx::Any>,
    backend: store::Backend,
    prepared: &PreparedAccount,
    now: i64,
    event: Event,
) -> Result<i64, IdentityError> {
    let new = &prepared.new;
    let id =
        sql::insert_account(&mut **tx, new.username.as_str(), new.display_name.trim(), new.kind, &prepared.hash, now)
            .await
            .map_err(|e| {
                if store::is_unique_violation(&e) { IdentityError::UsernameTaken } else { IdentityError::Sql(e) }
            })?;
    for role in &new.roles {
        let assignment = sql::insert_role(&mut **tx, id, role, now).await?;
        let granted = Event::new(EventKind::AccountChanged, event.actor.clone()).detail(serde_json::json!({
            "change": "role_granted", "account": new.username, "role": role.role.as_str(),
            "agency": role.agency, "territory": role.territory.to_string(),
        }));
        seals::ROLE_ASSIGNMENTS.append(tx, backend, Key::Int(assignment), granted).await?;
    }
    seals::account(tx, backend, id, event).await?;
    Ok(id)
}

/// The account with this id, if any.
pub async fn account_by_id(db: &Db, account_id: i64) -> Result<Option<Account>, IdentityError> {
    Ok(sql::account_by_id(db.pool(), account_id).await?)
}

/// Whether an account is already bound to this personal ID number.
pub async fn has_citizen_account(db: &Db, personal_id: &kernel::PersonalId) -> Result<bool, IdentityError> {
    Ok(sql::has_citizen_account(db.pool(), personal_id).await?)
}

/// All accounts, by username.
pub async fn list_accounts(db: &Db) -> Result<Vec<Account>, IdentityError> {
    Ok(sql::list_accounts(db.pool()).await?)
}

pub(crate) fn principal(account: Account, roles: Vec<RoleAssignment>, method: AuthMethod) -> Principal {
    Principal {
        personal_id: account.personal_id,
        assurance_level: account.assurance_level,
        mfa_enabled: account.mfa_enabled,
        account_id: account.id,
        username: account.username,
        display_name: account.display_name,
        kind: account.kind,
        roles,
        method,
    }
}

/// Starts a session for `account`; returns the secret for the cookie (stored only as its hash).
pub async fn start_session(db: &Db, account_id: i64) -> Result<String, IdentityError> {
    let secret = random_secret();
    let now = now();
    sql::insert_session(db.pool(), &sha256_hex(&secret), account_id, now, now + ABSOLUTE_TIMEOUT_SECS).await?;
    Ok(secret)
}

/// The principal of a live session, or `None` if the secret is unknown, the session timed out or the account was
/// disabled (timed-out sessions are removed).
pub async fn resume_session(db: &Db, secret: &str) -> Result<Option<Principal>, IdentityError> {
    let hash = sha256_hex(secret);
    let Some((session, account, roles)) = sql::session_with_account(db.pool(), &hash).await? else {
        return Ok(None);
    };
    let now = now();
    if now >= session.expires_at || now - session.last_seen_at >= IDLE_TIMEOUT_SECS {
        sql::delete_session(db.pool(), &hash).await?;
        return Ok(None);
    }
    if account.disabled {
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_INTERVAL_SECS {
        sql::touch_session(db.pool(), &hash, now).await?;
    }
    Ok(Some(principal(account, roles, AuthMethod::Session)))
}

/// Ends a session.
pub async fn end_session(db: &Db, secret: &str) -> Result<(), IdentityError> {
    Ok(sql::delete_session(db.pool(), &sha256_hex(secret)).await?)
}

/// Disables an account and ends all its sessions at once, recording `event` in the same transaction.
pub async fn disable_account(db: &Db, username: &str, event: trust::ledger::Event) -> Result<(), IdentityError> {
    let account = sql::credentials_by_username(db.pool(), username)
        .await?
        .ok_or_else(|| IdentityError::UnknownAccount(username.to_owned()))?
        .account;
    let mut tx = db.begin_write().await?;
    sql::set_disabled(&mut *tx, account.id, Some(now())).await?;
    sql::delete_sessions_of(&mut *tx, account.id).await?;
    seals::account(&mut tx, db.backend(), account.id, event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(account_id = account.id, "account disabled");
    Ok(())
}

/// Changes an account's password after checking the current one, ends all the account's sessions (the caller
/// starts a new one for the browser that made the change) and revokes its API tokens, in one transaction.
/// `Ok(false)` when the current password is wrong.
pub async fn change_password(
    db: &Db,
    account_id: i64,
    current: &str,
    new: &NewPassword,
) -> Result<bool, IdentityError> {
    let Some(account) = sql::account_by_id(db.pool(), account_id).await? else {
        return Ok(false);
    };
    if check_credentials(db, &account.username, current).await?.is_none() {
        return Ok(false);
    }
    let hash = hash_password(new.expose().to_owned()).await?;
    let mut tx = db.begin_write().await?;
    sql::set_password_hash(&mut *tx, account_id, &hash).await?;
    sql::delete_sessions_of(&mut *tx, account_id).await?;
    let actor = Actor::named(&account.username, &account.display_name);
    let revoked = revoke_tokens_in(&mut tx, db.backend(), account_id, &actor).await?;
    let mut event =
        Event::new(EventKind::AccountChanged, actor).detail(serde_json::json!({ "change": "password_changed" }));
    if let Some(personal_id) = &account.personal_id {
        event = event.subject(personal_id.as_str());
    }
    seals::account(&mut tx, db.backend(), account_id, event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(account_id, revoked_tokens = revoked, "password changed");
    Ok(true)
}

/// The active citizen account bound to `personal_id`, if there is one: its id and the e-mail address it gave.
/// Where another slice writes to the citizen (the portal, about their dossiers), read in the caller's transaction.
pub async fn citizen_contact_in(
    tx: &mut store::Tx,
    personal_id: &kernel::PersonalId,
) -> Result<Option<(i64, Option<String>)>, IdentityError> {
    let row: Option<(i64, Option<String>)> = store::sqlx::query_as(
        "SELECT id, contact_email FROM accounts WHERE personal_id = $1 AND kind = 'citizen' AND disabled_at IS NULL",
    )
    .bind(personal_id.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(id, email)| (id, email.filter(|e| !e.is_empty()))))
}

/// The active accounts holding `role` in `agency`: who is responsible for the work of that role there (the portal
/// tells them of dossiers falling due).
pub async fn holders_of(db: &Db, role: Role, agency: &kernel::AgencyCode) -> Result<Vec<i64>, IdentityError> {
    Ok(store::sqlx::query_scalar(
        "SELECT DISTINCT a.id FROM role_assignments r JOIN accounts a ON a.id = r.account_id \
         WHERE r.role = $1 AND r.agency = $2 AND a.disabled_at IS NULL ORDER BY a.id",
    )
    .bind(role.as_str())
    .bind(agency.as_str())
    .fetch_all(db.pool())
    .await?)
}

/// Stores the contact details a citizen gave when registering.
pub async fn set_contact(
    db: &Db,
    account_id: i64,
    phone: Option<&str>,
    email: Option<&str>,
) -> Result<(), IdentityError> {
    let mut tx = db.begin_write().await?;
    sql::set_contact(&mut *tx, account_id, phone, email).await?;
    let event = Event::new(EventKind::AccountChanged, Actor::system("congso"))
        .detail(serde_json::json!({ "change": "contact_changed" }));
    seals::account(&mut tx, db.backend(), account_id, event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    Ok(())
}
