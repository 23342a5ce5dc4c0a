//! The land registry's pages: for land officers, the search (`/dat-dai`), a parcel drawn with its neighbours
//! (`/dat-dai/thua/{commune}/{sheet}/{number}`) and a commune's map coloured by purpose (`/dat-dai/xa/{commune}`);
//! for a citizen, their own parcels (`/me/land`).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use identity::policy::{Action, allows, authorize};
use identity::{Caller, Principal, Territory};
use kernel::{AdminUnitCode, Lang};
use registry::api::PurposeQuery;
use serde::Deserialize;
use trust::ledger::Purpose;
use web::error::html;
use web::extract::{Path, Query};
use web::{AppError, AppResult, AppState, PageCtx};

use crate::api::{ParcelPath, record_read, require_land_role, visible};
use crate::model::{Holder, Parcel, ParcelRef, Transaction};
use crate::service;
use crate::svg::{self, Drawing, Item};

/// The pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dat-dai", get(office))
        .route("/dat-dai/thua/{commune}/{sheet}/{number}", get(parcel_page))
        .route("/dat-dai/xa/{commune}", get(commune_map))
        .route("/me/land", get(mine))
}

/// How far around a parcel its page draws neighbours, in metres.
const AROUND: f64 = 30.0;

/// The most parcels a commune's map draws at once (a sheet at a time beyond that).
const MAP_LIMIT: i64 = 3_000;

fn link(r: &ParcelRef) -> String {
    format!("/dat-dai/thua/{}/{}/{}", r.commune, r.sheet, r.number)
}

/// A purpose's name in the page's language, for the legend.
pub struct Legend {
    colour: &'static str,
    code: &'static str,
    name: &'static str,
}

fn legend(d: &Drawing, lang: Lang) -> Vec<Legend> {
    d.legend.iter().map(|u| Legend { colour: u.colour(), code: u.code(), name: u.name(lang) }).collect()
}

/// A transaction as the history shows it.
struct Row {
    kind: &'static str,
    from: String,
    to: String,
    share: String,
    detail: String,
    at: i64,
}

