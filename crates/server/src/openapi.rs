//! The OpenAPI 3 document of `/api/v1`: what the slices' routers register, each operation beside its handler, so
//! it cannot drift from the routes. Here are only the document's info and security scheme; the paths, tags and
//! schemas come from the slices' routers ([`crate::app::api`]), the shared error responses from
//! [`web::openapi::complete`].

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use web::AppState;
use web::extract::Json;
use web::openapi::ApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "congso API", description = "The JSON API of congso. Errors are `{\"error\": {code, message, fields}}` with the message in the language of `Accept-Language` (Vietnamese by default)."),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `congso admin token`"))
                    .build(),
            ),
        );
    }
}

/// The slices' API nested under `/api/v1`, split into the router that serves it (with `/api/v1/openapi.json`)
/// and the document that describes it, the shared error responses attached to every operation.
pub fn split(api: ApiRouter) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = ApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", api).split_for_parts();
    web::openapi::complete(&mut doc);
    let served = Arc::new(doc.clone());
    let router = router.route("/api/v1/openapi.json", get(move || document(served.clone())));
    (router, doc)
}

/// The document.
pub fn spec() -> utoipa::openapi::OpenApi {
    split(crate::app::api()).1
}

/// `GET /api/v1/openapi.json`.
async fn document(doc: Arc<utoipa::openapi::OpenApi>) -> Json<utoipa::openapi::OpenApi> {
    Json(doc.as_ref().clone())
}
