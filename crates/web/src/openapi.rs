//! The API's contract, the part every slice shares: the error responses an operation may answer and the rule that
//! attaches the ones every operation of a kind can answer.
//!
//! A slice's API is an [`ApiRouter`]: its handlers registered with `utoipa_axum::routes!`, each carrying its
//! `#[utoipa::path]`, so that a route and its operation are written once. In `responses(…)` an operation lists
//! its successes and the errors that depend on what it does ([`Forbidden`] where the policy may refuse,
//! [`NotFound`], [`Conflict`], [`Invalid`]); [`complete`] adds, from the operation's shape, those that
//! the layers and extractors can answer in front of any handler, so that none is forgotten and none is claimed
//! where it cannot happen.

use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};
use utoipa::{IntoResponses, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::{ErrorBody, ErrorDetail};

/// A slice's API: routes and their OpenAPI operations together, relative to `/api/v1`.
pub type ApiRouter = OpenApiRouter<AppState>;

/// What a slice adds to its [`ApiRouter`]'s part of the document besides its operations.
pub trait ApiRouterExt {
    /// Adds `T`'s schema, and those it refers to, to the components. utoipa collects the schemas of bodies and
    /// responses by itself, but not those that only parameters refer to.
    fn with_schema<T: ToSchema>(self) -> Self;

    /// Adds the tag `name` (what the slice's operations are grouped under) with its description.
    fn with_tag(self, name: &str, description: &str) -> Self;
}

impl ApiRouterExt for ApiRouter {
    fn with_schema<T: ToSchema>(mut self) -> Self {
        let mut schemas = vec![(T::name().into_owned(), T::schema())];
        T::schemas(&mut schemas);
        let components = self.get_openapi_mut().components.get_or_insert_with(Default::default);
        for (name, schema) in schemas {
            components.schemas.entry(name).or_insert(schema);
        }
        self
    }

    fn with_tag(mut self, name: &str, description: &str) -> Self {
        let tag = utoipa::openapi::tag::TagBuilder::new().name(name).description(Some(description)).build();
        self.get_openapi_mut().tags.get_or_insert_with(Vec::new).push(tag);
        self
    }
}

/// One of the shared error responses, each a component under `#/components/responses/` whose body is
/// [`ErrorBody`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorResponse {
    /// 400.
    BadRequest,
    /// 401.
    Unauthorized,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// 409.
    Conflict,
    /// 413.
    PayloadTooLarge,
    /// 415.
    UnsupportedMediaType,
    /// 422.
    Invalid,
    /// 429.
    TooManyRequests,
    /// 500.
    Internal,
    /// 503.
    Busy,
}

impl ErrorResponse {
    /// Every shared error response.
    pub const ALL: [ErrorResponse; 11] = [
        ErrorResponse::BadRequest,
        ErrorResponse::Unauthorized,
        ErrorResponse::Forbidden,
        ErrorResponse::NotFound,
        ErrorResponse::Conflict,
        ErrorResponse::PayloadTooLarge,
        ErrorResponse::UnsupportedMediaType,
        ErrorResponse::Invalid,
        ErrorResponse::TooManyRequests,
        ErrorResponse::Internal,
        ErrorResponse::Busy,
    ];

    /// The HTTP status.
    pub fn status(self) -> u16 {
        match self {
            ErrorResponse::BadRequest => 400,
            ErrorResponse::Unauthorized => 401,
            ErrorResponse::Forbidden => 403,
            ErrorResponse::NotFound => 404,
            ErrorResponse::Conflict => 409,
            ErrorResponse::PayloadTooLarge => 413,
            ErrorResponse::UnsupportedMediaType => 415,
            ErrorResponse::Invalid => 422,
            ErrorResponse::TooManyRequests => 429,
            ErrorResponse::Internal => 500,
            ErrorResponse::Busy => 503,
        }
    }

    /// The component's name.
    pub fn name(self) -> &'static str {
        match self {
            ErrorResponse::BadRequest => "BadRequest",
            ErrorResponse::Unauthorized => "Unauthorized",
            ErrorResponse::Forbidden => "Forbidden",
            ErrorResponse::NotFound => "NotFound",
            ErrorResponse::Conflict => "Conflict",
            ErrorResponse::PayloadTooLarge => "PayloadTooLarge",
            ErrorResponse::UnsupportedMediaType => "UnsupportedMediaType",
            ErrorResponse::Invalid => "Invalid",
            ErrorResponse::TooManyRequests => "TooManyRequests",
            ErrorResponse::Internal => "Internal",
            ErrorResponse::Busy => "Busy",
        }
    }

    fn description(self) -> &'static str {
        match self {
            ErrorResponse::BadRequest => {
                "`bad_request`: the request cannot be read — malformed JSON or a body of the wrong shape, a path or \
                 query parameter that is not of its type, a parameter given twice."
            }
            ErrorResponse::Unauthorized => {
                "`unauthenticated`: an `Authorization` header that is not a valid, unexpired API token (on any \
                 operation), or none where the operation needs a caller."
            }
            ErrorResponse::Forbidden => {
                "`forbidden`: the caller may not do this; or `csrf`: a change asked for with a session cookie \
                 without its `X-CSRF-Token`."
            }
            ErrorResponse::NotFound => {
                "`not_found`: nothing here, or nothing the caller may know exists (outside their territory)."
            }
            ErrorResponse::Conflict => "`conflict`: the request conflicts with what exists.",
            ErrorResponse::PayloadTooLarge => "`payload_too_large`: the body is over the limit (1 MiB).",
            ErrorResponse::UnsupportedMediaType => "`unsupported_media_type`: the body is not `application/json`.",
            ErrorResponse::Invalid => {
                "`invalid`: well-formed but invalid; `fields` says what is wrong with each field."
            }
            ErrorResponse::TooManyRequests => "`too_many_requests`: over the rate limit; see `Retry-After`.",
            ErrorResponse::Internal => {
                "`internal`: something went wrong on the server; the details are in its log under the request ID."
            }
            ErrorResponse::Busy => {
                "`busy`: the work asked for has to wait (its queue is full, or a bank it needs did not answer) and \
                 nothing was done; try again after `Retry-After`."
            }
        }
    }

    /// The response itself, for `#/components/responses/`.
    pub fn response(self) -> Response {
        let body = Content::new(Some(Ref::from_schema_name(ErrorBody::name())));
        ResponseBuilder::new().description(self.description()).content("application/json", body).build()
    }

    /// A reference to the component.
    pub fn reference(self) -> RefOr<Response> {
        RefOr::Ref(Ref::from_response_name(self.name()))
    }
}

