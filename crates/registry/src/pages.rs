//! The back-office pages of the population registry: search, a citizen's record with its history, a household,
//! an address lookup. Every page works without JavaScript.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use identity::Caller;
use kernel::DigitalAddress;
use serde::Deserialize;
use web::error::html;
use web::extract::{Path, Query};
use web::{AppError, AppResult, AppState, PageCtx};

use trust::ledger::Purpose;

use crate::api::{
    PurposeQuery, SearchQuery, record_read, record_search, require_registry_role, territory_of, visible_citizen,
    visible_household,
};
use crate::model::{Address, Citizen, CitizenStatus, Household, Version};
use crate::{search, service};

/// The routes under `/registry`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/registry/citizens", get(search_page))
        .route("/registry/citizens/{personal_id}", get(citizen_page))
        .route("/registry/households/{code}", get(household_page))
        .route("/registry/addresses", get(address_page))
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: PageCtx,
    q: String,
    birth_year: String,
    commune: String,
    results: Vec<Citizen>,
    searched: bool,
    more: bool,
    next: Option<String>,
    errors: Vec<(String, String)>,
}

async fn search_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    let scope = require_registry_role(&me)?;
    let searched = q.q.is_some() || q.commune.is_some();
    let mut view = SearchPage {
        q: q.q.clone().unwrap_or_default(),
        birth_year: q.birth_year.clone().unwrap_or_default(),
        commune: q.commune.clone().unwrap_or_default(),
        results: vec![],
        searched,
        more: false,
        next: None,
        errors: vec![],
        page,
    };
    if searched {
        match q.parse(scope) {
            Ok(search) => {
                let (results, more) = search::run(&state.db, &search).await?;
                record_search(&state, &me, &q, results.len()).await?;
                view.results = results;
                view.more = more;
                view.next = more.then(|| {
                    let mut params = vec![("q", view.q.clone()), ("page", (search.page + 1).to_string())];
                    if !view.birth_year.is_empty() {
                        params.push(("birth_year", view.birth_year.clone()));
                    }
                    if !view.commune.is_empty() {
                        params.push(("commune", view.commune.clone()));
                    }
                    serde_urlencoded::to_string(params).unwrap_or_default()
                });
            }
            Err(AppError::Invalid(fields)) => {
                view.errors =
                    fields.iter().map(|f| (f.field.clone(), f.message.message(view.page.lang).into_owned())).collect();
            }
            Err(e) => return Err(e),
        }
    }
    Ok(html(&view))
}

#[derive(Template)]
#[template(path = "citizen.html")]
struct CitizenPage {
    page: PageCtx,
    citizen: Citizen,
    history: Vec<Version>,
}

/// Asks why, before a record opens: the answer goes to the ledger with the read, and the citizen sees it.
#[derive(Template)]
#[template(path = "purpose.html")]
struct PurposePage {
    page: PageCtx,
    /// What is about to open: a citizen's name is not shown before the purpose is given.
    target: String,
    codes: [&'static str; 5],
    chosen: String,
    other: String,
    error: Option<String>,
}

impl PurposePage {
    fn label_key(code: &str) -> String {
        format!("purpose.{code}")
    }
}

/// The purpose from the query, or the page that asks for it.
fn purpose_or_form(page: PageCtx, why: &PurposeQuery, target: String) -> Result<Purpose, Box<Response>> {
    match why.parse() {
        Ok(purpose) => Ok(purpose),
        Err(e) => {
            let error = why.purpose.is_some().then(|| match e {
                AppError::Invalid(fields) => {
                    fields.iter().map(|f| f.message.message(page.lang).into_owned()).collect::<Vec<_>>().join(" ")
                }
                other => other.to_string(),
            });
            Err(Box::new(html(&PurposePage {
                page,
                target,
                codes: Purpose::CODES,
                chosen: why.purpose.clone().unwrap_or_default(),
                other: why.purpose_other.clone().unwrap_or_default(),
                error,
            })))
        }
    }
}

async fn citizen_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(personal_id): Path<String>,
    Query(why): Query<PurposeQuery>,
) -> AppResult<Response> {
    let citizen = visible_citizen(&state, &me, &personal_id).await?;
    let purpose = match purpose_or_form(page.clone(), &why, citizen.personal_id.to_string()) {
        Ok(purpose) => purpose,
        Err(form) => return Ok(*form),
    };
    record_read(&state, &me, &[citizen.personal_id.as_str()], &purpose, "record").await?;
    let history = service::history(&state.db, &citizen.personal_id).await?;
    Ok(html(&CitizenPage { page, citizen, history }))
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    page: PageCtx,
    household: Household,
}

async fn household_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(code): Path<String>,
    Query(why): Query<PurposeQuery>,
) -> AppResult<Response> {
    let household = visible_household(&state, &me, &code).await?;
    let purpose = match purpose_or_form(page.clone(), &why, household.code.clone()) {
        Ok(purpose) => purpose,
        Err(form) => return Ok(*form),
    };
    let members: Vec<&str> = household.members.iter().map(|m| m.personal_id.as_str()).collect();
    record_read(&state, &me, &members, &purpose, "household").await?;
    Ok(html(&HouseholdPage { page, household }))
}

#[derive(Deserialize)]
struct AddressQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "address.html")]
struct AddressPage {
    page: PageCtx,
    code: String,
    address: Option<Address>,
    error: Option<String>,
}

async fn address_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Query(q): Query<AddressQuery>,
) -> AppResult<Response> {
    require_registry_role(&me)?;
    let code = q.code.unwrap_or_default();
    let mut view = AddressPage { page, code: code.clone(), address: None, error: None };
    if !code.trim().is_empty() {
        match code.parse::<DigitalAddress>() {
            Err(e) => view.error = Some(kernel::Localized::message(&e, view.page.lang).into_owned()),
            Ok(parsed) => match service::address(&state.db, &parsed).await {
                Ok(a)
                    if identity::authorize(&me, identity::Action::ReadPopulation(territory_of(Some(&a.commune))))
                        .is_ok() =>
                {
                    view.address = Some(a)
                }
                Ok(_) | Err(crate::error::RegistryError::NotFound) => {
                    view.error = Some(view.page.t("registry.no_address").to_owned())
                }
                Err(e) => return Err(e.into()),
            },
        }
    }
    Ok(html(&view))
}
