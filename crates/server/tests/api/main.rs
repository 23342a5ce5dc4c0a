//! The integration tests: each starts the real server on a random port over a fresh database (SQLite, or
//! PostgreSQL when CONGSO_TEST_DATABASE_URL is set) and talks HTTP to it. One test binary, one file per resource.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod access;
mod accessibility;
mod browser;
mod browser_citizen;
mod citizen_home;
mod citizens;
mod credentials;
mod durability;
mod errors;
mod health;
mod helpers;
mod import;
mod ledger;
mod mfa;
mod officials;
mod oidc;
mod openapi;
mod opendata_browser;
mod payments;
mod payments_refunds;
mod payments_review;
mod payments_statements;
mod portal;
mod portal_browser;
mod portal_land_browser;
mod prescriptions_browser;
mod ratelimit;
mod registration;
mod reset;
mod school_records_browser;
mod security;
mod signin;
mod tokens;
mod transactions;
