//! `/api/v1/enterprises`: the public lookup for anyone; the full record, its history, search and changes for
//! business registrars within their territory (the commune of the registered office); `/api/v1/me/enterprises`
//! for the citizen who represents them.

use axum::extract::State;
use axum::http::StatusCode;
use identity::policy::{Action, authorize, territories};
use identity::{Caller, Principal, Role, Territory};
use kernel::free_text::{self, FreeTextError};
use kernel::{AdminUnitCode, PersonalId, TaxCode, Text};
use registry::api::PurposeQuery;
use serde::{Deserialize, Serialize};
use trust::ledger::{Event, EventKind, Purpose};
use utoipa_axum::routes;
use web::extract::{Json, Path, Query};
use web::openapi::{ApiRouter, ApiRouterExt, Forbidden, Invalid, NotFound};
use web::{AppError, AppResult, AppState, FieldError};

use crate::audit;
use crate::error::EnterpriseError;
use crate::input::EnterpriseInput;
use crate::model::{Enterprise, PublicEnterprise, StatusEntry, Version};
use crate::search::{self, Search};
use crate::service::{self, Change};

mod changes;

use changes::{
    __path_change_capital, __path_change_representatives, __path_change_status, __path_mine, __path_move_office,
    change_capital, change_representatives, change_status, mine, move_office,
};

/// The longest search query, in characters.
const MAX_QUERY: usize = 200;

/// The routes and their operations, relative to `/api/v1`.
pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(lookup))
        .routes(routes!(public_one))
        .routes(routes!(search_enterprises, register))
        .routes(routes!(one))
        .routes(routes!(history))
        .routes(routes!(change_representatives))
        .routes(routes!(move_office))
        .routes(routes!(change_capital))
        .routes(routes!(change_status))
        .routes(routes!(mine))
        .with_schema::<TaxCode>()
        .with_schema::<PersonalId>()
        .with_schema::<AdminUnitCode>()
        .with_schema::<kernel::DigitalAddress>()
        .with_schema::<trust::ledger::purpose::PurposeCode>()
}

fn query_schema() -> utoipa::openapi::schema::Object {
    kernel::schema::optional_free_text_schema(MAX_QUERY)
}

fn vsic_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some("^[0-9]{2,5}$"))
        .build()
}

/// The territory an enterprise belongs to: the commune of its registered office.
pub fn territory_of(e: &Enterprise) -> Territory {
    Territory::Unit(e.office.commune)
}

/// Refuses with 403 a caller who is a business registrar nowhere; else where they are one (`None`: the nation).
pub fn require_registrar(me: &Principal) -> AppResult<Option<Vec<AdminUnitCode>>> {
    match territories(me, Role::BusinessRegistrar) {
        Some(units) if units.is_empty() => Err(AppError::Forbidden),
        scope => Ok(scope),
    }
}

fn tax_code(text: &str) -> AppResult<TaxCode> {
    text.parse().map_err(|e| AppError::invalid("tax_code", e))
}

/// An enterprise the registrar may see in full; outside their territory it does not exist for them (404).
pub async fn visible(state: &AppState, me: &Principal, code: &str) -> AppResult<Enterprise> {
    require_registrar(me)?;
    let code = tax_code(code)?;
    let e = service::enterprise(&state.db, &code).await?;
    authorize(me, Action::ReadEnterprises(territory_of(&e))).map_err(|_| AppError::NotFound)?;
    Ok(e)
}

/// Writes the caller's look at the citizens an enterprise's record names to the ledger, one entry each, before
/// the record leaves the server.
pub async fn record_read(
    state: &AppState,
    me: &Principal,
    e: &Enterprise,
    purpose: &Purpose,
    view: &str,
) -> AppResult<()> {
    let actor = me.actor(Role::BusinessRegistrar);
    let reads = audit::people(e).into_iter().map(|id| state.ledger.record(audit::read(id, e, &actor, purpose, view)));
    for read in futures_util::future::join_all(reads).await {
        read.map_err(EnterpriseError::from)?;
    }
    Ok(())
}

/// The public lookup's parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// A tax code, or words of a name (with or without diacritics).
    #[param(schema_with = query_schema)]
    pub q: Option<String>,
    /// Page, from 1 (below 1 is 1, above 500 is 500).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub page: Option<String>,
}

/// One page of the public lookup.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LookupPage {
    /// What the public sees of each enterprise found.
    pub results: Vec<PublicEnterprise>,
    /// This page.
    pub page: i64,
    /// Whether another page follows.
    pub more: bool,
}

fn page_number(text: Option<&str>, errors: &mut Vec<FieldError>, most: i64) -> i64 {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(t) => t.parse::<i64>().map(|n| n.clamp(1, most)).unwrap_or_else(|_| {
            errors.push(FieldError::new("page", Text::new("Phải là một số.", "Must be a number.")));
            1
        }),
    }
}

