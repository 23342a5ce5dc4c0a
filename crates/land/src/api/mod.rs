//! `/api/v1/land/parcels`: the land registry for land officers within their territory (GeoJSON in and out), and
//! `/api/v1/land/my-parcels` for a citizen's own parcels.

use axum::extract::State;
use identity::policy::{Action, allows, authorize, territories};
use identity::{Caller, Principal, Role, Territory};
use kernel::{AdminUnitCode, Text};
use registry::api::PurposeQuery;
use serde::{Deserialize, Serialize};
use trust::ledger::{Event, EventKind, Purpose, RecordRef};
use utoipa_axum::routes;
use web::extract::{Json, Path, Query};
use web::openapi::{ApiRouter, ApiRouterExt, Forbidden, Invalid, NotFound};
use web::{AppError, AppResult, AppState, FieldError};

use crate::error::LandError;
use crate::model::{CertificateNumber, Holder, Parcel, ParcelRef, Transaction};
use crate::service::{self, PARCEL};

mod write;

pub use write::*;

/// The routes and their operations, relative to `/api/v1`.
pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(search, register))
        .routes(routes!(one))
        .routes(routes!(transfer))
        .routes(routes!(mortgage))
        .routes(routes!(release))
        .routes(routes!(lease))
        .routes(routes!(mine))
        .with_schema::<AdminUnitCode>()
        .with_schema::<kernel::AgencyCode>()
        .with_schema::<crate::model::LandUse>()
        .with_schema::<trust::ledger::purpose::PurposeCode>()
}

/// A parcel in a path: `/land/parcels/{commune}/{sheet}/{number}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ParcelPath {
    /// The commune's code.
    #[param(pattern = "^[0-9]{5}$")]
    pub commune: String,
    /// Tờ bản đồ số.
    #[param(minimum = 1, maximum = 9999)]
    pub sheet: u32,
    /// Thửa đất số.
    #[param(minimum = 1, maximum = 99999)]
    pub number: u32,
}

impl ParcelPath {
    /// The parcel; a commune that does not exist names no parcel (404).
    pub fn parcel(&self) -> Result<ParcelRef, LandError> {
        let commune = self.commune.parse().map_err(|_| LandError::NoParcel)?;
        ParcelRef::new(commune, self.sheet, self.number).map_err(|_| LandError::NoParcel)
    }
}

/// One user's share.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HoldingView {
    /// `citizen:<personal ID>` or `enterprise:<tax code>`.
    pub holder: String,
    /// Basis points of the whole.
    pub share_bp: u32,
}

/// A certificate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    /// Số phát hành, without the space.
    pub number: String,
    /// `YYYY-MM-DD`.
    pub issued_on: String,
    /// The issuing agency.
    pub issuer: String,
}

/// A parcel as the API shows it, its boundary as a GeoJSON Polygon in VN-2000 metres.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ParcelView {
    /// `commune-sheet-number`.
    pub parcel: String,
    /// The commune.
    pub commune: String,
    /// Tờ bản đồ.
    pub sheet: u32,
    /// Số thửa.
    pub number: u32,
    /// Recorded area, m².
    pub area_m2: f64,
    /// The boundary's area, m².
    pub computed_area_m2: f64,
    /// Whether the two disagree beyond the tolerance.
    pub flagged: bool,
    /// The land-use code.
    pub purpose: String,
    /// The day the right ends; none for long-term use.
    pub term_until: Option<String>,
    /// GeoJSON Polygon.
    #[schema(value_type = Object)]
    pub geometry: serde_json::Value,
    /// Its users, largest share first.
    pub holders: Vec<HoldingView>,
    /// Its certificate now.
    pub certificate: CertificateView,
    /// Whether a mortgage is open.
    pub mortgaged: bool,
    /// The version: each change moves it on.
    pub version: i64,
    /// Every transaction, oldest first (on a parcel read by itself).
    pub history: Option<Vec<Transaction>>,
}

impl ParcelView {
    /// The view of `p`, with its history if given.
    pub fn of(p: &Parcel, history: Option<Vec<Transaction>>) -> ParcelView {
        ParcelView {
            parcel: p.reference.to_string(),
            commune: p.reference.commune.to_string(),
            sheet: p.reference.sheet,
            number: p.reference.number,
            area_m2: p.area.m2(),
            computed_area_m2: p.computed_area.m2(),
            flagged: p.flagged,
            purpose: p.purpose.code().to_owned(),
            term_until: p.term.stored(),
            geometry: serde_json::to_value(p.footprint.to_geojson()).unwrap_or_default(),
            holders: p
                .holders
                .iter()
                .map(|h| HoldingView { holder: h.holder.to_string(), share_bp: h.share.bp() })
                .collect(),
            certificate: CertificateView {
                number: p.certificate.number.as_str().to_owned(),
                issued_on: p.certificate.issued_on.to_string(),
                issuer: p.certificate.issuer.to_string(),
            },
            mortgaged: p.mortgaged,
            version: p.version,
            history,
        }
    }
}

