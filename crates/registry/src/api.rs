//! `/api/v1/citizens`, `/api/v1/households`, `/api/v1/addresses`: for registry officials, within their territory.

use axum::extract::State;
use axum::http::StatusCode;
use identity::policy::{Action, allows, authorize, territories};
use identity::{Caller, Principal, Role, Territory};
use kernel::free_text::{self, FreeTextError};
use kernel::{AdminUnitCode, DigitalAddress, PersonalId, Text};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa_axum::routes;
use web::extract::{Json, Path, Query};
use web::openapi::{ApiRouter, ApiRouterExt, Conflict, Forbidden, Invalid, NotFound};
use web::{AppError, AppResult, AppState, FieldError};

use trust::ledger::purpose::PurposeError;
use trust::ledger::{Event, EventKind, Purpose};

use crate::audit;
use crate::error::RegistryError;
use crate::input::CitizenInput;
use crate::model::{Address, Citizen, Household, Relationship, Version};
use crate::search::{self, Search};
use crate::service::{self, Change};

/// The longest search query, in characters: far more than any name, and what the ledger keeps of a search.
const MAX_QUERY: usize = 200;

/// The longest reason of a change: a legal basis or a dossier reference, kept in the ledger and the history.
const MAX_REASON: usize = 500;

/// The routes and their operations, relative to `/api/v1`.
pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(search_citizens, register))
        .routes(routes!(one))
        .routes(routes!(history))
        .routes(routes!(move_household))
        .routes(routes!(household))
        .routes(routes!(address))
        .with_schema::<PersonalId>()
        .with_schema::<DigitalAddress>()
        .with_schema::<AdminUnitCode>()
        .with_schema::<kernel::Sex>()
        .with_schema::<trust::ledger::purpose::PurposeCode>()
}

fn query() -> utoipa::openapi::schema::Object {
    kernel::schema::optional_free_text_schema(MAX_QUERY)
}

fn reason() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(MAX_REASON)
}

/// A household's code in a path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct HouseholdPath {
    /// The household's code: 12 digits.
    #[param(pattern = "^[0-9]{12}$", min_length = 12, max_length = 12)]
    pub code: String,
}

fn purpose_other() -> utoipa::openapi::schema::Object {
    kernel::schema::free_text_schema(Purpose::MAX_OTHER)
}

/// The territory a household or dwelling belongs to: its commune (the nation if the stored code does not parse).
pub fn territory_of(commune: Option<&str>) -> Territory {
    commune.and_then(|c| c.parse().ok()).map_or(Territory::Nation, Territory::Unit)
}

/// The territory a citizen's record belongs to: the commune of residence, or the nation for a citizen with none.
pub fn residence_territory(citizen: &Citizen) -> Territory {
    citizen.commune.map_or(Territory::Nation, Territory::Unit)
}

/// Refuses with 403 a caller who holds the registry role nowhere.
pub fn require_registry_role(me: &Principal) -> AppResult<Option<Vec<AdminUnitCode>>> {
    match territories(me, Role::RegistryClerk) {
        Some(units) if units.is_empty() => Err(AppError::Forbidden),
        scope => Ok(scope),
    }
}