/// Parses the lookup's query: something to look for, free text by its rule.
pub fn parse_lookup(q: &LookupQuery) -> AppResult<(String, i64)> {
    let mut errors = Vec::new();
    let page = page_number(q.page.as_deref(), &mut errors, 500);
    let text = match q.q.as_deref().map(|t| free_text::clean(t, MAX_QUERY)) {
        Some(Ok(t)) if !Search::words_of(&t).is_empty() => t,
        Some(Err(e @ (FreeTextError::Forbidden(_) | FreeTextError::TooLong { .. }))) => {
            errors.push(FieldError::new("q", e));
            String::new()
        }
        _ => {
            errors.push(FieldError::new(
                "q",
                Text::new("Nhập mã số thuế hoặc tên doanh nghiệp để tra cứu.", "Give a tax code or a name to look up."),
            ));
            String::new()
        }
    };
    if errors.is_empty() { Ok((text, page)) } else { Err(AppError::Invalid(errors)) }
}

/// Look enterprises up by tax code or name: what the national business-registration portal shows anyone.
#[utoipa::path(get, path = "/enterprises/lookup", operation_id = "lookupEnterprises", tag = "enterprises", params(LookupQuery),
    responses((status = 200, body = LookupPage), Invalid))]
pub async fn lookup(State(state): State<AppState>, Query(q): Query<LookupQuery>) -> AppResult<Json<LookupPage>> {
    let (text, page) = parse_lookup(&q)?;
    let (results, more) = service::lookup(&state.db, &text, page).await?;
    Ok(Json(LookupPage { results, page, more }))
}

/// What anyone may see of one enterprise.
#[utoipa::path(get, path = "/enterprises/lookup/{tax_code}", operation_id = "getPublicEnterprise", tag = "enterprises",
    params(("tax_code" = TaxCode, Path)),
    responses((status = 200, body = PublicEnterprise), NotFound, Invalid))]
pub async fn public_one(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<Json<PublicEnterprise>> {
    Ok(Json(service::public(&state.db, &tax_code(&code)?).await?))
}

/// Search parameters for registrars.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words of the name, with or without diacritics.
    #[param(schema_with = query_schema)]
    pub q: Option<String>,
    /// An exact tax code.
    #[param(value_type = Option<TaxCode>)]
    pub tax_code: Option<String>,
    /// The personal ID number of a legal representative.
    #[param(value_type = Option<PersonalId>)]
    pub representative: Option<String>,
    /// Province of the registered office.
    #[param(value_type = Option<AdminUnitCode>)]
    pub province: Option<String>,
    /// Commune of the registered office.
    #[param(value_type = Option<AdminUnitCode>)]
    pub commune: Option<String>,
    /// A VSIC 2018 business line.
    #[param(schema_with = vsic_schema)]
    pub line: Option<String>,
    /// Page, from 1 (below 1 is 1, above 10,000 is 10,000).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 10000)]
    pub page: Option<String>,
}

impl SearchQuery {
    /// Parses the query, refusing bad filters field by field.
    pub fn parse(&self, scope: Option<Vec<AdminUnitCode>>) -> AppResult<Search> {
        let mut errors = Vec::new();
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let mut unit = |field: &str, v: &Option<String>| match given(v) {
            None => None,
            Some(v) => v.parse::<AdminUnitCode>().map_err(|e| errors.push(FieldError::new(field, e))).ok(),
        };
        let province = unit("province", &self.province);
        let commune = unit("commune", &self.commune);
        let tax_code = match given(&self.tax_code) {
            None => None,
            Some(v) => v.parse::<TaxCode>().map_err(|e| errors.push(FieldError::new("tax_code", e))).ok(),
        };
        let representative = match given(&self.representative) {
            None => None,
            Some(v) => v.parse::<PersonalId>().map_err(|e| errors.push(FieldError::new("representative", e))).ok(),
        };
        let line = match given(&self.line) {
            None => None,
            Some(v) if crate::vsic::catalogue().get(&v).is_some_and(|l| l.level >= 2) => Some(v),
            Some(v) => {
                errors.push(FieldError::new(
                    "line",
                    Text::new(
                        format!("Mã ngành {v} không có trong VSIC 2018."),
                        format!("{v} is not a VSIC 2018 code."),
                    ),
                ));
                None
            }
        };
        if let Some(Err(e @ (FreeTextError::Forbidden(_) | FreeTextError::TooLong { .. }))) =
            self.q.as_deref().map(|q| free_text::clean(q, MAX_QUERY))
        {
            errors.push(FieldError::new("q", e));
        }
        let page = page_number(self.page.as_deref(), &mut errors, 10_000);
        let words = Search::words_of(self.q.as_deref().unwrap_or_default());
        let search = Search { words, tax_code, representative, province, commune, line, page, scope };
        if errors.is_empty() && search.is_empty() {
            errors.push(FieldError::new(
                "q",
                Text::new(
                    "Nhập tên, mã số thuế, người đại diện, tỉnh, xã hoặc ngành nghề để tìm.",
                    "Give a name, tax code, representative, province, commune or business line to search.",
                ),
            ));
        }
        if errors.is_empty() { Ok(search) } else { Err(AppError::Invalid(errors)) }
    }
}