macro_rules! listed_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<String, RefOr<Response>> {
                let e = ErrorResponse::$name;
                [(e.status().to_string(), e.reference())].into()
            }
        }
    };
}

listed_error!(
    /// For `responses(…)`: 403, where the policy may refuse the caller.
    Forbidden
);
listed_error!(
    /// For `responses(…)`: 404, for an object that does not exist or is outside the caller's territory.
    NotFound
);
listed_error!(
    /// For `responses(…)`: 409, where the request may conflict with what exists.
    Conflict
);
listed_error!(
    /// For `responses(…)`: 422, where the input is checked beyond its schema's shape.
    Invalid
);
listed_error!(
    /// For `responses(…)`: 400, where the handler itself refuses input it cannot read (beyond the extractors).
    BadRequest
);
listed_error!(
    /// For `responses(…)`: 429, on an operation behind a rate limit.
    TooManyRequests
);
listed_error!(
    /// For `responses(…)`: 503, where the work waits on something outside congso (a bank) that may not answer.
    Busy
);

/// Completes the document with what every operation shares. The shared error responses and their body go into
/// the components, and to every operation the errors that the layers and extractors may answer whatever its
/// handler does:
///
/// - 401 and 500 everywhere: an invalid token is refused on any route, and any operation can fail;
/// - 400 where there is a parameter or a body: a value that is not of its type, or a parameter given twice;
/// - 413 and 415 where there is a body;
/// - 403 on a change that needs a caller: the CSRF check for session cookies.
///
/// And a query parameter is a single value (not exploded), which may be sent empty where it is optional: congso
/// reads a blank query value as an absent one, because HTML forms send their empty fields (the same query structs
/// serve pages and the API).
pub fn complete(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for e in ErrorResponse::ALL {
        components.responses.insert(e.name().to_owned(), RefOr::T(e.response()));
    }
    components.schemas.insert(ErrorBody::name().into_owned(), ErrorBody::schema());
    components.schemas.insert(ErrorDetail::name().into_owned(), ErrorDetail::schema());
    for item in doc.paths.paths.values_mut() {
        for (method, operation) in [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Delete, &mut item.delete),
        ] {
            if let Some(operation) = operation {
                attach(method, operation);
            }
        }
    }
}

/// Whether the operation needs a caller: it names a security scheme.
pub fn needs_caller(operation: &Operation) -> bool {
    operation.security.iter().flatten().any(|requirement| {
        serde_json::to_value(requirement).is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
    })
}

fn query_conventions(operation: &mut Operation) {
    use utoipa::openapi::path::ParameterIn;
    for parameter in operation.parameters.iter_mut().flatten() {
        if parameter.parameter_in != ParameterIn::Query {
            continue;
        }
        // Every query parameter is one value under its own name: an object or a list spread into other names
        // would not be read as this parameter at all.
        parameter.explode = Some(false);
        if parameter.required != utoipa::openapi::Required::True {
            // OpenAPI's own word for it, which utoipa does not model; its extensions are written flattened, so
            // the key lands beside the others as it is.
            parameter.extensions.get_or_insert_with(Default::default).insert("allowEmptyValue".into(), true.into());
        }
    }
}

fn attach(method: HttpMethod, operation: &mut Operation) {
    query_conventions(operation);
    let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let has_body = operation.request_body.is_some();
    let changes = !matches!(method, HttpMethod::Get | HttpMethod::Head | HttpMethod::Options);
    let mut common = vec![ErrorResponse::Unauthorized, ErrorResponse::Internal];
    if has_parameters || has_body {
        common.push(ErrorResponse::BadRequest);
    }
    if has_body {
        common.extend([ErrorResponse::PayloadTooLarge, ErrorResponse::UnsupportedMediaType]);
    }
    if changes && needs_caller(operation) {
        common.push(ErrorResponse::Forbidden);
    }
    for e in common {
        operation.responses.responses.entry(e.status().to_string()).or_insert_with(|| e.reference());
    }
}
