//! The page layout and what every page knows about its request.

use std::borrow::Borrow;

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
    /// How many of their notifications are unread, for the link to them.
    pub unread: u64,
    /// Whether it is a citizen's account.
    pub citizen: bool,
    /// The roles they hold (`finance_officer`, …), whatever the agency.
    pub roles: Vec<&'static str>,
}

/// Who a link of the main navigation is shown to: a link nobody signed in could use only clutters a phone's
/// screen. The pages behind the links still check their callers themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone, signed in or not.
    Everyone,
    /// Anyone but an official: a citizen, or a visitor not signed in yet (most are citizens about to).
    Citizens,
    /// A signed-in official holding any of these roles.
    AnyRole(&'static [&'static str]),
}

impl Audience {
    fn includes(self, user: Option<&UserBadge>) -> bool {
        match (self, user) {
            (Audience::Everyone, _) => true,
            (Audience::Citizens, None) => true,
            (Audience::Citizens, Some(u)) => u.citizen,
            (Audience::AnyRole(roles), Some(u)) => roles.iter().any(|r| u.roles.contains(r)),
            (_, None) => false,
        }
    }
}

/// A link of the site's main navigation, declared by the slice whose page it is.
pub struct NavLink {
    /// Where it goes.
    pub path: &'static str,
    /// The i18n key of its label.
    pub label: &'static str,
    /// Its place: lower comes first.
    pub order: u16,
    /// Who sees it.
    pub audience: Audience,
}

inventory::collect!(NavLink);

/// Adds a link to the site's main navigation: `web::nav_link!("/procedures", "portal.nav", 10);` once in the
/// slice's `lib.rs`, for everyone, or with an [`Audience`] last (`Citizens`, `AnyRole(&["specialist"])`). Links are
/// shown by their order.
#[macro_export]
macro_rules! nav_link {
    ($path:expr, $label:expr, $order:expr) => {
        $crate::nav_link!($path, $label, $order, Everyone);
    };
    ($path:expr, $label:expr, $order:expr, $($audience:tt)+) => {
        $crate::inventory::submit! {
            $crate::page::NavLink { path: $path, label: $label, order: $order, audience: $crate::page::Audience::$($audience)+ }
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
        let mut links: Vec<&NavLink> =
            inventory::iter::<NavLink>.into_iter().filter(|l| l.audience.includes(self.user.as_ref())).collect();
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

/// Vietnam's time, in which every time a person reads is shown: Asia/Ho_Chi_Minh has been UTC+7 all year since
/// 1975, with no summer time, so a fixed offset is exact for every timestamp congso holds and no time-zone
/// database is needed.
const VIETNAM: time::UtcOffset = match time::UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => time::UtcOffset::UTC,
};

const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn in_vietnam(unix: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(unix).ok().map(|t| t.to_offset(VIETNAM))
}

fn day_text(lang: Lang, d: time::Date) -> String {
    match lang {
        Lang::Vi => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
        Lang::En => format!("{} {} {}", d.day(), MONTHS_EN[usize::from(u8::from(d.month())) - 1], d.year()),
    }
}

/// A date for people, `DD/MM/YYYY` as Vietnamese documents write it, the day it is in Vietnam; empty when there
/// is none. Pages that know their reader use [`PageCtx::day`] instead, which writes English dates the English way.
pub fn date(unix: Option<i64>) -> String {
    date_in(Lang::Vi, unix)
}

/// A date for people in `lang`'s way (`30/11/2026`, `30 Nov 2026`), the day it is in Vietnam; empty when there
/// is none.
pub fn date_in(lang: Lang, unix: Option<i64>) -> String {
    unix.and_then(in_vietnam).map(|t| day_text(lang, t.date())).unwrap_or_default()
}

/// A moment shown to a person: it writes itself as a `<time>` element whose `datetime` is the machine value
/// (RFC 3339 at UTC+7) and whose text is the reader's form, in Vietnam's time: `30/11/2026 04:13` in Vietnamese,
/// `30 Nov 2026, 04:13` in English. Made by [`PageCtx::when`]; a template writes `{{ page.when(x.at) }}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    at: Option<time::OffsetDateTime>,
    lang: Lang,
}

impl When {
    /// The moment `unix` (seconds) for a reader of `lang`.
    pub fn new(lang: Lang, unix: i64) -> When {
        When { at: in_vietnam(unix), lang }
    }

    /// The moment `unix_ms` (milliseconds, as the ledger keeps them) for a reader of `lang`.
    pub fn from_millis(lang: Lang, unix_ms: i64) -> When {
        When::new(lang, unix_ms.div_euclid(1000))
    }

    /// The moment an RFC 3339 text names (as the API's models carry it); shows nothing if it does not read.
    pub fn from_rfc3339(lang: Lang, text: &str) -> When {
        let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok();
        When { at: at.map(|t| t.to_offset(VIETNAM)), lang }
    }

    /// The text a person reads, without the element.
    pub fn text(&self) -> String {
        let Some(t) = self.at else { return String::new() };
        let day = day_text(self.lang, t.date());
        match self.lang {
            Lang::Vi => format!("{day} {:02}:{:02}", t.hour(), t.minute()),
            Lang::En => format!("{day}, {:02}:{:02}", t.hour(), t.minute()),
        }
    }

    /// The machine value: RFC 3339 at Vietnam's offset, to the second.
    pub fn machine(&self) -> String {
        let Some(t) = self.at else { return String::new() };
        let (d, offset) = (t.date(), t.offset());
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{:+03}:{:02}",
            d.year(),
            u8::from(d.month()),
            d.day(),
            t.hour(),
            t.minute(),
            t.second(),
            offset.whole_hours(),
            offset.minutes_past_hour().unsigned_abs()
        )
    }
}

