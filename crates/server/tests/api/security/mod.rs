//! The security suite: each finding of the attack on the demo server, run as the attack, so that what was fixed
//! stays fixed; and the attacks that held, so that they keep holding. docs/security.md maps the OWASP ASVS level 2
//! requirements to the tests here.

mod deployment;
mod enumeration;
mod free_text;
mod headers;
mod held;
mod ledger_privacy;
mod mfa_lockout;
mod redirects;
mod roles;
mod tamper;
mod uploads;
