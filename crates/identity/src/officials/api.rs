//! `/api/v1/admin/officials` and `/api/v1/admin/agencies`: the back office for scripts.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;
use web::extract::{Json, Path};
use web::openapi::{ApiRouter, Conflict, Forbidden, Invalid, NotFound};
use web::{AppResult, AppState};

use super::grants;
use super::model::{Agency, Assignment, GrantInput, Official, RoleGrant};
use super::service::{self, Granted};
use crate::auth::Caller;

/// The routes and their operations, relative to `/api/v1`.
pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_agencies, create_agency))
        .routes(routes!(list_officials, create_official))
        .routes(routes!(one_official))
        .routes(routes!(grant_role))
        .routes(routes!(revoke_role))
        .routes(routes!(disable_official))
        .routes(routes!(list_role_grants))
        .routes(routes!(approve_role_grant))
        .routes(routes!(reject_role_grant))
}

fn agency_name() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(200)
}

fn display_name() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(super::service::MAX_DISPLAY_NAME)
}

fn rejection_reason() -> utoipa::openapi::schema::Object {
    kernel::schema::optional_free_text_schema(super::model::MAX_REASON_CHARS)
}

/// A new agency.
#[derive(Deserialize, ToSchema)]
pub struct NewAgency {
    /// Upper-case letters, digits and dots, such as `UBND.00070`.
    #[schema(value_type = kernel::AgencyCode)]
    pub code: String,
    /// Its name.
    #[schema(schema_with = agency_name)]
    pub name: String,
    /// Where it works.
    #[schema(value_type = crate::Territory)]
    pub territory: String,
}

/// The agencies the caller may assign roles in.
#[utoipa::path(get, path = "/admin/agencies", operation_id = "listAgencies", tag = "officials", security(("bearer" = [])),
    responses((status = 200, body = Vec<Agency>), Forbidden))]
pub async fn list_agencies(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<Agency>>> {
    Ok(Json(service::agencies(&state.db, &me).await?))
}

/// Creates an agency in a territory the caller administers.
#[utoipa::path(post, path = "/admin/agencies", operation_id = "createAgency", tag = "officials", security(("bearer" = [])),
    request_body = NewAgency,
    responses((status = 201, body = Agency), Forbidden, Conflict, Invalid))]
pub async fn create_agency(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(new): Json<NewAgency>,
) -> AppResult<(StatusCode, Json<Agency>)> {
    let agency = service::create_agency(&state.db, &me, &new.code, &new.name, &new.territory).await?;
    Ok((StatusCode::CREATED, Json(agency)))
}

/// The officials the caller administers: those whose every role lies in the caller's territory.
#[utoipa::path(get, path = "/admin/officials", operation_id = "listOfficials", tag = "officials", security(("bearer" = [])),
    responses((status = 200, body = Vec<Official>), Forbidden))]
pub async fn list_officials(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<Official>>> {
    Ok(Json(service::officials(&state.db, &me).await?))
}

/// One official, with their roles; 404 for one the caller does not administer.
#[utoipa::path(get, path = "/admin/officials/{id}", operation_id = "getOfficial", tag = "officials", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id")),
    responses((status = 200, body = Official), Forbidden, NotFound))]
pub async fn one_official(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(id): Path<i64>,
) -> AppResult<Json<Official>> {
    Ok(Json(service::official(&state.db, &me, id).await?))
}

/// A new official with a first role.
#[derive(Deserialize, ToSchema)]
pub struct NewOfficial {
    /// Sign-in name: 3–64 of a–z, 0–9, `.`, `_`, `-`.
    #[schema(pattern = r"^[a-z0-9._-]{3,64}$", min_length = 3, max_length = 64)]
    pub username: String,
    /// Full name.
    #[schema(schema_with = display_name)]
    pub display_name: String,
    /// The first role.
    pub role: GrantInput,
}

/// The official made, with the password to hand over (shown once).
#[derive(Serialize, ToSchema)]
pub struct CreatedOfficial {
    /// The account's id.
    pub id: i64,
    /// The first password; the official changes it and switches on a second factor at first sign-in.
    pub password: String,
    /// The first role's request, when it awaits a second administrator's approval: until then the official holds
    /// no role.
    pub pending: Option<RoleGrant>,
}

