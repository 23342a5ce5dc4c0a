//! The pages: the catalogue (`/du-lieu-mo`), a dataset's page with a preview of its figures, and its files
//! (`/du-lieu-mo/<name>.csv`, `.json`), for anyone, signed in or not.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use web::error::html;
use web::extract::Path;
use web::{AppResult, AppState, PageCtx};

use crate::catalogue::{DATASETS, MIN_PEOPLE, dataset};
use crate::error::OpenDataError;
use crate::model::{Dataset, Format, Kind, Table};
use crate::service;

/// How many rows a dataset's page shows before the files take over.
const PREVIEW: usize = 50;

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/du-lieu-mo", get(catalogue)).route("/du-lieu-mo/{item}", get(item))
}

#[derive(Template)]
#[template(path = "opendata_catalogue.html")]
struct CataloguePage {
    page: PageCtx,
    datasets: &'static [Dataset],
}

async fn catalogue(page: PageCtx) -> Response {
    html(&CataloguePage { page, datasets: &DATASETS })
}

#[derive(Template)]
#[template(path = "opendata_dataset.html")]
struct DatasetPage {
    page: PageCtx,
    d: &'static Dataset,
    table: Table,
    rows: usize,
    preview: usize,
    min_people: i64,
}

impl DatasetPage {
    /// A value as the table shows it: withheld counts as "<5".
    fn cell(&self, v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Null => format!("<{}", self.min_people),
            other => other.to_string(),
        }
    }

    fn numeric(&self, i: &usize) -> bool {
        self.d.columns.get(*i).is_some_and(|c| c.kind == Kind::Integer)
    }

    /// The label of column `i`.
    fn label(&self, i: &usize) -> &'static str {
        self.d.columns.get(*i).map_or("", |c| c.label(&self.page.lang))
    }

    /// The rows the page shows.
    fn shown(&self) -> impl Iterator<Item = &Vec<Value>> {
        self.table.rows.iter().take(self.preview)
    }
}

async fn item(State(state): State<AppState>, page: PageCtx, Path(item): Path<String>) -> AppResult<Response> {
    let (name, format) = match item.rsplit_once('.') {
        Some((name, extension)) => (name, Some(Format::of(extension).ok_or(OpenDataError::NotFound)?)),
        None => (item.as_str(), None),
    };
    let d = dataset(name).ok_or(OpenDataError::NotFound)?;
    let table = service::table(&state.db, d).await?;
    let filename = |f: Format| format!("attachment; filename=\"{}.{}\"", d.name, f.extension());
    Ok(match format {
        None => {
            let rows = table.rows.len();
            html(&DatasetPage { page, d, table, rows, preview: PREVIEW, min_people: MIN_PEOPLE })
        }
        Some(f @ Format::Csv) => {
            let body = service::csv(d, &table)?;
            ([(header::CONTENT_TYPE, f.media_type().to_owned()), (header::CONTENT_DISPOSITION, filename(f))], body)
                .into_response()
        }
        Some(f @ Format::Json) => {
            let body =
                serde_json::to_vec(&service::records(d, &table)).map_err(|e| OpenDataError::Corrupt(e.to_string()))?;
            ([(header::CONTENT_TYPE, f.media_type().to_owned()), (header::CONTENT_DISPOSITION, filename(f))], body)
                .into_response()
        }
    })
}
