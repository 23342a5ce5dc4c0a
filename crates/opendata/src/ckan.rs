//! The CKAN Action API (version 3), read-only: the catalogue as CKAN serves one, at `/api/3/action/{action}` and
//! `/api/action/{action}`, so that the tools made for CKAN portals (ckanapi, data.gov harvesters, the European
//! data portal's) read it as they read any other. Parameters come in the query string or, as ckanapi sends them,
//! as a JSON body; every answer is CKAN's envelope `{"help", "success", "result" | "error"}`.
//!
//! Written by hand because no crate serves CKAN's API; the shapes follow CKAN 2.10's `ckan/logic/action/get.py`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use web::AppState;

use crate::catalogue::{DATASETS, ORGANIZATIONS, dataset};
use crate::error::OpenDataError;
use crate::model::{Dataset, Format, Organization};
use crate::service;

/// The CKAN version whose API this answers as.
const CKAN_VERSION: &str = "2.10.0";
/// The most rows `package_search` returns at once, as CKAN's default `ckan.search.rows_max`.
const ROWS_MAX: usize = 1000;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/3/action/{action}", get(action).post(action))
        .route("/api/action/{action}", get(action).post(action))
}

/// A CKAN answer.
struct Answer {
    status: StatusCode,
    body: Value,
}

fn ok(action: &str, result: Value) -> Answer {
    Answer { status: StatusCode::OK, body: json!({ "help": help(action), "success": true, "result": result }) }
}

fn help(action: &str) -> String {
    format!("/api/3/action/help_show?name={action}")
}

fn refused(action: &str, status: StatusCode, kind: &str, message: String) -> Answer {
    let error = json!({ "__type": kind, "message": message });
    Answer { status, body: json!({ "help": help(action), "success": false, "error": error }) }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

/// The parameters of a call: the query string's, or the JSON body's.
fn parameters(query: Option<&str>, body: &[u8]) -> Result<Map<String, Value>, String> {
    if !body.iter().all(u8::is_ascii_whitespace) {
        return match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err("the body must be a JSON object".into()),
        };
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or_default()).map_err(|_| "the query string is malformed")?;
    Ok(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

fn text<'a>(p: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    p.get(name).and_then(Value::as_str)
}

/// A whole number parameter, sent as a number or as its digits; `default` if absent.
fn number(p: &Map<String, Value>, name: &str, default: usize) -> Result<usize, String> {
    match p.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => n.as_u64().and_then(|n| usize::try_from(n).ok()).ok_or(()),
        Some(Value::String(s)) if s.is_empty() => Ok(default),
        Some(Value::String(s)) => s.parse().map_err(|_| ()),
        Some(_) => Err(()),
    }
    .map_err(|_| format!("{name}: Must be a natural number"))
}

/// A yes/no parameter: `true`, or the strings CKAN takes for it.
fn flag(p: &Map<String, Value>, name: &str) -> bool {
    match p.get(name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on"),
        _ => false,
    }
}

fn iso(t: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    // CKAN writes naive UTC times with microseconds.
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]");
    t.format(&format).unwrap_or_default()
}

fn organization(o: &Organization, base: &str) -> Value {
    let count = DATASETS.iter().filter(|d| d.organization.name == o.name).count();
    json!({
        "id": o.name, "name": o.name, "title": o.title_vi, "display_name": o.title_vi,
        "description": o.title_en, "type": "organization", "is_organization": true, "state": "active",
        "approval_status": "approved", "image_url": "", "created": "2026-01-01T00:00:00",
        "package_count": count, "url": format!("{base}/du-lieu-mo?to-chuc={}", o.name),
    })
}

fn resource(d: &Dataset, format: Format, base: &str, modified: &str) -> Value {
    json!({
        "id": format!("{}-{}", d.name, format.extension()), "package_id": d.name,
        "name": format!("{} ({})", d.title_vi, format.label()), "description": d.title_en,
        "url": format!("{base}/du-lieu-mo/{}.{}", d.name, format.extension()), "format": format.label(),
        "mimetype": format.media_type(), "url_type": "", "state": "active", "position": if format == Format::Csv { 0 } else { 1 },
        "created": modified, "last_modified": modified, "metadata_modified": modified,
        "datastore_active": false, "resource_type": null, "size": null, "hash": "",
    })
}

/// A dataset as CKAN's `package_show` gives it, its figures as of `generated_at`.
fn package(d: &Dataset, base: &str, generated_at: i64) -> Value {
    let modified = iso(generated_at);
    let resources: Vec<Value> = Format::ALL.iter().map(|f| resource(d, *f, base, &modified)).collect();
    let tags: Vec<Value> =
        d.tags.iter().map(|t| json!({ "name": t, "display_name": t, "id": t, "state": "active" })).collect();
    json!({
        "id": d.name, "name": d.name, "title": d.title_vi, "notes": d.notes_vi, "type": "dataset",
        "state": "active", "private": false, "isopen": true, "license_id": "cc-by",
        "license_title": "Creative Commons Attribution", "license_url": "http://www.opendefinition.org/licenses/cc-by",
        "author": d.organization.title_vi, "author_email": null, "maintainer": d.organization.title_vi,
        "maintainer_email": null, "version": null, "url": format!("{base}/du-lieu-mo/{}", d.name),
        "owner_org": d.organization.name, "organization": organization(d.organization, base),
        "metadata_created": "2026-01-01T00:00:00", "metadata_modified": modified,
        "num_resources": resources.len(), "resources": resources, "num_tags": tags.len(), "tags": tags,
        "groups": [], "relationships_as_object": [], "relationships_as_subject": [],
        "extras": [
            { "key": "title_en", "value": d.title_en }, { "key": "notes_en", "value": d.notes_en },
            { "key": "frequency", "value": "hourly" }, { "key": "language", "value": "vi" },
        ],
    })
}

