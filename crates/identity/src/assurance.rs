//! Assurance levels (Decree 69/2024) and the back office that changes a citizen's level.
//!
//! Level 1: the person registered themselves and their data matched the population registry. Level 2: an official
//! checked their identity in person. The level is read from the account on every request, so it travels in the
//! [`Principal`] and in OpenID Connect tokens as `acr` (`urn:congso:loa:1`, `urn:congso:loa:2`).
//!
//! Which official may change a level depends on where the citizen lives, which only the registry knows; the
//! registry is a slice above identity, so the server hands the routes a [`Directory`] when it composes them.

use std::borrow::Cow;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use kernel::{Lang, Localized, PersonalId};
use serde::{Deserialize, Serialize};
use store::Db;
use trust::ledger::{Event, EventKind};
use utoipa_axum::routes;
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::{Json, Path};
use web::openapi::{ApiRouter, Forbidden, Invalid, NotFound};
use web::{AppError, AppResult, AppState, PageCtx};

use crate::auth::Caller;
use crate::directory::{CitizenDirectory, Directory};
use crate::model::{AccountKind, Principal, Role};
use crate::policy::{self, Action, authorize};
use crate::store as sql;

/// How sure congso is of who the person behind an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AssuranceLevel {
    /// Mức 1: self-registered, data matched with the population registry.
    One,
    /// Mức 2: identity checked in person by an official.
    Two,
}

impl AssuranceLevel {
    /// The number stored and shown: 1 or 2.
    pub fn number(self) -> i64 {
        match self {
            AssuranceLevel::One => 1,
            AssuranceLevel::Two => 2,
        }
    }

    /// The level with this number.
    pub fn from_stored(n: i64) -> Result<AssuranceLevel, String> {
        match n {
            1 => Ok(AssuranceLevel::One),
            2 => Ok(AssuranceLevel::Two),
            other => Err(format!("unknown assurance level {other}")),
        }
    }

    /// The OpenID Connect `acr` value.
    pub fn acr(self) -> &'static str {
        match self {
            AssuranceLevel::One => "urn:congso:loa:1",
            AssuranceLevel::Two => "urn:congso:loa:2",
        }
    }

    /// The level an `acr` value names, if it is one of ours.
    pub fn from_acr(acr: &str) -> Option<AssuranceLevel> {
        [AssuranceLevel::One, AssuranceLevel::Two].into_iter().find(|l| l.acr() == acr)
    }
}

impl Serialize for AssuranceLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.number())
    }
}

/// What changing a level can refuse.
#[derive(Debug, thiserror::Error)]
pub enum AssuranceError {
    /// No account by that name (or none the caller may know of).
    #[error("no such citizen account")]
    UnknownAccount,
    /// Levels belong to citizens' accounts bound to a personal ID number.
    #[error("only a citizen's account bound to a personal ID number has an assurance level")]
    NotCitizen,
    /// Not 1 or 2.
    #[error("the level is 1 or 2")]
    InvalidLevel,
    /// A database or ledger failure.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Localized for AssuranceError {
    fn message(&self, lang: Lang) -> Cow<'static, str> {
        match (self, lang) {
            (Self::UnknownAccount, Lang::Vi) => "Không có tài khoản công dân này.".into(),
            (Self::NotCitizen, Lang::Vi) => {
                "Chỉ tài khoản công dân đã gắn số định danh cá nhân mới có mức độ định danh.".into()
            }
            (Self::InvalidLevel, Lang::Vi) => "Mức độ định danh là 1 hoặc 2.".into(),
            (Self::Internal(_), Lang::Vi) => "Hệ thống gặp lỗi. Vui lòng thử lại sau.".into(),
            (other, Lang::En) => other.to_string().into(),
        }
    }
}

impl From<AssuranceError> for AppError {
    fn from(e: AssuranceError) -> Self {
        match e {
            AssuranceError::UnknownAccount => AppError::not_found(e),
            AssuranceError::NotCitizen => AppError::invalid("username", e),
            AssuranceError::InvalidLevel => AppError::invalid("level", e),
            AssuranceError::Internal(e) => AppError::Internal(e),
        }
    }
}

/// The outcome of a level change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LevelChanged {
    /// The citizen's username.
    pub username: String,
    /// The level before.
    #[schema(value_type = u8)]
    pub previous: AssuranceLevel,
    /// The level now.
    #[schema(value_type = u8)]
    pub assurance_level: AssuranceLevel,
}

/// Sets the level of the citizen account `username`, on behalf of `official` (already authorised), ending the
/// account's sessions and writing the ledger entry in the same transaction.
///
/// Ending the sessions is the cheap way to renew them on a change of privilege: the citizen signs in again and
/// gets a new session secret, so a session secret from before the in-person check never carries level 2.
pub async fn set_level(
    db: &Db,
    official: &Principal,
    username: &str,
    level: AssuranceLevel,
) -> Result<LevelChanged, AssuranceError> {
    let (account, personal_id) = citizen(db, username).await?;
    let mut tx = db.begin_write().await.map_err(anyhow::Error::from)?;
    store::sqlx::query("UPDATE accounts SET assurance_level = $1 WHERE id = $2")
        .bind(level.number())
        .bind(account.id)
        .execute(&mut *tx)
        .await
        .map_err(anyhow::Error::from)?;
    sql::delete_sessions_of(&mut *tx, account.id).await.map_err(anyhow::Error::from)?;
    let event = Event::new(EventKind::AccountChanged, official.actor(Role::RegistryClerk))
        .subject(personal_id.as_str())
        .detail(serde_json::json!({
            "change": "assurance_level", "account": account.username,
            "from": account.assurance_level.number(), "to": level.number(),
        }));
    crate::seals::account(&mut tx, db.backend(), account.id, event).await.map_err(anyhow::Error::from)?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    crate::token_cache::forget_all();
    tracing::info!(account_id = account.id, level = level.number(), "assurance level changed");
    Ok(LevelChanged { username: account.username, previous: account.assurance_level, assurance_level: level })
}

