//! Managing agencies and officials: every change checked by the policy against the caller's own territory, written
//! with its ledger entry in one transaction, and ending the sessions of an official whose powers changed.

use kernel::{AgencyCode, FreeTextError};
use store::Db;
use trust::ledger::seal::Key;
use trust::ledger::{Event, EventKind};

use super::model::{Agency, Assignment, GrantInput, Official, OfficialsError, RoleGrant};
use super::store as sql;
use crate::input::{NewPassword, Username};
use crate::model::{AccountKind, Principal, Role, RoleAssignment, Territory};
use crate::policy::{Action, Denied, Whose, allows, authorize};
use crate::seals::{AGENCIES, ROLE_ASSIGNMENTS};
use crate::service::{self, IdentityError, NewAccount, now};

/// The longest name of an official, in characters.
pub const MAX_DISPLAY_NAME: usize = 200;

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

pub(crate) type Result<T> = std::result::Result<T, ManageError>;

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
    let code = Key::Text(agency.code.to_string());
    AGENCIES.append(&mut tx, db.backend(), code, event).await.map_err(OfficialsError::from)?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    Ok(())
}

/// Officials with their pending grants attached.
async fn load(db: &Db, account_id: Option<i64>) -> Result<Vec<Official>> {
    let mut officials = sql::officials(db.pool(), account_id).await?;
    for grant in sql::pending_grants(db.pool(), account_id, now()).await? {
        if let Some(o) = officials.iter_mut().find(|o| o.account.id == grant.account_id) {
            o.pending.push(grant);
        }
    }
    Ok(officials)
}

/// The officials `me` may manage.
pub async fn officials(db: &Db, me: &Principal) -> Result<Vec<Official>> {
    authorize(me, Action::OpenOfficialsOffice)?;
    // Officials number in the thousands, not millions: filtering here keeps every decision in the policy.
    let all = load(db, None).await?;
    Ok(all.into_iter().filter(|o| may_manage(me, o)).collect())
}

/// One official `me` may manage; unknown and out-of-reach officials alike are [`OfficialsError::UnknownOfficial`].
pub async fn official(db: &Db, me: &Principal, account_id: i64) -> Result<Official> {
    authorize(me, Action::OpenOfficialsOffice)?;
    let found = load(db, Some(account_id)).await?.into_iter().next();
    found.filter(|o| may_manage(me, o)).ok_or_else(|| OfficialsError::UnknownOfficial.into())
}

/// Checks that `me` may change `official`'s account as a whole (disable it): in every territory it reaches, and
/// never their own.
fn authorize_change(me: &Principal, official: &Official) -> Result<()> {
    let whose = Whose::of(me, official.account.id);
    let mut reach: Vec<Territory> = official.territories().collect();
    if reach.is_empty() {
        reach.push(Territory::Nation);
    }
    for territory in reach {
        authorize(me, Action::ChangeOfficial { territory, whose })?;
    }
    Ok(())
}

/// Checks a role to grant to the account `whose` names: the agency exists, the territory lies within the
/// agency's, and the policy lets `me` change that account there.
async fn resolve(db: &Db, me: &Principal, input: &GrantInput, whose: Whose) -> Result<RoleAssignment> {
    let (role, code, territory) = input.parse()?;
    let agency = sql::agency(db.pool(), &code).await?.ok_or(OfficialsError::UnknownAgency(code))?;
    let territory = territory.unwrap_or(agency.territory);
    if !agency.territory.covers(territory) {
        return Err(OfficialsError::BeyondAgency.into());
    }
    authorize(me, Action::ChangeOfficial { territory, whose })?;
    Ok(RoleAssignment { role, agency: Some(agency.code), territory })
}

/// A ledger entry for a change to `username`'s account, by `me` as administrator.
pub(crate) fn change_event(me: &Principal, change: &str, username: &str, held: Option<&RoleAssignment>) -> Event {
    Event::new(EventKind::AccountChanged, me.actor(Role::Administrator)).detail(change_detail(change, username, held))
}

fn change_detail(change: &str, username: &str, held: Option<&RoleAssignment>) -> serde_json::Value {
    let mut detail = serde_json::json!({ "change": change, "account": username });
    if let Some(held) = held {
        detail["role"] = held.role.as_str().into();
        detail["agency"] = held.agency.as_ref().map(AgencyCode::as_str).into();
        detail["territory"] = held.territory.to_string().into();
    }
    detail
}

/// Creates an account holding `new.roles` at once, for an operator acting with direct access to the database (the
/// command line, the demo's seeding): there are no four eyes here, since whoever can run it could write the tables
/// anyway. Its ledger entry says so: `account_created_by_operator`, naming `operator` and every role granted.
pub async fn create_by_operator(db: &Db, new: NewAccount, operator: &str) -> std::result::Result<i64, IdentityError> {
    let roles: Vec<serde_json::Value> =
        new.roles.iter().map(|r| change_detail("role_granted_by_operator", new.username.as_str(), Some(r))).collect();
    let mut detail = change_detail("account_created_by_operator", new.username.as_str(), None);
    detail["kind"] = new.kind.as_str().into();
    detail["roles"] = roles.into();
    let event = Event::new(EventKind::AccountChanged, trust::ledger::Actor::system(operator)).detail(detail);
    service::create_account_audited(db, new, Some(event)).await
}

/// An official made by an administrator: their id and the one-time password to hand over.
pub struct Created {
    /// The account's id.
    pub id: i64,
    /// The first password, shown once; the official changes it and switches on a second factor at first sign-in.
    pub password: String,
    /// The first role, when it awaits a second administrator rather than being held at once.
    pub pending: Option<RoleGrant>,
}

