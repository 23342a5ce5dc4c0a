//! Officials and the agencies they work in: the back office where administrators create officials, grant and take
//! away roles (each in an agency, over a territory within the agency's) and disable accounts.
//!
//! An administrator manages only what lies in their own territory: an official is theirs to manage when every role
//! the official holds (or awaits) reaches no further than the administrator's. No one changes their own roles or
//! account. A role that reads personal data, or the administrator's, takes four eyes (`grants`): one administrator
//! asks, another approves. Every change is written with its ledger entry in one transaction, and ends the sessions
//! of the official whose powers it changes, so new powers start with a new sign-in.

pub mod api;
pub mod grants;
pub mod model;
pub mod pages;
pub mod service;
mod store;

pub use model::{Agency, Assignment, GrantInput, GrantStatus, Official, OfficialsError, RoleGrant};
