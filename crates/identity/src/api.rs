//! `/api/v1/me` and the accounts list.

use axum::Router;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use web::extract::Json;
use web::{AppResult, AppState};

use crate::auth::Caller;
use crate::model::{Account, AccountKind, RoleAssignment};
use crate::policy::{Action, authorize};
use crate::service;

/// The routes, relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/me", axum::routing::get(me)).route("/admin/accounts", axum::routing::get(accounts))
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
#[utoipa::path(get, path = "/api/v1/me", operation_id = "getMe", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = web::error::ErrorBody)))]
pub async fn me(Caller(me): Caller) -> AppResult<Json<Me>> {
    authorize(&me, Action::ViewOwnAccount)?;
    Ok(Json(Me { username: me.username, display_name: me.display_name, kind: me.kind, roles: me.roles }))
}

/// Every account (administrators of the nation only).
#[utoipa::path(get, path = "/api/v1/admin/accounts", operation_id = "listAccounts", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = Vec<Account>), (status = 401, body = web::error::ErrorBody), (status = 403, body = web::error::ErrorBody)))]
pub async fn accounts(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<Account>>> {
    authorize(&me, Action::ListAccounts)?;
    Ok(Json(service::list_accounts(&state.db).await?))
}