/// One page of a registrar's search.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchPage {
    /// The enterprises, in full.
    pub results: Vec<Enterprise>,
    /// This page.
    pub page: i64,
    /// Whether another page follows.
    pub more: bool,
}

/// Writes a registrar's search to the ledger: its filters and how many were found; a search by a representative
/// names them as its subject, so they see it among the uses of their data.
pub async fn record_search(
    state: &AppState,
    me: &Principal,
    q: &SearchQuery,
    search: &Search,
    found: usize,
) -> AppResult<()> {
    let mut event =
        Event::new(EventKind::RegistrySearched, me.actor(Role::BusinessRegistrar)).detail(serde_json::json!({
            "registry": "enterprise", "q": q.q.as_deref().and_then(|q| free_text::clean(q, MAX_QUERY).ok()),
            "tax_code": search.tax_code.map(|c| c.to_string()), "province": q.province, "commune": q.commune,
            "line": q.line, "page": search.page, "found": found,
        }));
    if let Some(id) = search.representative {
        event = event.subject(id.as_str());
    }
    state.ledger.record(event).await.map_err(EnterpriseError::from)?;
    Ok(())
}

/// Search enterprises by name, tax code, representative, place or line, within the caller's territory.
#[utoipa::path(get, path = "/enterprises", operation_id = "searchEnterprises", tag = "enterprises", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = SearchPage), Forbidden, Invalid))]
pub async fn search_enterprises(
    State(state): State<AppState>,
    Caller(me): Caller,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<SearchPage>> {
    let scope = require_registrar(&me)?;
    let search = q.parse(scope)?;
    let (results, more) = search::run(&state.db, &search).await.map_err(EnterpriseError::from)?;
    record_search(&state, &me, &q, &search, results.len()).await?;
    Ok(Json(SearchPage { results, page: search.page, more }))
}

/// Register an enterprise, or with `parent` a branch: a new tax code is issued.
#[utoipa::path(post, path = "/enterprises", operation_id = "registerEnterprise", tag = "enterprises", security(("bearer" = [])), request_body = EnterpriseInput,
    responses((status = 201, body = Enterprise), Forbidden, Invalid))]
pub async fn register(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(input): Json<EnterpriseInput>,
) -> AppResult<(StatusCode, Json<Enterprise>)> {
    require_registrar(&me)?;
    let new = input.parse(service::today()).map_err(AppError::Invalid)?;
    authorize(&me, Action::WriteEnterprises(Territory::Unit(new.office.commune)))?;
    let actor = me.actor(Role::BusinessRegistrar);
    let e = service::register(&state.db, &new, &Change { actor: &actor, reason: "đăng ký qua API" }).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// An enterprise's full record: its representatives and members are personal data, so the read needs a purpose
/// and goes to the ledger.
#[utoipa::path(get, path = "/enterprises/{tax_code}", operation_id = "getEnterprise", tag = "enterprises", security(("bearer" = [])),
    params(("tax_code" = TaxCode, Path), PurposeQuery),
    responses((status = 200, body = Enterprise), Forbidden, NotFound, Invalid))]
pub async fn one(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(code): Path<String>,
    Query(why): Query<PurposeQuery>,
) -> AppResult<Json<Enterprise>> {
    let e = visible(&state, &me, &code).await?;
    record_read(&state, &me, &e, &why.parse()?, "record").await?;
    Ok(Json(e))
}

/// An enterprise's history: every version and every status.
#[derive(Serialize, utoipa::ToSchema)]
pub struct History {
    /// Every version, oldest first.
    pub versions: Vec<Version>,
    /// Every status, oldest first.
    pub statuses: Vec<StatusEntry>,
}

/// Every version of an enterprise's record, with who changed it, when and why, and its statuses.
#[utoipa::path(get, path = "/enterprises/{tax_code}/history", operation_id = "getEnterpriseHistory", tag = "enterprises", security(("bearer" = [])),
    params(("tax_code" = TaxCode, Path), PurposeQuery),
    responses((status = 200, body = History), Forbidden, NotFound, Invalid))]
pub async fn history(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(code): Path<String>,
    Query(why): Query<PurposeQuery>,
) -> AppResult<Json<History>> {
    let e = visible(&state, &me, &code).await?;
    let purpose = why.parse()?;
    let (versions, statuses) = service::history(&state.db, &e.tax_code).await?;
    let mut named: Vec<&Enterprise> = versions.iter().map(|v| &v.record).collect();
    named.dedup_by(|a, b| audit::people(a) == audit::people(b));
    for record in named {
        record_read(&state, &me, record, &purpose, "history").await?;
    }
    Ok(Json(History { versions, statuses }))
}
