//! The whole application: every slice's routes composed under one set of layers.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use web::openapi::ApiRouter;
use web::{AppError, AppState};

use crate::{openapi, pages};

/// How identity asks the population registry about people: through this, never through its tables.
fn directory() -> identity::directory::Directory {
    std::sync::Arc::new(registry::directory::Population)
}

/// Payments' accounts and banks, read from `CONGSO_PAYMENTS_*` (the start has already refused settings it cannot
/// read, see `cli::run_server`), and the slices that hear of paid bills.
pub fn payments() -> payments::Payments {
    let config = payments::PaymentsConfig::load(&|k| std::env::var(k).ok()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "no bank's callbacks are accepted");
        payments::PaymentsConfig::refusing()
    });
    let listeners = payments::Listeners::default()
        .with(payments::model::BillForKind::Dossier, portal::fees::DossierFees::listener());
    payments::Payments::new(config, listeners)
}

/// Every slice's background jobs: what the worker of every server runs.
pub fn job_handlers(state: &AppState) -> jobs::Handlers {
    let mut handlers = jobs::Handlers::new();
    notify::queue::register(&mut handlers, state.config.mailer.clone());
    portal::notices::register(&mut handlers, state.clone());
    portal::deadlines::register(&mut handlers, state.clone());
    payments::receipt::register(&mut handlers, state.clone());
    handlers
}

/// Every slice's API, relative to `/api/v1`: routes and their OpenAPI operations together.
pub fn api() -> ApiRouter {
    api_with(payments())
}

/// [`api`] with the payments' settings given (a test's sandbox bank at its own address).
pub fn api_with(payments: payments::Payments) -> ApiRouter {
    ApiRouter::new()
        .merge(units::api_routes())
        .merge(identity::api_routes(directory()))
        .merge(registry::api_routes())
        .merge(enterprise::api_routes())
        .merge(ledger::api_routes())
        .merge(credentials::api_routes())
        .merge(portal::api_routes())
        .merge(payments::api_routes(payments))
        .merge(land::api_routes())
        .merge(health::api_routes())
        .merge(education::api_routes())
}

/// The largest request body accepted anywhere but uploads (`/verify` takes photos up to
/// [`credentials::verify::UPLOAD_LIMIT`]).
pub const BODY_LIMIT: usize = 1024 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route of congso, with the layers in the order requests meet them: request ID, tracing, body limit,
/// metrics, CSRF token, authentication, error rendering, then the rate limit per client address closest to the
/// handlers (inside the error renderer, so that a refusal becomes a page in the caller's language); the security
/// headers wrap them all.
pub fn router(state: AppState) -> Router {
    router_with(state, payments())
}

/// [`router`] with the payments' settings given.
pub fn router_with(state: AppState, payments: payments::Payments) -> Router {
    let directory = directory();
    let (api, _) = openapi::split(api_with(payments.clone()));
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(pages::routes())
        .merge(units::page_routes())
        .merge(identity::pages::routes())
        .merge(identity::officials::pages::routes())
        .merge(identity::reset::routes())
        .merge(identity::registration::pages::routes(directory.clone()))
        .merge(identity::assurance::page_routes(directory))
        .merge(identity::oidc::routes())
        .merge(registry::pages::routes())
        .merge(enterprise::routes())
        .merge(registry::credential::pages::routes())
        .merge(ledger::routes())
        .merge(credentials::routes())
        .merge(portal::routes())
        .merge(payments::routes(payments))
        .merge(land::routes())
        .merge(health::routes())
        .merge(education::routes())
        .merge(opendata::routes())
        .merge(web::routes())
        .merge(api)
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), web::ratelimit::limit))
        .layer(from_fn(web::error::render_errors))
        .layer(from_fn_with_state(state.clone(), identity::authenticate))
        .layer(from_fn_with_state(state.clone(), web::csrf::ensure_token))
        .layer(from_fn_with_state(state.clone(), web::metrics::track))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id =
                request.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id, method = %request.method(), path = request.uri().path())
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid));
    web::headers::secure(router).with_state(state)
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers too.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// Serves until `shutdown` completes, then finishes the requests in flight (for at most 30 seconds) and signs a
/// tree head if the ledger grew since the last one. Each request knows its peer's address, which the rate limit
/// keys on: every server, tests' included, starts here.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, payments(), shutdown).await
}

/// [`serve`] with the payments' settings given.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    payments: payments::Payments,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (db, keyring) = (state.db.clone(), state.keyring.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let app = router_with(state, payments).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stop_tx.send(true);
    });
    let mut stop_rx2 = stop_rx.clone();
    let result = tokio::select! {
        r = server => r,
        () = async move {
            let _ = stop_rx2.wait_for(|s| *s).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        } => {
            tracing::warn!("requests still running after 30 s; stopping anyway");
            Ok(())
        }
    };
    drop(stop_rx);
    // The heads signed while running come once a minute: without this one, the entries of a node's last minute
    // would wait, unsigned, for whichever node signs next (or forever, for a single node that stays down).
    match trust::ledger::head::sign(&db, &keyring).await {
        Ok(head) => tracing::info!(tree_size = head.tree_size, "the ledger's latest entries are under a signed head"),
        Err(e) => tracing::error!(error = %e, "could not sign a tree head at shutdown"),
    }
    db.close().await;
    result
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
