//! The security suite: each finding of the attack on the demo server, run as the attack, so that what was fixed
//! stays fixed; and the attacks that held, so that they keep holding. docs/security.md maps the OWASP ASVS level 2
//! requirements to the tests here.

mod cfg;
