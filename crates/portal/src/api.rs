//! `/api/v1/procedures`: the catalogue, for anyone.

use axum::Router;
use axum::routing::get;
use web::extract::{Json, Path};
use web::{AppResult, AppState};

use crate::catalogue::Catalogue;
use crate::error::PortalError;
use crate::model::Procedure;

/// The routes, relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/procedures", get(list)).route("/procedures/{code}", get(one))
}

/// Every procedure of the catalogue.
#[utoipa::path(get, path = "/api/v1/procedures", operation_id = "listProcedures", tag = "portal",
    responses((status = 200, body = Vec<Procedure>)))]
pub async fn list() -> AppResult<Json<Vec<Procedure>>> {
    Ok(Json(Catalogue::builtin().map_err(PortalError::from)?.all().cloned().collect()))
}

/// One procedure.
#[utoipa::path(get, path = "/api/v1/procedures/{code}", operation_id = "getProcedure", tag = "portal",
    params(("code" = String, Path, pattern = "^[a-z0-9-]{2,64}$", description = "The procedure's code")),
    responses((status = 200, body = Procedure), (status = 404, body = web::error::ErrorBody)))]
pub async fn one(Path(code): Path<String>) -> AppResult<Json<Procedure>> {
    Ok(Json(crate::pages::procedure(&code)?.clone()))
}
