//! Identity and access: who is calling, and what they may do.
//!
//! - [`model`]: accounts, roles held in an agency over a territory, and the [`Principal`] a request acts as.
//! - [`store`]: the SQL for accounts, sessions and tokens.
//! - [`service`]: passwords (argon2id), sign-in, server-side sessions with idle and absolute timeouts, API tokens.
//! - [`policy`]: the one place that decides every protected action. **Deny by default.**
//! - [`auth`]: the middleware that turns a session cookie or a bearer token into a [`Principal`], and the
//!   extractors handlers use to require one.
//! - [`pages`] and [`api`]: sign-in, sign-out, the account page, `/api/v1/me`; [`home`], the page a person lands
//!   on after signing in ("Trang của tôi"), and [`inbox`], their notifications ("Thông báo").
//! - [`assurance`]: assurance levels (Decree 69/2024) and the back office that raises a citizen to level 2.
//! - [`reset`]: forgotten passwords: a single-use link by mail, then a new password.
//! - [`mfa`]: the TOTP second factor (RFC 6238) with recovery codes, and the pending step of a sign-in.
//! - [`officials`]: agencies, and the back office where administrators manage officials and their roles.
//! - [`oidc`]: the OpenID Connect provider, so other agencies' systems can sign citizens in with congso.

web::catalog!();

pub mod api;
pub mod assurance;
pub mod auth;
pub mod cli;
pub mod directory;
pub mod home;
pub mod inbox;
pub mod input;
pub mod mfa;
pub mod model;
pub mod officials;
pub mod oidc;
pub mod pages;
pub mod policy;
pub mod registration;
pub mod reset;
pub mod seals;
pub mod service;
pub mod signin;
pub mod store;
mod token_cache;
pub mod tokens;

pub use auth::{Caller, authenticate};
pub use model::{AccountKind, Principal, Role, Territory};
pub use policy::{Action, authorize};

/// The slice's API, relative to `/api/v1`: the caller's own account, the accounts list, the back office of
/// agencies and officials, and assurance levels (which ask `directory` where a citizen lives).
pub fn api_routes(directory: directory::Directory) -> web::openapi::ApiRouter {
    use web::openapi::ApiRouterExt;
    api::routes()
        .merge(officials::api::routes())
        .merge(assurance::api_routes(directory))
        .with_tag("identity", "Accounts")
        .with_tag("officials", "Agencies, officials and their roles, for administrators within their territory")
}