/// Reads a citizen the caller may see; one outside the caller's territory does not exist for them (404), and the
/// refusal goes to the ledger, where the citizen sees it.
///
/// A number nobody holds is refused the same way, ledger entry included: were it answered without the entry's
/// durable write, the time of a 404 would tell whether the number belongs to someone anywhere in the nation.
pub async fn visible_citizen(state: &AppState, me: &Principal, personal_id: &str) -> AppResult<Citizen> {
    require_registry_role(me)?;
    let id: PersonalId = personal_id.parse().map_err(|e| AppError::invalid("personal_id", e))?;
    let visible = match service::citizen(&state.db, &id).await {
        Ok(citizen) => allows(me, Action::ReadPopulation(residence_territory(&citizen))).then_some(citizen),
        Err(RegistryError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    match visible {
        Some(citizen) => Ok(citizen),
        None => {
            let refused = Event::new(EventKind::AccessRefused, me.actor(Role::RegistryClerk))
                .subject(id.as_str())
                .detail(serde_json::json!({ "action": "read_population" }));
            state.ledger.record(refused).await.map_err(RegistryError::from)?;
            Err(AppError::NotFound)
        }
    }
}

/// Why the caller reads a citizen's data: required on every read of one person's record.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PurposeQuery {
    /// Why the record is read.
    #[param(value_type = trust::ledger::purpose::PurposeCode)]
    pub purpose: Option<String>,
    /// For `other`, and only then: the purpose in words.
    #[param(schema_with = purpose_other)]
    pub purpose_other: Option<String>,
}

impl PurposeQuery {
    /// The stated purpose, or 422 saying what is missing.
    pub fn parse(&self) -> AppResult<Purpose> {
        Purpose::parse(self.purpose.as_deref(), self.purpose_other.as_deref()).map_err(|e| match e {
            PurposeError::OtherText => AppError::invalid(
                "purpose_other",
                Text::new(
                    "Mô tả mục đích khác trong 1 đến 200 ký tự.",
                    "Describe the other purpose in 1 to 200 characters.",
                ),
            ),
            PurposeError::OtherCharacter(c) => AppError::invalid("purpose_other", kernel::FreeTextError::Forbidden(c)),
            _ => AppError::invalid(
                "purpose",
                Text::new(
                    "Chọn mục đích sử dụng dữ liệu: dossier, verification, correction, citizen_request hoặc other.",
                    "State the purpose: dossier, verification, correction, citizen_request or other.",
                ),
            ),
        })
    }
}

/// Writes the caller's read of these citizens' data to the ledger; returns once it is durably recorded, so no
/// personal data leaves the server unrecorded.
pub async fn record_read(
    state: &AppState,
    me: &Principal,
    personal_ids: &[&str],
    purpose: &Purpose,
    view: &str,
) -> AppResult<()> {
    let actor = me.actor(Role::RegistryClerk);
    let reads = personal_ids.iter().map(|id| state.ledger.record(audit::read(id, &actor, purpose, view)));
    for read in futures_util::future::join_all(reads).await {
        read.map_err(RegistryError::from)?;
    }
    Ok(())
}

/// A citizen's current record.
#[utoipa::path(get, path = "/citizens/{personal_id}", operation_id = "getCitizen", tag = "population", security(("bearer" = [])),
    params(("personal_id" = PersonalId, Path), PurposeQuery),
    responses((status = 200, body = Citizen), Forbidden, NotFound, Invalid))]
pub async fn one(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(personal_id): Path<String>,
    Query(why): Query<PurposeQuery>,
) -> AppResult<Json<Citizen>> {
    let citizen = visible_citizen(&state, &me, &personal_id).await?;
    let purpose = why.parse()?;
    record_read(&state, &me, &[citizen.personal_id.as_str()], &purpose, "record").await?;
    Ok(Json(citizen))
}

/// Every version of a citizen's record, with who changed it, when and why.
#[utoipa::path(get, path = "/citizens/{personal_id}/history", operation_id = "getCitizenHistory", tag = "population", security(("bearer" = [])),
    params(("personal_id" = PersonalId, Path), PurposeQuery),
    responses((status = 200, body = Vec<Version>), Forbidden, NotFound, Invalid))]
pub async fn history(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(personal_id): Path<String>,
    Query(why): Query<PurposeQuery>,
) -> AppResult<Json<Vec<Version>>> {
    let citizen = visible_citizen(&state, &me, &personal_id).await?;
    let purpose = why.parse()?;
    record_read(&state, &me, &[citizen.personal_id.as_str()], &purpose, "history").await?;
    Ok(Json(service::history(&state.db, &citizen.personal_id).await?))
}

/// Search parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Name, with or without diacritics; each word matches the start of a name part, in order. A search needs a
    /// name or a commune.
    #[param(schema_with = query)]
    pub q: Option<String>,
    /// Year of birth.
    #[param(value_type = Option<i64>)]
    pub birth_year: Option<String>,
    /// Sex.
    #[param(value_type = Option<kernel::Sex>)]
    pub sex: Option<String>,
    /// Province of residence.
    #[param(value_type = Option<AdminUnitCode>)]
    pub province: Option<String>,
    /// Commune of residence.
    #[param(value_type = Option<AdminUnitCode>)]
    pub commune: Option<String>,
    /// Page, from 1 (values below 1 are page 1, above 10,000 page 10,000).
    #[param(value_type = Option<i64>)]
    pub page: Option<String>,
}

