//! Officials and the agencies they work in: the back office where administrators create officials, grant and take
//! away roles (each in an agency, over a territory within the agency's) and disable accounts.
//!
//! An administrator manages only what lies in their own territory: an official is theirs to manage when every role
//! the official holds reaches no further than the administrator's. Every change is written with its ledger entry
//! in one transaction, and ends the sessions of the official it changes, so new powers start with a new sign-in.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
mod store;

pub use model::{Agency, Assignment, GrantInput, Official, OfficialsError};
