//! The public pages (the lookup by tax code or name, and what anyone may see of one enterprise) and the citizen's
//! own: the enterprises they represent. The registrars' back office is [`crate::office`].

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use identity::Caller;
use web::error::html;
use web::extract::{Path, Query};
use web::{AppError, AppResult, AppState, PageCtx};

use crate::api::{LookupQuery, parse_lookup};
use crate::model::{Enterprise, PublicEnterprise};
use crate::service;

/// The public pages, the citizen's, and the back office.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/doanh-nghiep", get(lookup_page))
        .route("/doanh-nghiep/{tax_code}", get(public_page))
        .route("/me/enterprises", get(mine_page))
        .merge(crate::office::routes())
}

/// The messages of invalid fields, for a page to show beside its form.
pub(crate) fn problems(page: &PageCtx, e: AppError) -> AppResult<Vec<String>> {
    match e {
        AppError::Invalid(fields) => Ok(fields.iter().map(|f| f.message.message(page.lang).into_owned()).collect()),
        other => Err(other),
    }
}

#[derive(Template)]
#[template(path = "lookup.html")]
struct LookupPage {
    page: PageCtx,
    q: String,
    results: Vec<PublicEnterprise>,
    searched: bool,
    next: Option<String>,
    errors: Vec<String>,
}

async fn lookup_page(
    State(state): State<AppState>,
    page: PageCtx,
    Query(q): Query<LookupQuery>,
) -> AppResult<Response> {
    let searched = q.q.is_some();
    let mut view =
        LookupPage { q: q.q.clone().unwrap_or_default(), results: vec![], searched, next: None, errors: vec![], page };
    if searched {
        match parse_lookup(&q) {
            Ok((text, number)) => {
                let (results, more) = service::lookup(&state.db, &text, number).await?;
                view.results = results;
                view.next = more.then(|| format!("q={}&page={}", urlencode(&text), number + 1));
            }
            Err(e) => view.errors = problems(&view.page, e)?,
        }
    }
    Ok(html(&view))
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "public.html")]
struct PublicPage {
    page: PageCtx,
    e: PublicEnterprise,
}

async fn public_page(State(state): State<AppState>, page: PageCtx, Path(code): Path<String>) -> AppResult<Response> {
    let code = code.parse().map_err(|e| AppError::invalid("tax_code", e))?;
    let e = service::public(&state.db, &code).await?;
    Ok(html(&PublicPage { page, e }))
}

#[derive(Template)]
#[template(path = "mine.html")]
struct MinePage {
    page: PageCtx,
    enterprises: Vec<Enterprise>,
}

async fn mine_page(State(state): State<AppState>, page: PageCtx, Caller(me): Caller) -> AppResult<Response> {
    let enterprises = match me.personal_id {
        Some(id) => service::represented_by(&state.db, &id).await?,
        None => Vec::new(),
    };
    Ok(html(&MinePage { page, enterprises }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn queries_are_encoded_for_the_next_page() {
        assert_eq!(super::urlencode("hoàng phát"), "ho%C3%A0ng%20ph%C3%A1t");
    }
}