/// What granting a role did.
#[derive(Debug)]
pub enum Granted {
    /// The official holds the role now.
    Held(Assignment),
    /// The role awaits a second administrator's approval (it reads personal data, or is the administrator's).
    Pending(RoleGrant),
}

/// Creates an official with one first role: held at once, or asked for when it needs a second administrator (then
/// the account starts with no role), the account and the request written together.
pub async fn create_official(
    db: &Db,
    me: &Principal,
    username: &str,
    display_name: &str,
    first_role: &GrantInput,
) -> Result<Created> {
    // A new account is nobody's yet, least of all the caller's.
    let held = resolve(db, me, first_role, Whose::Other).await?;
    let display_name = kernel::free_text::clean(display_name, MAX_DISPLAY_NAME).map_err(|e| match e {
        FreeTextError::Empty => OfficialsError::DisplayName,
        e => OfficialsError::Characters { field: "display_name", error: e },
    })?;
    let password = NewPassword::random();
    let four_eyes = held.role.needs_second_administrator();
    let username: Username = username.trim().parse().map_err(OfficialsError::from)?;
    let new = NewAccount {
        username: username.clone(),
        display_name: display_name.clone(),
        kind: AccountKind::Official,
        password: password.clone(),
        roles: if four_eyes { vec![] } else { vec![held.clone()] },
    };
    let prepared = service::prepare_account(new).await.map_err(OfficialsError::from)?;
    let at = now();
    let mut tx = db.begin_write().await?;
    let created = change_event(me, "official_created", username.as_str(), (!four_eyes).then_some(&held));
    let id =
        service::insert_account(&mut tx, db.backend(), &prepared, at, created).await.map_err(OfficialsError::from)?;
    let pending = if four_eyes {
        let grantee = super::grants::Grantee { id, username: username.as_str(), display_name: &display_name };
        let grant = super::grants::request_in(&mut tx, me, grantee, held, at).await?;
        let mut requested = [super::grants::requested_event(me, &grant)];
        trust::ledger::store::append(&mut tx, db.backend(), &mut requested).await.map_err(OfficialsError::from)?;
        Some(grant)
    } else {
        None
    };
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(account_id = id, four_eyes, "official created");
    Ok(Created { id, password: password.expose().to_owned(), pending })
}

/// Grants `official` a role. One that needs a second administrator becomes a pending request; any other is held at
/// once, and the official's sessions end, so the new powers start with a fresh sign-in.
pub async fn grant(db: &Db, me: &Principal, account_id: i64, input: &GrantInput) -> Result<Granted> {
    let official = official(db, me, account_id).await?;
    let held = resolve(db, me, input, Whose::of(me, account_id)).await?;
    let same = |h: &RoleAssignment| h.role == held.role && h.agency == held.agency && h.territory == held.territory;
    if official.roles.iter().any(|a| same(&a.held)) {
        return Err(OfficialsError::AlreadyHeld.into());
    }
    if held.role.needs_second_administrator() {
        if official.pending.iter().any(|g| same(&g.held)) {
            return Err(OfficialsError::AlreadyPending.into());
        }
        return super::grants::request(db, me, &official, held).await.map(Granted::Pending);
    }
    let mut tx = db.begin_write().await?;
    let id = match crate::store::insert_role(&mut *tx, account_id, &held, now()).await {
        Ok(id) => id,
        Err(e) if store::is_unique_violation(&e) => return Err(OfficialsError::AlreadyHeld.into()),
        Err(e) => return Err(e.into()),
    };
    crate::store::delete_sessions_of(&mut *tx, account_id).await?;
    let event = change_event(me, "role_granted", &official.account.username, Some(&held));
    ROLE_ASSIGNMENTS.append(&mut tx, db.backend(), Key::Int(id), event).await.map_err(OfficialsError::from)?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(account_id, role = held.role.as_str(), "role granted");
    Ok(Granted::Held(Assignment { id, held }))
}

/// Takes a role away from `official`, ending their sessions; never one of the caller's own.
pub async fn revoke(db: &Db, me: &Principal, account_id: i64, assignment_id: i64) -> Result<()> {
    let official = official(db, me, account_id).await?;
    let held = official.roles.iter().find(|a| a.id == assignment_id).ok_or(OfficialsError::UnknownAssignment)?;
    authorize(me, Action::ChangeOfficial { territory: held.held.territory, whose: Whose::of(me, account_id) })?;
    let mut tx = db.begin_write().await?;
    if !sql::delete_assignment(&mut *tx, account_id, assignment_id).await? {
        return Err(OfficialsError::UnknownAssignment.into());
    }
    crate::store::delete_sessions_of(&mut *tx, account_id).await?;
    let event = change_event(me, "role_revoked", &official.account.username, Some(&held.held));
    ROLE_ASSIGNMENTS
        .append(&mut tx, db.backend(), Key::Int(assignment_id), event)
        .await
        .map_err(OfficialsError::from)?;
    tx.commit().await?;
    crate::token_cache::forget_all();
    tracing::info!(account_id, assignment_id, "role revoked");
    Ok(())
}

/// Disables `official`, ending every session at once; API tokens stop working with the account. Never the caller's
/// own: besides changing their own powers, an administrator locking themselves out by mistake is an outage.
pub async fn disable(db: &Db, me: &Principal, account_id: i64) -> Result<()> {
    let official = official(db, me, account_id).await?;
    authorize_change(me, &official)?;
    let event = change_event(me, "account_disabled", &official.account.username, None);
    service::disable_account(db, &official.account.username, event).await.map_err(OfficialsError::from)?;
    Ok(())
}