fn rows(history: &[Transaction]) -> Vec<Row> {
    history
        .iter()
        .map(|t| Row {
            kind: t.kind.key(),
            from: t.from.clone().unwrap_or_default(),
            to: t.to.clone().unwrap_or_default(),
            share: t
                .share_bp
                .and_then(|s| crate::model::Share::new(i64::from(s)).ok())
                .map(|s| s.display_vi())
                .unwrap_or_default(),
            detail: [
                t.certificate.clone(),
                t.until.clone(),
                t.releases.map(|r| format!("#{r}")),
                Some(format!("#{}", t.id)),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
            at: t.at,
        })
        .collect()
}

/// A parcel as its page shows it.
struct View {
    parcel: Parcel,
    area: String,
    computed: String,
    purpose: &'static str,
    term: String,
    holders: Vec<(String, String)>,
    drawing: Option<Drawing>,
    legend: Vec<Legend>,
    history: Vec<Row>,
}

async fn view(state: &AppState, parcel: Parcel, history: &[Transaction], lang: Lang, links: bool) -> AppResult<View> {
    let neighbours = service::neighbours(&state.db, &parcel, AROUND).await?;
    let mut items: Vec<Item<'_>> =
        neighbours.iter().map(|(r, u, f)| Item { reference: *r, purpose: *u, footprint: f, focus: false }).collect();
    items.push(Item {
        reference: parcel.reference,
        purpose: parcel.purpose,
        footprint: &parcel.footprint,
        focus: true,
    });
    let drawing = svg::draw(&items, |r| if links { link(r) } else { String::new() });
    let legend = drawing.as_ref().map(|d| legend(d, lang)).unwrap_or_default();
    Ok(View {
        area: parcel.area.display_vi(),
        computed: parcel.computed_area.display_vi(),
        purpose: parcel.purpose.name(lang),
        term: match parcel.term {
            crate::model::Term::LongTerm => String::new(),
            crate::model::Term::Until(d) => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
        },
        holders: parcel.holders.iter().map(|h| (h.holder.to_string(), h.share.display_vi())).collect(),
        history: rows(history),
        drawing,
        legend,
        parcel,
    })
}

#[derive(Template)]
#[template(path = "parcel.html")]
struct ParcelPage {
    page: PageCtx,
    v: View,
    official: bool,
}

#[derive(Template)]
#[template(path = "land_purpose.html")]
struct PurposePage {
    page: PageCtx,
    target: String,
    codes: [&'static str; 5],
}

impl PurposePage {
    fn label_key(code: &str) -> String {
        format!("purpose.{code}")
    }
}

async fn parcel_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(at): Path<ParcelPath>,
    Query(why): Query<PurposeQuery>,
) -> AppResult<Response> {
    let (parcel, history) = visible(&state, &me, &at.parcel()?).await?;
    let purpose: Purpose = match why.parse() {
        Ok(p) => p,
        Err(_) => {
            let target = parcel.reference.to_string();
            return Ok(html(&PurposePage { page, target, codes: Purpose::CODES }));
        }
    };
    record_read(&state, &me, &parcel, &purpose).await?;
    let v = view(&state, parcel, &history, page.lang, true).await?;
    Ok(html(&ParcelPage { page, v, official: true }))
}

/// The office's search, as the form sends it.
#[derive(Debug, Default, Deserialize)]
struct OfficeQuery {
    commune: Option<String>,
    sheet: Option<String>,
    number: Option<String>,
    certificate: Option<String>,
}

#[derive(Template)]
#[template(path = "office.html")]
struct OfficePage {
    page: PageCtx,
    q: OfficeQuery,
    results: Vec<(String, String, String, String, bool)>,
    error: Option<String>,
    searched: bool,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The search of parcels by commune (with sheet and number) or certificate serial. A land user's parcels are
/// searched through the API, which asks why.
async fn office(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Query(q): Query<OfficeQuery>,
) -> AppResult<Response> {
    require_land_role(&me)?;
    let mut error = None;
    let mut found: Vec<ParcelRef> = Vec::new();
    let searched = blank(&q.certificate).is_some() || blank(&q.commune).is_some();
    if let Some(serial) = blank(&q.certificate) {
        match serial.parse() {
            Ok(serial) => match service::by_certificate(&state.db, &serial).await {
                Ok(r) => found.push(r),
                Err(crate::error::LandError::NoParcel) => {}
                Err(e) => return Err(e.into()),
            },
            Err(e) => error = Some(kernel::Localized::message(&e, page.lang).into_owned()),
        }
    } else if let Some(commune) = blank(&q.commune) {
        match commune.parse::<AdminUnitCode>() {
            Ok(commune) if allows(&me, Action::ReadLand(Territory::Unit(commune))) => {
                let sheet = blank(&q.sheet).and_then(|s| s.parse().ok());
                let number: Option<u32> = blank(&q.number).and_then(|s| s.parse().ok());
                let rows = service::in_commune(&state.db, commune, sheet, (0, 0), service::MAX_RESULTS, false).await?;
                found =
                    rows.into_iter().map(|s| s.reference).filter(|r| number.is_none_or(|n| r.number == n)).collect();
            }
            Ok(_) => error = Some(page.t("land.outside").to_owned()),
            Err(e) => error = Some(kernel::Localized::message(&e, page.lang).into_owned()),
        }
    }
    let mut results = Vec::new();
    for r in found.into_iter().filter(|r| allows(&me, Action::ReadLand(crate::api::territory(r)))) {
        let p = service::parcel(&state.db, &r).await?;
        results.push((link(&r), r.to_string(), p.area.display_vi(), p.purpose.name(page.lang).to_owned(), p.flagged));
    }
    Ok(html(&OfficePage { page, q, results, error, searched }))
}

#[derive(Debug, Default, Deserialize)]
struct MapQuery {
    sheet: Option<String>,
}

#[derive(Template)]
#[template(path = "commune_map.html")]
struct CommuneMap {
    page: PageCtx,
    commune: String,
    name: &'static str,
    drawing: Option<Drawing>,
    legend: Vec<Legend>,
    count: usize,
    sheets: Vec<u32>,
}

/// A commune's parcels coloured by purpose, with a legend; a sheet at a time past [`MAP_LIMIT`] parcels. No
/// personal data: boundaries and purposes only.
async fn commune_map(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(commune): Path<String>,
    Query(q): Query<MapQuery>,
) -> AppResult<Response> {
    require_land_role(&me)?;
    let code: AdminUnitCode = commune.parse().map_err(|_| AppError::NotFound)?;
    authorize(&me, Action::ReadLand(Territory::Unit(code)))?;
    let sheet = blank(&q.sheet).and_then(|s| s.parse().ok());
    let parcels = service::in_commune(&state.db, code, sheet, (0, 0), MAP_LIMIT, true).await?;
    let mut sheets: Vec<u32> = parcels.iter().map(|p| p.reference.sheet).collect();
    sheets.dedup();
    let items: Vec<Item<'_>> = parcels
        .iter()
        .filter_map(|p| {
            Some(Item { reference: p.reference, purpose: p.purpose, footprint: p.footprint.as_ref()?, focus: false })
        })
        .collect();
    let drawing = svg::draw(&items, link);
    let legend = drawing.as_ref().map(|d| legend(d, page.lang)).unwrap_or_default();
    let name = code.unit().name.as_str();
    Ok(html(&CommuneMap { page, commune: code.to_string(), name, count: items.len(), drawing, legend, sheets }))
}

#[derive(Template)]
#[template(path = "my_land.html")]
struct MyLand {
    page: PageCtx,
    parcels: Vec<View>,
}

/// The signed-in citizen's own parcels, each drawn with its neighbours (boundaries only, no links).
async fn mine(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let mut parcels = Vec::new();
    if let Some(holder) = citizen(&me) {
        for s in service::parcels_of(&state.db, &holder).await? {
            let (parcel, history) = service::parcel_with_history(&state.db, &s.reference).await?;
            parcels.push(view(&state, parcel, &history, page.lang, false).await?);
        }
    }
    Ok(html(&MyLand { page, parcels }))
}

fn citizen(me: &Principal) -> Option<Holder> {
    match (me.kind, me.personal_id) {
        (identity::AccountKind::Citizen, Some(id)) => Some(Holder::Citizen(id)),
        _ => None,
    }
}
