//! What identity needs to know of people from the population registry, which sits above it: whether someone is
//! a living citizen with this name and birth date (self-registration), and where they live (who may raise their
//! assurance level). Identity defines the question; the registry answers it (`registry::directory`), and the
//! server hands the answer to identity's routes when it composes them, so neither reads the other's tables.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use kernel::PersonalId;
use store::Db;

use crate::model::Territory;

/// A person as the population registry knows them, as far as identity asks.
#[derive(Debug, Clone)]
pub struct Resident {
    /// Full name, as registered.
    pub full_name: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub birth_date: String,
    /// Whether the person is alive.
    pub living: bool,
    /// Where their record lives: their commune of residence, the nation when they have none.
    pub territory: Territory,
}

/// A boxed future, so that the directory can be a trait object.
pub type Lookup<'a> = Pin<Box<dyn Future<Output = anyhow::Result<Option<Resident>>> + Send + 'a>>;

/// The population registry, seen from identity.
pub trait CitizenDirectory: Send + Sync + 'static {
    /// The person with this personal ID number; `None` when the registry has no one with it.
    fn find<'a>(&'a self, db: &'a Db, personal_id: &'a PersonalId) -> Lookup<'a>;
}

/// The directory the routes are given.
pub type Directory = Arc<dyn CitizenDirectory>;