/// Refuses with 403 a caller who holds the land officer's role nowhere.
pub fn require_land_role(me: &Principal) -> Result<(), AppError> {
    match territories(me, Role::LandOfficer) {
        Some(units) if units.is_empty() => Err(AppError::Forbidden),
        _ => Ok(()),
    }
}

/// The territory a parcel belongs to: its commune.
pub fn territory(parcel: &ParcelRef) -> Territory {
    Territory::Unit(parcel.commune)
}

/// Reads a parcel the caller may see, with its history; outside the caller's territory it does not exist for
/// them (404), and the refusal goes to the ledger.
pub async fn visible(state: &AppState, me: &Principal, r: &ParcelRef) -> AppResult<(Parcel, Vec<Transaction>)> {
    require_land_role(me)?;
    let found = match service::parcel_with_history(&state.db, r).await {
        Ok(found) if allows(me, Action::ReadLand(territory(r))) => Some(found),
        Ok(_) | Err(LandError::NoParcel) => None,
        Err(e) => return Err(e.into()),
    };
    match found {
        Some(found) => Ok(found),
        None => {
            let refused = Event::new(EventKind::AccessRefused, me.actor(Role::LandOfficer))
                .record(RecordRef { kind: PARCEL.into(), key: r.to_string(), digest: None })
                .detail(serde_json::json!({ "action": "read_land" }));
            state.ledger.record(refused).await.map_err(LandError::from)?;
            Err(AppError::NotFound)
        }
    }
}

/// Writes an official's read of the citizens who use `parcel` to the ledger, before the data leaves the server.
pub async fn record_read(state: &AppState, me: &Principal, parcel: &Parcel, purpose: &Purpose) -> AppResult<()> {
    let actor = me.actor(Role::LandOfficer);
    let record = RecordRef { kind: PARCEL.into(), key: parcel.reference.to_string(), digest: None };
    let reads = parcel.holders.iter().filter_map(|h| h.holder.citizen()).map(|id| {
        let event = Event::new(EventKind::PersonalDataRead, actor.clone())
            .subject(id.as_str())
            .record(record.clone())
            .purpose(&purpose.to_string())
            .detail(serde_json::json!({ "view": "land_parcel" }));
        state.ledger.record(event)
    });
    for read in futures_util::future::join_all(reads).await {
        read.map_err(LandError::from)?;
    }
    Ok(())
}

/// What to search by: a certificate serial, a land user, or a commune (with a sheet and a number, or not).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A commune's parcels (with `sheet` and `number` for one of them).
    #[param(value_type = Option<AdminUnitCode>)]
    pub commune: Option<String>,
    /// Tờ bản đồ, within the commune.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 9999)]
    pub sheet: Option<String>,
    /// Số thửa, on the sheet.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 99999)]
    pub number: Option<String>,
    /// A land user's parcels: `citizen:<personal ID>` or `enterprise:<tax code>` (needs a purpose).
    #[param(value_type = Option<String>, pattern = "^(citizen|enterprise):[0-9-]{10,14}$")]
    pub holder: Option<String>,
    /// The parcel of a certificate serial.
    #[param(value_type = Option<String>, pattern = "^[A-Z]{2} ?[0-9]{6,8}$")]
    pub certificate: Option<String>,
    /// Why a land user's parcels are searched.
    #[param(value_type = Option<trust::ledger::purpose::PurposeCode>)]
    pub purpose: Option<String>,
    /// For `other`, the purpose in words.
    #[param(schema_with = purpose_other)]
    pub purpose_other: Option<String>,
}

fn purpose_other() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(Purpose::MAX_OTHER)
}

/// A parcel in a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ParcelSummary {
    /// `commune-sheet-number`.
    pub parcel: String,
    /// Recorded area, m².
    pub area_m2: f64,
    /// The land-use code.
    pub purpose: String,
    /// Whether the recorded area disagrees with the boundary's.
    pub flagged: bool,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn number(errors: &mut Vec<FieldError>, field: &str, v: &Option<String>) -> Option<u32> {
    let v = blank(v)?;
    v.parse().map_err(|_| errors.push(FieldError::new(field, Text::new("Phải là một số.", "Must be a number.")))).ok()
}

/// Searches parcels by certificate serial, by land user or by commune (and sheet and number), within the
/// caller's territory. A land user's parcels are their personal data: that search states a purpose and is
/// recorded as a read of them.
#[utoipa::path(get, path = "/land/parcels", operation_id = "searchParcels", tag = "land", security(("bearer" = [])),
    params(SearchQuery), responses((status = 200, body = Vec<ParcelSummary>), Forbidden, Invalid))]