async fn citizen(db: &Db, username: &str) -> Result<(crate::model::Account, PersonalId), AssuranceError> {
    let account = sql::credentials_by_username(db.pool(), username.trim())
        .await
        .map_err(anyhow::Error::from)?
        .ok_or(AssuranceError::UnknownAccount)?
        .account;
    match (account.kind, account.personal_id) {
        (AccountKind::Citizen, Some(pid)) => Ok((account, pid)),
        _ => Err(AssuranceError::NotCitizen),
    }
}

/// Checks that `me` may change the level of `username`: refused outright without the role anywhere, and 404
/// outside the caller's territory, where the citizen does not exist for them.
async fn check(db: &Db, directory: &dyn CitizenDirectory, me: &Principal, username: &str) -> AppResult<()> {
    if policy::territories(me, Role::RegistryClerk).is_some_and(|units| units.is_empty()) {
        return Err(AppError::Forbidden);
    }
    let (_, personal_id) = citizen(db, username).await?;
    let resident = directory.find(db, &personal_id).await?.ok_or(AssuranceError::UnknownAccount)?;
    authorize(me, Action::ChangeAssurance(resident.territory))
        .map_err(|_| AppError::from(AssuranceError::UnknownAccount))
}

/// `POST /api/v1/accounts/{username}/assurance`, asking `directory` where a citizen lives.
pub fn api_routes(directory: Directory) -> ApiRouter {
    ApiRouter::new().routes(routes!(api_set)).layer(Extension(directory))
}

/// The page at `/admin/assurance`.
pub fn page_routes(directory: Directory) -> Router<AppState> {
    Router::new().route("/admin/assurance", get(form).post(submit)).layer(Extension(directory))
}

/// The citizen whose level changes, in the path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CitizenPath {
    /// The citizen's username; one that names no citizen's account is 404.
    #[param(pattern = r"^[a-z0-9._-]{3,64}$", min_length = 3, max_length = 64)]
    pub username: String,
}

/// A level to set.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetLevel {
    /// 1 or 2.
    #[schema(minimum = 1, maximum = 2)]
    #[serde(deserialize_with = "web::extract::integer")]
    pub level: i64,
}

/// Sets a citizen's assurance level after an in-person check (registry clerks of the citizen's territory).
#[utoipa::path(post, path = "/accounts/{username}/assurance", operation_id = "setAssuranceLevel",
    tag = "identity", security(("bearer" = [])), request_body = SetLevel,
    params(CitizenPath),
    responses((status = 200, body = LevelChanged), Forbidden, NotFound, Invalid))]
pub async fn api_set(
    State(state): State<AppState>,
    Extension(directory): Extension<Directory>,
    Caller(me): Caller,
    Path(CitizenPath { username }): Path<CitizenPath>,
    Json(body): Json<SetLevel>,
) -> AppResult<Json<LevelChanged>> {
    let level = AssuranceLevel::from_stored(body.level).map_err(|_| AssuranceError::InvalidLevel)?;
    check(&state.db, &*directory, &me, &username).await?;
    Ok(Json(set_level(&state.db, &me, &username, level).await?))
}

#[derive(Template)]
#[template(path = "assurance.html")]
struct AssurancePage {
    page: PageCtx,
    done: Option<LevelChanged>,
}

async fn form(page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    if policy::territories(&me, Role::RegistryClerk).is_some_and(|units| units.is_empty()) {
        return Err(AppError::Forbidden);
    }
    Ok(html(&AssurancePage { page, done: None }))
}

#[derive(Deserialize)]
struct LevelForm {
    username: String,
    level: i64,
}

async fn submit(
    State(state): State<AppState>,
    Extension(directory): Extension<Directory>,
    page: PageCtx,
    Caller(me): Caller,
    CsrfForm(form): CsrfForm<LevelForm>,
) -> AppResult<Response> {
    let level = AssuranceLevel::from_stored(form.level).map_err(|_| AssuranceError::InvalidLevel)?;
    check(&state.db, &*directory, &me, &form.username).await?;
    let done = set_level(&state.db, &me, &form.username, level).await?;
    Ok(html(&AssurancePage { page, done: Some(done) }))
}

#[cfg(test)]
mod tests {
    use super::AssuranceLevel;

    #[test]
    fn levels_and_acr_values() {
        assert!(AssuranceLevel::Two > AssuranceLevel::One);
        assert_eq!(AssuranceLevel::from_acr("urn:congso:loa:2"), Some(AssuranceLevel::Two));
        assert_eq!(AssuranceLevel::from_acr("urn:congso:loa:3"), None);
        assert_eq!(AssuranceLevel::from_stored(1), Ok(AssuranceLevel::One));
        assert!(AssuranceLevel::from_stored(0).is_err());
    }
}
