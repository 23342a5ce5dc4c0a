//! The page layout and what every page knows about its request.

use askama::Template;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::Response;
use kernel::Lang;

use crate::csrf::CsrfToken;
use crate::i18n;

/// Who is signed in, as the page header shows it. Put into request extensions by the sign-in layer.
#[derive(Debug, Clone)]
pub struct UserBadge {
    /// The name to show.
    pub display_name: String,
}

/// A link of the site's main navigation, declared by the slice whose page it is.
pub struct NavLink {
    /// Where it goes.
    pub path: &'static str,
    /// The i18n key of its label.
    pub label: &'static str,
    /// Its place: lower comes first.
    pub order: u16,
}

inventory::collect!(NavLink);

/// Adds a link to the site's main navigation: `web::nav_link!("/procedures", "portal.nav", 10);` once in the
/// slice's `lib.rs`. Links are shown by their order.
#[macro_export]
macro_rules! nav_link {
    ($path:expr, $label:expr, $order:expr) => {
        $crate::inventory::submit! {
            $crate::page::NavLink { path: $path, label: $label, order: $order }
        }
    };
}

/// What every page template needs: language, CSRF token for its forms, who is signed in, where it is.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// The language to render in.
    pub lang: Lang,
    /// The token every form must carry in its `csrf` field.
    pub csrf: String,
    /// The signed-in person, if any.
    pub user: Option<UserBadge>,
    /// The path of this page, for links back to it.
    pub path: String,
}

impl PageCtx {
    /// The interface string `key` in this page's language.
    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    /// Whether the page is in Vietnamese.
    pub fn is_vi(&self) -> bool {
        self.lang == Lang::Vi
    }

    /// The site's main navigation, as the slices declared it with [`nav_link!`](crate::nav_link), in their
    /// order: `(path, label)`.
    pub fn nav(&self) -> Vec<(&'static str, &'static str)> {
        let mut links: Vec<&NavLink> = inventory::iter::<NavLink>.into_iter().collect();
        links.sort_by_key(|l| (l.order, l.path));
        links.into_iter().map(|l| (l.path, self.t(l.label))).collect()
    }

    fn from_parts(
        headers: &axum::http::HeaderMap,
        extensions: &axum::http::Extensions,
        uri: &axum::http::Uri,
    ) -> PageCtx {
        PageCtx {
            lang: i18n::lang_of(headers),
            csrf: extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default(),
            user: extensions.get::<UserBadge>().cloned(),
            path: uri.path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        }
    }

    /// The context of a whole request (for middleware).
    pub fn from_request_parts_sync(request: &Request) -> PageCtx {
        Self::from_parts(request.headers(), request.extensions(), request.uri())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(&parts.headers, &parts.extensions, &parts.uri))
    }
}

/// The page shown for any error outside the API.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// The page context.
    pub page: PageCtx,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, in the page's language.
    pub message: String,
    /// Per-field problems.
    pub fields: Vec<(String, String)>,
}

impl ErrorPage {
    /// Renders the page (a plain message if the template itself fails).
    pub fn render_html(&self) -> Response {
        crate::error::html(self)
    }
}

/// A date for people, `DD/MM/YYYY` as Vietnamese documents write it; empty when there is none.
pub fn date(unix: Option<i64>) -> String {
    unix.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .map(|t| {
            let d = t.date();
            format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
        })
        .unwrap_or_default()
}