/// Creates an official. A first role that reads personal data (or an administrator's) awaits a second
/// administrator's approval: the answer then carries the request in `pending`.
#[utoipa::path(post, path = "/admin/officials", operation_id = "createOfficial", tag = "officials", security(("bearer" = [])),
    request_body = NewOfficial,
    responses((status = 201, body = CreatedOfficial), Forbidden, Conflict, Invalid))]
pub async fn create_official(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(new): Json<NewOfficial>,
) -> AppResult<(StatusCode, Json<CreatedOfficial>)> {
    let created = service::create_official(&state.db, &me, &new.username, &new.display_name, &new.role).await?;
    let created_official = CreatedOfficial { id: created.id, password: created.password, pending: created.pending };
    Ok((StatusCode::CREATED, Json(created_official)))
}

/// Grants an official a role: 201 and their sessions end, or, for a role that reads personal data (or an
/// administrator's), 202 with a request that a second administrator must approve. Never one's own (403).
#[utoipa::path(post, path = "/admin/officials/{id}/roles", operation_id = "grantRole", tag = "officials", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id")), request_body = GrantInput,
    responses((status = 201, body = Assignment), (status = 202, body = RoleGrant), Forbidden, NotFound, Conflict,
        Invalid))]
pub async fn grant_role(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(id): Path<i64>,
    Json(input): Json<GrantInput>,
) -> AppResult<Response> {
    Ok(match service::grant(&state.db, &me, id, &input).await? {
        Granted::Held(assignment) => (StatusCode::CREATED, Json(assignment)).into_response(),
        Granted::Pending(grant) => (StatusCode::ACCEPTED, Json(grant)).into_response(),
    })
}

/// The pending requests for roles the caller may decide: in their territory, asked for by someone else, for
/// someone else.
#[utoipa::path(get, path = "/admin/role-grants", operation_id = "listRoleGrants", tag = "officials", security(("bearer" = [])),
    responses((status = 200, body = Vec<RoleGrant>), Forbidden))]
pub async fn list_role_grants(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<RoleGrant>>> {
    Ok(Json(grants::pending(&state.db, &me).await?))
}

/// Approves a pending request: the official holds the role and their sessions end. 403 for the administrator who
/// asked, the official who would hold it and administrators outside its territory; 409 once decided or expired.
#[utoipa::path(post, path = "/admin/role-grants/{grant}/approve", operation_id = "approveRoleGrant", tag = "officials", security(("bearer" = [])),
    params(("grant" = i64, Path, description = "The request's id")),
    responses((status = 200, body = RoleGrant), Forbidden, NotFound, Conflict))]
pub async fn approve_role_grant(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(grant): Path<i64>,
) -> AppResult<Json<RoleGrant>> {
    Ok(Json(grants::approve(&state.db, &me, grant).await?))
}

/// Why a request is rejected.
#[derive(Deserialize, ToSchema)]
pub struct Rejection {
    /// Up to 500 characters, shown to administrators and written to the ledger.
    #[serde(default)]
    #[schema(schema_with = rejection_reason)]
    pub reason: Option<String>,
}

/// Rejects a pending request; the same administrators may as may approve it.
#[utoipa::path(post, path = "/admin/role-grants/{grant}/reject", operation_id = "rejectRoleGrant", tag = "officials", security(("bearer" = [])),
    params(("grant" = i64, Path, description = "The request's id")), request_body = Rejection,
    responses((status = 200, body = RoleGrant), Forbidden, NotFound, Conflict, Invalid))]
pub async fn reject_role_grant(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(grant): Path<i64>,
    Json(rejection): Json<Rejection>,
) -> AppResult<Json<RoleGrant>> {
    Ok(Json(grants::reject(&state.db, &me, grant, rejection.reason.as_deref()).await?))
}

/// Takes a role away; the official's sessions end. Never one's own (403).
#[utoipa::path(delete, path = "/admin/officials/{id}/roles/{assignment}", operation_id = "revokeRole", tag = "officials", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id"), ("assignment" = i64, Path, description = "The assignment's id")),
    responses((status = 204), Forbidden, NotFound))]
pub async fn revoke_role(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path((id, assignment)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    service::revoke(&state.db, &me, id, assignment).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disables an official: every session ends and their API tokens stop working. Never one's own account (403).
#[utoipa::path(post, path = "/admin/officials/{id}/disable", operation_id = "disableOfficial", tag = "officials", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id")),
    responses((status = 204), Forbidden, NotFound))]
pub async fn disable_official(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    service::disable(&state.db, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
