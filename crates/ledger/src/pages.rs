//! "Ai đã dùng dữ liệu của tôi" — who used my data: the citizen's page.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use identity::Caller;
use web::error::html;
use web::extract::Query;
use web::{AppResult, AppState, PageCtx};

use crate::api::{DataUse, USAGE_PAGE, UsageQuery, my_personal_id, uses_of};

/// The citizen's pages.
pub fn routes() -> Router<AppState> {
    Router::new().route("/me/data-usage", get(data_usage_page))
}

#[derive(Template)]
#[template(path = "data_usage.html")]
struct DataUsagePage {
    page: PageCtx,
    uses: Vec<DataUse>,
    next: Option<u64>,
}

impl DataUsagePage {
    fn kind_key(use_: &DataUse) -> String {
        format!("usage.kind.{}", use_.kind)
    }

    fn role_key(role: &str) -> String {
        format!("role.{role}")
    }

    /// A listed purpose by its label; "other" with the official's words.
    fn purpose(&self, purpose: &str) -> String {
        match purpose.parse::<trust::ledger::Purpose>() {
            Ok(trust::ledger::Purpose::Other(words)) => format!("{}: {words}", self.page.t("purpose.other_words")),
            Ok(listed) => self.page.t(&format!("purpose.{}", listed.code())).to_owned(),
            // Changes carry a legal basis in words, not a listed purpose.
            Err(_) => purpose.to_owned(),
        }
    }
}

async fn data_usage_page(
    State(state): State<AppState>,
    page: PageCtx,
    Caller(me): Caller,
    Query(q): Query<UsageQuery>,
) -> AppResult<Response> {
    let uses = uses_of(&state, my_personal_id(&me)?, q.before.as_deref()).await?;
    let next = (uses.len() == USAGE_PAGE as usize).then(|| uses.last().map(|u| u.seq)).flatten();
    Ok(html(&DataUsagePage { page, uses, next }))
}
