//! Where a citizen lives, for the identity slice's assurance back office: identity sits below the registry, so
//! the server, which composes both, hands it this function.

use std::future::Future;
use std::pin::Pin;

use identity::Territory;
use kernel::PersonalId;
use store::Db;

/// The territory of a citizen's record: their commune of residence, the nation when they have none, `None` when
/// the registry does not know them.
pub fn locate_citizen(
    db: Db,
    personal_id: PersonalId,
) -> Pin<Box<dyn Future<Output = anyhow::Result<Option<Territory>>> + Send>> {
    Box::pin(async move {
        match registry::service::citizen(&db, &personal_id).await {
            Ok(citizen) => Ok(Some(registry::api::residence_territory(&citizen))),
            Err(registry::error::RegistryError::NotFound) => Ok(None),
            Err(e) => Err(anyhow::anyhow!("registry lookup failed: {e}")),
        }
    })
}
