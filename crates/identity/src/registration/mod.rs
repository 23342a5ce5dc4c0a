//! A citizen's self-registration, written all at once: the account, its personal ID number, its contact details
//! and the ledger entry saying so land in one transaction or not at all, so a failure half-way (a registration of the same ID number that won a
//! race, a lost connection) never leaves an account without its ID number behind. Matching the person against the
//! population registry is the caller's work, before this: the page ([`pages`]) asks the registry through the
//! [`CitizenDirectory`](crate::directory::CitizenDirectory).

pub mod pages;

use store::Db;
use trust::ledger::{Actor, Event, EventKind};

use crate::input::{NewPassword, Username};
use crate::model::AccountKind;
use crate::service::{IdentityError, hash_password, now};
use crate::store as sql;

/// A citizen's account to create.
pub struct NewCitizen {
    /// Sign-in name.
    pub username: Username,
    /// Name to show: the name in the population registry.
    pub display_name: String,
    /// Password in clear, hashed before it is stored.
    pub password: NewPassword,
    /// The personal ID number the registry vouched for.
    pub personal_id: kernel::PersonalId,
    /// A phone number to reach the citizen, if given.
    pub phone: Option<String>,
    /// An e-mail address to reach the citizen, if given.
    pub email: Option<String>,
}

/// Creates a citizen's account bound to its personal ID number, with its contact details, in one transaction.
/// Refuses with [`IdentityError::UsernameTaken`] or [`IdentityError::PersonalIdTaken`] when the database's unique
/// constraints say so, which also settles two registrations racing for one ID number.
pub async fn register_citizen(db: &Db, new: NewCitizen) -> Result<i64, IdentityError> {
    // Hashed before the transaction opens: a write transaction is not held through argon2's work.
    let hash = hash_password(new.password.expose().to_owned()).await?;
    let now = now();
    let unique = |taken: IdentityError| {
        move |e: store::sqlx::Error| if store::is_unique_violation(&e) { taken } else { IdentityError::Sql(e) }
    };
    // Dropping the transaction on any error below rolls everything back.
    let mut tx = db.begin_write().await?;
    let id =
        sql::insert_account(&mut *tx, new.username.as_str(), new.display_name.trim(), AccountKind::Citizen, &hash, now)
            .await
            .map_err(unique(IdentityError::UsernameTaken))?;
    if !sql::set_personal_id(&mut *tx, id, &new.personal_id).await.map_err(unique(IdentityError::PersonalIdTaken))? {
        return Err(IdentityError::NotCitizen);
    }
    sql::set_contact(&mut *tx, id, new.phone.as_deref(), new.email.as_deref()).await?;
    // New accounts are at assurance level 1 by the column's default: matched with the registry, not seen in person.
    let event = Event::new(EventKind::AccountChanged, Actor::system(new.username.as_str()))
        .subject(new.personal_id.as_str())
        .detail(serde_json::json!({ "change": "self_registered", "account": new.username, "assurance_level": 1 }));
    crate::seals::account(&mut tx, db.backend(), id, event).await?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(account_id = id, "citizen account created");
    Ok(id)
}
