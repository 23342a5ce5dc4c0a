//! Open redirects through `next` (finding 3): `/lang/{lang}?next=` and `POST /signin` must only ever send the
//! browser to a path on this site, whatever trick the parameter carries.

use identity::AccountKind;
use reqwest::StatusCode;
use reqwest::Url;

use crate::helpers::{PASSWORD, TestApp, form_token, location};

/// The bypasses of a "starts with `/`" check: browsers strip tabs and newlines, read `\` as `/`, and a proxy may
/// decode what the check did not.
const ATTACKS: &[&str] = &[
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "//evil.example",
    "/%2f/evil.example",
    "/%5cevil.example",
    "/%09/evil.example",
    "/.//evil.example",
    "@evil.example",
    "//user@evil.example",
    "javascript:alert(1)",
    "https://evil.example/",
    "https:/evil.example",
    "/\u{2215}evil.example",
    "/\u{FF0F}evil.example",
    "\u{FF0F}\u{FF0F}evil.example",
];

/// A browser resolving `target` against the site stays on the site.
fn assert_local(target: &str, attack: &str) {
    let base = Url::parse("https://congso.example/some/page").unwrap();
    let resolved = base.join(target).unwrap();
    assert_eq!(resolved.origin(), base.origin(), "{attack:?} sent the browser to {target:?}");
    assert!(target.starts_with('/') && !target.starts_with("//") && !target.contains('\\'), "{target:?}");
}

#[tokio::test]
async fn the_language_switch_never_leaves_the_site() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    for attack in ATTACKS {
        let r = client.get(app.url("/lang/en")).query(&[("next", attack)]).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{attack:?}");
        assert_local(location(&r), attack);
        assert_eq!(location(&r), "/", "{attack:?}");
    }
    // The link every page carries still goes back to the page it was on.
    let r = client.get(app.url("/lang/en")).query(&[("next", "/units/01?x=1")]).send().await.unwrap();
    assert_eq!(location(&r), "/units/01?x=1");
}

#[tokio::test]
async fn signing_in_never_leaves_the_site() {
    let app = TestApp::spawn_generous().await;
    app.create_account("congdan", AccountKind::Citizen, false).await;
    for attack in ATTACKS {
        let mut browser = app.browser();
        // The form carries `next` on, so it must already be clean there.
        let form = browser.get(&format!("/signin?next={}", urlencode(attack))).await.text().await.unwrap();
        assert!(form.contains(r#"name="next" value="/me""#), "{attack:?} reached the form");
        let csrf = form_token(&form);
        let r = browser
            .post_form("/signin", &[("csrf", &csrf), ("username", "congdan"), ("password", PASSWORD), ("next", attack)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{attack:?}");
        assert_local(location(&r), attack);
        assert_eq!(location(&r), "/me", "{attack:?}");
    }
    let mut browser = app.browser();
    let csrf = browser.csrf_of("/signin").await;
    let r = browser
        .post_form(
            "/signin",
            &[("csrf", &csrf), ("username", "congdan"), ("password", PASSWORD), ("next", "/me/data-usage")],
        )
        .await;
    assert_eq!(location(&r), "/me/data-usage");
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap()[1..].to_owned()
}