impl std::fmt::Display for When {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_none() {
            return Ok(());
        }
        write!(f, "<time datetime=\"{}\">{}</time>", self.machine(), self.text())
    }
}

// Its text is digits, separators and English month names only, never anything a person typed: it needs no
// escaping, and escaping it would print the element's markup.
impl askama::filters::HtmlSafe for When {}

// Templates hand their arguments over by reference (`page.when(n.created_at)` passes `&i64`): these take either.
impl PageCtx {
    /// A moment (Unix seconds) in this page's language and Vietnam's time, as a `<time>` element.
    pub fn when(&self, unix: impl Borrow<i64>) -> When {
        When::new(self.lang, *unix.borrow())
    }

    /// A moment the ledger keeps in milliseconds, as [`PageCtx::when`] shows it.
    pub fn when_ms(&self, unix_ms: impl Borrow<i64>) -> When {
        When::from_millis(self.lang, *unix_ms.borrow())
    }

    /// A moment given as RFC 3339 text (the API's form), as [`PageCtx::when`] shows it.
    pub fn when_rfc3339(&self, text: &str) -> When {
        When::from_rfc3339(self.lang, text)
    }

    /// A day (Unix seconds) in this page's language, as it is in Vietnam: `30/11/2026`, `30 Nov 2026`.
    pub fn day(&self, unix: impl Borrow<i64>) -> String {
        date_in(self.lang, Some(*unix.borrow()))
    }

    /// A calendar day kept as `YYYY-MM-DD` (a birth date) in this page's language; shown as it is if it does
    /// not read as one.
    pub fn calendar_day(&self, ymd: &str) -> String {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(ymd, &format).map_or_else(|_| ymd.to_owned(), |d| day_text(self.lang, d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_shown_to_its_audience_only() {
        let badge =
            |citizen: bool, roles: Vec<&'static str>| UserBadge { display_name: "x".into(), unread: 0, citizen, roles };
        let (citizen, finance) = (badge(true, vec![]), badge(false, vec!["finance_officer"]));
        let officials = Audience::AnyRole(&["specialist", "finance_officer"]);
        assert!(Audience::Everyone.includes(None) && Audience::Everyone.includes(Some(&citizen)));
        assert!(Audience::Citizens.includes(Some(&citizen)) && !Audience::Citizens.includes(Some(&finance)));
        assert!(Audience::Citizens.includes(None), "a visitor may be a citizen about to sign in");
        assert!(officials.includes(Some(&finance)) && !officials.includes(Some(&citizen)) && !officials.includes(None));
        assert!(!Audience::AnyRole(&["approver"]).includes(Some(&finance)));
    }

    /// 2026-11-29T21:13:52.916Z, the moment the "who used my data" page once showed raw.
    const LATE_EVENING_UTC_MS: i64 = 1_795_986_832_916;

    #[test]
    fn a_late_evening_in_utc_is_the_next_morning_in_vietnam() {
        let when = When::from_millis(Lang::Vi, LATE_EVENING_UTC_MS);
        assert_eq!(when.text(), "30/11/2026 04:13");
        assert_eq!(when.machine(), "2026-11-30T04:13:52+07:00");
        assert_eq!(when.to_string(), r#"<time datetime="2026-11-30T04:13:52+07:00">30/11/2026 04:13</time>"#);
    }

    #[test]
    fn english_readers_get_the_month_by_name() {
        assert_eq!(When::from_millis(Lang::En, LATE_EVENING_UTC_MS).text(), "30 Nov 2026, 04:13");
        assert_eq!(date_in(Lang::En, Some(LATE_EVENING_UTC_MS / 1000)), "30 Nov 2026");
    }

    #[test]
    fn dates_are_the_day_it_is_in_vietnam() {
        assert_eq!(date(Some(LATE_EVENING_UTC_MS / 1000)), "30/11/2026");
        // 16:59:59 UTC is still the same day in Vietnam; 17:00 is the next.
        assert_eq!(date(Some(1_767_200_399)), "31/12/2025");
        assert_eq!(date(Some(1_767_200_400)), "01/01/2026");
        assert_eq!(date(None), "");
    }

    #[test]
    fn rfc3339_from_any_offset_reads_in_vietnam_time() {
        let when = When::from_rfc3339(Lang::Vi, "2026-11-29T21:13:52.916Z");
        assert_eq!(when.text(), "30/11/2026 04:13");
        assert_eq!(When::from_rfc3339(Lang::Vi, "not a time").to_string(), "");
    }

    #[test]
    fn a_template_writes_the_element_unescaped() {
        #[derive(Template)]
        #[template(source = "<p>{{ at }}</p>", ext = "html")]
        struct Probe {
            at: When,
        }
        let html = Probe { at: When::new(Lang::Vi, 0) }.render().unwrap();
        assert_eq!(html, r#"<p><time datetime="1970-01-01T07:00:00+07:00">01/01/1970 07:00</time></p>"#);
    }

    #[test]
    fn calendar_days_are_written_the_readers_way() {
        let page = |lang| PageCtx { lang, csrf: String::new(), user: None, path: "/".into() };
        assert_eq!(page(Lang::Vi).calendar_day("1990-05-01"), "01/05/1990");
        assert_eq!(page(Lang::En).calendar_day("1990-05-01"), "1 May 1990");
        assert_eq!(page(Lang::Vi).calendar_day("1990"), "1990");
    }

    #[test]
    fn days_months_and_hours_are_padded() {
        assert_eq!(When::new(Lang::Vi, 1_000_000_000).text(), "09/09/2001 08:46");
        assert_eq!(When::new(Lang::Vi, 1_000_000_000).machine(), "2001-09-09T08:46:40+07:00");
    }
}
