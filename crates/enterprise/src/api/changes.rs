//! The registrars' changes of an enterprise's record, and the citizen's own list.

use axum::extract::State;
use identity::policy::{Action, authorize};
use identity::{Caller, Principal, Role, Territory};
use kernel::TaxCode;
use web::extract::{Json, Path};
use web::openapi::{Conflict, Forbidden, Invalid, NotFound};
use web::{AppError, AppResult, AppState};

use super::{territory_of, visible};
use crate::input::{CapitalInput, OfficeInput, RepresentativesInput, StatusInput};
use crate::model::Enterprise;
use crate::service::{self, Change};

/// The enterprise a registrar may change, and the actor they change it as.
async fn writable(state: &AppState, me: &Principal, code: &str) -> AppResult<(Enterprise, trust::ledger::Actor)> {
    let e = visible(state, me, code).await?;
    authorize(me, Action::WriteEnterprises(territory_of(&e)))?;
    Ok((e, me.actor(Role::BusinessRegistrar)))
}

/// Replace the legal representatives (each a living citizen of the population registry).
#[utoipa::path(post, path = "/enterprises/{tax_code}/representatives", operation_id = "changeEnterpriseRepresentatives", tag = "enterprises", security(("bearer" = [])),
    params(("tax_code" = TaxCode, Path)), request_body = RepresentativesInput,
    responses((status = 200, body = Enterprise), Forbidden, NotFound, Conflict, Invalid))]
pub async fn change_representatives(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(code): Path<String>,
    Json(input): Json<RepresentativesInput>,
) -> AppResult<Json<Enterprise>> {
    let (e, actor) = writable(&state, &me, &code).await?;
    let (reps, reason) = input.parse().map_err(AppError::Invalid)?;
    let change = Change { actor: &actor, reason: &reason };
    Ok(Json(service::change_representatives(&state.db, &e.tax_code, &reps, &change).await?))
}

/// Move the registered office (both communes must be in the caller's territory).
#[utoipa::path(post, path = "/enterprises/{tax_code}/office", operation_id = "moveEnterpriseOffice", tag = "enterprises", security(("bearer" = [])),
    params(("tax_code" = TaxCode, Path)), request_body = OfficeInput,
    responses((status = 200, body = Enterprise), Forbidden, NotFound, Conflict, Invalid))]
pub async fn move_office(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(code): Path<String>,
    Json(input): Json<OfficeInput>,
) -> AppResult<Json<Enterprise>> {
    let (e, actor) = writable(&state, &me, &code).await?;
    let (office, reason) = input.parse().map_err(AppError::Invalid)?;
    authorize(&me, Action::WriteEnterprises(Territory::Unit(office.commune)))?;
    let change = Change { actor: &actor, reason: &reason };
    Ok(Json(service::change_office(&state.db, &e.tax_code, &office, &change).await?))
}

/// Change the charter capital, with every member's contribution from now on.
#[utoipa::path(post, path = "/enterprises/{tax_code}/capital", operation_id = "changeEnterpriseCapital", tag = "enterprises", security(("bearer" = [])),
    params(("tax_code" = TaxCode, Path)), request_body = CapitalInput,
    responses((status = 200, body = Enterprise), Forbidden, NotFound, Conflict, Invalid))]
pub async fn change_capital(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(code): Path<String>,
    Json(input): Json<CapitalInput>,
) -> AppResult<Json<Enterprise>> {
    let (e, actor) = writable(&state, &me, &code).await?;
    let (capital, members, reason) = input.parse().map_err(AppError::Invalid)?;
    let change = Change { actor: &actor, reason: &reason };
    Ok(Json(service::change_capital(&state.db, &e.tax_code, capital, &members, &change).await?))
}

/// Suspend, resume, begin or complete dissolution, or record bankruptcy.
#[utoipa::path(post, path = "/enterprises/{tax_code}/status", operation_id = "changeEnterpriseStatus", tag = "enterprises", security(("bearer" = [])),
    params(("tax_code" = TaxCode, Path)), request_body = StatusInput,
    responses((status = 200, body = Enterprise), Forbidden, NotFound, Conflict, Invalid))]
pub async fn change_status(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(code): Path<String>,
    Json(input): Json<StatusInput>,
) -> AppResult<Json<Enterprise>> {
    let (e, actor) = writable(&state, &me, &code).await?;
    let (to, on, reason) = input.parse().map_err(AppError::Invalid)?;
    let change = Change { actor: &actor, reason: &reason };
    Ok(Json(service::change_status(&state.db, &e.tax_code, to, on, &change).await?))
}

/// The enterprises the signed-in citizen represents now.
#[utoipa::path(get, path = "/me/enterprises", operation_id = "myEnterprises", tag = "enterprises", security(("bearer" = [])),
    responses((status = 200, body = Vec<Enterprise>)))]
pub async fn mine(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<Enterprise>>> {
    match me.personal_id {
        Some(id) => Ok(Json(service::represented_by(&state.db, &id).await?)),
        None => Ok(Json(Vec::new())),
    }
}
