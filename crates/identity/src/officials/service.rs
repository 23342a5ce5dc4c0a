//! Managing agencies and officials: every change checked by the policy against the caller's own territory, written
//! with its ledger entry in one transaction, and ending the sessions of an official whose powers changed.

use kernel::{AgencyCode, FreeTextError};
use store::Db;
use trust::ledger::{Event, EventKind};

use super::model::{Agency, Assignment, GrantInput, Official, OfficialsError};
use super::store as sql;
use crate::model::{AccountKind, Principal, Role, RoleAssignment, Territory};
use crate::policy::{Action, Denied, allows, authorize};
use crate::service::{self, NewAccount, now};

/// The longest name of an official, in characters.
const MAX_DISPLAY_NAME: usize = 200;

/// A refusal by the policy, or a problem with the request.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    /// The policy refused.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// The request cannot be done.
    #[error(transparent)]
    Refused(#[from] OfficialsError),
}

impl From<ManageError> for web::AppError {
    fn from(e: ManageError) -> Self {
        match e {
            ManageError::Denied(d) => d.into(),
            ManageError::Refused(r) => r.into(),
        }
    }
}

impl From<store::sqlx::Error> for ManageError {
    fn from(e: store::sqlx::Error) -> Self {
        ManageError::Refused(e.into())
    }
}

type Result<T> = std::result::Result<T, ManageError>;

/// Whether `me` may manage `official`: every territory its roles reach must be one `me` manages, so that no
/// administrator can take away (or lock out) powers granted above them. An official with no role left is managed
/// from the nation.
fn may_manage(me: &Principal, official: &Official) -> bool {
    let mut reach = official.territories().peekable();
    if reach.peek().is_none() {
        return allows(me, Action::ManageOfficials(Territory::Nation));
    }
    reach.all(|t| allows(me, Action::ManageOfficials(t)))
}

/// The agencies `me` may assign roles in.
pub async fn agencies(db: &Db, me: &Principal) -> Result<Vec<Agency>> {
    authorize(me, Action::OpenOfficialsOffice)?;
    let all = sql::agencies(db.pool()).await?;
    Ok(all.into_iter().filter(|a| allows(me, Action::ManageOfficials(a.territory))).collect())
}

/// Creates an agency in a territory `me` manages.
pub async fn create_agency(db: &Db, me: &Principal, code: &str, name: &str, territory: &str) -> Result<Agency> {
    let code: AgencyCode = code.parse().map_err(OfficialsError::from)?;
    let territory: Territory = territory.trim().parse().map_err(OfficialsError::from)?;
    let name = kernel::free_text::clean(name, 200).map_err(|e| match e {
        FreeTextError::Forbidden(_) => OfficialsError::Characters { field: "name", error: e },
        FreeTextError::Empty | FreeTextError::TooLong { .. } => OfficialsError::AgencyName,
    })?;
    authorize(me, Action::ManageOfficials(territory))?;
    let agency = Agency { code, name, territory };
    insert_agency(db, &agency, me.actor(Role::Administrator)).await?;
    Ok(agency)
}

/// Creates an agency for a process rather than a person (the demo, the command line), unless one with its code
/// exists; `true` if it was created.
pub async fn ensure_agency(db: &Db, agency: &Agency, by: trust::ledger::Actor) -> Result<bool> {
    if sql::agency(db.pool(), &agency.code).await?.is_some() {
        return Ok(false);
    }
    insert_agency(db, agency, by).await?;
    Ok(true)
}

async fn insert_agency(db: &Db, agency: &Agency, by: trust::ledger::Actor) -> Result<()> {
    let mut tx = db.begin_write().await?;
    if let Err(e) = sql::insert_agency(&mut *tx, agency, now()).await {
        return Err(if store::is_unique_violation(&e) {
            OfficialsError::AgencyExists(agency.code.clone()).into()
        } else {
            e.into()
        });
    }
    let event = Event::new(EventKind::AccountChanged, by).detail(serde_json::json!({
        "change": "agency_created", "agency": agency.code, "name": agency.name, "territory": agency.territory,
    }));
    trust::ledger::store::append(&mut tx, db.backend(), &mut [event]).await.map_err(OfficialsError::from)?;
    tx.commit().await?;
    Ok(())
}

/// The officials `me` may manage.
pub async fn officials(db: &Db, me: &Principal) -> Result<Vec<Official>> {
    authorize(me, Action::OpenOfficialsOffice)?;
    // Officials number in the thousands, not millions: filtering here keeps every decision in the policy.
    let all = sql::officials(db.pool(), None).await?;
    Ok(all.into_iter().filter(|o| may_manage(me, o)).collect())
}

/// One official `me` may manage; unknown and out-of-reach officials alike are [`OfficialsError::UnknownOfficial`].
pub async fn official(db: &Db, me: &Principal, account_id: i64) -> Result<Official> {
    authorize(me, Action::OpenOfficialsOffice)?;
    let found = sql::officials(db.pool(), Some(account_id)).await?.into_iter().next();
    found.filter(|o| may_manage(me, o)).ok_or_else(|| OfficialsError::UnknownOfficial.into())
}