/// One page of search results.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchPage {
    /// The citizens, ordered by name.
    pub results: Vec<Citizen>,
    /// This page.
    pub page: i64,
    /// Whether another page follows.
    pub more: bool,
}

impl SearchQuery {
    /// Parses the query, refusing bad filters field by field.
    pub fn parse(&self, scope: Option<Vec<AdminUnitCode>>) -> Result<Search, AppError> {
        let mut errors = Vec::new();
        let mut unit = |field: &str, v: &Option<String>| match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(v) => v.parse::<AdminUnitCode>().map_err(|e| errors.push(FieldError::new(field, e))).ok(),
        };
        let province = unit("province", &self.province);
        let commune = unit("commune", &self.commune);
        let sex = match self.sex.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(word) => word
                .parse::<kernel::Sex>()
                .map_err(|_| {
                    let text = Text::new("Giới tính là male hoặc female.", "Sex is male or female.");
                    errors.push(FieldError::new("sex", text));
                })
                .ok(),
        };
        // Forms send empty fields as empty strings: those are absent, not invalid.
        let mut number = |field: &str, v: &Option<String>| match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(v) => v
                .parse::<i64>()
                .map_err(|_| errors.push(FieldError::new(field, Text::new("Phải là một số.", "Must be a number."))))
                .ok(),
        };
        let birth_year = number("birth_year", &self.birth_year);
        let page = number("page", &self.page);
        // The query is kept in the ledger and shown back on the page: it follows the rule for free text.
        if let Some(Err(e @ (FreeTextError::Forbidden(_) | FreeTextError::TooLong { .. }))) =
            self.q.as_deref().map(|q| free_text::clean(q, MAX_QUERY))
        {
            errors.push(FieldError::new("q", e));
        }
        let words = Search::words_of(self.q.as_deref().unwrap_or_default());
        if words.is_empty() && commune.is_none() {
            errors.push(FieldError::new(
                "q",
                Text::new("Nhập họ tên, hoặc chọn xã, phường để tìm.", "Give a name, or a commune, to search."),
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        Ok(Search { words, birth_year, sex, province, commune, page: page.unwrap_or(1).clamp(1, 10_000), scope })
    }
}

/// Search citizens by name and filters, within the caller's territory.
#[utoipa::path(get, path = "/citizens", operation_id = "searchCitizens", tag = "population", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = SearchPage), Forbidden, Invalid))]
pub async fn search_citizens(
    State(state): State<AppState>,
    Caller(me): Caller,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<SearchPage>> {
    let scope = require_registry_role(&me)?;
    let search = q.parse(scope)?;
    let (results, more) = search::run(&state.db, &search).await?;
    record_search(&state, &me, &q, results.len()).await?;
    Ok(Json(SearchPage { results, page: search.page, more }))
}

/// Writes a search to the ledger: the query and how many were found, not who (that is a read, stated with a
/// purpose when a record is opened).
pub async fn record_search(state: &AppState, me: &Principal, q: &SearchQuery, found: usize) -> AppResult<()> {
    let event = Event::new(EventKind::RegistrySearched, me.actor(Role::RegistryClerk)).detail(serde_json::json!({
        "q": q.q.as_deref().and_then(|q| free_text::clean(q, MAX_QUERY).ok()), "birth_year": q.birth_year, "sex": q.sex, "province": q.province, "commune": q.commune,
        "page": q.page, "found": found,
    }));
    state.ledger.record(event).await.map_err(RegistryError::from)?;
    Ok(())
}

/// Register a citizen.
#[utoipa::path(post, path = "/citizens", operation_id = "registerCitizen", tag = "population", security(("bearer" = [])), request_body = CitizenInput,
    responses((status = 201, body = Citizen), Forbidden, Conflict, Invalid))]
pub async fn register(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(input): Json<CitizenInput>,
) -> AppResult<(StatusCode, Json<Citizen>)> {
    require_registry_role(&me)?;
    let new = input.parse(OffsetDateTime::now_utc().date()).map_err(AppError::Invalid)?;
    let territory = match &new.household {
        Some(code) => household_territory(&state, code).await?,
        None => Territory::Nation,
    };
    authorize(&me, Action::WritePopulation(territory))?;
    let actor = me.actor(Role::RegistryClerk);
    let citizen = service::register(&state.db, &new, &Change { actor: &actor, reason: "đăng ký qua API" }).await?;
    Ok((StatusCode::CREATED, Json(citizen)))
}

