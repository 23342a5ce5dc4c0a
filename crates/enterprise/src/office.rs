//! The business registrars' back office: search within their territory, and an enterprise's full record with
//! its history, opened only once the registrar says why (the read goes to the ledger with that purpose, and each
//! citizen the record names sees it). Every page works without JavaScript.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use identity::Caller;
use registry::api::PurposeQuery;
use trust::ledger::Purpose;
use web::error::html;
use web::extract::{Path, Query};
use web::{AppResult, AppState, PageCtx};

use crate::api::{SearchQuery, record_read, record_search, require_registrar, visible};
use crate::model::{Enterprise, StatusEntry, Version};
use crate::pages::problems;
use crate::{search, service};

/// The routes under `/office/enterprises`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/enterprises", get(search_page))
        .route("/office/enterprises/{tax_code}", get(enterprise_page))
}

#[derive(Template)]
#[template(path = "office_search.html")]
struct SearchPage {
    page: PageCtx,
    q: SearchQuery,
    results: Vec<Enterprise>,
    searched: bool,
    more: bool,
    errors: Vec<String>,
}

impl SearchPage {
    /// What the form's field `name` held, to show it again.
    fn field(&self, name: &str) -> &str {
        let value = match name {
            "q" => &self.q.q,
            "tax_code" => &self.q.tax_code,
            "representative" => &self.q.representative,
            "province" => &self.q.province,
            _ => &self.q.line,
        };
        value.as_deref().unwrap_or_default()
    }
}

async fn search_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    let scope = require_registrar(&me)?;
    let searched = [&q.q, &q.tax_code, &q.representative, &q.province, &q.commune, &q.line].iter().any(|v| v.is_some());
    let mut view =
        SearchPage { results: vec![], searched, more: false, errors: vec![], page, q: SearchQuery::default() };
    if searched {
        match q.parse(scope) {
            Ok(s) => {
                let (results, more) = search::run(&state.db, &s).await.map_err(crate::error::EnterpriseError::from)?;
                record_search(&state, &me, &q, &s, results.len()).await?;
                view.results = results;
                view.more = more;
            }
            Err(e) => view.errors = problems(&view.page, e)?,
        }
    }
    view.q = q;
    Ok(html(&view))
}

/// Asks why before a record opens: the answer goes to the ledger with the read.
#[derive(Template)]
#[template(path = "office_purpose.html")]
struct PurposePage {
    page: PageCtx,
    target: String,
    codes: [&'static str; 5],
    chosen: String,
    error: Option<String>,
}

impl PurposePage {
    fn label_key(code: &str) -> String {
        format!("purpose.{code}")
    }
}

#[derive(Template)]
#[template(path = "office_enterprise.html")]
struct EnterprisePage {
    page: PageCtx,
    e: Enterprise,
    versions: Vec<Version>,
    statuses: Vec<StatusEntry>,
    line_names: Vec<(String, String)>,
}

impl EnterprisePage {
    fn money(amount: impl std::borrow::Borrow<i64>) -> String {
        let digits = amount.borrow().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push('.');
            }
            out.push(c);
        }
        format!("{out} đ")
    }
}

async fn enterprise_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Path(code): Path<String>,
    Query(why): Query<PurposeQuery>,
) -> AppResult<Response> {
    let e = visible(&state, &me, &code).await?;
    let purpose = match why.parse() {
        Ok(p) => p,
        Err(err) => {
            let error = match (why.purpose.is_some(), err) {
                (false, _) => None,
                (true, err) => Some(problems(&page, err)?.join(" ")),
            };
            let chosen = why.purpose.clone().unwrap_or_default();
            return Ok(html(&PurposePage {
                page,
                target: e.tax_code.to_string(),
                codes: Purpose::CODES,
                chosen,
                error,
            }));
        }
    };
    record_read(&state, &me, &e, &purpose, "record").await?;
    let (versions, statuses) = service::history(&state.db, &e.tax_code).await?;
    let catalogue = crate::vsic::catalogue();
    let line_names =
        e.lines.iter().map(|c| (c.clone(), catalogue.get(c).map(|l| l.name.clone()).unwrap_or_default())).collect();
    Ok(html(&EnterprisePage { page, e, versions, statuses, line_names }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(super::EnterprisePage::money(1_500_000_000), "1.500.000.000 đ");
        assert_eq!(super::EnterprisePage::money(0), "0 đ");
    }
}
