//! The API's writes: a first registration, and transfers, mortgages, releases and leases of a parcel, each by a
//! land officer of the parcel's commune.

use axum::extract::State;
use axum::http::StatusCode;
use identity::policy::{Action, allows, authorize};
use identity::{Caller, Principal, Role};
use serde::{Deserialize, Serialize};
use web::extract::{Json, Path};
use web::openapi::{Conflict, Forbidden, Invalid, NotFound};
use web::{AppError, AppResult, AppState};

use super::{ParcelPath, ParcelView, require_land_role, territory};
use crate::input::{LeaseInput, MortgageInput, ParcelInput, ReleaseInput, TransferInput};
use crate::model::ParcelRef;
use crate::service;

/// Registers a parcel for the first time: refused field by field (an overlapping or self-intersecting
/// boundary, shares above the whole), nothing written.
#[utoipa::path(post, path = "/land/parcels", operation_id = "registerParcel", tag = "land", security(("bearer" = [])),
    request_body = ParcelInput, responses((status = 201, body = ParcelView), Forbidden, Invalid))]
pub async fn register(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(input): Json<ParcelInput>,
) -> AppResult<(StatusCode, Json<ParcelView>)> {
    require_land_role(&me)?;
    let new = input.parse().map_err(AppError::Invalid)?;
    authorize(&me, Action::WriteLand(territory(&new.reference)))?;
    let parcel = service::register(&state.db, new, &me.actor(Role::LandOfficer)).await?;
    Ok((StatusCode::CREATED, Json(ParcelView::of(&parcel, None))))
}

/// The parcel a write names, if the caller may change it: outside their territory it does not exist (404).
async fn writable(me: &Principal, at: &ParcelPath) -> AppResult<ParcelRef> {
    require_land_role(me)?;
    let r = at.parcel()?;
    if !allows(me, Action::WriteLand(territory(&r))) {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

/// Transfers, bequeaths or gives a share of a parcel under a new certificate. Refused: more than the giver's
/// share (422 at `share_bp`), a sale or gift of a mortgaged parcel (409); nothing written.
#[utoipa::path(post, path = "/land/parcels/{commune}/{sheet}/{number}/transfers", operation_id = "transferParcel",
    tag = "land", security(("bearer" = [])), params(ParcelPath), request_body = TransferInput,
    responses((status = 200, body = ParcelView), Forbidden, NotFound, Conflict, Invalid))]
pub async fn transfer(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(at): Path<ParcelPath>,
    Json(input): Json<TransferInput>,
) -> AppResult<Json<ParcelView>> {
    let r = writable(&me, &at).await?;
    let t = input.parse().map_err(AppError::Invalid)?;
    let parcel = service::transfer(&state.db, &r, t, &me.actor(Role::LandOfficer)).await?;
    Ok(Json(ParcelView::of(&parcel, None)))
}

/// A registered mortgage: its number, which its release names, and the parcel.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MortgageView {
    /// The mortgage's number.
    pub mortgage: i64,
    /// The parcel now.
    pub parcel: ParcelView,
}

/// Registers a mortgage of a parcel by one of its users (one open mortgage at a time).
#[utoipa::path(post, path = "/land/parcels/{commune}/{sheet}/{number}/mortgages", operation_id = "registerMortgage",
    tag = "land", security(("bearer" = [])), params(ParcelPath), request_body = MortgageInput,
    responses((status = 201, body = MortgageView), Forbidden, NotFound, Conflict, Invalid))]
pub async fn mortgage(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(at): Path<ParcelPath>,
    Json(input): Json<MortgageInput>,
) -> AppResult<(StatusCode, Json<MortgageView>)> {
    let r = writable(&me, &at).await?;
    let m = input.parse().map_err(AppError::Invalid)?;
    let (parcel, id) = service::register_mortgage(&state.db, &r, m, &me.actor(Role::LandOfficer)).await?;
    Ok((StatusCode::CREATED, Json(MortgageView { mortgage: id, parcel: ParcelView::of(&parcel, None) })))
}

/// A mortgage in a path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MortgagePath {
    /// The commune's code.
    #[param(pattern = "^[0-9]{5}$")]
    pub commune: String,
    /// Tờ bản đồ số.
    #[param(minimum = 1, maximum = 9999)]
    pub sheet: u32,
    /// Thửa đất số.
    #[param(minimum = 1, maximum = 99999)]
    pub number: u32,
    /// The mortgage's number.
    #[param(minimum = 1)]
    pub mortgage: i64,
}

/// Releases an open mortgage.
#[utoipa::path(post, path = "/land/parcels/{commune}/{sheet}/{number}/mortgages/{mortgage}/release",
    operation_id = "releaseMortgage", tag = "land", security(("bearer" = [])), params(MortgagePath),
    request_body = ReleaseInput, responses((status = 200, body = ParcelView), Forbidden, NotFound, Invalid))]
pub async fn release(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(at): Path<MortgagePath>,
    Json(input): Json<ReleaseInput>,
) -> AppResult<Json<ParcelView>> {
    let path = ParcelPath { commune: at.commune, sheet: at.sheet, number: at.number };
    let r = writable(&me, &path).await?;
    let parcel =
        service::release_mortgage(&state.db, &r, at.mortgage, &input.basis, &me.actor(Role::LandOfficer)).await?;
    Ok(Json(ParcelView::of(&parcel, None)))
}

/// Records a lease of a parcel by one of its users.
#[utoipa::path(post, path = "/land/parcels/{commune}/{sheet}/{number}/leases", operation_id = "leaseParcel",
    tag = "land", security(("bearer" = [])), params(ParcelPath), request_body = LeaseInput,
    responses((status = 200, body = ParcelView), Forbidden, NotFound, Invalid))]
pub async fn lease(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(at): Path<ParcelPath>,
    Json(input): Json<LeaseInput>,
) -> AppResult<Json<ParcelView>> {
    let r = writable(&me, &at).await?;
    let l = input.parse().map_err(AppError::Invalid)?;
    let parcel = service::lease(&state.db, &r, l, &me.actor(Role::LandOfficer)).await?;
    Ok(Json(ParcelView::of(&parcel, None)))
}
