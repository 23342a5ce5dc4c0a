//! congso as an installable web app: the web manifest, its icons, and the service worker that keeps the digital
//! ID and the signed documents a citizen opened on their phone, so they can be shown at a counter with no
//! network (what it keeps, and what never, is written at the top of `static/sw.js`).
//!
//! The worker is served from the site's root so that its scope is the whole site; it is a script of this origin
//! like any other, so the Content Security Policy (`script-src 'self'`, and `worker-src`/`manifest-src` falling
//! back to `default-src 'self'`) needs no exception. Browsers check a worker for updates at most once a day
//! whatever its `Cache-Control`; `no-cache` makes every check ask the server.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

/// What the manifest, the worker and the offline page are: the same for everyone, and public.
const PUBLIC: &str = "public, max-age=3600";

/// The worker must be asked for afresh at every update check, so a fixed worker reaches phones at once.
const REVALIDATE: &str = "no-cache";

/// The app's routes: `/sw.js`, `/manifest.webmanifest`, the icons, the page-side script and the offline page.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sw.js", get(worker))
        .route("/manifest.webmanifest", get(manifest))
        .route("/static/app.js", get(script))
        .route("/static/offline.html", get(offline))
        .route("/static/icon-192.png", get(icon_192))
        .route("/static/icon-512.png", get(icon_512))
}

async fn worker() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, REVALIDATE)], include_str!("../static/sw.js"))
}

async fn manifest() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "application/manifest+json; charset=utf-8"), (CACHE_CONTROL, PUBLIC)],
        include_str!("../static/manifest.webmanifest"),
    )
}

async fn script() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, PUBLIC)], include_str!("../static/app.js"))
}

async fn offline() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/html; charset=utf-8"), (CACHE_CONTROL, PUBLIC)], include_str!("../static/offline.html"))
}

async fn icon_192() -> impl IntoResponse {
    ([(CONTENT_TYPE, "image/png"), (CACHE_CONTROL, PUBLIC)], include_bytes!("../static/icons/icon-192.png").as_slice())
}

async fn icon_512() -> impl IntoResponse {
    ([(CONTENT_TYPE, "image/png"), (CACHE_CONTROL, PUBLIC)], include_bytes!("../static/icons/icon-512.png").as_slice())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// The manifest is JSON whose icons are the ones served, at the sizes they are.
    #[test]
    fn the_manifest_names_the_icons_served_at_their_sizes() {
        let manifest: serde_json::Value = serde_json::from_str(include_str!("../static/manifest.webmanifest")).unwrap();
        assert_eq!(manifest["lang"], "vi");
        assert_eq!(manifest["start_url"], "/me");
        for icon in manifest["icons"].as_array().unwrap() {
            let src = icon["src"].as_str().unwrap();
            let bytes: &[u8] = match src {
                "/static/icon-192.png" => include_bytes!("../static/icons/icon-192.png"),
                "/static/icon-512.png" => include_bytes!("../static/icons/icon-512.png"),
                other => panic!("{other} is not served"),
            };
            // A PNG's width and height are the first fields of its IHDR chunk, at bytes 16..24.
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
            let (w, h) = (
                u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
                u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
            );
            assert_eq!(icon["sizes"], format!("{w}x{h}"), "{src}");
        }
    }

    /// The worker keeps only the digital ID and signed documents, never an API answer.
    #[test]
    fn the_worker_keeps_the_digital_id_and_documents_and_no_api_answer() {
        let sw = include_str!("../static/sw.js");
        let kept = sw.lines().find(|l| l.starts_with("const KEPT")).unwrap();
        assert!(kept.contains("digital-id") && kept.contains("documents"));
        assert!(!sw.contains("/api/"), "the worker names the API");
    }
}
