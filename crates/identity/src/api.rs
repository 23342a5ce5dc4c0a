//! `/api/v1/me` and the accounts list.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;
use web::extract::Json;
use web::openapi::{ApiRouter, Forbidden};
use web::{AppResult, AppState};

use crate::auth::Caller;
use crate::model::{Account, AccountKind, RoleAssignment};
use crate::policy::{Action, authorize};
use crate::service;

/// The routes and their operations, relative to `/api/v1`.
pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(me)).routes(routes!(accounts))
}

/// The caller's own account.
#[derive(Serialize, ToSchema)]
pub struct Me {
    username: String,
    display_name: String,
    kind: AccountKind,
    roles: Vec<RoleAssignment>,
}

/// Who am I?
#[utoipa::path(get, path = "/me", operation_id = "getMe", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = Me)))]
pub async fn me(Caller(me): Caller) -> AppResult<Json<Me>> {
    authorize(&me, Action::ViewOwnAccount)?;
    Ok(Json(Me { username: me.username, display_name: me.display_name, kind: me.kind, roles: me.roles }))
}

/// Every account (administrators of the nation only).
#[utoipa::path(get, path = "/admin/accounts", operation_id = "listAccounts", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = Vec<Account>), Forbidden))]
pub async fn accounts(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<Account>>> {
    authorize(&me, Action::ListAccounts)?;
    Ok(Json(service::list_accounts(&state.db).await?))
}