async fn package_of(state: &AppState, d: &Dataset) -> Result<Value, OpenDataError> {
    let table = service::table(&state.db, d).await?;
    Ok(package(d, &state.config.public_url.to_string(), table.generated_at))
}

/// Whether every word of `q` (folded, without diacritics) is in the dataset's titles, notes or tags.
fn matches(d: &Dataset, q: &str) -> bool {
    let haystack = kernel::text::fold(&format!(
        "{} {} {} {} {} {}",
        d.name,
        d.title_vi,
        d.title_en,
        d.notes_vi,
        d.notes_en,
        d.tags.join(" ")
    ));
    kernel::text::fold(q).split_whitespace().filter(|w| *w != "*:*").all(|w| haystack.contains(w))
}

fn page<T>(items: Vec<T>, p: &Map<String, Value>, limit_name: &str) -> Result<Vec<T>, String> {
    let offset = number(p, "offset", 0)?;
    let limit = number(p, limit_name, usize::MAX)?;
    Ok(items.into_iter().skip(offset).take(limit).collect())
}

async fn answer(state: &AppState, action: &str, p: &Map<String, Value>) -> Result<Answer, OpenDataError> {
    let base = state.config.public_url.to_string();
    let invalid = |message: String| refused(action, StatusCode::CONFLICT, "Validation Error", message);
    let not_found = || refused(action, StatusCode::NOT_FOUND, "Not Found Error", "Not found".into());
    let one = |name: &str| text(p, name).map(str::trim).filter(|s| !s.is_empty());
    Ok(match action {
        "status_show" => ok(
            action,
            json!({
                "ckan_version": CKAN_VERSION, "site_title": "congso — Dữ liệu mở", "site_description": "",
                "site_url": base, "locale_default": "vi", "extensions": [],
            }),
        ),
        "site_read" => ok(action, json!(true)),
        "package_list" => match page(DATASETS.iter().map(|d| d.name).collect(), p, "limit") {
            Ok(names) => ok(action, json!(names)),
            Err(e) => invalid(e),
        },
        "current_package_list_with_resources" => match page(DATASETS.iter().collect(), p, "limit") {
            Ok(datasets) => {
                let mut packages = Vec::new();
                for d in datasets {
                    packages.push(package_of(state, d).await?);
                }
                ok(action, json!(packages))
            }
            Err(e) => invalid(e),
        },
        "package_show" => match one("id").or_else(|| one("name")).and_then(dataset) {
            Some(d) => ok(action, package_of(state, d).await?),
            None if one("id").or_else(|| one("name")).is_none() => invalid("id: Missing value".into()),
            None => not_found(),
        },
        "package_search" => {
            let q = one("q").unwrap_or_default();
            let found: Vec<&Dataset> = DATASETS.iter().filter(|d| matches(d, q)).collect();
            let (rows, start) = match (number(p, "rows", 10), number(p, "start", 0)) {
                (Ok(rows), Ok(start)) => (rows.min(ROWS_MAX), start),
                (Err(e), _) | (_, Err(e)) => return Ok(invalid(e)),
            };
            let mut results = Vec::new();
            for d in found.iter().skip(start).take(rows) {
                results.push(package_of(state, d).await?);
            }
            ok(
                action,
                json!({ "count": found.len(), "sort": "score desc, metadata_modified desc",
                "facets": {}, "search_facets": {}, "results": results }),
            )
        }
        "organization_list" => {
            let all = flag(p, "all_fields");
            let listed =
                ORGANIZATIONS.iter().map(|o| if all { organization(o, &base) } else { json!(o.name) }).collect();
            match page(listed, p, "limit") {
                Ok(listed) => ok(action, Value::Array(listed)),
                Err(e) => invalid(e),
            }
        }
        "organization_show" => match one("id").and_then(|id| ORGANIZATIONS.iter().find(|o| o.name == id)) {
            Some(o) => {
                let mut shown = organization(o, &base);
                if flag(p, "include_datasets") {
                    let mut packages = Vec::new();
                    for d in DATASETS.iter().filter(|d| d.organization.name == o.name) {
                        packages.push(package_of(state, d).await?);
                    }
                    shown["packages"] = json!(packages);
                }
                ok(action, shown)
            }
            None if one("id").is_none() => invalid("id: Missing value".into()),
            None => not_found(),
        },
        "tag_list" => {
            let mut tags: Vec<&str> = DATASETS.iter().flat_map(|d| d.tags.iter().copied()).collect();
            tags.sort_unstable();
            tags.dedup();
            ok(action, json!(tags))
        }
        "resource_show" => {
            let found = one("id").and_then(|id| {
                let (name, extension) = id.rsplit_once('-')?;
                Some((dataset(name)?, Format::of(extension)?))
            });
            match found {
                Some((d, format)) => {
                    let table = service::table(&state.db, d).await?;
                    ok(action, resource(d, format, &base, &iso(table.generated_at)))
                }
                None if one("id").is_none() => invalid("id: Missing value".into()),
                None => not_found(),
            }
        }
        _ => {
            let name: String = action.chars().take(60).collect();
            refused(action, StatusCode::BAD_REQUEST, "Bad request", format!("Action name not known: {name}"))
        }
    })
}

async fn action(
    State(state): State<AppState>,
    Path(action): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let p = match parameters(query.as_deref(), &body) {
        Ok(p) => p,
        Err(e) => return refused(&action, StatusCode::BAD_REQUEST, "Bad request", e).into_response(),
    };
    match answer(&state, &action, &p).await {
        Ok(answer) => answer.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "open data: a CKAN action failed");
            refused(&action, StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error", "Internal error".into())
                .into_response()
        }
    }
}
