//! The OpenAPI 3 document of `/api/v1`, generated from the handlers' annotations so it cannot drift from them.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use web::extract::Json;

#[derive(OpenApi)]
#[openapi(
    info(title = "congso API", description = "The JSON API of congso. Errors are `{\"error\": {code, message, fields}}` with the message in the language of `Accept-Language` (Vietnamese by default)."),
    paths(
        units::list, units::one, identity::api::me, identity::api::accounts, identity::assurance::api_set,
        identity::officials::api::list_agencies, identity::officials::api::create_agency,
        identity::officials::api::list_officials, identity::officials::api::create_official,
        identity::officials::api::one_official, identity::officials::api::grant_role,
        identity::officials::api::revoke_role, identity::officials::api::disable_official,
        identity::officials::api::list_role_grants, identity::officials::api::approve_role_grant,
        identity::officials::api::reject_role_grant,
        registry::api::search_citizens, registry::api::register, registry::api::one, registry::api::history,
        registry::api::move_household, registry::api::household, registry::api::address,
        ledger::api::latest_head, ledger::api::sign_head, ledger::api::inclusion,
        ledger::api::consistency, ledger::api::my_data_usage, ledger::api::my_receipt,
        credentials::verify::verify_api, portal::api::list, portal::api::one,
    ),
    modifiers(&BearerAuth),
    tags((name = "admin-units", description = "Administrative units after July 2025"), (name = "identity", description = "Accounts"), (name = "officials", description = "Agencies, officials and their roles, for administrators within their territory"), (name = "population", description = "The population registry, for registry officials within their territory"), (name = "ledger", description = "The audit ledger: signed tree heads and proofs, public; a citizen's own entries with receipts"), (name = "trust", description = "Verifying signed QR codes: digital IDs and documents"), (name = "portal", description = "The public-service portal: the procedure catalogue"))
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

/// The document.
pub fn spec() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(spec())
}
