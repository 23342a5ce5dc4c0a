//! `congso bench …`: each performance goal measured against a baseline in the same run on the same machine, and
//! printed as ratios (see docs/benchmarks.md).

pub mod credentials;
pub mod enterprise;
pub mod land;
pub mod ledger;
pub mod payments;
pub mod portal;
pub mod registry;