/// Checks a role to grant: the agency exists, the territory lies within the agency's and `me` manages it.
async fn resolve(db: &Db, me: &Principal, input: &GrantInput) -> Result<RoleAssignment> {
    let (role, code, territory) = input.parse()?;
    let agency = sql::agency(db.pool(), &code).await?.ok_or(OfficialsError::UnknownAgency(code))?;
    let territory = territory.unwrap_or(agency.territory);
    if !agency.territory.covers(territory) {
        return Err(OfficialsError::BeyondAgency.into());
    }
    authorize(me, Action::ManageOfficials(territory))?;
    Ok(RoleAssignment { role, agency: Some(agency.code), territory })
}

fn change_event(me: &Principal, change: &str, username: &str, held: Option<&RoleAssignment>) -> Event {
    let mut detail = serde_json::json!({ "change": change, "account": username });
    if let Some(held) = held {
        detail["role"] = held.role.as_str().into();
        detail["agency"] = held.agency.as_ref().map(AgencyCode::as_str).into();
        detail["territory"] = held.territory.to_string().into();
    }
    Event::new(EventKind::AccountChanged, me.actor(Role::Administrator)).detail(detail)
}

/// An official made by an administrator: their id and the one-time password to hand over.
pub struct Created {
    /// The account's id.
    pub id: i64,
    /// The first password, shown once; the official changes it and switches on a second factor at first sign-in.
    pub password: String,
}

/// Creates an official holding one first role.
pub async fn create_official(
    db: &Db,
    me: &Principal,
    username: &str,
    display_name: &str,
    first_role: &GrantInput,
) -> Result<Created> {
    let held = resolve(db, me, first_role).await?;
    let display_name = kernel::free_text::clean(display_name, MAX_DISPLAY_NAME).map_err(|e| match e {
        FreeTextError::Empty => OfficialsError::DisplayName,
        e => OfficialsError::Characters { field: "display_name", error: e },
    })?;
    let password = service::random_password();
    let new = NewAccount {
        username: username.trim().to_owned(),
        display_name,
        kind: AccountKind::Official,
        password: password.clone(),
        roles: vec![held.clone()],
    };
    let event = change_event(me, "official_created", username.trim(), Some(&held));
    let id = service::create_account_audited(db, new, Some(event)).await.map_err(OfficialsError::from)?;
    Ok(Created { id, password })
}

/// Grants `official` a role; their sessions end, so the new powers start with a fresh sign-in.
pub async fn grant(db: &Db, me: &Principal, account_id: i64, input: &GrantInput) -> Result<Assignment> {
    let official = official(db, me, account_id).await?;
    let held = resolve(db, me, input).await?;
    let mut tx = db.begin_write().await?;
    let id = match crate::store::insert_role(&mut *tx, account_id, &held, now()).await {
        Ok(id) => id,
        Err(e) if store::is_unique_violation(&e) => return Err(OfficialsError::AlreadyHeld.into()),
        Err(e) => return Err(e.into()),
    };
    crate::store::delete_sessions_of(&mut *tx, account_id).await?;
    let event = change_event(me, "role_granted", &official.account.username, Some(&held));
    trust::ledger::store::append(&mut tx, db.backend(), &mut [event]).await.map_err(OfficialsError::from)?;
    tx.commit().await?;
    tracing::info!(account_id, role = held.role.as_str(), "role granted");
    Ok(Assignment { id, held })
}

/// Takes a role away from `official`, ending their sessions.
pub async fn revoke(db: &Db, me: &Principal, account_id: i64, assignment_id: i64) -> Result<()> {
    let official = official(db, me, account_id).await?;
    let held = official.roles.iter().find(|a| a.id == assignment_id).ok_or(OfficialsError::UnknownAssignment)?;
    let mut tx = db.begin_write().await?;
    if !sql::delete_assignment(&mut *tx, account_id, assignment_id).await? {
        return Err(OfficialsError::UnknownAssignment.into());
    }
    crate::store::delete_sessions_of(&mut *tx, account_id).await?;
    let event = change_event(me, "role_revoked", &official.account.username, Some(&held.held));
    trust::ledger::store::append(&mut tx, db.backend(), &mut [event]).await.map_err(OfficialsError::from)?;
    tx.commit().await?;
    tracing::info!(account_id, assignment_id, "role revoked");
    Ok(())
}

/// Disables `official`, ending every session at once; API tokens stop working with the account.
pub async fn disable(db: &Db, me: &Principal, account_id: i64) -> Result<()> {
    let official = official(db, me, account_id).await?;
    if official.account.id == me.account_id {
        // An administrator locking themselves out by mistake is an outage; another administrator can do it.
        return Err(ManageError::Denied(Denied));
    }
    let event = change_event(me, "account_disabled", &official.account.username, None);
    service::disable_account(db, &official.account.username, event).await.map_err(OfficialsError::from)?;
    Ok(())
}
