//! The home page.

use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::get;
use web::error::html;
use web::{AppState, PageCtx};

/// `/`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    page: PageCtx,
}

async fn home(page: PageCtx) -> Response {
    html(&Home { page })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Every crate with an `i18n` folder has declared it with `web::catalog!()` and is linked into the binary:
    /// otherwise its pages would show "?" for every string.
    #[test]
    fn every_crate_with_strings_is_linked() {
        let linked: BTreeSet<&str> = web::inventory::iter::<web::i18n::Strings>.into_iter().map(|s| s.krate).collect();
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for dir in std::fs::read_dir(crates).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.join("i18n").is_dir() {
                continue;
            }
            let manifest: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap().parse().unwrap();
            let name = manifest["package"]["name"].as_str().unwrap();
            assert!(linked.contains(name), "{name} has i18n/ but its catalog is not linked: add web::catalog!()");
        }
    }
}
