//! The back office of officials: `/admin/officials`, `/admin/agencies` and the requests for roles awaiting a second
//! administrator, `/admin/role-grants`.
//!
//! Forms post and redirect back (post/redirect/get), except where an answer must be shown once: a new official's
//! first password. A refusal of the input re-shows the page with the message, status 422 or 409.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kernel::Localized;
use serde::Deserialize;
use web::csrf::CsrfForm;
use web::error::html;
use web::extract::Path;
use web::{AppError, AppResult, AppState, PageCtx};

use super::grants;
use super::model::{Agency, GrantInput, Official, OfficialsError, RoleGrant};
use super::service::{self, ManageError};
use crate::auth::Caller;
use crate::model::{Principal, Role};

/// The routes of these pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/officials", get(list).post(create))
        .route("/admin/officials/{id}", get(one))
        .route("/admin/officials/{id}/roles", post(grant))
        .route("/admin/officials/{id}/roles/{assignment}/revoke", post(revoke))
        .route("/admin/officials/{id}/disable", post(disable))
        .route("/admin/agencies", get(agencies).post(create_agency))
        .route("/admin/role-grants", get(role_grants))
        .route("/admin/role-grants/{grant}/approve", post(approve))
        .route("/admin/role-grants/{grant}/reject", post(reject))
}

/// An input problem to show on the page, in the page's language.
fn problem(page: &PageCtx, e: ManageError) -> Result<(StatusCode, String), AppError> {
    match e {
        ManageError::Refused(
            e @ (OfficialsError::Sql(_)
            | OfficialsError::Ledger(_)
            | OfficialsError::UnknownOfficial
            | OfficialsError::UnknownGrant),
        ) => Err(e.into()),
        ManageError::Refused(e) => {
            let status = match e {
                OfficialsError::AgencyExists(_)
                | OfficialsError::AlreadyHeld
                | OfficialsError::AlreadyPending
                | OfficialsError::GrantDecided
                | OfficialsError::GrantExpired
                | OfficialsError::Identity(crate::service::IdentityError::UsernameTaken) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Ok((status, e.message(page.lang).into_owned()))
        }
        ManageError::Denied(d) => Err(d.into()),
    }
}

fn back_to(path: String) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, path)]).into_response()
}

#[derive(Template)]
#[template(path = "officials.html")]
struct OfficialsPage {
    page: PageCtx,
    officials: Vec<Official>,
    agencies: Vec<Agency>,
    roles: &'static [Role],
    error: Option<String>,
    /// A new official's username and first password, and whether their first role awaits approval.
    created: Option<(String, String, bool)>,
    /// How many requests the caller may decide.
    to_decide: usize,
}

async fn render_list(
    state: &AppState,
    page: PageCtx,
    me: &Principal,
    status: StatusCode,
    error: Option<String>,
    created: Option<(String, String, bool)>,
) -> AppResult<Response> {
    let officials = service::officials(&state.db, me).await?;
    let agencies = service::agencies(&state.db, me).await?;
    let to_decide = grants::pending(&state.db, me).await?.len();
    let view = OfficialsPage { page, officials, agencies, roles: &Role::ALL, error, created, to_decide };
    Ok((status, html(&view)).into_response())
}

async fn list(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    render_list(&state, page, &me, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
struct CreateForm {
    username: String,
    display_name: String,
    #[serde(flatten)]
    role: GrantInput,
}

async fn create(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> AppResult<Response> {
    match service::create_official(&state.db, &me, &form.username, &form.display_name, &form.role).await {
        // The password is shown on this answer only, never in a URL.
        Ok(created) => {
            let shown = Some((form.username.trim().to_owned(), created.password, created.pending.is_some()));
            render_list(&state, page, &me, StatusCode::CREATED, None, shown).await
        }
        Err(e) => {
            let (status, message) = problem(&page, e)?;
            render_list(&state, page, &me, status, Some(message), None).await
        }
    }
}

#[derive(Template)]
#[template(path = "official.html")]
struct OfficialPage {
    page: PageCtx,
    official: Official,
    agencies: Vec<Agency>,
    roles: &'static [Role],
    error: Option<String>,
    is_me: bool,
}

async fn render_one(
    state: &AppState,
    page: PageCtx,
    me: &Principal,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let official = service::official(&state.db, me, id).await?;
    let agencies = service::agencies(&state.db, me).await?;
    let is_me = official.account.id == me.account_id;
    let view = OfficialPage { page, official, agencies, roles: &Role::ALL, error, is_me };
    Ok((status, html(&view)).into_response())
}

async fn one(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    render_one(&state, page, &me, id, StatusCode::OK, None).await
}

async fn grant(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<GrantInput>,
) -> AppResult<Response> {
    match service::grant(&state.db, &me, id, &form).await {
        Ok(_) => Ok(back_to(format!("/admin/officials/{id}"))),
        Err(e) => {
            let (status, message) = problem(&page, e)?;
            render_one(&state, page, &me, id, status, Some(message)).await
        }
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn revoke(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path((id, assignment)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    service::revoke(&state.db, &me, id, assignment).await?;
    Ok(back_to(format!("/admin/officials/{id}")))
}

async fn disable(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    service::disable(&state.db, &me, id).await?;
    Ok(back_to(format!("/admin/officials/{id}")))
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    page: PageCtx,
    agencies: Vec<Agency>,
    error: Option<String>,
}

async fn agencies(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let agencies = service::agencies(&state.db, &me).await?;
    Ok(html(&AgenciesPage { page, agencies, error: None }))
}

#[derive(Deserialize)]
struct AgencyForm {
    code: String,
    name: String,
    territory: String,
}

async fn create_agency(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    CsrfForm(form): CsrfForm<AgencyForm>,
) -> AppResult<Response> {
    match service::create_agency(&state.db, &me, &form.code, &form.name, &form.territory).await {
        Ok(_) => Ok(back_to("/admin/agencies".into())),
        Err(e) => {
            let (status, message) = problem(&page, e)?;
            let agencies = service::agencies(&state.db, &me).await?;
            Ok((status, html(&AgenciesPage { page, agencies, error: Some(message) })).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "role_grants.html")]
struct RoleGrantsPage {
    page: PageCtx,
    grants: Vec<RoleGrant>,
    error: Option<String>,
}

async fn render_grants(
    state: &AppState,
    page: PageCtx,
    me: &Principal,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let grants = grants::pending(&state.db, me).await?;
    Ok((status, html(&RoleGrantsPage { page, grants, error })).into_response())
}

async fn role_grants(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    render_grants(&state, page, &me, StatusCode::OK, None).await
}

async fn approve(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(grant): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let decided = grants::approve(&state.db, &me, grant).await;
    after_decision(&state, page, &me, decided).await
}

/// Back to the list after a decision, or the list again with what stood in the way.
async fn after_decision(
    state: &AppState,
    page: PageCtx,
    me: &Principal,
    decided: Result<RoleGrant, ManageError>,
) -> AppResult<Response> {
    match decided {
        Ok(_) => Ok(back_to("/admin/role-grants".into())),
        Err(e) => {
            let (status, message) = problem(&page, e)?;
            render_grants(state, page, me, status, Some(message)).await
        }
    }
}

#[derive(Deserialize)]
struct RejectForm {
    #[serde(default)]
    reason: String,
}

async fn reject(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(grant): Path<i64>,
    CsrfForm(form): CsrfForm<RejectForm>,
) -> AppResult<Response> {
    let decided = grants::reject(&state.db, &me, grant, Some(&form.reason)).await;
    after_decision(&state, page, &me, decided).await
}