async fn household_territory(state: &AppState, code: &str) -> AppResult<Territory> {
    match service::household(&state.db, code).await {
        Ok(h) => Ok(territory_of(Some(&h.address.commune))),
        Err(RegistryError::NotFound) => Err(RegistryError::UnknownHousehold(code.to_owned()).into()),
        Err(e) => Err(e.into()),
    }
}

/// A move to another household.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Move {
    /// The household to join: its code, 12 digits.
    #[schema(pattern = "^[0-9]{12}$")]
    pub household: String,
    /// Relationship to its head.
    pub relationship: Relationship,
    /// The legal basis or dossier.
    #[schema(schema_with = reason)]
    pub reason: String,
}

/// Move a citizen into another household (both households must be in the caller's territory).
#[utoipa::path(post, path = "/citizens/{personal_id}/household", operation_id = "moveCitizenToHousehold", tag = "population", security(("bearer" = [])), request_body = Move,
    params(("personal_id" = PersonalId, Path)),
    responses((status = 200, body = Citizen), Forbidden, NotFound, Invalid))]
pub async fn move_household(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(personal_id): Path<String>,
    Json(m): Json<Move>,
) -> AppResult<Json<Citizen>> {
    let citizen = visible_citizen(&state, &me, &personal_id).await?;
    authorize(&me, Action::WritePopulation(residence_territory(&citizen)))?;
    authorize(&me, Action::WritePopulation(household_territory(&state, &m.household).await?))?;
    let reason = match free_text::clean(&m.reason, MAX_REASON) {
        Ok(reason) => reason,
        Err(FreeTextError::Empty) => {
            return Err(AppError::invalid(
                "reason",
                Text::new("Ghi rõ căn cứ thay đổi.", "Give the legal basis of the change."),
            ));
        }
        Err(e) => return Err(AppError::invalid("reason", e)),
    };
    let actor = me.actor(Role::RegistryClerk);
    let change = Change { actor: &actor, reason: &reason };
    Ok(Json(service::move_to_household(&state.db, &citizen.personal_id, &m.household, m.relationship, &change).await?))
}

/// A household with its members.
#[utoipa::path(get, path = "/households/{code}", operation_id = "getHousehold", tag = "population", security(("bearer" = [])),
    params(HouseholdPath, PurposeQuery),
    responses((status = 200, body = Household), Forbidden, NotFound, Invalid))]
pub async fn household(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(HouseholdPath { code }): Path<HouseholdPath>,
    Query(why): Query<PurposeQuery>,
) -> AppResult<Json<Household>> {
    let h = visible_household(&state, &me, &code).await?;
    let purpose = why.parse()?;
    let members: Vec<&str> = h.members.iter().map(|m| m.personal_id.as_str()).collect();
    record_read(&state, &me, &members, &purpose, "household").await?;
    Ok(Json(h))
}

/// A household the caller may see, or 404.
pub async fn visible_household(state: &AppState, me: &Principal, code: &str) -> AppResult<Household> {
    require_registry_role(me)?;
    let h = service::household(&state.db, code).await?;
    authorize(me, Action::ReadPopulation(territory_of(Some(&h.address.commune)))).map_err(|_| AppError::NotFound)?;
    Ok(h)
}

/// A dwelling by its digital address.
#[utoipa::path(get, path = "/addresses/{code}", operation_id = "getAddress", tag = "population", security(("bearer" = [])),
    params(("code" = DigitalAddress, Path)),
    responses((status = 200, body = Address), Forbidden, NotFound, Invalid))]
pub async fn address(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(code): Path<String>,
) -> AppResult<Json<Address>> {
    require_registry_role(&me)?;
    let code: DigitalAddress = code.parse().map_err(|e| AppError::invalid("code", e))?;
    let a = service::address(&state.db, &code).await?;
    authorize(&me, Action::ReadPopulation(territory_of(Some(&a.commune)))).map_err(|_| AppError::NotFound)?;
    Ok(Json(a))
}
