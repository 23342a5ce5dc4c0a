//! The registry's answer to identity's [`CitizenDirectory`]: who a person is and where their record lives.

use identity::directory::{CitizenDirectory, Lookup, Resident};
use kernel::PersonalId;
use store::Db;

use crate::error::RegistryError;
use crate::model::CitizenStatus;

/// The population registry as identity's directory of citizens.
pub struct Population;

impl CitizenDirectory for Population {
    fn find<'a>(&'a self, db: &'a Db, personal_id: &'a PersonalId) -> Lookup<'a> {
        Box::pin(async move {
            let citizen = match crate::service::citizen(db, personal_id).await {
                Ok(citizen) => citizen,
                Err(RegistryError::NotFound) => return Ok(None),
                Err(e) => return Err(anyhow::anyhow!("registry lookup failed: {e}")),
            };
            Ok(Some(Resident {
                living: citizen.status == CitizenStatus::Living && citizen.death_date.is_none(),
                territory: crate::api::residence_territory(&citizen),
                full_name: citizen.full_name,
                birth_date: citizen.birth_date,
            }))
        })
    }
}