pub async fn search(
    State(state): State<AppState>,
    Caller(me): Caller,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<Vec<ParcelSummary>>> {
    require_land_role(&me)?;
    let mut errors = Vec::new();
    let sheet = number(&mut errors, "sheet", &q.sheet);
    let num = number(&mut errors, "number", &q.number);
    let found: Vec<ParcelRef> = if let Some(serial) = blank(&q.certificate) {
        let serial: CertificateNumber = serial.parse().map_err(|e| AppError::invalid("certificate", e))?;
        match service::by_certificate(&state.db, &serial).await {
            Ok(r) => vec![r],
            Err(LandError::NoParcel) => vec![],
            Err(e) => return Err(e.into()),
        }
    } else if let Some(holder) = blank(&q.holder) {
        let holder: Holder = holder.parse().map_err(|e| AppError::invalid("holder", e))?;
        let why = PurposeQuery { purpose: q.purpose.clone(), purpose_other: q.purpose_other.clone() };
        let purpose = why.parse()?;
        let found = service::parcels_of(&state.db, &holder).await?;
        if let Some(id) = holder.citizen() {
            let event = Event::new(EventKind::PersonalDataRead, me.actor(Role::LandOfficer))
                .subject(id.as_str())
                .purpose(&purpose.to_string())
                .detail(serde_json::json!({ "view": "land_parcels_of" }));
            state.ledger.record(event).await.map_err(LandError::from)?;
        }
        let visible = found.iter().filter(|s| allows(&me, Action::ReadLand(territory(&s.reference))));
        return Ok(Json(visible.map(summary).collect()));
    } else if let Some(commune) = blank(&q.commune) {
        let commune: AdminUnitCode = commune.parse().map_err(|e| AppError::invalid("commune", e))?;
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        authorize(&me, Action::ReadLand(Territory::Unit(commune)))?;
        if let (Some(sheet), Some(num)) = (sheet, num) {
            let one = ParcelRef::new(commune, sheet, num).map_err(|e| AppError::invalid("number", e))?;
            let rows = service::in_commune(&state.db, commune, Some(sheet), (sheet, num - 1), 1, false).await?;
            let rows: Vec<_> = rows.into_iter().filter(|s| s.reference == one).collect();
            return Ok(Json(rows.iter().map(summary).collect()));
        }
        let rows = service::in_commune(&state.db, commune, sheet, (0, 0), service::MAX_RESULTS, false).await?;
        return Ok(Json(rows.iter().map(summary).collect()));
    } else {
        let text = Text::new(
            "Tìm theo số giấy chứng nhận, người sử dụng đất, hoặc xã (cùng tờ bản đồ, số thửa).",
            "Search by certificate serial, land user, or commune (with sheet and number).",
        );
        return Err(AppError::invalid("commune", text));
    };
    let mut out = Vec::new();
    for r in found.into_iter().filter(|r| allows(&me, Action::ReadLand(territory(r)))) {
        let p = service::parcel(&state.db, &r).await?;
        out.push(ParcelSummary {
            parcel: r.to_string(),
            area_m2: p.area.m2(),
            purpose: p.purpose.code().into(),
            flagged: p.flagged,
        });
    }
    Ok(Json(out))
}

fn summary(s: &crate::store::Summary) -> ParcelSummary {
    ParcelSummary {
        parcel: s.reference.to_string(),
        area_m2: s.area.m2(),
        purpose: s.purpose.code().into(),
        flagged: s.flagged,
    }
}

/// A parcel, its users, certificate and every transaction. Reading its users' data states a purpose.
#[utoipa::path(get, path = "/land/parcels/{commune}/{sheet}/{number}", operation_id = "getParcel", tag = "land",
    security(("bearer" = [])), params(ParcelPath, PurposeQuery),
    responses((status = 200, body = ParcelView), Forbidden, NotFound, Invalid))]
pub async fn one(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(at): Path<ParcelPath>,
    Query(why): Query<PurposeQuery>,
) -> AppResult<Json<ParcelView>> {
    let (parcel, history) = visible(&state, &me, &at.parcel()?).await?;
    let purpose = why.parse()?;
    record_read(&state, &me, &parcel, &purpose).await?;
    Ok(Json(ParcelView::of(&parcel, Some(history))))
}

/// The caller's own parcels (a citizen's, by their personal ID number); none for other accounts.
#[utoipa::path(get, path = "/land/my-parcels", operation_id = "listMyParcels", tag = "land",
    security(("bearer" = [])), responses((status = 200, body = Vec<ParcelView>)))]
pub async fn mine(State(state): State<AppState>, Caller(me): Caller) -> AppResult<Json<Vec<ParcelView>>> {
    let mut out = Vec::new();
    if let (identity::AccountKind::Citizen, Some(id)) = (me.kind, me.personal_id) {
        for s in service::parcels_of(&state.db, &Holder::Citizen(id)).await? {
            let (parcel, history) = service::parcel_with_history(&state.db, &s.reference).await?;
            out.push(ParcelView::of(&parcel, Some(history)));
        }
    }
    Ok(Json(out))
}
