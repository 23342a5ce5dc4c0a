//! `/api/v1/procedures`: the catalogue, for anyone.

use utoipa_axum::routes;
use web::AppResult;
use web::extract::{Json, Path};
use web::openapi::{ApiRouter, NotFound};

use crate::catalogue::Catalogue;
use crate::error::PortalError;
use crate::model::Procedure;

/// The routes and their operations, relative to `/api/v1`.
pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(list)).routes(routes!(one))
}

/// Every procedure of the catalogue.
#[utoipa::path(get, path = "/procedures", operation_id = "listProcedures", tag = "portal",
    responses((status = 200, body = Vec<Procedure>)))]
pub async fn list() -> AppResult<Json<Vec<Procedure>>> {
    Ok(Json(Catalogue::builtin().map_err(PortalError::from)?.all().cloned().collect()))
}

/// One procedure.
#[utoipa::path(get, path = "/procedures/{code}", operation_id = "getProcedure", tag = "portal",
    params(("code" = String, Path, pattern = "^[a-z0-9-]{2,64}$", description = "The procedure's code")),
    responses((status = 200, body = Procedure), NotFound))]
pub async fn one(Path(code): Path<String>) -> AppResult<Json<Procedure>> {
    Ok(Json(crate::pages::procedure(&code)?.clone()))
}
